"""The cookiecutter command as people run it, down each path of the post-generation
hook: Django importable, Django absent with set-up off, Django absent with a real
install (slow), and a failing step."""

import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from support import TEMPLATE_DIR


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory):
    """An interpreter with cookiecutter and nothing of Django, as under pipx or uvx."""
    venv = tmp_path_factory.mktemp("bare-cookiecutter")
    uv = [sys.executable, "-m", "uv"]
    subprocess.run([*uv, "venv", "--quiet", str(venv)], check=True)
    python = venv / "bin" / "python"
    requirement = f"cookiecutter=={version('cookiecutter')}"
    subprocess.run(
        [*uv, "pip", "install", "--quiet", "--python", str(python), requirement],
        check=True,
    )
    return python


def generate(python, output_dir, *answers, template=TEMPLATE_DIR, **variables):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key != "COOKIECUTTER_SKIP_SETUP" and not key.startswith("DJANGO_")
    }
    environment.update(variables)
    result = subprocess.run(
        [str(python), "-m", "cookiecutter", str(template), "--no-input"]
        + ["--output-dir", str(output_dir), *answers],
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    return result, result.stdout + result.stderr


def test_with_django_here_static_files_are_collected_with_it(tmp_path):
    result, output = generate(sys.executable, tmp_path, COOKIECUTTER_SKIP_SETUP="1")

    assert result.returncode == 0, output
    project = tmp_path / "my_site"
    assert "[ok] Find a Python that runs the project" in output
    assert "[ok] Collect static files" in output
    assert (project / "staticfiles" / "staticfiles.json").is_file()
    assert (project / "db.sqlite3").is_file()
    assert not (project / ".venv").exists()
    assert "Finished in" in output
    assert "python manage.py runserver" in output


def test_without_django_and_set_up_off_the_commands_to_finish_are_printed(
    bare_python, tmp_path
):
    result, output = generate(bare_python, tmp_path, COOKIECUTTER_SKIP_SETUP="1")

    assert result.returncode == 0, output
    project = tmp_path / "my_site"
    assert "[skipped] Find a Python that runs the project" in output
    assert "environment set-up is off" in output
    assert "[skipped] Collect static files" in output
    assert '.venv/bin/python -m pip install -e ".[dev]"' in output
    assert (
        ".venv/bin/python manage.py collectstatic --noinput"
        " --settings=config.settings.production"
    ) in output
    assert (project / ".env").is_file()
    assert not (project / ".venv").exists()
    assert sorted(p.name for p in (project / "staticfiles").iterdir()) == [".gitkeep"]


def test_set_up_answered_no_is_the_same_as_the_variable(bare_python, tmp_path):
    result, output = generate(bare_python, tmp_path, "set_up_environment=no")

    assert result.returncode == 0, output
    assert "environment set-up is off" in output
    assert not (tmp_path / "my_site" / ".venv").exists()


def test_a_failing_step_keeps_the_project_and_prints_the_fix(tmp_path):
    template = tmp_path / "template"
    shutil.copytree(
        TEMPLATE_DIR,
        template,
        ignore=shutil.ignore_patterns(".git", ".venv", "*cache*"),
    )
    static = template / "{{cookiecutter.project_slug}}" / "static" / "css"
    (static / "broken.css").write_text('body { background: url("missing.png"); }')
    output_dir = tmp_path / "out"

    result, output = generate(
        sys.executable, output_dir, template=template, COOKIECUTTER_SKIP_SETUP="1"
    )

    assert result.returncode == 0, output
    assert "[FAILED] Collect static files" in output
    assert "missing.png" in output
    assert (
        "Not everything finished. The project is complete; run these in it:" in output
    )
    assert (
        "manage.py collectstatic --noinput --settings=config.settings.production"
        in (output)
    )
    project = output_dir / "my_site"
    assert (project / "manage.py").is_file()
    assert (project / ".env").is_file()


def path_without_uv(python):
    folders = [str(Path(python).parent), "/usr/bin", "/bin"]
    return os.pathsep.join(folders)


@pytest.mark.slow
@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_fresh_environment_from_the_declared_dependencies(
    bare_python, tmp_path, installer
):
    """Django absent: the hook builds .venv from pyproject.toml alone, collects static
    files with it, and the generated project's own tests pass in that .venv."""
    variables = {}
    if installer == "pip":
        variables["PATH"] = path_without_uv(bare_python)
    else:
        assert shutil.which("uv"), "the template's test dependencies include uv"

    result, output = generate(bare_python, tmp_path, **variables)

    assert result.returncode == 0, output
    assert "[ok] Find a Python that runs the project" in output, output
    assert "installed into .venv" in output
    project = tmp_path / "my_site"
    venv_python = project / ".venv" / "bin" / "python"
    assert (project / "staticfiles" / "staticfiles.json").is_file(), output
    assert (project / "db.sqlite3").is_file()
    assert "source .venv/bin/activate" in output
    tests = subprocess.run(
        [str(venv_python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    print(output)  # the hook's timings, for -s runs
