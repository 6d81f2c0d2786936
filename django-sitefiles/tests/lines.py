"""The Django lines the package supports (its classifiers), and an environment
for each: the package from this folder with that line's newest release."""

import glob
import os
import shutil
import subprocess
import sys
from importlib.metadata import metadata
from pathlib import Path

import django

from tests.processes import skip_or_fail

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DJANGO_LINES = tuple(
    classifier.removeprefix("Framework :: Django :: ")
    for classifier in metadata("django-sitefiles").get_all("Classifier")
    if classifier.startswith("Framework :: Django :: ")
)
# The oldest Python each line runs on (Django's own requirements).
PYTHON_FLOORS = {"5.2": (3, 10), "6.1": (3, 12)}


def this_line():
    return ".".join(django.get_version().split(".")[:2])


def python_version(executable):
    result = subprocess.run(
        [executable, "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        return None  # a pyenv shim with no version chosen, a broken link
    return tuple(map(int, result.stdout.split()))


def find_python(floor):
    """An interpreter at least ``floor``: this one, one on PATH, one of pyenv's."""
    names = [f"python3.{minor}" for minor in range(floor[1], 16)]
    found = [sys.executable, *filter(None, map(shutil.which, names))]
    pyenv = os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")
    found += sorted(glob.glob(f"{pyenv}/versions/*/bin/python3"))
    for executable in found:
        version = python_version(executable)
        if version and version >= floor:
            return executable
    return None


class LineEnvironments:
    """``environments(line)``: an interpreter for that Django line."""

    def __init__(self, directory):
        self.directory = directory
        self.built = {}

    def __call__(self, line):
        if line == this_line():
            return sys.executable
        if line not in self.built:
            self.built[line] = self.build(line)
        return self.built[line]

    def build(self, line):
        floor = PYTHON_FLOORS[line]
        base = find_python(floor)
        if base is None:
            skip_or_fail(f"Django {line} needs Python {'.'.join(map(str, floor))}+")
        venv = self.directory / f"django-{line}"
        uv = [sys.executable, "-m", "uv"]
        python = venv / "bin" / "python"
        for command in (
            [*uv, "venv", "--quiet", "--python", base, venv],
            [*uv, "pip", "install", "--quiet", "--python", python]
            # Editable: the sources under test, never a build uv cached.
            + ["--compile-bytecode", "-e", PACKAGE_DIR, f"django=={line}.*"],
        ):
            result = subprocess.run(
                list(map(str, command)), capture_output=True, text=True, timeout=600
            )
            if result.returncode != 0:
                skip_or_fail(f"no environment for Django {line}: {result.stderr}")
        return python
