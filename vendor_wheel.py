"""django-sitefiles' wheel, built into the generated project's vendor/ folder.

Until the package is on PyPI, every generated project carries its wheel
(``{{cookiecutter.project_slug}}/vendor/``), which pip (``--find-links vendor``)
and uv (``[tool.uv.sources]``) install offline. The wheel is built from
``django-sitefiles/`` by flit_core with a fixed SOURCE_DATE_EPOCH, so the same
source always gives the same bytes: tests/test_vendored_wheel.py holds the
committed wheel to a fresh build.

    python vendor_wheel.py        # after changing django-sitefiles/
"""

import contextlib
import os
import sys
import tempfile
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = TEMPLATE_DIR / "django-sitefiles"
VENDOR_DIR = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / "vendor"
# Zip timestamps: 1980-01-01, the earliest a zip file holds.
SOURCE_DATE_EPOCH = "315532800"


@contextlib.contextmanager
def reproducible(directory):
    """flit_core builds from the working directory; timestamps from the epoch."""
    previous_dir, previous_epoch = os.getcwd(), os.environ.get("SOURCE_DATE_EPOCH")
    os.chdir(directory)
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    try:
        yield
    finally:
        os.chdir(previous_dir)
        if previous_epoch is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous_epoch


def build(output_dir):
    """Build the wheel into ``output_dir``; its path."""
    from flit_core import buildapi

    with reproducible(PACKAGE_DIR):
        name = buildapi.build_wheel(str(Path(output_dir).resolve()))
    return Path(output_dir) / name


def main():
    VENDOR_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        built = build(scratch)
        for old in VENDOR_DIR.glob("*.whl"):
            old.unlink()
        target = VENDOR_DIR / built.name
        target.write_bytes(built.read_bytes())
    print(f"Wrote {target.relative_to(TEMPLATE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
