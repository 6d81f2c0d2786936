"""WhiteNoise beside a collectstatic run (files/middleware.py): a worker that
listed STATIC_ROOT before the run serves what pages of the new manifest link,
and unhashed files as they are now, never a 404 or a 500 for either."""

import brotli
import pytest
from django.http import HttpResponseNotFound
from django.test import RequestFactory
from whitenoise import middleware

from sitefiles.middleware import WhiteNoiseMiddleware
from tests.static_sources import PRODUCTION, SOURCES, collect, write_sources

CHANGED_JS = "export const answer = 43;\n" * 40


@pytest.fixture
def sources(tmp_path):
    directory = tmp_path / "sources"
    write_sources(directory, SOURCES)
    return directory


@pytest.fixture
def root(sources, tmp_path, settings):
    """STATIC_ROOT after a first run, served with production's storage."""
    root = tmp_path / "staticfiles"
    collect(sources, root)
    settings.STATIC_ROOT = root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION}}
    return root


def get(whitenoise, path, encoding="br, gzip"):
    request = RequestFactory().get(path, HTTP_ACCEPT_ENCODING=encoding)
    return whitenoise(request)


def body(response):
    data = b"".join(response.streaming_content)
    if response.get("Content-Encoding") == "br":
        return brotli.decompress(data)
    return data


def worker(cls=WhiteNoiseMiddleware):
    """A middleware as a gunicorn worker builds it: listing STATIC_ROOT now."""
    return cls(get_response=lambda request: HttpResponseNotFound())


def test_a_hashed_file_newer_than_the_list_is_served(sources, root):
    whitenoise = worker()
    (sources / "js/app.js").write_text(CHANGED_JS)
    new = collect(sources, root)["js/app.js"]  # what pages of the new manifest link

    response = get(whitenoise, f"/static/{new}")

    assert response.status_code == 200
    assert body(response).decode() == CHANGED_JS
    assert f"/static/{new}" in whitenoise.files  # hashed: kept in the list


def test_an_unhashed_file_is_served_as_it_is_now(sources, root):
    whitenoise, plain = worker(), worker(middleware.WhiteNoiseMiddleware)
    assert (root / "css/alone.css.br").is_file()
    (sources / "css/alone.css").write_text("a{}")  # too small: its .br goes
    collect(sources, root)

    response = get(whitenoise, "/static/css/alone.css")

    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert response["Content-Length"] == "3"
    assert body(response) == b"a{}"
    with pytest.raises(FileNotFoundError):  # WhiteNoise's own: a 500
        get(plain, "/static/css/alone.css")


def test_a_worker_lists_nothing_when_it_starts(sources, root):
    """A stat and a record per file in STATIC_ROOT would make every worker's
    start and memory grow with the tree."""
    collect(sources, root)

    assert worker().files == {}


def test_a_hashed_file_found_once_is_served_from_the_list(sources, root, monkeypatch):
    hashed = collect(sources, root)["js/app.js"]
    whitenoise = worker()
    first = get(whitenoise, f"/static/{hashed}")
    monkeypatch.setattr(whitenoise, "find_file", pytest.fail)  # no disk lookup

    response = get(whitenoise, f"/static/{hashed}")

    assert first.status_code == response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Encoding"] == "br"


def test_a_missing_static_file_is_left_to_django(root):
    response = get(worker(), "/static/css/never-collected.css")

    assert response.status_code == 404


@pytest.mark.parametrize("worker_sees", ["listed", "newer than the list"])
def test_a_range_of_a_static_file_is_served(sources, root, worker_sees):
    """A part of a file, by byte (a media player seeking in a static video)."""
    if worker_sees == "listed":
        hashed = collect(sources, root)["js/app.js"]
        whitenoise = worker()
    else:
        whitenoise = worker()
        (sources / "js/app.js").write_text(CHANGED_JS)
        hashed = collect(sources, root)["js/app.js"]
    whole = (root / hashed).read_bytes()
    request = RequestFactory().get(f"/static/{hashed}", HTTP_RANGE="bytes=5-14")

    response = whitenoise(request)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 5-14/{len(whole)}"
    assert b"".join(response.streaming_content) == whole[5:15]
