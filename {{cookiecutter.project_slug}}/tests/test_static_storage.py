"""Production's static storage (config/static_storage.py): a re-run rebuilds only
what changed, ends byte for byte where a cold run does, and never leaves a
compressed copy of older content."""

import gzip
from pathlib import Path

import brotli
import pytest

from config import static_storage
from tests.static_sources import (
    DJANGO_MANIFEST,
    FILLER,
    SOURCES,
    collect,
    edit,
    snapshot,
    write_sources,
)


def assert_compressed_copies_match(root):
    """Each .br and .gz file decompresses to the file it sits next to."""
    for path in root.rglob("*"):
        original = path.with_suffix("")
        if path.suffix == ".br":
            assert brotli.decompress(path.read_bytes()) == original.read_bytes(), path
        elif path.suffix == ".gz":
            assert gzip.decompress(path.read_bytes()) == original.read_bytes(), path


@pytest.fixture
def sources(tmp_path):
    directory = tmp_path / "sources"
    write_sources(directory, SOURCES)
    return directory


def test_a_cold_run_hashes_rewrites_and_compresses(sources, tmp_path):
    root = tmp_path / "root"

    names = collect(sources, root)

    base = (root / names["css/base.css"]).read_text()
    assert f'url("../img/{Path(names["img/dot.svg"]).name}")' in base
    # Hashed files, and unhashed ones with the same bytes: what pages can link.
    for name in (names["css/base.css"], "js/app.js", names["js/app.js"]):
        assert (root / f"{name}.br").is_file(), name
        assert (root / f"{name}.gz").is_file(), name
    # Not the unhashed copy of a rewritten file: nothing links it.
    assert not (root / "css/base.css.br").exists()
    assert_compressed_copies_match(root)


def test_hashed_files_are_those_django_manifest_storage_writes(sources, tmp_path):
    names = collect(sources, tmp_path / "root")

    django_names = collect(sources, tmp_path / "django", backend=DJANGO_MANIFEST)

    assert names == django_names
    for hashed_name in names.values():
        ours = (tmp_path / "root" / hashed_name).read_bytes()
        assert ours == (tmp_path / "django" / hashed_name).read_bytes()


def test_a_rerun_with_nothing_changed_rewrites_no_file(sources, tmp_path):
    root = tmp_path / "root"
    collect(sources, root)
    before = snapshot(root)

    collect(sources, root)

    after = snapshot(root)
    bookkeeping = {"staticfiles.json", static_storage.SOURCES_NAME}
    assert after.keys() == before.keys()
    assert {name for name in after if after[name] != before[name]} <= bookkeeping
    assert after["staticfiles.json"][2] == before["staticfiles.json"][2]


def test_a_rerun_reads_no_source_whose_size_and_time_are_unchanged(
    sources, tmp_path, monkeypatch
):
    root = tmp_path / "root"
    collect(sources, root)
    edit(sources / "js/app.js", "export const answer = 43;\n" * 40)
    read = []
    digest = static_storage.source_digest
    monkeypatch.setattr(
        static_storage,
        "source_digest",
        lambda storage, path: read.append(path) or digest(storage, path),
    )

    collect(sources, root)

    assert read == ["js/app.js"]


def test_a_change_rebuilds_what_references_it_and_ends_as_a_cold_run(sources, tmp_path):
    root = tmp_path / "root"
    old_names = collect(sources, root)
    before = snapshot(root)
    edit(sources / "img/dot.svg", SOURCES["img/dot.svg"].replace("1", "2"))

    names = collect(sources, root)

    # The image, the stylesheet that links it and the one that imports that.
    for name in ("img/dot.svg", "css/base.css", "css/page.css"):
        assert names[name] != old_names[name], name
    after = snapshot(root)
    for name in ("css/alone.css", "js/app.js"):
        for output in (names[name], f"{names[name]}.br", f"{names[name]}.gz"):
            assert after[output] == before[output], f"{output} was rewritten"
    cold_root = tmp_path / "cold"
    collect(sources, cold_root)
    cold = snapshot(cold_root)
    assert {name: after[name][2] for name in cold} == {
        name: cold[name][2] for name in cold
    }
    # What a cold run lacks: the previous hashed files, kept for cached pages.
    assert {Path(name).name.split(".")[1] for name in after.keys() - cold.keys()} == {
        Path(old_names[name]).name.split(".")[1]
        for name in ("img/dot.svg", "css/base.css", "css/page.css")
    }


def test_a_changed_file_keeps_no_compressed_copy_of_its_old_content(sources, tmp_path):
    root = tmp_path / "root"
    collect(sources, root)
    assert (root / "css/alone.css.br").is_file()
    edit(sources / "css/alone.css", "a{}")  # too small to compress

    collect(sources, root)

    assert not (root / "css/alone.css.br").exists()
    assert not (root / "css/alone.css.gz").exists()
    edit(sources / "js/app.js", "export const answer = 43;\n" * 40)
    collect(sources, root)
    assert_compressed_copies_match(root)


def test_whitenoise_serves_the_new_content_of_a_changed_file(
    sources, tmp_path, client, settings
):
    root = tmp_path / "root"
    collect(sources, root)
    changed = "export const answer = 43;\n" * 40
    edit(sources / "js/app.js", changed)
    collect(sources, root)
    settings.STATIC_ROOT = root

    response = client.get("/static/js/app.js", HTTP_ACCEPT_ENCODING="br, gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    body = b"".join(response.streaming_content)
    assert brotli.decompress(body).decode() == changed


def test_a_run_that_failed_writing_compressed_copies_is_finished_by_the_next(
    sources, tmp_path, monkeypatch
):
    root = tmp_path / "root"
    collect(sources, root)
    edit(sources / "css/alone.css", FILLER + ".changed { margin: 0; }\n")

    def fail(path, copies):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(static_storage, "write_copies", fail)
        with pytest.raises(OSError, match="disk full"):
            collect(sources, root)
    names = collect(sources, root)

    assert_compressed_copies_match(root)
    assert (root / f"{names['css/alone.css']}.br").is_file()
    assert (root / "css/alone.css.br").is_file()
