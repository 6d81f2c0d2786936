"""collectstatic on overlayfs, the file system of container builds and
runtimes: the lower layer holds the site as an image layer does; with the
kernel's default redirect_dir=off, renaming a directory of the lower layer
fails (EXDEV), so a pipeline that swaps directories could not work there.

collectstatic runs as an operator runs it, in a process of its own, over a copy
of the test site (TEST_SITE_DIR) with production's storage."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.lines import PACKAGE_DIR
from tests.processes import skip_or_fail
from tests.static_sources import SOURCES, write_sources

pytestmark = pytest.mark.servers

SITE = PACKAGE_DIR / "tests" / "site"


def collectstatic(site):
    """``manage.py collectstatic --noinput`` of the test site copied to ``site``;
    the manifest's paths."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "TEST_SITE_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="tests.settings_production",
        TEST_SITE_DIR=str(site),
        PYTHONPATH=str(PACKAGE_DIR),
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "collectstatic", "--noinput"],
        cwd=PACKAGE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((site / "staticfiles" / "staticfiles.json").read_text())
    return manifest["paths"]


@pytest.fixture
def overlay(request, tmp_path):
    """A merged overlayfs whose lower layer holds the test site with more
    sources (references, compressible files) and, parametrized with "an
    earlier build", the STATIC_ROOT a run before left; unmounted after."""
    if os.geteuid() != 0:
        skip_or_fail("mounting overlayfs needs root")
    layers = {name: tmp_path / name for name in ("lower", "upper", "work", "merged")}
    shutil.copytree(
        SITE,
        layers["lower"],
        ignore=shutil.ignore_patterns("staticfiles", "media", "__pycache__"),
    )
    write_sources(layers["lower"] / "static", SOURCES)
    if getattr(request, "param", None) == "an earlier build":
        collectstatic(layers["lower"])
    for name in ("upper", "work", "merged"):
        layers[name].mkdir()
    options = "lowerdir={lower},upperdir={upper},workdir={work}".format(**layers)
    mounted = subprocess.run(
        ["mount", "-t", "overlay", "overlay", "-o", options, layers["merged"]],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        skip_or_fail(f"overlayfs cannot be mounted here: {mounted.stderr.strip()}")
    try:
        yield layers["merged"]
    finally:
        subprocess.run(["umount", layers["merged"]], check=True)


def test_collectstatic_runs_on_overlayfs(overlay):
    """The lower layer is the site as committed, as in an image build."""
    assert not (overlay / "staticfiles").exists()

    collectstatic_twice_with_edits(overlay)


@pytest.mark.parametrize("overlay", ["an earlier build"], indirect=True)
def test_collectstatic_runs_on_overlayfs_over_an_earlier_build(overlay):
    """STATIC_ROOT's directories are the lower layer's: a later image layer
    that runs collectstatic again, or a container that runs it at start."""
    with pytest.raises(OSError, match="Invalid cross-device link"):
        (overlay / "staticfiles" / "css").rename(overlay / "staticfiles" / "moved")

    collectstatic_twice_with_edits(overlay)


def collectstatic_twice_with_edits(overlay):
    """Two runs, an edit between them: hashed, rewritten, compressed, and the
    first run's files kept for the pages that link them."""
    sources, root = overlay / "static", overlay / "staticfiles"
    with pytest.raises(OSError, match="Invalid cross-device link"):
        (sources / "css").rename(sources / "css.moved")  # what the kernel refuses

    names = collectstatic(overlay)
    (sources / "css" / "page.css").write_text(SOURCES["css/page.css"] + "/* edit */\n")
    (sources / "img" / "dot.svg").write_text(SOURCES["img/dot.svg"].replace("1", "4"))
    again = collectstatic(overlay)

    assert "/* edit */" in (root / again["css/page.css"]).read_text()
    assert again["css/base.css"] != names["css/base.css"]  # it links the image
    dot = again["img/dot.svg"].split("/")[-1]
    assert f'url("../img/{dot}")' in (root / again["css/base.css"]).read_text()
    assert (root / f"{again['css/page.css']}.br").is_file()
    assert (root / names["css/page.css"]).is_file()  # the last build's, kept
    assert list(root.rglob("*.partial")) == []
