"""The post-generation hook's steps, rendered as cookiecutter renders them."""

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from support import CRUFT_SKIP, SECRET, answers_for, commit_all, git


@pytest.fixture
def answers():
    return answers_for()


@pytest.fixture
def hook(load_hook, answers):
    return load_hook("post_gen_project", answers)


class Recorded(list):
    """Commands as run, and the environment each was given (None: inherited)."""

    def __init__(self):
        super().__init__()
        self.environments = []


@pytest.fixture
def recorded_commands(hook, monkeypatch):
    """Replace running commands with a record of them."""
    commands = Recorded()

    def run(command, cwd, fix, env=None):
        commands.append([str(part) for part in command])
        commands.environments.append(env)

    monkeypatch.setattr(hook, "run", run)
    return commands


# --- prune and directories ----------------------------------------------------


@pytest.fixture
def prunable(tmp_path):
    """The optional parts of a generated project, as files to prune."""
    (tmp_path / "uploads" / "migrations").mkdir(parents=True)
    templates = tmp_path / "webserver" / "templates" / "webserver"
    templates.mkdir(parents=True)
    for name in (
        "apache-headers.inc",
        "apache.conf",
        "nginx-headers.inc",
        "nginx.conf",
    ):
        (templates / name).write_text("")
    cloud = tmp_path / "cloud_storage"
    (cloud / "management" / "commands").mkdir(parents=True)
    for name in CLOUD_STORAGE_FILES:
        (cloud / name).write_text("")
    for name in STATIC_ON_DISK_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    return tmp_path


CLOUD_STORAGE_FILES = (
    "__init__.py",
    "azure.py",
    "gcs.py",
    "publish.py",
    "s3.py",
    "test_media.py",
    "test_settings.py",
    "test_static.py",
)
STATIC_ON_DISK_FILES = (
    "files/build.py",
    "files/compression.py",
    "files/run.py",
    "files/storage.py",
    "files/writing.py",
    "tests/static_sources.py",
    "tests/test_static_serving.py",
    "tests/test_static_storage.py",
)


def cloud_storage_files(project):
    cloud = project / "cloud_storage"
    if not cloud.exists():
        return None
    return sorted(path.relative_to(cloud).as_posix() for path in cloud.iterdir())


@pytest.mark.parametrize(
    ("static", "media", "kept"),
    [
        ("whitenoise", "local", None),
        (
            "s3",
            "s3",
            [
                "__init__.py",
                "management",
                "publish.py",
                "s3.py",
                "test_media.py",
                "test_settings.py",
                "test_static.py",
            ],
        ),
        (
            "gcs",
            "azure",
            [
                "__init__.py",
                "azure.py",
                "gcs.py",
                "management",
                "publish.py",
                "test_media.py",
                "test_settings.py",
                "test_static.py",
            ],
        ),
        (
            "whitenoise",
            "azure",
            ["__init__.py", "azure.py", "test_media.py", "test_settings.py"],
        ),
        (
            "s3",
            "local",
            [
                "__init__.py",
                "management",
                "publish.py",
                "s3.py",
                "test_settings.py",
                "test_static.py",
            ],
        ),
    ],
)
def test_prune_keeps_cloud_storage_for_the_chosen_buckets(
    hook, answers, prunable, static, media, kept
):
    answers = {**answers, "static_storage": static, "media_storage": media}

    hook.prune(prunable, answers)

    assert cloud_storage_files(prunable) == kept


@pytest.mark.parametrize("static", ["whitenoise", "web_server", "s3", "gcs", "azure"])
def test_prune_keeps_the_compressing_static_storage_only_for_static_on_disk(
    hook, answers, prunable, static
):
    hook.prune(prunable, {**answers, "static_storage": static})

    on_disk = static in ("whitenoise", "web_server")
    for name in STATIC_ON_DISK_FILES:
        assert (prunable / name).exists() == on_disk, name


@pytest.mark.parametrize("chosen", [True, False])
def test_prune_removes_the_upload_app_unless_chosen(hook, answers, prunable, chosen):
    hook.prune(prunable, {**answers, "use_upload_example": chosen})

    assert (prunable / "uploads").exists() == chosen


@pytest.mark.parametrize("server", ["nginx", "apache"])
def test_prune_keeps_only_the_chosen_web_server(hook, answers, prunable, server):
    hook.prune(prunable, {**answers, "web_server": server})

    templates = prunable / "webserver" / "templates" / "webserver"
    kept = sorted(path.name for path in templates.iterdir())
    assert kept == [f"{server}-headers.inc", f"{server}.conf"]


def test_prune_keeps_your_files_beside_the_chosen_servers_templates(
    hook, answers, prunable
):
    templates = prunable / "webserver" / "templates" / "webserver"
    (templates / "security.inc").write_text("add_header X-Mine yes;\n")

    hook.prune(prunable, {**answers, "web_server": "nginx"})

    kept = sorted(path.name for path in templates.iterdir())
    assert kept == ["nginx-headers.inc", "nginx.conf", "security.inc"]


def test_pruning_twice_changes_nothing_more(hook, answers, prunable):
    answers = {**answers, "use_upload_example": False, "web_server": "apache"}
    hook.prune(prunable, answers)
    before = sorted(prunable.rglob("*"))

    assert hook.prune(prunable, answers) == "nothing to remove"
    assert sorted(prunable.rglob("*")) == before


def test_prune_removes_the_web_server_app_when_none_is_chosen(hook, answers, prunable):
    hook.prune(prunable, {**answers, "web_server": "none"})

    assert not (prunable / "webserver").exists()


def test_directories_are_created_and_existing_content_is_kept(hook, tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "upload.png").write_bytes(b"user data")

    hook.make_directories(tmp_path)
    hook.make_directories(tmp_path)

    assert (tmp_path / "media" / "upload.png").read_bytes() == b"user data"
    assert (tmp_path / "media" / ".gitkeep").is_file()
    assert (tmp_path / "staticfiles" / ".gitkeep").is_file()


def test_directories_that_cannot_be_written_are_reported_with_the_fix(
    hook, tmp_path, monkeypatch
):
    def refuse(path, *args, **kwargs):
        raise PermissionError(f"Permission denied: '{path}'")

    monkeypatch.setattr(Path, "write_text", refuse)

    with pytest.raises(hook.Unfinished) as unfinished:
        hook.make_directories(tmp_path)

    assert str(tmp_path / "media" / ".gitkeep") in str(unfinished.value)
    assert str(tmp_path / "staticfiles" / ".gitkeep") in str(unfinished.value)
    assert unfinished.value.fix[-1] == (
        "mkdir -p media staticfiles && touch media/.gitkeep staticfiles/.gitkeep"
    )


# --- .env ---------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after"), [(0o644, 0o755), (0o600, 0o700)])
def test_manage_py_is_made_executable_for_whoever_may_read_it(
    hook, tmp_path, before, after
):
    manage = tmp_path / "manage.py"
    manage.write_text("")
    manage.chmod(before)

    hook.make_manage_executable(tmp_path)

    assert manage.stat().st_mode & 0o777 == after


def test_env_file_gets_a_fresh_secret_and_private_permissions(hook, tmp_path):
    (tmp_path / ".env.example").write_text("# comment\nDJANGO_SECRET_KEY=\nA=1\n")

    hook.write_env_file(tmp_path)

    lines = (tmp_path / ".env").read_text().splitlines()
    assert lines[0] == "# comment"
    assert lines[1].startswith("DJANGO_SECRET_KEY=")
    assert len(lines[1].removeprefix("DJANGO_SECRET_KEY=")) >= 50
    assert lines[2] == "A=1"
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600


def test_secrets_avoid_characters_django_environ_treats_specially(hook):
    secrets = {hook.new_secret_key() for _ in range(200)}

    assert len(secrets) == 200
    for secret in secrets:
        assert len(secret) >= 50
        assert not set(secret) & set("$#'\" \\=")


def test_existing_env_file_is_never_touched(hook, tmp_path):
    (tmp_path / ".env.example").write_text("DJANGO_SECRET_KEY=\n")
    (tmp_path / ".env").write_text("DJANGO_SECRET_KEY=mine\n")

    assert hook.write_env_file(tmp_path) == "kept the existing .env"
    assert (tmp_path / ".env").read_text() == "DJANGO_SECRET_KEY=mine\n"


def test_unwritable_env_file_says_how_to_make_one(hook, tmp_path, monkeypatch):
    (tmp_path / ".env.example").write_text("DJANGO_SECRET_KEY=\n")

    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(Path, "write_text", refuse)

    with pytest.raises(hook.Unfinished) as unfinished:
        hook.write_env_file(tmp_path)

    assert "read-only file system" in str(unfinished.value)
    assert "cp .env.example .env" in unfinished.value.fix


# --- which Python runs the project ---------------------------------------------


def test_this_python_runs_a_project_of_its_django_line(hook, answers):
    assert hook.why_not_here(answers) is None


def test_this_python_does_not_run_another_django_line(hook, answers):
    reason = hook.why_not_here({**answers, "django_version": "6.1"})

    assert "the project uses 6.1" in reason


def test_missing_modules_are_named(hook, answers, monkeypatch):
    monkeypatch.setattr(
        hook.importlib.util,
        "find_spec",
        lambda name: None if name in ("django", "whitenoise") else object(),
    )

    assert hook.why_not_here(answers).startswith("django, whitenoise not importable")


@pytest.mark.parametrize(
    ("answer", "variable", "enabled"),
    [
        (True, None, True),
        (True, "", True),
        (True, "0", True),
        (True, "1", False),
        (True, "yes", False),
        (False, None, False),
    ],
)
def test_set_up_follows_the_answer_and_the_variable(
    hook, answers, answer, variable, enabled
):
    environ = {} if variable is None else {hook.SKIP_SETUP_VARIABLE: variable}
    answers = {**answers, "set_up_environment": answer}

    assert hook.setup_enabled(answers, environ) == enabled


def test_project_uses_this_python_when_it_can(hook, answers, tmp_path):
    python, detail = hook.project_python(tmp_path, answers)

    assert python == Path(sys.executable)
    assert not (tmp_path / ".venv").exists()


@pytest.fixture
def django_absent(hook, monkeypatch):
    monkeypatch.setattr(hook, "why_not_here", lambda answers: "django not importable")


@pytest.mark.usefixtures("django_absent")
def test_set_up_off_skips_with_the_commands_to_run(hook, answers, tmp_path):
    with pytest.raises(hook.Skipped) as skipped:
        hook.project_python(tmp_path, {**answers, "set_up_environment": False})

    assert "environment set-up is off" in str(skipped.value)
    assert skipped.value.fix == [
        "python3.10 -m venv .venv",
        '.venv/bin/python -m pip install -e ".[dev]"',
    ]


@pytest.mark.usefixtures("django_absent")
def test_set_up_on_builds_venv_with_uv_when_available(
    hook, answers, tmp_path, recorded_commands, monkeypatch
):
    monkeypatch.setattr(hook.shutil, "which", lambda name: f"/bin/{name}")
    monkeypatch.delenv("UV", raising=False)
    monkeypatch.delenv(hook.SKIP_SETUP_VARIABLE, raising=False)

    python, _ = hook.project_python(tmp_path, answers)

    venv = tmp_path / ".venv"
    assert python == venv / "bin" / "python"
    assert recorded_commands == [
        ["/bin/uv", "venv", "--quiet", "--python", sys.executable, str(venv)],
        ["/bin/uv", "pip", "install", "--python", str(python), "-e", ".[dev]"],
    ]


def test_without_uv_venv_and_pip_are_used(hook, answers, tmp_path, recorded_commands):
    python = hook.create_environment(tmp_path, answers, uv=None)

    assert recorded_commands == [
        [sys.executable, "-m", "venv", str(tmp_path / ".venv")],
        [str(python), "-m", "pip", "install", "-e", ".[dev]"],
    ]


def test_an_existing_venv_is_reused(hook, answers, tmp_path, recorded_commands):
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()

    hook.create_environment(tmp_path, answers, uv=None)

    assert recorded_commands == [[str(python), "-m", "pip", "install", "-e", ".[dev]"]]


def test_no_python_new_enough_is_reported_with_the_fix(
    hook, answers, tmp_path, recorded_commands, monkeypatch
):
    monkeypatch.setattr(hook, "find_python", lambda floor, uv=None: None)

    with pytest.raises(hook.Unfinished) as unfinished:
        hook.create_environment(tmp_path, {**answers, "django_version": "6.1"})

    assert "Django 6.1 needs Python 3.12 or newer" in str(unfinished.value)
    assert unfinished.value.fix[0] == "python3.12 -m venv .venv"
    assert recorded_commands == []


def test_uv_is_asked_for_a_python_new_enough_when_path_has_none(
    hook, answers, tmp_path, recorded_commands, monkeypatch
):
    monkeypatch.setattr(hook, "find_python", lambda floor, uv=None: None)

    hook.create_environment(tmp_path, {**answers, "django_version": "6.1"}, uv="uv")

    assert recorded_commands[0] == [
        "uv",
        "venv",
        "--quiet",
        "--python",
        ">=3.12",
        str(tmp_path / ".venv"),
    ]


# --- uv projects: uv.lock and uv sync --------------------------------------------


@pytest.fixture
def uv_answers(answers):
    return {**answers, "package_manager": "uv"}


def test_uv_is_the_one_running_us_or_the_one_on_path(hook, tmp_path, monkeypatch):
    running = tmp_path / "uv"
    running.touch()
    monkeypatch.setattr(hook.shutil, "which", lambda name: f"/bin/{name}")

    assert hook.find_uv({"UV": str(running)}) == str(running)
    assert hook.find_uv({"UV": str(tmp_path / "gone")}) == "/bin/uv"
    assert hook.find_uv({}) == "/bin/uv"


def test_lock_writes_uv_lock_with_uv(hook, uv_answers, tmp_path, monkeypatch):
    """A real uv lock: every package pinned, for the Python floor upward."""
    uv = Path(sys.executable).with_name("uv")
    monkeypatch.setenv("UV", str(uv))
    monkeypatch.delenv(hook.SKIP_SETUP_VARIABLE, raising=False)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1"\nrequires-python = ">=3.10"\n'
        'dependencies = ["django>=5.2,<5.3"]\n'
    )

    detail = hook.lock_dependencies(tmp_path, uv_answers)

    lock = (tmp_path / "uv.lock").read_text()
    assert 'requires-python = ">=3.10"' in lock
    assert re.search(r'name = "django"\nversion = "5\.2\.\d+"', lock)
    assert re.fullmatch(r"uv\.lock pins \d+ packages", detail)


def test_lock_is_skipped_with_the_command_when_set_up_is_off(
    hook, uv_answers, tmp_path, recorded_commands
):
    with pytest.raises(hook.Skipped) as skipped:
        hook.lock_dependencies(tmp_path, {**uv_answers, "set_up_environment": False})

    assert skipped.value.fix == ["uv lock"]
    assert recorded_commands == []


def test_lock_without_uv_says_how_to_get_it(
    hook, uv_answers, tmp_path, recorded_commands, monkeypatch
):
    monkeypatch.setattr(hook, "find_uv", lambda: None)
    monkeypatch.delenv(hook.SKIP_SETUP_VARIABLE, raising=False)

    with pytest.raises(hook.Unfinished) as unfinished:
        hook.lock_dependencies(tmp_path, uv_answers)

    assert "uv is not installed here" in str(unfinished.value)
    assert unfinished.value.fix[0].startswith("pipx install uv")
    assert unfinished.value.fix[1] == "uv lock"


def test_uv_projects_build_venv_with_uv_sync_from_the_lock(
    hook, uv_answers, tmp_path, recorded_commands
):
    python = hook.create_environment(tmp_path, uv_answers, uv="/bin/uv")

    assert python == tmp_path / ".venv" / "bin" / "python"
    assert recorded_commands == [
        ["/bin/uv", "sync", "--locked", "--quiet", "--python", sys.executable]
    ]


def test_uv_projects_without_uv_are_told_to_install_it(
    hook, uv_answers, tmp_path, recorded_commands
):
    with pytest.raises(hook.Unfinished) as unfinished:
        hook.create_environment(tmp_path, uv_answers, uv=None)

    assert unfinished.value.fix[0].startswith("pipx install uv")
    assert unfinished.value.fix[1].startswith("uv sync")
    assert recorded_commands == []


def test_next_commands_follow_the_package_manager(hook, answers, uv_answers, tmp_path):
    project = tmp_path / "my_site"
    venv_python = project / ".venv" / "bin" / "python"

    assert hook.next_commands(project, venv_python, answers) == [
        "cd my_site",
        "source .venv/bin/activate",
        "python manage.py runserver    # then open http://127.0.0.1:8000/",
        "pytest",
    ]
    assert hook.next_commands(project, venv_python, uv_answers) == [
        "cd my_site",
        "uv run python manage.py runserver    # then open http://127.0.0.1:8000/",
        "uv run pytest",
    ]


def test_find_python_prefers_this_one_then_a_working_one_on_path(hook, monkeypatch):
    assert hook.find_python("3.8") == sys.executable

    monkeypatch.setattr(hook.shutil, "which", lambda name: f"/bin/{name}")
    monkeypatch.setenv("PYENV_ROOT", "/nonexistent")
    works = {"/bin/python3.14"}

    def run_quietly(command):
        return subprocess.CompletedProcess(command, 0 if command[0] in works else 1)

    monkeypatch.setattr(hook, "run_quietly", run_quietly)
    assert hook.find_python("3.13") == "/bin/python3.14"
    works.clear()
    assert hook.find_python("3.13") is None


def test_find_python_looks_past_pyenv_shims_and_asks_uv(hook, monkeypatch, tmp_path):
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

    assert hook.find_python("3.19") == str(installed)

    installed.unlink()
    uv = tmp_path / "uv"
    uv.write_text(f"#!/bin/sh\n[ \"$3\" = '>=3.19' ] && echo {sys.executable}\n")
    uv.chmod(0o755)
    assert hook.find_python("3.19") is None
    assert hook.find_python("3.19", uv=str(uv)) == sys.executable


# --- running commands -----------------------------------------------------------


def test_a_failing_command_reports_its_output_and_the_fix(hook, tmp_path):
    command = [sys.executable, "-c", "import sys; print('broken css'); sys.exit(3)"]

    with pytest.raises(hook.Unfinished) as unfinished:
        hook.run(command, tmp_path, fix=["do this"])

    assert "exited with status 3" in str(unfinished.value)
    assert "broken css" in str(unfinished.value)
    assert unfinished.value.fix == ["do this"]


def test_a_connection_error_above_the_last_lines_is_shown(hook, tmp_path):
    """pip's last lines blame a package when no index answers."""
    script = (
        "print('WARNING: Retrying after connection broken by NewConnectionError')\n"
        "for line in range(20): print('note', line)\n"
        "raise SystemExit(1)"
    )

    with pytest.raises(hook.Unfinished) as unfinished:
        hook.run([sys.executable, "-c", script], tmp_path, fix=[])

    lines = str(unfinished.value).splitlines()
    assert "connection broken by NewConnectionError" in lines[1]
    assert lines[2:] == [f"      note {line}" for line in range(8, 20)]


def test_a_missing_program_is_reported(hook, tmp_path):
    with pytest.raises(hook.Unfinished) as unfinished:
        hook.run([tmp_path / "no-such-program"], tmp_path, fix=[])

    assert "could not run no-such-program" in str(unfinished.value)


def test_manage_commands_are_skipped_without_a_python(hook, answers, tmp_path):
    with pytest.raises(hook.Skipped) as skipped:
        hook.collect_static(tmp_path, None, answers)

    assert skipped.value.fix == [
        ".venv/bin/python manage.py collectstatic --noinput"
        " --settings=config.settings.production"
    ]


def test_migrate_leaves_a_configured_database_alone(hook, tmp_path, recorded_commands):
    with pytest.raises(hook.Skipped):
        hook.migrate(tmp_path, sys.executable, {"DATABASE_URL": "postgres://db/x"})

    assert recorded_commands == []


@pytest.mark.parametrize("provider", ["s3", "gcs", "azure"])
def test_static_files_for_a_bucket_are_never_uploaded_while_generating(
    hook, answers, tmp_path, recorded_commands, provider
):
    answers = {**answers, "static_storage": provider}

    with pytest.raises(hook.Skipped) as skipped:
        hook.collect_static(tmp_path, sys.executable, answers)

    assert recorded_commands == []
    assert "static files go to the bucket when you deploy" in str(skipped.value)
    assert skipped.value.fix == []  # nothing is left undone: it is a deploy step


def test_collectstatic_failure_on_a_broken_reference_is_reported(
    hook, answers, bake, tmp_path
):
    project = tmp_path / "project"
    shutil.copytree(
        bake(), project, ignore=shutil.ignore_patterns("staticfiles", ".env")
    )
    (project / "staticfiles").mkdir()
    (project / ".env").write_text(
        f"DJANGO_SECRET_KEY={SECRET}\nDJANGO_ALLOWED_HOSTS=localhost\n"
    )
    (project / "static" / "css" / "broken.css").write_text(
        'body { background: url("missing.png"); }'
    )

    with pytest.raises(hook.Unfinished) as unfinished:
        hook.collect_static(project, sys.executable, answers)

    assert "missing.png" in str(unfinished.value)
    assert unfinished.value.fix == [
        f"{sys.executable} manage.py collectstatic --noinput"
        " --settings=config.settings.production"
    ]


# --- reporting ------------------------------------------------------------------


def test_steps_report_failures_keep_going_and_gather_fixes(hook):
    out = io.StringIO()
    steps = hook.Steps(out=out)

    def fails():
        raise hook.Unfinished("no network", fix=["pip install -e ."])

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


def test_next_commands_activate_the_venv_only_when_there_is_one(
    hook, answers, tmp_path
):
    venv_python = tmp_path / ".venv" / "bin" / "python"
    activate = "source .venv/bin/activate"

    assert activate in hook.next_commands(tmp_path, venv_python, answers)
    assert activate in hook.next_commands(tmp_path, None, answers)
    assert activate not in hook.next_commands(tmp_path, Path(sys.executable), answers)


def test_web_server_config_is_written_for_the_deploy_layout(
    hook, answers, tmp_path, recorded_commands
):
    answers = {**answers, "web_server": "apache"}

    assert hook.write_web_server_config(tmp_path, "py", answers) == "deploy/apache.conf"
    assert recorded_commands == [
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


def test_an_existing_web_server_config_is_kept(
    hook, answers, tmp_path, recorded_commands
):
    """README.md has people write the real one, with their server name, there."""
    config = tmp_path / "deploy" / "nginx.conf"
    config.parent.mkdir()
    config.write_text("server_name my-site.test;\n")

    detail = hook.write_web_server_config(tmp_path, "py", answers)

    assert detail.startswith("kept the existing deploy/nginx.conf")
    assert config.read_text() == "server_name my-site.test;\n"
    assert recorded_commands == []


def test_web_server_config_for_buckets_loads_production_with_stand_ins(
    hook, answers, tmp_path, recorded_commands
):
    """Production settings require bucket names; the config does not use them."""
    answers = {**answers, "static_storage": "s3", "media_storage": "azure"}

    hook.write_web_server_config(tmp_path, "py", answers)

    (environment,) = recorded_commands.environments
    for name, value in hook.BUCKET_PLACEHOLDERS.items():
        assert environment[name] == value


def test_a_printed_fix_carries_the_stand_ins_it_needs(hook, answers, tmp_path):
    """Run as printed, the command loads production settings as the hook did."""
    answers = {**answers, "static_storage": "s3", "media_storage": "azure"}

    (command,) = hook.finishing_commands(tmp_path, None, answers)[-1:]

    assert command.startswith(
        "DJANGO_STATIC_BUCKET=static-bucket DJANGO_MEDIA_BUCKET=media-bucket "
        "DJANGO_AZURE_CONNECTION_STRING='AccountName=stand-in;AccountKey=c3RhbmQtaW4=' "
        ".venv/bin/python manage.py webserver_config"
    )


def test_bucket_stand_ins_never_replace_real_values(hook, answers):
    answers = {**answers, "static_storage": "gcs"}

    environment = hook.production_environment(
        answers, {"DJANGO_STATIC_BUCKET": "real-bucket"}
    )

    assert environment["DJANGO_STATIC_BUCKET"] == "real-bucket"


def test_files_on_disk_need_no_stand_ins(hook, answers):
    assert hook.production_environment(answers, {"PATH": "/bin"}) == {"PATH": "/bin"}


def test_no_web_server_means_no_config(hook, answers, tmp_path, recorded_commands):
    with pytest.raises(hook.Skipped):
        hook.write_web_server_config(tmp_path, "py", {**answers, "web_server": "none"})

    assert recorded_commands == []


# --- cruft: .cruft.json, and renders for cruft update/diff ---------------------


@pytest.fixture
def temporary_root(tmp_path_factory, monkeypatch):
    """tempfile's directory, here: where cruft makes the directories it renders in."""
    root = tmp_path_factory.mktemp("temporary")
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def rendered_by_cruft(root, answers):
    """The project as cruft update renders it: alone in a fresh tempfile directory."""
    project = root / "tmpq3_x9vzk" / answers["project_slug"]
    project.mkdir(parents=True)
    return project


def test_a_render_for_cruft_update_is_recognised(hook, answers, temporary_root):
    project = rendered_by_cruft(temporary_root, answers)

    assert hook.cruft_render({**answers, "_commit": "abc"}, project)


@pytest.mark.parametrize(
    "where",
    [
        "plain cookiecutter in a temporary directory",
        "cruft create in your directory",
        "cruft create beside other files",
        "a directory mktemp made",
        "deeper in the temporary directory",
    ],
)
def test_what_is_not_a_render_for_cruft(hook, answers, temporary_root, where):
    answers = {**answers, "_commit": "abc"}
    slug = answers["project_slug"]
    project = rendered_by_cruft(temporary_root, answers)
    if where.startswith("plain cookiecutter"):
        del answers["_commit"]
    elif where == "cruft create in your directory":
        project = temporary_root.parent / "projects" / slug
    elif where == "cruft create beside other files":
        (project.parent / "notes.txt").write_text("")
    elif where == "a directory mktemp made":
        project = temporary_root / "tmp.Xa81kQz0Pc" / slug
    else:
        project = temporary_root / "tmpq3_x9vzk" / "tmpa8c_01zz" / slug
    project.mkdir(parents=True, exist_ok=True)

    assert not hook.cruft_render(answers, project)


def test_a_render_for_cruft_only_prunes_and_makes_the_directories(
    load_hook, answers, prunable, temporary_root, monkeypatch, capsys
):
    """No .env, environment, collectstatic, database, web server config or
    .cruft.json: the diff cruft applies has only the template's files."""
    answers = {**answers, "_template": "/templates/t", "_commit": "abc"}
    hook = load_hook("post_gen_project", answers)
    project = rendered_by_cruft(temporary_root, answers)
    project.rmdir()
    shutil.copytree(prunable, project)
    (project / ".env.example").write_text("DJANGO_SECRET_KEY=\n")
    commands = []
    monkeypatch.setattr(hook, "run_quietly", lambda *a, **k: commands.append(a))
    monkeypatch.chdir(project)

    hook.main()

    output = capsys.readouterr().out
    assert "Rendering my_site for cruft" in output
    assert not (project / "webserver/templates/webserver/apache.conf").exists()
    assert (project / "webserver/templates/webserver/nginx.conf").exists()
    assert not (project / "cloud_storage").exists()
    assert (project / "media" / ".gitkeep").is_file()
    assert (project / "staticfiles" / ".gitkeep").is_file()
    for name in (".env", ".cruft.json", ".venv", "db.sqlite3", "deploy"):
        assert not (project / name).exists(), name
    assert commands == []
    assert "Collect static files" not in output


def test_cruft_create_finishes_the_project_and_leaves_cruft_json_to_cruft(
    load_hook, answers, tmp_path, monkeypatch, capsys
):
    answers = {**answers, "_template": "/templates/t", "_commit": "abc"}
    hook = load_hook("post_gen_project", answers)
    recorded_commands = []
    monkeypatch.setattr(
        hook, "run", lambda command, *a, **k: recorded_commands.append(command)
    )
    project = tmp_path / "projects" / answers["project_slug"]
    project.mkdir(parents=True)
    (project / ".env.example").write_text("DJANGO_SECRET_KEY=\n")
    monkeypatch.chdir(project)

    hook.main()

    output = capsys.readouterr().out
    assert "cruft create writes .cruft.json itself, after this hook" in output
    assert not (project / ".cruft.json").exists()
    assert (project / ".env").is_file()
    assert [str(command[2]) for command in recorded_commands] == [
        "collectstatic",
        "migrate",
        "webserver_config",
    ]


def template_repository(root, *, inside=None):
    """A git repository holding a template (in ``inside`` if given)."""
    directory = root / inside if inside else root
    directory.mkdir(parents=True)
    (directory / "cookiecutter.json").write_text(
        json.dumps(
            {"project_name": "My Site", "project_slug": "x", "django_version": []}
        )
    )
    commit = commit_all(root, "template")
    return directory, commit


def generated_from(answers, template, repo_dir=None, checkout=None):
    """The context cookiecutter gives its hooks, for ``template`` as typed."""
    return {
        **answers,
        "_template": str(template),
        "_output_dir": "/home/me/projects",
        "_repo_dir": str(repo_dir or template),
        "_checkout": checkout,
    }


def test_cruft_json_records_the_template_its_commit_and_the_answers(
    hook, answers, tmp_path
):
    directory, commit = template_repository(tmp_path / "template")
    context = generated_from(answers, directory, checkout="main")

    detail = hook.record_template(tmp_path, context)

    assert detail == f".cruft.json: {directory} at {commit[:12]}"
    text = (tmp_path / ".cruft.json").read_text()
    state = json.loads(text)
    recorded = state["context"]["cookiecutter"]
    assert state["template"] == recorded["_template"] == str(directory)
    assert state["commit"] == recorded["_commit"] == commit
    assert state["checkout"] == "main"
    assert state["directory"] is None
    assert state["skip"] == CRUFT_SKIP
    assert {key: recorded[key] for key in answers} == answers
    for key in ("_output_dir", "_repo_dir", "_checkout"):
        assert key not in recorded
    # The questions first, in cookiecutter.json's order; as cruft writes it.
    assert list(recorded)[:3] == ["project_name", "project_slug", "django_version"]
    assert text == json.dumps(state, indent=2) + "\n"


def test_a_template_in_a_repository_subdirectory_is_recorded_as_cruft_reads_it(
    hook, answers, tmp_path
):
    directory, commit = template_repository(tmp_path / "repo", inside="templates/site")

    hook.record_template(tmp_path, generated_from(answers, directory))

    state = json.loads((tmp_path / ".cruft.json").read_text())
    assert state["template"] == str(tmp_path / "repo")
    assert state["directory"] == "templates/site"
    assert state["commit"] == commit


def test_a_cloned_template_is_recorded_by_its_url(hook, answers, tmp_path):
    """cookiecutter clones gh:org/site into ~/.cookiecutters: cruft needs the URL."""
    clone, commit = template_repository(tmp_path / "cookiecutters" / "site")
    git(clone, "remote", "add", "origin", "https://git.example.invalid/org/site.git")

    hook.record_template(tmp_path, generated_from(answers, "gh:org/site", clone))

    state = json.loads((tmp_path / ".cruft.json").read_text())
    assert state["template"] == "https://git.example.invalid/org/site.git"
    assert state["commit"] == commit


def test_a_relative_template_path_is_made_absolute(
    hook, answers, tmp_path, monkeypatch
):
    """Relative to where cookiecutter started, which the shell's PWD tells."""
    directory, _ = template_repository(tmp_path / "work" / "template")
    monkeypatch.setattr(hook, "parent_directory", lambda: None)
    context = generated_from(answers, "template")
    project = tmp_path / "project"
    project.mkdir()

    hook.record_template(project, context, {"PWD": str(tmp_path / "work")})

    state = json.loads((project / ".cruft.json").read_text())
    assert state["template"] == str(directory)


def test_uncommitted_template_changes_are_mentioned(hook, answers, tmp_path):
    directory, commit = template_repository(tmp_path / "template")
    (directory / "cookiecutter.json").write_text("{}")

    detail = hook.record_template(tmp_path, generated_from(answers, directory))

    assert "uncommitted changes" in detail
    assert json.loads((tmp_path / ".cruft.json").read_text())["commit"] == commit


def test_a_template_that_is_no_git_checkout_gets_no_cruft_json(hook, answers, tmp_path):
    template = tmp_path / "template"
    template.mkdir()
    (template / "cookiecutter.json").write_text("{}")
    project = tmp_path / "project"
    project.mkdir()

    with pytest.raises(hook.Skipped) as skipped:
        hook.record_template(project, generated_from(answers, template))

    assert f"the template at {template} is not a git checkout" in str(skipped.value)
    assert "Generate from the template's git URL or a clone of it" in str(skipped.value)
    assert not (project / ".cruft.json").exists()


def test_without_git_there_is_no_cruft_json_and_the_reason(
    hook, answers, tmp_path, monkeypatch
):
    directory, _ = template_repository(tmp_path / "template")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with pytest.raises(hook.Skipped, match="could not run git"):
        hook.record_template(tmp_path, generated_from(answers, directory))


def test_an_existing_cruft_json_is_kept(hook, answers, tmp_path):
    """cruft update rewrites it; running the hook again must not undo that."""
    (tmp_path / ".cruft.json").write_text('{"commit": "mine"}\n')

    detail = hook.record_template(tmp_path, generated_from(answers, tmp_path))

    assert detail == "kept the existing .cruft.json"
    assert (tmp_path / ".cruft.json").read_text() == '{"commit": "mine"}\n'
