"""collectstatic (config/management/commands/collectstatic.py) collects into a
copy of STATIC_ROOT and swaps it in whole: a failed run leaves the previous
files serving, as they were."""

import fcntl
import os
import sys
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from config.management.commands import collectstatic
from tests.static_sources import SOURCES, collect, edit, snapshot, write_sources

BROKEN = 'body { background: url("../img/missing.png"); }\n'
# How a broken reference ends the run: a ValueError, a CommandError from Django 6.
POST_PROCESSING_FAILED = (ValueError, CommandError)


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


def leftovers(root):
    """What a run left beside STATIC_ROOT (a staging copy, an old tree)."""
    return sorted(root.parent.glob(f"{root.name}?*"))


def staging(root):
    return root.with_name(root.name + collectstatic.STAGING_SUFFIX)


def test_a_failed_run_leaves_the_previous_files_as_they_were(sources, root):
    before = snapshot(root)
    edit(sources / "js/app.js", "export const answer = 43;\n" * 40)
    write_sources(sources, {"css/broken.css": BROKEN})

    with pytest.raises(POST_PROCESSING_FAILED, match="missing.png"):
        collect(sources, root)

    # Not one file added, changed or removed, hard-linked files included.
    assert snapshot(root) == before


def test_a_run_swaps_in_the_new_files_and_keeps_the_unchanged_ones(sources, root):
    before = snapshot(root)
    directory = root.stat().st_ino
    changed = "export const answer = 43;\n" * 40
    edit(sources / "js/app.js", changed)

    names = collect(sources, root)

    assert root.stat().st_ino != directory, "STATIC_ROOT was written in place"
    assert (root / names["js/app.js"]).read_text() == changed
    assert (root / "js/app.js").read_text() == changed
    # Unchanged files are the same files (hard links): no data was copied.
    after = snapshot(root)
    unchanged = names["css/alone.css"]
    assert after[unchanged] == before[unchanged]
    # The tree it replaced waits beside it, for the next run to start from.
    assert leftovers(root) == [staging(root)]
    assert snapshot(staging(root)) == before


def test_the_next_run_relinks_only_what_differs(sources, root, monkeypatch):
    edit(sources / "js/app.js", "export const answer = 43;\n" * 40)
    collect(sources, root)
    live, kept = snapshot(root), snapshot(staging(root))
    differing = {name for name in live if live[name][0] != kept.get(name, (0,))[0]}
    linked = []
    link = os.link
    monkeypatch.setattr(
        os, "link", lambda source, target: linked.append(source) or link(source, target)
    )

    collect(sources, root)

    assert 0 < len(differing) < len(live) / 2
    assert {Path(name).relative_to(root).as_posix() for name in linked} == differing


def test_the_swapped_in_tree_keeps_the_directory_modes(sources, root):
    """A web server's user reads STATIC_ROOT by its modes."""
    root.chmod(0o750)
    (root / "css").chmod(0o710)

    collect(sources, root)

    assert root.stat().st_mode & 0o777 == 0o750
    assert (root / "css").stat().st_mode & 0o777 == 0o710


def test_in_place_writes_into_static_root_as_django_does(sources, root):
    directory = root.stat().st_ino
    edit(sources / "js/app.js", "export const answer = 43;\n" * 40)

    collect(sources, root, "--in-place")

    assert root.stat().st_ino == directory


def test_a_first_run_creates_static_root(sources, tmp_path):
    root = tmp_path / "new" / "staticfiles"

    names = collect(sources, root)

    assert (root / names["css/base.css"]).is_file()
    assert leftovers(root) == []


def test_what_a_killed_run_left_is_never_served(sources, root):
    retired = root.with_name(root.name + collectstatic.RETIRED_SUFFIX)
    for leftover in (staging(root), retired):
        (leftover / "css").mkdir(parents=True)
        (leftover / "half-written.css").write_text("a{")
        (leftover / "css" / "base.css").write_text("a{")
    before = snapshot(root)

    collect(sources, root)

    after = snapshot(root)
    assert after.keys() == before.keys()
    assert {name: after[name][2] for name in after} == {
        name: before[name][2] for name in before
    }
    assert not retired.exists()


def test_a_second_run_at_the_same_time_is_refused(sources, root):
    descriptor = os.open(root.parent, os.O_RDONLY)
    fcntl.flock(descriptor, fcntl.LOCK_EX)  # as a run in progress holds it
    try:
        with pytest.raises(CommandError, match="Another collectstatic"):
            collect(sources, root)
    finally:
        os.close(descriptor)


def test_a_symbolic_link_as_static_root_is_refused_with_the_fix(sources, root):
    link = root.with_name("linked")
    link.symlink_to(root)

    with pytest.raises(CommandError, match="symbolic link.*--in-place"):
        collect(sources, link)


def test_a_static_root_this_user_cannot_write_is_refused_by_name(
    sources, root, monkeypatch
):
    # Tests run as root, whom permission bits do not stop.
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != root)

    with pytest.raises(CommandError, match=f"{root} is not writable by this user"):
        collect(sources, root)

    assert leftovers(root) == []


def test_a_dry_run_writes_nothing(sources, root):
    before = snapshot(root)
    directory = root.stat().st_ino
    edit(sources / "js/app.js", "export const answer = 43;\n" * 40)

    collect(sources, root, "--dry-run")

    assert snapshot(root) == before
    assert root.stat().st_ino == directory
    assert leftovers(root) == []


def test_a_failed_run_with_clear_leaves_the_previous_files(sources, root):
    before = snapshot(root)
    write_sources(sources, {"css/broken.css": BROKEN})

    with pytest.raises(POST_PROCESSING_FAILED, match="missing.png"):
        collect(sources, root, "--clear")

    assert snapshot(root) == before


def test_clear_leaves_only_what_this_run_collected(sources, root):
    old_names = collect(sources, root)
    (sources / "css/alone.css").unlink()

    names = collect(sources, root, "--clear")

    assert not (root / old_names["css/alone.css"]).exists()
    assert (root / names["css/base.css"]).is_file()


@pytest.mark.skipif(sys.platform != "linux", reason="renameat2 is Linux's")
def test_on_linux_the_swap_is_one_exchange_never_a_moment_without_files(
    sources, root, monkeypatch
):
    def no_renames(*arguments):
        raise AssertionError("renamed: STATIC_ROOT was missing for a moment")

    monkeypatch.setattr(Path, "rename", no_renames)
    edit(sources / "js/app.js", "export const answer = 43;\n" * 40)

    names = collect(sources, root)

    assert (root / names["js/app.js"]).is_file()
