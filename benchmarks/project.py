"""Render the template and give the generated project an environment."""

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
# tests/ holds the helpers the benchmark shares with the tests (local_processes:
# servers, certificates, uv) and the storage emulators (storage_servers).
sys.path.insert(0, str(TEMPLATE_DIR / "tests"))
import local_processes  # noqa: E402

SECRET = "benchmark-secret-0d3f8a6c2b9e4f1a7c5d8e2b6a9f3c1d7e4b8a2f6c0d9e5b"


@contextmanager
def environment_setup_off():
    previous = os.environ.get("COOKIECUTTER_SKIP_SETUP")
    os.environ["COOKIECUTTER_SKIP_SETUP"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["COOKIECUTTER_SKIP_SETUP"]
        else:
            os.environ["COOKIECUTTER_SKIP_SETUP"] = previous


def render(output_dir, hooks=True, **answers):
    """Generate a project with the default answers (and ``answers``); its path."""
    with environment_setup_off():
        return Path(
            cookiecutter(
                str(TEMPLATE_DIR),
                no_input=True,
                extra_context=answers,
                output_dir=str(output_dir),
                overwrite_if_exists=True,
                accept_hooks=hooks,
            )
        )


def project_environment(project, venv):
    """A virtual environment with the project's declared dependencies (its
    django-sitefiles from the wheel in vendor/, as it installs it); its python."""
    local_processes.uv("venv", "--quiet", venv)
    python = Path(venv) / "bin" / "python"
    local_processes.uv(
        "pip",
        "install",
        "--compile-bytecode",  # as a deployed environment has it
        "--python",
        python,
        "-r",
        project / "pyproject.toml",
        "--find-links",
        project / "vendor",
    )
    return python


def production_environment(project, **extra):
    """Variables production settings need, for commands run in ``project``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_DEBUG": "False",
        **extra,
    }


def manage(project, python, *arguments, env=None):
    return subprocess.run(
        [str(python), "manage.py", *arguments],
        cwd=project,
        env=env or production_environment(project),
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
