"""The template repository's own tooling: ruff-clean, and a pre-commit config
whose hooks run and pass on what is committed."""

import os
import shutil
import subprocess
import sys

import pytest

from support import TEMPLATE_DIR


def run(*command, cwd=TEMPLATE_DIR, **environment):
    return subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **environment},
    )


@pytest.mark.parametrize(
    "command", [["check"], ["format", "--check"]], ids=["check", "format"]
)
def test_the_template_is_ruff_clean(command):
    result = run(sys.executable, "-m", "ruff", *command, ".")

    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_hooks_pass_on_the_committed_template(tmp_path):
    """A clone of HEAD, so the check covers what is committed; the hooks'
    environments come from PyPI into a cache of the test's own."""
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    clone = tmp_path / "template"
    cloned = run("git", "clone", "--quiet", str(TEMPLATE_DIR), str(clone))
    assert cloned.returncode == 0, cloned.stderr

    result = run(
        sys.executable,
        "-m",
        "pre_commit",
        "run",
        "--all-files",
        cwd=clone,
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-cache"),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    passed = {
        line.removesuffix("Passed").rstrip(".")
        for line in result.stdout.splitlines()
        if line.endswith("Passed")
    }
    assert passed == {
        "ruff check",
        "ruff format",
        "cookiecutter.json is JSON",
        "generated projects' django-sitefiles wheel is built from django-sitefiles/",
    }
