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
    SECRET,
    answers_for,
    commit_all,
    git,
    pixels,
    running_server,
    tiny_png,
)


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


# --- directories and .env -------------------------------------------------------


def test_directories_are_created_and_existing_content_is_kept(bootstrap, tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "upload.png").write_bytes(b"user data")

    bootstrap.make_directories(tmp_path)
    bootstrap.make_directories(tmp_path)

    assert (tmp_path / "media" / "upload.png").read_bytes() == b"user data"
    assert (tmp_path / "media" / ".gitkeep").is_file()
    assert (tmp_path / "staticfiles" / ".gitkeep").is_file()


def test_directories_that_cannot_be_written_are_reported_with_the_fix(
    bootstrap, tmp_path, monkeypatch
):
    def refuse(path, *args, **kwargs):
        raise PermissionError(f"Permission denied: '{path}'")

    monkeypatch.setattr(Path, "write_text", refuse)

    with pytest.raises(bootstrap.StepError) as unfinished:
        bootstrap.make_directories(tmp_path)

    assert str(tmp_path / "media" / ".gitkeep") in str(unfinished.value)
    assert str(tmp_path / "staticfiles" / ".gitkeep") in str(unfinished.value)
    assert unfinished.value.fix[-1] == (
        "mkdir -p media staticfiles && touch media/.gitkeep staticfiles/.gitkeep"
    )


def test_env_file_gets_a_fresh_secret_and_private_permissions(bootstrap, tmp_path):
    (tmp_path / ".env.example").write_text("# comment\nDJANGO_SECRET_KEY=\nA=1\n")

    bootstrap.write_env_file(tmp_path)

    lines = (tmp_path / ".env").read_text().splitlines()
    assert lines[0] == "# comment"
    assert lines[1].startswith("DJANGO_SECRET_KEY=")
    assert len(lines[1].removeprefix("DJANGO_SECRET_KEY=")) >= 50
    assert lines[2] == "A=1"
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600


def test_secrets_avoid_characters_django_environ_treats_specially(bootstrap):
    secrets = {bootstrap.new_secret_key() for _ in range(200)}

    assert len(secrets) == 200
    for secret in secrets:
        assert len(secret) >= 50
        assert not set(secret) & set("$#'\" \\=")


def test_existing_env_file_is_never_touched(bootstrap, tmp_path):
    (tmp_path / ".env.example").write_text("DJANGO_SECRET_KEY=\n")
    (tmp_path / ".env").write_text("DJANGO_SECRET_KEY=mine\n")

    assert bootstrap.write_env_file(tmp_path) == "kept the existing .env"
    assert (tmp_path / ".env").read_text() == "DJANGO_SECRET_KEY=mine\n"


def test_unwritable_env_file_says_how_to_make_one(bootstrap, tmp_path, monkeypatch):
    (tmp_path / ".env.example").write_text("DJANGO_SECRET_KEY=\n")

    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(Path, "write_text", refuse)

    with pytest.raises(bootstrap.StepError) as unfinished:
        bootstrap.write_env_file(tmp_path)

    assert "read-only file system" in str(unfinished.value)
    assert "cp .env.example .env" in unfinished.value.fix


# --- the environment: pip ----------------------------------------------------------


def test_pip_projects_build_venv_with_uv_when_available(
    bootstrap, tmp_path, recorded_commands
):
    python, _ = bootstrap.build_environment(tmp_path, "/bin/uv")

    venv = tmp_path / ".venv"
    assert python == venv / "bin" / "python"
    assert recorded_commands == [
        ["/bin/uv", "venv", "--quiet", "--python", sys.executable, str(venv)],
        ["/bin/uv", "pip", "install", "--python", str(python), "-e", ".[dev]"],
    ]


def test_without_uv_venv_and_pip_are_used(bootstrap, tmp_path, recorded_commands):
    python, _ = bootstrap.build_environment(tmp_path, None)

    assert recorded_commands == [
        [sys.executable, "-m", "venv", str(tmp_path / ".venv")],
        [str(python), "-m", "pip", "install", "-e", ".[dev]"],
    ]


def test_an_existing_venv_is_reused_and_brought_up_to_date(
    bootstrap, tmp_path, recorded_commands
):
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()

    bootstrap.build_environment(tmp_path, None)

    assert recorded_commands == [[str(python), "-m", "pip", "install", "-e", ".[dev]"]]


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


# --- the front end ----------------------------------------------------------------


@pytest.fixture
def frontend_bootstrap(load_bootstrap, answers):
    return load_bootstrap({**answers, "frontend": FRONTEND})


def test_the_front_end_is_built_with_npm_ci_then_npm_run_build(
    frontend_bootstrap, tmp_path, monkeypatch
):
    monkeypatch.setattr(frontend_bootstrap.shutil, "which", lambda name: f"/x/{name}")
    commands = record_commands(frontend_bootstrap, monkeypatch)

    frontend_bootstrap.build_frontend(tmp_path)

    assert commands == [
        ["/x/npm", "ci", "--no-audit", "--no-fund"],
        ["/x/npm", "run", "build"],
    ]


def test_without_npm_the_front_end_is_skipped_with_the_commands(
    frontend_bootstrap, tmp_path, monkeypatch
):
    monkeypatch.setattr(frontend_bootstrap.shutil, "which", lambda name: None)

    with pytest.raises(frontend_bootstrap.SkippedStepError) as skipped:
        frontend_bootstrap.build_frontend(tmp_path)

    assert "npm is not installed" in str(skipped.value)
    assert skipped.value.fix[:2] == ["npm ci --no-audit --no-fund", "npm run build"]
    assert "npm run build" in frontend_bootstrap.finishing_commands(tmp_path, None)


def test_the_front_end_is_built_before_static_files_are_collected(
    frontend_bootstrap, tmp_path, monkeypatch
):
    ran = []
    for step in ("make_directories", "write_env_file", "build_environment"):
        monkeypatch.setattr(frontend_bootstrap, step, lambda *args: ran.append(args))
    monkeypatch.setattr(
        frontend_bootstrap, "build_frontend", lambda project: ran.append("frontend")
    )
    monkeypatch.setattr(
        frontend_bootstrap, "collect_static", lambda *args: ran.append("collect")
    )
    monkeypatch.setattr(frontend_bootstrap, "migrate", lambda *args: None)
    monkeypatch.setattr(frontend_bootstrap, "write_web_server_config", lambda *a: 0)

    frontend_bootstrap.set_up(tmp_path, steps=frontend_bootstrap.Steps(io.StringIO()))

    assert ran.index("frontend") < ran.index("collect")


def test_frontend_dist_is_made_and_kept_in_git(frontend_bootstrap, tmp_path):
    frontend_bootstrap.make_directories(tmp_path)

    assert (tmp_path / "frontend" / "dist" / ".gitkeep").is_file()


# --- manage.py steps -------------------------------------------------------------


def test_manage_commands_are_skipped_without_a_python(bootstrap, tmp_path):
    with pytest.raises(bootstrap.SkippedStepError) as skipped:
        bootstrap.collect_static(tmp_path, None)

    assert skipped.value.fix == [
        ".venv/bin/python manage.py collectstatic --noinput"
        " --settings=config.settings.production"
    ]


def test_migrate_leaves_a_configured_database_alone(
    bootstrap, tmp_path, recorded_commands
):
    with pytest.raises(bootstrap.SkippedStepError):
        bootstrap.migrate(tmp_path, sys.executable, {"DATABASE_URL": "postgres://db/x"})

    assert recorded_commands == []


@pytest.mark.parametrize("provider", ["s3", "gcs", "azure"])
def test_static_files_for_a_bucket_are_never_uploaded_while_setting_up(
    load_bootstrap, answers, tmp_path, monkeypatch, provider
):
    """Uploading is a deploy step: no collectstatic step at all."""
    bootstrap = load_bootstrap({**answers, "static_storage": provider})
    commands = record_commands(bootstrap, monkeypatch)
    monkeypatch.setattr(bootstrap, "find_uv", lambda: None)
    monkeypatch.setattr(bootstrap, "given_python", lambda python: (python, "yours"))
    (tmp_path / ".env.example").write_text("DJANGO_SECRET_KEY=\n")

    bootstrap.set_up(tmp_path, sys.executable, bootstrap.Steps(out=io.StringIO()))

    assert not hasattr(bootstrap, "collect_static")
    assert [command[2] for command in commands if command[1] == "manage.py"] == [
        "migrate",
        "webserver_config",
    ]


@pytest.mark.boot
def test_collectstatic_failure_on_a_broken_reference_is_reported(
    bootstrap, bake, tmp_path
):
    project = tmp_path / "project"
    shutil.copytree(bake(), project)
    (project / ".env").write_text(
        f"DJANGO_SECRET_KEY={SECRET}\nDJANGO_ALLOWED_HOSTS=localhost\n"
    )
    (project / "static" / "css" / "broken.css").write_text(
        'body { background: url("missing.png"); }'
    )

    with pytest.raises(bootstrap.StepError) as unfinished:
        bootstrap.collect_static(project, sys.executable)

    assert "missing.png" in str(unfinished.value)
    assert unfinished.value.fix == [
        f"{sys.executable} manage.py collectstatic --noinput"
        " --settings=config.settings.production"
    ]


def test_web_server_config_is_written_for_the_deploy_layout(
    load_bootstrap, answers, tmp_path, monkeypatch
):
    bootstrap = load_bootstrap({**answers, "web_server": "apache"})
    commands = record_commands(bootstrap, monkeypatch)

    assert bootstrap.write_web_server_config(tmp_path, "py") == "deploy/apache.conf"
    assert commands == [
        [
            "py",
            "manage.py",
            "webserver_config",
            "--settings=config.settings.production",
            "--server=apache",
            "--server-name=example.com",
            f"--project-root=/srv/{answers['project_slug']}",
            "--brotli=off",
            "--output=deploy/apache.conf",
        ]
    ]


def test_an_existing_web_server_config_is_kept(bootstrap, tmp_path, recorded_commands):
    config = tmp_path / "deploy" / "nginx.conf"
    config.parent.mkdir()
    config.write_text("server_name my-site.test;\n")

    detail = bootstrap.write_web_server_config(tmp_path, "py")

    assert detail.startswith("kept the existing deploy/nginx.conf")
    assert config.read_text() == "server_name my-site.test;\n"
    assert recorded_commands == []


def test_web_server_config_for_buckets_loads_production_with_stand_ins(
    load_bootstrap, answers, tmp_path, monkeypatch
):
    """Production settings require bucket names; the config does not use them."""
    bootstrap = load_bootstrap(
        {**answers, "static_storage": "s3", "media_storage": "azure"}
    )
    commands = record_commands(bootstrap, monkeypatch)

    bootstrap.write_web_server_config(tmp_path, "py")

    (environment,) = commands.environments
    assert set(bootstrap.STAND_INS) == {
        "DJANGO_STATIC_BUCKET",
        "DJANGO_MEDIA_BUCKET",
        "DJANGO_AZURE_CONNECTION_STRING",
    }
    for name, value in bootstrap.STAND_INS.items():
        assert environment[name] == value


def test_a_printed_fix_carries_the_stand_ins_it_needs(
    load_bootstrap, answers, tmp_path
):
    """Run as printed, the command loads production settings as bootstrap did."""
    bootstrap = load_bootstrap(
        {**answers, "static_storage": "s3", "media_storage": "azure"}
    )

    command = bootstrap.finishing_commands(tmp_path, None)[-1]

    assert command.startswith(
        "DJANGO_STATIC_BUCKET=static-bucket DJANGO_MEDIA_BUCKET=media-bucket "
        "DJANGO_AZURE_CONNECTION_STRING='AccountName=stand-in;AccountKey=c3RhbmQtaW4=' "
        ".venv/bin/python manage.py webserver_config"
    )


def test_bucket_stand_ins_never_replace_real_values(load_bootstrap, answers):
    bootstrap = load_bootstrap({**answers, "media_storage": "gcs"})

    environment = bootstrap.production_environment(
        {"DJANGO_MEDIA_BUCKET": "real-bucket"}
    )

    assert environment["DJANGO_MEDIA_BUCKET"] == "real-bucket"


def test_files_on_disk_need_no_stand_ins(bootstrap):
    assert bootstrap.production_environment({"PATH": "/bin"}) == {"PATH": "/bin"}


def test_no_web_server_means_no_config_step(load_bootstrap, answers):
    bootstrap = load_bootstrap({**answers, "web_server": "none"})

    assert not hasattr(bootstrap, "write_web_server_config")
    assert not any(
        "webserver_config" in line
        for line in bootstrap.finishing_commands(Path("p"), None)
    )


# --- reporting ------------------------------------------------------------------


def test_steps_report_failures_keep_going_and_gather_fixes(bootstrap):
    out = io.StringIO()
    steps = bootstrap.Steps(out=out)

    def fails():
        raise bootstrap.StepError("no network", fix=["pip install -e ."])

    def crashes():
        raise KeyError("surprise")

    steps.run("First", fails)
    steps.run("Second", crashes)
    assert steps.run("Third", lambda: "fine") == "fine"
    steps.run("Again", fails)
    steps.summary(["cd site"])

    report = out.getvalue()
    assert "[FAILED] First" in report
    assert "no network" in report
    assert "[FAILED] Second" in report
    assert "KeyError" in report
    assert "[ok] Third" in report
    assert report.count("pip install -e .") == 1
    assert "The project is complete; run these in it:" in report
    assert steps.failed


def test_a_failed_step_makes_the_command_exit_1(bootstrap, tmp_path, monkeypatch):
    """For a teammate's script or CI; a skipped step is no failure."""
    monkeypatch.setattr(bootstrap, "write_env_file", lambda project: "fine")
    monkeypatch.setattr(bootstrap, "find_uv", lambda: None)

    def build_environment(project, uv):
        raise bootstrap.StepError("no network")

    monkeypatch.setattr(bootstrap, "build_environment", build_environment)
    quiet = bootstrap.Steps(out=io.StringIO())

    assert bootstrap.set_up(tmp_path, None, quiet) is False
    assert "no network" in quiet.out.getvalue()


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
    monkeypatch.setattr(uv_bootstrap, "run", lambda *arguments, **options: None)
    (tmp_path / ".env.example").write_text("DJANGO_SECRET_KEY=\n")

    uv_bootstrap.set_up(tmp_path, sys.executable, uv_bootstrap.Steps(out=io.StringIO()))

    assert steps == ["lock"]
