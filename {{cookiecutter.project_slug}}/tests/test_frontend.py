"""The built front end (package.json): `npm run build` writes frontend/dist/,
which the static files finders and collectstatic take like static/. These
tests need it built: npm ci && npm run build (bootstrap.py and CI do)."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

BUILT = ("app.js", "app.js.map", "app.css")
DIST = Path(settings.BASE_DIR) / "frontend" / "dist"


@pytest.fixture(scope="module", autouse=True)
def built():
    missing = [name for name in BUILT if not (DIST / name).is_file()]
    assert not missing, f"frontend/dist/ lacks {missing}: run npm ci && npm run build"


@pytest.mark.parametrize("name", BUILT)
def test_built_files_are_found_under_the_frontend_prefix(name):
    assert Path(finders.find(f"frontend/{name}")) == DIST / name


def test_pages_link_the_built_files(client):
    page = client.get("/").content.decode()

    assert '<link rel="stylesheet" href="/static/frontend/app.css">' in page
    assert '<script type="module" src="/static/frontend/app.js">' in page
    assert 'id="build-status"' in page


def test_the_css_holds_the_utilities_the_templates_use():
    css = (DIST / "app.css").read_text()

    assert ".font-mono{" in css
    assert ".tracking-widest{" in css


def test_collectstatic_hashes_the_bundle_and_its_source_map(collected_static):
    manifest = collected_static / "staticfiles.json"
    paths = json.loads(manifest.read_text())["paths"]
    bundle = collected_static / paths["frontend/app.js"]
    source_map = re.search(r"//# sourceMappingURL=(\S+)\s*$", bundle.read_text())

    assert paths["frontend/app.js"] != "frontend/app.js"  # hashed
    assert source_map, "the bundle names no source map"
    # Rewritten to the map's hashed name, which collectstatic wrote beside it.
    assert f"frontend/{source_map.group(1)}" == paths["frontend/app.js.map"]
    assert (collected_static / paths["frontend/app.js.map"]).is_file()
