"""Private media (files/private.py): each sender delivers a file with the same
safe headers, and the checks refuse settings that would make it public."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile

from sitefiles import checks
from sitefiles.private import SANDBOX, private_file_response

CONTENT = b"only for its owner\n" * 1000
NAME = "documents/2026/11/0123456789abcdef0123456789abcdef.txt"


def stored(storage, name=NAME):
    """A model's file field value, for a file saved in ``storage``."""
    name = storage.save(name, ContentFile(CONTENT))
    return FieldFile(None, FileField(storage=storage), name)


@pytest.fixture
def private_file(tmp_path):
    """A file in a private storage on disk, as production keeps them."""
    return stored(FileSystemStorage(location=tmp_path, base_url="/private-media/"))


def safe_headers(response):
    return {
        name: response.headers.get(name)
        for name in (
            "Content-Type",
            "Content-Disposition",
            "Content-Security-Policy",
            "Cache-Control",
        )
    }


EXPECTED_HEADERS = {
    "Content-Type": "text/plain",
    "Content-Disposition": "attachment",
    "Content-Security-Policy": SANDBOX,
    "Cache-Control": "private, no-store",
}


def test_django_streams_the_file_itself(settings, private_file):
    settings.SITEFILES_PRIVATE_MEDIA_SENDER = "django"

    response = private_file_response(private_file)

    assert response.streaming
    assert b"".join(response.streaming_content) == CONTENT
    assert safe_headers(response) == EXPECTED_HEADERS
    assert response["Content-Length"] == str(len(CONTENT))


def test_nginx_is_told_the_internal_url(settings, private_file):
    settings.SITEFILES_PRIVATE_MEDIA_SENDER = "nginx"

    response = private_file_response(private_file)

    assert response["X-Accel-Redirect"] == f"/private-media/{NAME}"
    assert response.content == b""
    assert safe_headers(response) == EXPECTED_HEADERS


def test_apache_is_told_the_path(settings, private_file, tmp_path):
    settings.SITEFILES_PRIVATE_MEDIA_SENDER = "apache"

    response = private_file_response(private_file)

    assert Path(response["X-Sendfile"]) == tmp_path / NAME
    assert response.content == b""
    assert safe_headers(response) == EXPECTED_HEADERS


def test_a_bucket_sender_redirects_to_the_storage_s_link(settings, tmp_path):
    settings.SITEFILES_PRIVATE_MEDIA_SENDER = "signed-url"
    file = stored(FileSystemStorage(location=tmp_path, base_url="https://bucket.test/"))

    response = private_file_response(file)

    assert response.status_code == 302
    assert response["Location"] == f"https://bucket.test/{NAME}"
    assert response["Cache-Control"] == "private, no-store"


def test_a_picture_is_shown_inline(settings, tmp_path):
    settings.SITEFILES_PRIVATE_MEDIA_SENDER = "nginx"
    storage = FileSystemStorage(location=tmp_path, base_url="/private-media/")
    file = stored(storage, "documents/a.png")

    response = private_file_response(file)

    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "inline"


def ids(messages):
    return [message.id for message in messages]


def private_storage_in(settings, location):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }


@pytest.mark.parametrize("inside", ["MEDIA_ROOT", "STATIC_ROOT"])
def test_private_files_inside_a_served_directory_are_an_error(
    settings, tmp_path, inside
):
    settings.MEDIA_ROOT, settings.STATIC_ROOT = tmp_path / "m", tmp_path / "s"
    private_storage_in(settings, getattr(settings, inside) / "private")

    assert ids(checks.private_media_kept_apart(None)) == ["sitefiles.E003"]


def test_private_files_beside_the_served_directories_pass(settings, tmp_path):
    settings.MEDIA_ROOT, settings.STATIC_ROOT = tmp_path / "m", tmp_path / "s"
    private_storage_in(settings, tmp_path / "private")

    assert checks.private_media_kept_apart(None) == []


@pytest.mark.parametrize("sender", ["nginx", "apache"])
def test_a_web_server_sender_needs_files_on_disk(settings, sender):
    settings.SITEFILES_PRIVATE_MEDIA_SENDER = sender
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }

    assert ids(checks.private_media_sender_fits_storage(None)) == ["sitefiles.E004"]


def test_a_bucket_sender_needs_a_bucket(settings, tmp_path):
    private_storage_in(settings, tmp_path)
    settings.SITEFILES_PRIVATE_MEDIA_SENDER = "signed-url"
    assert ids(checks.private_media_sender_fits_storage(None)) == ["sitefiles.E004"]


def test_a_site_without_private_media_needs_no_sender(settings):
    settings.STORAGES = {k: v for k, v in settings.STORAGES.items() if k != "private"}
    assert checks.private_media_sender_fits_storage(None) == []

    settings.SITEFILES_PRIVATE_MEDIA_SENDER = "nginx"  # a sender for nothing
    assert ids(checks.private_media_sender_fits_storage(None)) == ["sitefiles.E004"]
