"""The generated project's bootstrap.py, step by step, rendered as cookiecutter
renders it for each package manager, web server and storage; then run as a
teammate runs it, in a fresh clone."""

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from local_processes import free_port
from support import (
    FRONTEND,
    HASHED_CSS,
    answers_for,
    commit_all,
    git,
    pixels,
    running_server,
    tiny_png,
)

# The project with its dev tools, and django-sitefiles' wheel from vendor/.
INSTALL = ["-e", ".[dev]", "--find-links", "vendor"]


@pytest.fixture
def answers():
    return answers_for()


@pytest.fixture
def bootstrap(load_bootstrap, answers):
    return load_bootstrap(answers)


@pytest.fixture
def uv_bootstrap(load_bootstrap, answers):
    return load_bootstrap({**answers, "package_manager": "uv"})


class Recorded(list):
    """Commands as run, and the environment each was given (None: inherited)."""

    def __init__(self):
        super().__init__()
        self.environments = []


def record_commands(module, monkeypatch):
    """Replace running commands with a record of them."""
    commands = Recorded()

    def run(command, cwd, fix, env=None):
        commands.append([str(part) for part in command])
        commands.environments.append(env)

    monkeypatch.setattr(module, "run", run)
    return commands


@pytest.fixture
def recorded_commands(bootstrap, monkeypatch):
    return record_commands(bootstrap, monkeypatch)


# --- the environment: pip ----------------------------------------------------------


def test_pip_projects_build_venv_with_uv_when_available(
    bootstrap, tmp_path, recorded_commands
):
    python, _ = bootstrap.build_environment(tmp_path, "/bin/uv")

    venv = tmp_path / ".venv"
    assert python == venv / "bin" / "python"
    assert recorded_commands == [
        ["/bin/uv", "venv", "--quiet", "--python", sys.executable, str(venv)],
        ["/bin/uv", "pip", "install", "--python", str(python), *INSTALL],
    ]


def test_without_uv_venv_and_pip_are_used(bootstrap, tmp_path, recorded_commands):
    python, _ = bootstrap.build_environment(tmp_path, None)

    assert recorded_commands == [
        [sys.executable, "-m", "venv", str(tmp_path / ".venv")],
        [str(python), "-m", "pip", "install", *INSTALL],
    ]


def test_an_existing_venv_is_reused_and_brought_up_to_date(
    bootstrap, tmp_path, recorded_commands
):
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()

    bootstrap.build_environment(tmp_path, None)

    assert recorded_commands == [[str(python), "-m", "pip", "install", *INSTALL]]


def test_no_python_new_enough_is_reported_with_the_fix(
    load_bootstrap, answers, tmp_path, monkeypatch
):
    bootstrap = load_bootstrap({**answers, "django_version": "6.1"})
    commands = record_commands(bootstrap, monkeypatch)
    monkeypatch.setattr(bootstrap, "find_python", lambda floor, uv=None: None)

    with pytest.raises(bootstrap.StepError) as unfinished:
        bootstrap.build_environment(tmp_path, None)

    assert "needs Python 3.12 or newer" in str(unfinished.value)
    assert unfinished.value.fix[0] == "python3.12 -m venv .venv"
    assert commands == []


def test_uv_is_asked_for_a_python_new_enough_when_path_has_none(
    load_bootstrap, answers, tmp_path, monkeypatch
):
    bootstrap = load_bootstrap({**answers, "django_version": "6.1"})
    commands = record_commands(bootstrap, monkeypatch)
    monkeypatch.setattr(bootstrap, "find_python", lambda floor, uv=None: None)

    bootstrap.build_environment(tmp_path, "uv")

    assert commands[0] == [
        "uv",
        "venv",
        "--quiet",
        "--python",
        ">=3.12",
        str(tmp_path / ".venv"),
    ]


@pytest.mark.boot
def test_your_python_is_used_if_it_imports_django(bootstrap, tmp_path):
    python, detail = bootstrap.given_python(sys.executable)

    assert python == Path(sys.executable)
    assert "imports Django" in detail
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", bare], check=True)
    with pytest.raises(bootstrap.StepError, match="cannot import Django"):
        bootstrap.given_python(str(bare / "bin" / "python"))


# --- the environment: uv ---------------------------------------------------------


def test_uv_is_the_one_running_us_or_the_one_on_path(bootstrap, tmp_path, monkeypatch):
    running = tmp_path / "uv"
    running.touch()
    monkeypatch.setattr(bootstrap.shutil, "which", lambda name: f"/bin/{name}")

    assert bootstrap.find_uv({"UV": str(running)}) == str(running)
    assert bootstrap.find_uv({"UV": str(tmp_path / "gone")}) == "/bin/uv"
    assert bootstrap.find_uv({}) == "/bin/uv"


@pytest.mark.boot
def test_lock_writes_uv_lock_with_uv(uv_bootstrap, tmp_path):
    """A real uv lock: every package pinned, for the Python floor upward."""
    uv = Path(sys.executable).with_name("uv")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1"\nrequires-python = ">=3.10"\n'
        'dependencies = ["django>=5.2,<5.3"]\n'
    )

    detail = uv_bootstrap.lock_dependencies(tmp_path, str(uv))

    lock = (tmp_path / "uv.lock").read_text()
    assert 'requires-python = ">=3.10"' in lock
    assert re.search(r'name = "django"\nversion = "5\.2\.\d+"', lock)
    assert re.fullmatch(r"uv\.lock pins \d+ packages", detail)
    assert uv_bootstrap.lock_dependencies(tmp_path, None) == "kept the existing uv.lock"


def test_lock_without_uv_says_how_to_get_it(uv_bootstrap, tmp_path, monkeypatch):
    commands = record_commands(uv_bootstrap, monkeypatch)

    with pytest.raises(uv_bootstrap.StepError) as unfinished:
        uv_bootstrap.lock_dependencies(tmp_path, None)

    assert "uv is not installed here" in str(unfinished.value)
    assert unfinished.value.fix[0].startswith("pipx install uv")
    assert unfinished.value.fix[1] == "uv lock"
    assert commands == []


def test_uv_projects_build_venv_with_uv_sync_from_the_lock(
    uv_bootstrap, tmp_path, monkeypatch
):
    commands = record_commands(uv_bootstrap, monkeypatch)

    python, _ = uv_bootstrap.build_environment(tmp_path, "/bin/uv")

    assert python == tmp_path / ".venv" / "bin" / "python"
    assert commands == [
        ["/bin/uv", "sync", "--locked", "--quiet", "--python", sys.executable]
    ]


def test_uv_projects_without_uv_are_told_to_install_it(
    uv_bootstrap, tmp_path, monkeypatch
):
    commands = record_commands(uv_bootstrap, monkeypatch)

    with pytest.raises(uv_bootstrap.StepError) as unfinished:
        uv_bootstrap.build_environment(tmp_path, None)

    assert unfinished.value.fix[0].startswith("pipx install uv")
    assert unfinished.value.fix[1].startswith("uv sync")
    assert commands == []


def test_next_commands_follow_the_package_manager(bootstrap, uv_bootstrap, tmp_path):
    venv_python = tmp_path / ".venv" / "bin" / "python"

    assert bootstrap.next_commands(tmp_path, venv_python) == [
        "source .venv/bin/activate",
        "python manage.py runserver    # then open http://127.0.0.1:8000/",
        "pytest",
    ]
    assert uv_bootstrap.next_commands(tmp_path, venv_python) == [
        "uv run python manage.py runserver    # then open http://127.0.0.1:8000/",
        "uv run pytest",
    ]


def test_next_commands_activate_the_venv_only_when_there_is_one(bootstrap, tmp_path):
    venv_python = tmp_path / ".venv" / "bin" / "python"
    activate = "source .venv/bin/activate"

    assert activate in bootstrap.next_commands(tmp_path, venv_python)
    assert activate in bootstrap.next_commands(tmp_path, None)
    assert activate not in bootstrap.next_commands(tmp_path, Path(sys.executable))


# --- finding a Python ------------------------------------------------------------


def test_find_python_prefers_this_one_then_a_working_one_on_path(
    bootstrap, monkeypatch
):
    assert bootstrap.find_python("3.8") == sys.executable

    monkeypatch.setattr(bootstrap.shutil, "which", lambda name: f"/bin/{name}")
    monkeypatch.setenv("PYENV_ROOT", "/nonexistent")
    works = {"/bin/python3.14"}

    def run_quietly(command):
        return subprocess.CompletedProcess(command, 0 if command[0] in works else 1)

    monkeypatch.setattr(bootstrap, "run_quietly", run_quietly)
    assert bootstrap.find_python("3.13") == "/bin/python3.14"
    works.clear()
    assert bootstrap.find_python("3.13") is None


def test_find_python_looks_past_pyenv_shims_and_asks_uv(
    bootstrap, monkeypatch, tmp_path
):
    """pyenv's python3.X shim exits 127 where pyenv selects another version;
    the interpreter under its root runs. uv finds the ones it installed."""
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / "python3.19"
    shim.write_text("#!/bin/sh\nexit 127\n")
    shim.chmod(0o755)
    installed = tmp_path / "pyenv" / "versions" / "3.19.1" / "bin" / "python3.19"
    installed.parent.mkdir(parents=True)
    installed.symlink_to(sys.executable)
    monkeypatch.setenv("PATH", f"{shims}:{os.environ['PATH']}")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))

    assert bootstrap.find_python("3.19") == str(installed)

    installed.unlink()
    uv = tmp_path / "uv"
    uv.write_text(f"#!/bin/sh\n[ \"$3\" = '>=3.19' ] && echo {sys.executable}\n")
    uv.chmod(0o755)
    assert bootstrap.find_python("3.19") is None
    assert bootstrap.find_python("3.19", uv=str(uv)) == sys.executable


# --- running commands -----------------------------------------------------------


def test_a_failing_command_reports_its_output_and_the_fix(bootstrap, tmp_path):
    command = [sys.executable, "-c", "import sys; print('broken css'); sys.exit(3)"]

    with pytest.raises(bootstrap.StepError) as unfinished:
        bootstrap.run(command, tmp_path, fix=["do this"])

    assert "exited with status 3" in str(unfinished.value)
    assert "broken css" in str(unfinished.value)
    assert unfinished.value.fix == ["do this"]


def test_a_connection_error_above_the_last_lines_is_shown(bootstrap, tmp_path):
    """pip's last lines blame a package when no index answers."""
    script = (
        "print('WARNING: Retrying after connection broken by NewConnectionError')\n"
        "for line in range(20): print('note', line)\n"
        "raise SystemExit(1)"
    )

    with pytest.raises(bootstrap.StepError) as unfinished:
        bootstrap.run([sys.executable, "-c", script], tmp_path, fix=[])

    lines = str(unfinished.value).splitlines()
    assert "connection broken by NewConnectionError" in lines[1]
    assert lines[2:] == [f"      note {line}" for line in range(8, 20)]


def test_a_missing_program_is_reported(bootstrap, tmp_path):
    with pytest.raises(bootstrap.StepError) as unfinished:
        bootstrap.run([tmp_path / "no-such-program"], tmp_path, fix=[])

    assert "could not run no-such-program" in str(unfinished.value)


# --- the rest: manage.py setup_project ------------------------------------------


def setup_arguments(bootstrap):
    return [part for part in bootstrap.SETUP if part.startswith("--")]


def test_the_default_project_collects_and_writes_its_web_server_config(bootstrap):
    assert bootstrap.SETUP[0] == "setup_project"
    assert setup_arguments(bootstrap) == [
        "--production-settings=config.settings.production",
        "--collectstatic",
        "--web-server=nginx",
    ]


@pytest.mark.parametrize("provider", ["s3", "gcs", "azure"])
def test_static_files_for_a_bucket_are_never_uploaded_while_setting_up(
    load_bootstrap, answers, provider
):
    """Uploading is a deploy step: no collectstatic at all, and production
    settings get stand-ins for the values a server sets."""
    bootstrap = load_bootstrap({**answers, "static_storage": provider})

    arguments = setup_arguments(bootstrap)
    assert "--collectstatic" not in arguments
    assert "--stand-in=DJANGO_STATIC_BUCKET=static-bucket" in arguments
    azure = any("DJANGO_AZURE_CONNECTION_STRING" in part for part in arguments)
    assert azure == (provider == "azure")


def test_media_in_a_bucket_loads_production_with_stand_ins(load_bootstrap, answers):
    bootstrap = load_bootstrap({**answers, "media_storage": "azure"})

    assert setup_arguments(bootstrap) == [
        "--production-settings=config.settings.production",
        "--stand-in=DJANGO_MEDIA_BUCKET=media-bucket",
        "--stand-in=DJANGO_AZURE_CONNECTION_STRING="
        "AccountName=stand-in;AccountKey=c3RhbmQtaW4=",
        "--collectstatic",
        "--web-server=nginx",
    ]


def test_files_on_disk_need_no_stand_ins(bootstrap):
    assert not any("--stand-in" in part for part in bootstrap.SETUP)


def test_no_web_server_means_no_config_step(load_bootstrap, answers):
    bootstrap = load_bootstrap({**answers, "web_server": "none"})

    assert not any("--web-server" in part for part in bootstrap.SETUP)


def test_the_front_end_is_built_by_the_set_up(load_bootstrap, answers):
    bootstrap = load_bootstrap({**answers, "frontend": FRONTEND})

    assert "--npm" in bootstrap.SETUP


def test_with_no_production_step_no_production_settings_are_named(
    load_bootstrap, answers
):
    bootstrap = load_bootstrap(
        {**answers, "web_server": "none", "static_storage": "s3"}
    )

    assert setup_arguments(bootstrap) == []


class Finished:
    """A process, as subprocess.Popen gives it, that has ended with ``status``."""

    def __init__(self, command, status=0):
        self.command = command
        self.status = status

    def wait(self):
        return self.status


def hand_over(module, monkeypatch, status=0):
    """Record what set_up hands to manage.py setup_project, which ends with
    ``status``."""
    commands = []

    def popen(command, cwd):
        commands.append(command)
        return Finished(command, status)

    monkeypatch.setattr(module.subprocess, "Popen", popen)
    monkeypatch.setattr(module, "find_uv", lambda: None)
    return commands


@pytest.fixture
def handed_over(bootstrap, monkeypatch):
    return hand_over(bootstrap, monkeypatch)


def test_the_environment_then_setup_project_with_what_is_left_and_next(
    bootstrap, handed_over, tmp_path, monkeypatch
):
    python = tmp_path / ".venv" / "bin" / "python"
    monkeypatch.setattr(
        bootstrap, "build_environment", lambda project, uv: (python, "built")
    )
    steps = bootstrap.Steps(out=io.StringIO())
    steps.fixes.append("cruft link <its git URL>")

    assert bootstrap.set_up(tmp_path, None, steps) is True

    (command,) = handed_over
    assert command[:3] == [str(python), "manage.py", "setup_project"]
    assert command[3 : len(bootstrap.SETUP) + 2] == list(bootstrap.SETUP[1:])
    assert "--unfinished=cruft link <its git URL>" in command
    assert "--next=source .venv/bin/activate" in command
    assert "[ok] Build the environment" in steps.out.getvalue()


def test_a_failed_environment_stops_with_every_command_that_finishes_the_job(
    bootstrap, handed_over, tmp_path, monkeypatch
):
    """For a teammate's script or CI: status 1, and nothing that needs Django."""

    def build_environment(project, uv):
        raise bootstrap.StepError("no network", bootstrap.install_commands())

    monkeypatch.setattr(bootstrap, "build_environment", build_environment)
    quiet = bootstrap.Steps(out=io.StringIO())

    assert bootstrap.set_up(tmp_path, None, quiet) is False
    report = quiet.out.getvalue()
    assert "no network" in report
    assert handed_over == []
    lines = report.split("run these in it:")[1].split()
    assert ".venv/bin/python" in lines
    assert "--find-links" in lines
    assert report.rstrip().endswith("--web-server=nginx")


def test_a_failed_setup_project_makes_bootstrap_exit_1(
    bootstrap, tmp_path, monkeypatch
):
    hand_over(bootstrap, monkeypatch, status=1)
    monkeypatch.setattr(
        bootstrap, "build_environment", lambda project, uv: (Path("py"), "built")
    )

    assert bootstrap.set_up(tmp_path, None, bootstrap.Steps(io.StringIO())) is False


def test_ctrl_c_while_building_lists_the_install_and_the_set_up(
    bootstrap, handed_over, tmp_path, monkeypatch
):
    def interrupted(project, uv):
        raise KeyboardInterrupt

    monkeypatch.setattr(bootstrap, "build_environment", interrupted)
    quiet = bootstrap.Steps(out=io.StringIO())

    assert bootstrap.set_up(tmp_path, None, quiet) is False
    report = quiet.out.getvalue()
    assert "Interrupted. The project is complete" in report
    assert report.index("pip install") < report.index("manage.py setup_project")


def test_ctrl_c_during_setup_project_lets_it_say_what_is_left(
    bootstrap, tmp_path, monkeypatch
):
    """The terminal's Ctrl-C reaches both: bootstrap waits for setup_project,
    which lists what is left, rather than kill it mid-sentence."""
    waits = []

    class Interrupted(Finished):
        def wait(self):
            waits.append(self.command)
            if len(waits) == 1:
                raise KeyboardInterrupt
            return 1

    monkeypatch.setattr(bootstrap, "find_uv", lambda: None)
    monkeypatch.setattr(
        bootstrap, "build_environment", lambda project, uv: (Path("py"), "built")
    )
    monkeypatch.setattr(
        bootstrap.subprocess, "Popen", lambda command, cwd: Interrupted(command)
    )
    quiet = bootstrap.Steps(out=io.StringIO())

    assert bootstrap.set_up(tmp_path, None, quiet) is False
    assert len(waits) == 2
    assert "Interrupted" not in quiet.out.getvalue()


# --- as a teammate runs it ---------------------------------------------------------


@pytest.mark.slow
def test_a_fresh_clone_is_set_up_by_bootstrap_alone(bake, tmp_path):
    """git clone, python3 bootstrap.py, runserver: the styled page, an upload.
    uv is on PATH here (this environment's): bootstrap installs through it."""
    generated = tmp_path / "generated"
    shutil.copytree(bake(), generated)
    commit_all(generated, "Generated")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", generated, clone)
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "VIRTUAL_ENV"))
    }

    def bootstrap():
        run = subprocess.run(
            [sys.executable, "bootstrap.py"],
            cwd=clone,
            env=environment,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        return run.stdout

    first = bootstrap()

    for step in ("Write .env", "Build the environment", "Collect static files"):
        assert f"[ok] {step}" in first, first
    assert "kept the existing .env" in bootstrap()
    # Nothing git would track but the .gitkeep files (the bake, with set-up off,
    # committed no media/ or staticfiles/).
    assert git(clone, "status", "--porcelain", "--untracked-files=all").split() == [
        "??",
        "media/.gitkeep",
        "??",
        "staticfiles/.gitkeep",
    ]

    port = free_port()
    python = clone / ".venv" / "bin" / "python"
    with running_server(
        [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=clone,
        env=environment,
        url=f"http://127.0.0.1:{port}/",
        log_path=tmp_path / "runserver.log",
    ):
        import requests

        session = requests.Session()
        page = session.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200
        stylesheet = re.search(r'href="(/static/css/site\.css)"', page.text)
        assert stylesheet, page.text
        css = session.get(f"http://127.0.0.1:{port}{stylesheet.group(1)}", timeout=10)
        assert css.status_code == 200
        assert "body" in css.text
        form = session.get(f"http://127.0.0.1:{port}/uploads/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        sent = session.post(
            f"http://127.0.0.1:{port}/uploads/",
            data={"csrfmiddlewaretoken": token.group(1), "title": "A dot"},
            files={"file": ("dot.png", tiny_png(2), "image/png")},
            timeout=10,
        )
        assert sent.status_code == 200, sent.text
        media = re.search(r'src="(/media/[^"]+\.png)"', sent.text)
        assert media, sent.text
        image = session.get(f"http://127.0.0.1:{port}{media.group(1)}", timeout=10)
        assert pixels(image.content) == pixels(tiny_png(2))
    assert not re.search(HASHED_CSS, page.text)  # DEBUG: the sources, unhashed


def test_a_uv_project_is_locked_with_your_python_too(
    uv_bootstrap, tmp_path, monkeypatch
):
    """uv.lock belongs to the project, whichever interpreter runs it."""
    steps = []
    monkeypatch.setattr(uv_bootstrap, "find_uv", lambda: "/bin/uv")
    monkeypatch.setattr(
        uv_bootstrap, "lock_dependencies", lambda project, uv: steps.append("lock")
    )
    monkeypatch.setattr(uv_bootstrap, "given_python", lambda python: (python, "yours"))
    hand_over(uv_bootstrap, monkeypatch)
    monkeypatch.setattr(uv_bootstrap, "find_uv", lambda: "/bin/uv")

    uv_bootstrap.set_up(tmp_path, sys.executable, uv_bootstrap.Steps(out=io.StringIO()))

    assert steps == ["lock"]
