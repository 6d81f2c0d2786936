"""manage.py setup_project (sitefiles.project_setup): each step keeps what is
there, says what failed and how to finish, and the others still run."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from sitefiles import project_setup
from sitefiles.project_setup import Project, SkippedStepError, StepError, Steps

# A project's manage.py, for the steps that run one in a process of its own.
MANAGE_PY = """\
import os
import sys

from django.core.management import execute_from_command_line

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
execute_from_command_line(sys.argv)
"""
TESTS_DIR = Path(__file__).resolve().parent.parent


class Recorded(list):
    """Commands as run, and the environment each was given (None: inherited)."""

    def __init__(self):
        super().__init__()
        self.environments = []


@pytest.fixture
def recorded_commands(monkeypatch):
    """Replace running commands with a record of them."""
    commands = Recorded()

    def run(command, cwd, fix, env=None):
        commands.append([str(part) for part in command])
        commands.environments.append(env)

    monkeypatch.setattr(project_setup, "run", run)
    return commands


@pytest.fixture
def project(tmp_path):
    return Project(
        root=tmp_path,
        python="py",
        production_settings="mysite.settings.production",
        stand_ins={"DJANGO_STATIC_BUCKET": "static-bucket"},
    )


@pytest.fixture
def site(settings, tmp_path, monkeypatch):
    """A project directory with a manage.py, this suite's settings pointing into
    it; the processes the steps start import this suite's packages."""
    (tmp_path / "manage.py").write_text(MANAGE_PY)
    (tmp_path / "static" / "css").mkdir(parents=True)
    # Long enough for compressed copies (WhiteNoise keeps those 5% smaller).
    rules = "".join(f".rule-{n} {{ color: #336699; }}\n" for n in range(40))
    (tmp_path / "static" / "css" / "site.css").write_text(rules)
    settings.BASE_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATICFILES_DIRS = [
        tmp_path / "static",
        ("frontend", tmp_path / "frontend" / "dist"),
    ]
    monkeypatch.setenv("PYTHONPATH", str(TESTS_DIR))
    monkeypatch.setenv("TEST_SITE_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path


def setup_project(*arguments):
    out = io.StringIO()
    try:
        call_command("setup_project", *arguments, stdout=out)
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()


# --- directories and .env -------------------------------------------------------


def test_directories_are_created_and_existing_content_is_kept(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "upload.png").write_bytes(b"user data")
    directories = [tmp_path / "media", tmp_path / "staticfiles"]

    project_setup.make_directories(tmp_path, directories)
    detail = project_setup.make_directories(tmp_path, directories)

    assert detail == "media/ and staticfiles/"
    assert (tmp_path / "media" / "upload.png").read_bytes() == b"user data"
    assert (tmp_path / "media" / ".gitkeep").is_file()
    assert (tmp_path / "staticfiles" / ".gitkeep").is_file()


def test_directories_that_cannot_be_written_are_reported_with_the_fix(
    tmp_path, monkeypatch
):
    def refuse(path, *args, **kwargs):
        raise PermissionError(f"Permission denied: '{path}'")

    monkeypatch.setattr(Path, "write_text", refuse)

    with pytest.raises(StepError) as unfinished:
        project_setup.make_directories(
            tmp_path, [tmp_path / "media", tmp_path / "staticfiles"]
        )

    assert str(tmp_path / "media" / ".gitkeep") in str(unfinished.value)
    assert str(tmp_path / "staticfiles" / ".gitkeep") in str(unfinished.value)
    assert unfinished.value.fix[-1] == (
        "mkdir -p media staticfiles && touch media/.gitkeep staticfiles/.gitkeep"
    )


def test_the_directories_are_the_settings_and_a_missing_staticfiles_dir(
    site, monkeypatch
):
    """MEDIA_ROOT, STATIC_ROOT, and what a build fills (frontend/dist/): the
    one STATICFILES_DIRS entry that is not there yet."""
    monkeypatch.setattr(project_setup, "migrate", lambda project: "db")

    status, report = setup_project()

    assert status == 0, report
    assert "[ok] Create media/, staticfiles/ and frontend/dist/" in report
    for name in ("media", "staticfiles", "frontend/dist"):
        assert (site / name / ".gitkeep").is_file()
    assert not (site / "static" / ".gitkeep").exists()


def test_env_file_gets_a_fresh_secret_and_private_permissions(tmp_path):
    example = tmp_path / ".env.example"
    example.write_text("# comment\nDJANGO_SECRET_KEY=\nA=1\n")

    project_setup.write_env_file(tmp_path / ".env", example, "DJANGO_SECRET_KEY")

    lines = (tmp_path / ".env").read_text().splitlines()
    assert lines[0] == "# comment"
    assert lines[1].startswith("DJANGO_SECRET_KEY=")
    assert len(lines[1].removeprefix("DJANGO_SECRET_KEY=")) >= 50
    assert lines[2] == "A=1"
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600


def test_each_secret_variable_gets_a_secret_of_its_own(tmp_path):
    example = tmp_path / ".env.example"
    example.write_text("DJANGO_SECRET_KEY=\n# POSTGRES_PASSWORD=\nPOSTGRES_PASSWORD=\n")

    detail = project_setup.write_env_file(
        tmp_path / ".env", example, "DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"
    )

    lines = (tmp_path / ".env").read_text().splitlines()
    secret, password = (line.partition("=")[2] for line in lines[::2])
    assert detail == "fresh DJANGO_SECRET_KEY and POSTGRES_PASSWORD"
    assert len(secret) >= 50
    assert len(password) >= 50
    assert secret != password
    assert lines[1] == "# POSTGRES_PASSWORD="  # comments stay as they are


def test_secrets_avoid_characters_django_environ_treats_specially():
    secrets = {project_setup.new_secret_key() for _ in range(200)}

    assert len(secrets) == 200
    for secret in secrets:
        assert len(secret) >= 50
        assert not set(secret) & set("$#'\" \\=")


def test_existing_env_file_is_never_touched(tmp_path):
    (tmp_path / ".env.example").write_text("DJANGO_SECRET_KEY=\n")
    (tmp_path / ".env").write_text("DJANGO_SECRET_KEY=mine\n")

    detail = project_setup.write_env_file(
        tmp_path / ".env", tmp_path / ".env.example", "DJANGO_SECRET_KEY"
    )

    assert detail == "kept the existing .env"
    assert (tmp_path / ".env").read_text() == "DJANGO_SECRET_KEY=mine\n"


def test_unwritable_env_file_says_how_to_make_one(tmp_path, monkeypatch):
    (tmp_path / ".env.example").write_text("DJANGO_SECRET_KEY=\n")

    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(Path, "write_text", refuse)

    with pytest.raises(StepError) as unfinished:
        project_setup.write_env_file(
            tmp_path / ".env", tmp_path / ".env.example", "DJANGO_SECRET_KEY"
        )

    assert "read-only file system" in str(unfinished.value)
    assert "cp .env.example .env" in unfinished.value.fix


def test_without_an_example_there_is_no_env_file_and_no_failure(tmp_path):
    with pytest.raises(SkippedStepError, match="there is no .env.example"):
        project_setup.write_env_file(
            tmp_path / ".env", tmp_path / ".env.example", "DJANGO_SECRET_KEY"
        )

    assert not (tmp_path / ".env").exists()


# --- the front end ----------------------------------------------------------------


def test_the_front_end_is_built_with_npm_ci_then_npm_run_build(
    tmp_path, monkeypatch, recorded_commands
):
    monkeypatch.setattr(project_setup.shutil, "which", lambda name: f"/x/{name}")

    project_setup.build_frontend(tmp_path)

    assert recorded_commands == [
        ["/x/npm", "ci", "--no-audit", "--no-fund"],
        ["/x/npm", "run", "build"],
    ]


def test_without_npm_the_front_end_is_skipped_with_the_commands(tmp_path, monkeypatch):
    monkeypatch.setattr(project_setup.shutil, "which", lambda name: None)

    with pytest.raises(SkippedStepError) as skipped:
        project_setup.build_frontend(tmp_path)

    assert "npm is not installed" in str(skipped.value)
    assert skipped.value.fix[:2] == ["npm ci --no-audit --no-fund", "npm run build"]


def test_the_steps_run_in_order_the_front_end_before_collectstatic(site, monkeypatch):
    ran = []
    for step in ("build_frontend", "collect_static", "migrate"):
        monkeypatch.setattr(
            project_setup, step, lambda *args, step=step: ran.append(step) or "done"
        )

    status, report = setup_project(
        "--production-settings=tests.settings", "--npm", "--collectstatic"
    )

    assert status == 0, report
    assert ran == ["build_frontend", "collect_static", "migrate"]
    assert report.index("Write .env") < report.index("Build the front end")


# --- manage.py steps -------------------------------------------------------------


def test_a_project_is_set_up_end_to_end_and_again(site):
    """In a process of its own, as bootstrap.py runs it: the database file,
    .env, hashed and compressed static files; run again, everything is kept."""
    (site / ".env.example").write_text("DJANGO_SECRET_KEY=\n")
    command = [
        sys.executable,
        "manage.py",
        "setup_project",
        "--production-settings=tests.settings_production",
        "--collectstatic",
    ]
    environment = {**os.environ, "TEST_SITE_DATABASE": str(site / "db.sqlite3")}

    def run():
        return subprocess.run(
            command, cwd=site, env=environment, capture_output=True, text=True
        )

    first = run()

    assert first.returncode == 0, first.stdout + first.stderr
    assert "[ok] Create the local database" in first.stdout
    assert (site / "db.sqlite3").stat().st_size > 0
    assert (site / "staticfiles" / "staticfiles.json").is_file()
    secret = (site / ".env").read_text()
    second = run()
    assert second.returncode == 0, second.stdout + second.stderr
    assert "kept the existing .env" in second.stdout
    assert (site / ".env").read_text() == secret


def test_migrate_leaves_a_configured_database_alone(project, monkeypatch):
    called = []
    monkeypatch.setattr(
        "django.core.management.call_command", lambda *a, **k: called.append(a)
    )

    with pytest.raises(SkippedStepError) as skipped:
        project_setup.migrate(project, {"DATABASE_URL": "postgres://db/x"})

    assert called == []
    assert skipped.value.fix == ["py manage.py migrate --noinput"]


def test_migrate_waits_for_a_database_server_that_does_not_answer(project, monkeypatch):
    """A PostgreSQL project's default database, not created yet: skipped, with
    the reason and the command for later (the template's suite runs this
    against a real server)."""
    from django.db import connections

    called = []
    monkeypatch.setattr(
        "django.core.management.call_command", lambda *a, **k: called.append(a)
    )
    monkeypatch.setitem(
        connections["default"].settings_dict, "ENGINE", "django.db.backends.postgresql"
    )
    reason = 'DATABASES["default"] (database site) cannot be reached: no such database'
    monkeypatch.setattr("sitefiles.readiness.database_problem", lambda alias: reason)

    with pytest.raises(SkippedStepError, match="no such database") as skipped:
        project_setup.migrate(project, {})

    assert called == []
    assert skipped.value.fix[-1] == "py manage.py migrate --noinput"


def test_collectstatic_runs_with_production_settings_and_the_stand_ins(
    project, recorded_commands, tmp_path
):
    project_setup.collect_static(project, tmp_path / "staticfiles")

    assert recorded_commands == [
        [
            "py",
            "manage.py",
            "collectstatic",
            "--noinput",
            "--settings=mysite.settings.production",
        ]
    ]
    (environment,) = recorded_commands.environments
    assert environment["DJANGO_STATIC_BUCKET"] == "static-bucket"


def test_collectstatic_failure_on_a_broken_reference_is_reported(site):
    (site / "static" / "css" / "broken.css").write_text(
        'body { background: url("missing.png"); }'
    )
    project = Project(root=site, production_settings="tests.settings_production")

    with pytest.raises(StepError) as unfinished:
        project_setup.collect_static(project, site / "staticfiles")

    assert "missing.png" in str(unfinished.value)
    assert unfinished.value.fix == [
        f"{sys.executable} manage.py collectstatic --noinput"
        " --settings=tests.settings_production"
    ]


def test_collectstatic_writes_hashed_and_compressed_files(site):
    project = Project(root=site, production_settings="tests.settings_production")

    detail = project_setup.collect_static(project, site / "staticfiles")

    collected = {path.name for path in (site / "staticfiles" / "css").iterdir()}
    assert "site.css.br" in collected
    assert any(name.startswith("site.") and len(name) == 21 for name in collected)
    assert detail.endswith("files in staticfiles/")


def test_web_server_config_is_written_for_the_deploy_layout(project, recorded_commands):
    arguments = project_setup.web_server_arguments(
        project, "apache", "/srv/mysite", "deploy/apache.conf"
    )

    assert project_setup.write_web_server_config(project, arguments) == (
        "deploy/apache.conf"
    )
    assert recorded_commands == [
        [
            "py",
            "manage.py",
            "webserver_config",
            "--settings=mysite.settings.production",
            "--server=apache",
            "--server-name=example.com",
            "--project-root=/srv/mysite",
            "--brotli=off",
            "--output=deploy/apache.conf",
        ]
    ]


def test_an_existing_web_server_config_is_kept(project, recorded_commands, tmp_path):
    config = tmp_path / "deploy" / "nginx.conf"
    config.parent.mkdir()
    config.write_text("server_name my-site.test;\n")
    arguments = project_setup.web_server_arguments(
        project, "nginx", "/srv/x", "deploy/nginx.conf"
    )

    detail = project_setup.write_web_server_config(project, arguments)

    assert detail.startswith("kept the existing deploy/nginx.conf")
    assert config.read_text() == "server_name my-site.test;\n"
    assert recorded_commands == []


def test_the_deploy_root_defaults_to_srv_and_the_project_s_name(site, monkeypatch):
    written = []
    monkeypatch.setattr(
        project_setup,
        "write_web_server_config",
        lambda project, arguments: written.append(arguments) or "deploy/nginx.conf",
    )

    setup_project("--production-settings=tests.settings", "--web-server=nginx")

    assert f"--project-root=/srv/{site.name}" in written[0]


def test_a_printed_fix_carries_the_stand_ins_it_needs(project, monkeypatch):
    """Run as printed, the command loads production settings as the step did."""
    monkeypatch.delenv("DJANGO_STATIC_BUCKET", raising=False)
    arguments = project_setup.collectstatic_arguments(project)

    command = project.shown(arguments, project.production_environment())

    assert command == (
        "DJANGO_STATIC_BUCKET=static-bucket py manage.py collectstatic --noinput"
        " --settings=mysite.settings.production"
    )


def test_stand_ins_never_replace_real_values(project):
    environment = project.production_environment({"DJANGO_STATIC_BUCKET": "real"})

    assert environment["DJANGO_STATIC_BUCKET"] == "real"


def test_production_steps_need_production_settings(site):
    with pytest.raises(Exception, match="need --production-settings"):
        call_command("setup_project", "--collectstatic", stdout=io.StringIO())


# --- reporting ------------------------------------------------------------------


def test_steps_report_failures_keep_going_and_gather_fixes():
    out = io.StringIO()
    steps = Steps(out=out, fixes=["cruft link <its git URL>"])

    def fails():
        raise StepError("no network", fix=["npm ci"])

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
    assert report.count("npm ci") == 1
    assert "The project is complete; run these in it:" in report
    # What came before this command is listed with the rest.
    assert report.index("cruft link") < report.index("npm ci")
    assert report.rstrip().endswith("cd site")
    assert steps.failed


def test_a_failed_step_makes_the_command_exit_1(site, monkeypatch):
    """For a teammate's script or CI; a skipped step is no failure."""

    def fails(*arguments):
        raise StepError("disk full", ["df -h"])

    monkeypatch.setattr(project_setup, "migrate", fails)

    status, report = setup_project("--next=python manage.py runserver")

    assert status == 1
    assert "[FAILED] Create the local database" in report
    assert "  df -h" in report
    assert report.rstrip().endswith("python manage.py runserver")


def test_a_skipped_step_is_no_failure(site, monkeypatch):
    monkeypatch.setattr(project_setup.shutil, "which", lambda name: None)
    monkeypatch.setattr(project_setup, "migrate", lambda *arguments: "db")

    status, report = setup_project("--npm", "--unfinished=cruft link <url>")

    assert status == 0, report
    assert "[skipped] Build the front end" in report
    assert "  cruft link <url>" in report
    assert "  npm run build" in report


def test_ctrl_c_lists_every_command_that_finishes_the_job(site, monkeypatch):
    def interrupted(*arguments):
        raise KeyboardInterrupt

    monkeypatch.setattr(project_setup, "migrate", interrupted)

    status, report = setup_project(
        "--production-settings=tests.settings",
        "--collectstatic",
        "--stand-in=DJANGO_STATIC_BUCKET=b",
        "--web-server=nginx",
    )

    assert status == 1
    assert "Interrupted. The project is complete" in report
    lines = report.split("Interrupted.")[1].splitlines()
    commands = [line.strip() for line in lines if "manage.py" in line]
    assert [command.split("manage.py ")[1].split()[0] for command in commands] == [
        "collectstatic",
        "migrate",
        "webserver_config",
    ]
    assert commands[0].startswith("DJANGO_STATIC_BUCKET=b ")
