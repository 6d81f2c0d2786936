"""Production's static storage (files/storage.py): hashed files never change once
written, the manifest is replaced last, reuse is decided by content, and every
run ends where a run into an empty STATIC_ROOT does."""

import gzip
import json
import os
import stat

import brotli
import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management.base import CommandError
from whitenoise.storage import MissingFileError

from sitefiles import storage
from sitefiles.pipeline import build, compression, writing
from tests.static_sources import (
    BROKEN,
    DJANGO_MANIFEST,
    FILLER,
    SOURCES,
    collect,
    contents,
    served,
    snapshot,
    write_sources,
)

CHANGED_JS = "export const answer = 43;\n" * 40
# How a broken reference ends the run: WhiteNoise's error, or Django 6's
# CommandError wrapping it.
POST_PROCESSING_FAILED = (MissingFileError, CommandError)


def assert_compressed_copies_match(root):
    """Each .br and .gz file decompresses to the file it sits next to."""
    for path in root.rglob("*"):
        original = path.with_suffix("")
        if path.suffix == ".br":
            assert brotli.decompress(path.read_bytes()) == original.read_bytes(), path
        elif path.suffix == ".gz":
            assert gzip.decompress(path.read_bytes()) == original.read_bytes(), path


def assert_same_as_cold(root, sources, tmp_path, **settings):
    """Every file a run into an empty STATIC_ROOT writes, the manifest included,
    is in ``root`` with the same bytes (``root`` also keeps earlier files, for
    pages that still link them)."""
    cold_root = tmp_path / "cold"
    collect(sources, cold_root, **settings)
    cold, after = contents(cold_root), contents(root)
    assert {name: after.get(name) for name in cold} == cold


@pytest.fixture
def sources(tmp_path):
    directory = tmp_path / "sources"
    write_sources(directory, SOURCES)
    return directory


@pytest.fixture
def root(sources, tmp_path):
    """STATIC_ROOT after a first run."""
    root = tmp_path / "staticfiles"
    collect(sources, root)
    return root


def test_a_cold_run_hashes_rewrites_and_compresses(sources, tmp_path):
    root = tmp_path / "root"

    names = collect(sources, root)

    base = (root / names["css/base.css"]).read_text()
    assert f'url("../img/{os.path.basename(names["img/dot.svg"])}")' in base
    # Hashed files, and unhashed ones with the same bytes: what pages can link.
    for name in (names["css/base.css"], "js/app.js", names["js/app.js"]):
        assert (root / f"{name}.br").is_file(), name
        assert (root / f"{name}.gz").is_file(), name
    # Not the unhashed copy of a rewritten file: nothing links it.
    assert not (root / "css/base.css.br").exists()
    assert_compressed_copies_match(root)
    # No intermediate files of Django's passes, no temporary files.
    assert {path.name for path in root.rglob("*.css")} == {
        "alone.css",
        "base.css",
        "page.css",
        *(os.path.basename(names[name]) for name in SOURCES if name.endswith(".css")),
    }
    assert not list(root.rglob("*.partial"))


def test_hashed_files_are_those_django_manifest_storage_writes(sources, tmp_path):
    names = collect(sources, tmp_path / "root")

    django_names = collect(sources, tmp_path / "django", backend=DJANGO_MANIFEST)

    assert names == django_names
    for hashed_name in names.values():
        ours = (tmp_path / "root" / hashed_name).read_bytes()
        assert ours == (tmp_path / "django" / hashed_name).read_bytes()


def test_the_manifest_records_what_it_was_built_from(sources, root):
    manifest = json.loads((root / "staticfiles.json").read_text())

    assert manifest["sources"] == {
        name: build.digest((sources / name).read_bytes()) for name in SOURCES
    }
    assert len(manifest["fingerprint"]) == 32


def test_a_rerun_with_nothing_changed_writes_no_file(sources, root):
    before = snapshot(root)

    collect(sources, root)

    assert snapshot(root) == before


def test_every_source_is_read_on_every_run(sources, root):
    """An edit that keeps the size and the modification time is still seen."""
    path = sources / "js/app.js"
    times = os.stat(path)
    path.write_text("export const answer = 24;\n" * 40)
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))

    names = collect(sources, root)

    for name in (names["js/app.js"], "js/app.js"):
        assert (root / name).read_text().startswith("export const answer = 24")


def test_a_read_only_tree_with_fixed_times_is_rebuilt_when_it_changes(
    sources, tmp_path
):
    """As the Nix store and reproducible image builds leave sources: every
    modification time 1, nothing writable."""

    def freeze():
        for path in sources.rglob("*"):
            os.utime(path, (1, 1))
            path.chmod(path.stat().st_mode & ~0o222)

    freeze()
    root = tmp_path / "root"
    collect(sources, root)
    for path in (sources, sources / "css", sources / "css/alone.css"):
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    (sources / "css/alone.css").write_text(FILLER + ".changed { margin: 0; }\n")
    freeze()

    names = collect(sources, root)

    for name in (names["css/alone.css"], "css/alone.css"):
        assert ".changed" in (root / name).read_text(), name
        assert b".changed" in brotli.decompress((root / f"{name}.br").read_bytes())
    assert_same_as_cold(root, sources, tmp_path)


def test_a_change_rebuilds_what_references_it_and_ends_as_a_cold_run(
    sources, root, tmp_path
):
    old_names = collect(sources, root)
    before = snapshot(root)
    (sources / "img/dot.svg").write_text(SOURCES["img/dot.svg"].replace("1", "2"))

    names = collect(sources, root)

    # The image, the stylesheet that links it and the one that imports that.
    for name in ("img/dot.svg", "css/base.css", "css/page.css"):
        assert names[name] != old_names[name], name
    after = snapshot(root)
    for name in ("css/alone.css", "js/app.js"):
        for output in (names[name], f"{names[name]}.br", f"{names[name]}.gz"):
            assert after[output] == before[output], f"{output} was rewritten"
    assert_same_as_cold(root, sources, tmp_path)


def test_a_run_never_rewrites_nor_deletes_a_file_the_manifest_named(sources, root):
    names = collect(sources, root)
    before = served(root, names)
    (sources / "img/dot.svg").write_text(SOURCES["img/dot.svg"].replace("1", "3"))
    (sources / "js/app.js").write_text(CHANGED_JS)
    (sources / "css/alone.css").unlink()

    collect(sources, root)

    # Each file by inode and bytes: never replaced, never written into.
    assert served(root, names) == before


def test_a_full_build_never_rewrites_nor_deletes_a_file_either(sources, root):
    """Every source is processed again, and makes the files that serve."""
    names = collect(sources, root)
    before = served(root, names)

    # In the fingerprint, and changes none of these files' output.
    collect(sources, root, WHITENOISE_SKIP_COMPRESS_EXTENSIONS=["png"])

    assert served(root, names) == before


def test_a_full_build_writes_again_a_hashed_file_cut_short(sources, root, tmp_path):
    """As a writer that writes in place (Django's own storage) leaves one when
    it is killed."""
    names = collect(sources, root)
    image = root / names["img/dot.svg"]
    image.write_bytes(image.read_bytes()[:10])

    collect(sources, root, WHITENOISE_SKIP_COMPRESS_EXTENSIONS=["png"])

    assert image.read_text() == SOURCES["img/dot.svg"]


def test_a_changed_file_keeps_no_compressed_copy_of_its_old_content(sources, root):
    assert (root / "css/alone.css.br").is_file()
    (sources / "css/alone.css").write_text("a{}")  # too small to compress

    collect(sources, root)

    assert not (root / "css/alone.css.br").exists()
    assert not (root / "css/alone.css.gz").exists()
    (sources / "js/app.js").write_text(CHANGED_JS)
    collect(sources, root)
    assert_compressed_copies_match(root)


def test_a_broken_reference_is_named_and_changes_nothing_served(sources, root):
    names = collect(sources, root)
    manifest = (root / "staticfiles.json").read_bytes()
    before = served(root, names)
    (sources / "js/app.js").write_text(CHANGED_JS)
    write_sources(sources, {"css/broken.css": BROKEN})

    # WhiteNoise's message: the file that references the missing one.
    with pytest.raises(
        POST_PROCESSING_FAILED,
        match="The CSS file 'css/broken.css' references a file which could not",
    ):
        collect(sources, root)

    assert (root / "staticfiles.json").read_bytes() == manifest
    assert served(root, names) == before


def test_a_run_that_fails_ends_before_collectstatic_raises(sources, root):
    """collectstatic raises the error post-processing yields and leaves the
    generator where it is: the run must not wait for the garbage collector to
    end it (it would end it in whatever thread it runs in, maybe a later run's)."""
    write_sources(sources, {"css/broken.css": BROKEN})
    found = FileSystemStorage(location=sources)
    names = [p.relative_to(sources).as_posix() for p in sources.rglob("*.*")]
    paths = {name: (found, name) for name in names}
    static_storage = storage.CompressedManifestStorage(location=root)
    processor = static_storage.post_process(paths)  # collectstatic's reference

    for _, _, processed in processor:
        if isinstance(processed, Exception):
            break

    assert static_storage.run is None
    processor.close()


def test_a_reference_to_a_removed_source_fails_as_in_an_empty_static_root(
    sources, root
):
    """Django would link the copy a past run left in STATIC_ROOT."""
    (sources / "img/dot.svg").unlink()
    (sources / "css/base.css").write_text(SOURCES["css/base.css"] + "\n")

    with pytest.raises(POST_PROCESSING_FAILED, match="img/dot.svg"):
        collect(sources, root)


@pytest.mark.parametrize(
    "fault",
    ["while Django hashes", "while compressing", "writing the manifest"],
)
def test_a_run_that_dies_leaves_what_served_and_the_next_finishes_it(
    sources, root, tmp_path, monkeypatch, fault
):
    names = collect(sources, root)
    manifest = (root / "staticfiles.json").read_bytes()
    before = served(root, names)
    (sources / "img/dot.svg").write_text(SOURCES["img/dot.svg"].replace("1", "4"))
    (sources / "js/app.js").write_text(CHANGED_JS)

    def die(*arguments, **keywords):
        raise KeyboardInterrupt(fault)

    with monkeypatch.context() as patch:
        if fault == "while Django hashes":
            patch.setattr(storage.Run, "built", die)
        elif fault == "while compressing":
            patch.setattr(compression, "compressed_copies", die)
        else:
            write_whole = writing.write_whole

            def manifest_dies(path, *arguments):
                if str(path).endswith("staticfiles.json"):
                    die()
                write_whole(path, *arguments)

            patch.setattr(storage, "write_whole", manifest_dies)
        with pytest.raises(KeyboardInterrupt):
            collect(sources, root)

    assert (root / "staticfiles.json").read_bytes() == manifest
    assert served(root, names) == before
    collect(sources, root)
    assert_same_as_cold(root, sources, tmp_path)
    assert not list(root.rglob("*.partial"))


def test_abandoned_temporary_files_go_and_a_running_writers_stay(
    sources, root, tmp_path
):
    abandoned = root / "css" / "site.css.99999999-0123abcd.partial"
    abandoned.write_text("half a fi")
    running = root / "js" / f"app.js.{os.getppid()}-0123abcd.partial"
    running.write_text("being writ")

    collect(sources, root)

    assert not abandoned.exists()
    assert running.exists()


def test_a_symbolic_link_as_static_root_is_written_through(sources, tmp_path):
    """The usual releases/ + current layout."""
    release = tmp_path / "releases" / "1" / "staticfiles"
    release.mkdir(parents=True)
    root = tmp_path / "current"
    root.symlink_to(release)

    collect(sources, root)
    (sources / "js/app.js").write_text(CHANGED_JS)
    names = collect(sources, root)

    assert root.is_symlink()
    assert (release / names["js/app.js"]).read_text() == CHANGED_JS


def test_keep_only_hashed_files_keeps_its_meaning(sources, tmp_path):
    root = tmp_path / "root"

    names = collect(sources, root, WHITENOISE_KEEP_ONLY_HASHED_FILES=True)
    collect(sources, root, WHITENOISE_KEEP_ONLY_HASHED_FILES=True)

    left = {path.relative_to(root).as_posix() for path in root.rglob("*")}
    for name, hashed_name in names.items():
        assert hashed_name in left
        assert not {name, f"{name}.br", f"{name}.gz"} & left


def test_manifest_strict_keeps_its_meaning(sources, root, settings):
    (root / "css/uncollected.css").write_text("a {}")  # not in the manifest
    settings.STATIC_ROOT = root
    settings.WHITENOISE_MANIFEST_STRICT = False

    lenient = storage.CompressedManifestStorage()

    assert lenient.url("css/uncollected.css").startswith("/static/css/uncollected.")
    settings.WHITENOISE_MANIFEST_STRICT = True
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.CompressedManifestStorage().url("css/uncollected.css")


def test_a_change_of_what_shapes_the_output_is_a_cold_build(sources, root, tmp_path):
    """Here: WhiteNoise's skip list now names stylesheets."""
    skip_css = {"WHITENOISE_SKIP_COMPRESS_EXTENSIONS": ["css"]}

    names = collect(sources, root, **skip_css)

    assert not (root / f"{names['css/alone.css']}.br").exists()
    assert (root / f"{names['js/app.js']}.br").exists()
    assert_same_as_cold(root, sources, tmp_path, **skip_css)


def test_whitenoise_serves_the_new_content_of_a_changed_file(
    sources, root, client, settings
):
    (sources / "js/app.js").write_text(CHANGED_JS)
    collect(sources, root)
    settings.STATIC_ROOT = root

    response = client.get("/static/js/app.js", HTTP_ACCEPT_ENCODING="br, gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    body = b"".join(response.streaming_content)
    assert brotli.decompress(body).decode() == CHANGED_JS
