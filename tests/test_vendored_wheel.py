"""The wheel of django-sitefiles that generated projects carry in vendor/ is
the package as it is in django-sitefiles/, at the version they pin."""

import json
import re
import zipfile

import vendor_wheel
from support import QUESTIONS, TEMPLATE_DIR


def committed_wheel():
    wheels = sorted(vendor_wheel.VENDOR_DIR.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_committed_wheel_is_a_fresh_build_byte_for_byte(tmp_path):
    built = vendor_wheel.build(tmp_path)

    committed = committed_wheel()
    assert committed.name == built.name
    assert committed.read_bytes() == built.read_bytes(), (
        "vendor/ holds a wheel of older sources: run `python vendor_wheel.py`"
    )


def test_the_version_is_the_one_projects_pin_and_the_package_says():
    source = (TEMPLATE_DIR / "django-sitefiles/src/sitefiles/__init__.py").read_text()
    package_version = re.search(r'__version__ = "([^"]+)"', source)[1]
    with zipfile.ZipFile(committed_wheel()) as wheel:
        metadata = wheel.read(f"django_sitefiles-{package_version}.dist-info/METADATA")

    assert f"Version: {package_version}\n" in metadata.decode()
    assert QUESTIONS["_sitefiles"]["version"] == package_version
    assert committed_wheel().name == (
        f"django_sitefiles-{package_version}-py3-none-any.whl"
    )


def test_the_extras_projects_ask_for_are_the_package_s():
    with zipfile.ZipFile(committed_wheel()) as wheel:
        name = next(n for n in wheel.namelist() if n.endswith("METADATA"))
        metadata = wheel.read(name).decode()
    provided = set(re.findall(r"^Provides-Extra: (\S+)$", metadata, re.MULTILINE))
    asked = {
        extra
        for values in QUESTIONS["_options"].values()
        for option in values.values()
        for extra in option.get("extras", [])
    }

    assert asked <= provided, json.dumps(sorted(asked - provided))
