"""Fast checks of what every answer set renders (no generated code runs here)."""

import ast
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

from support import (
    ANSWER_SETS,
    QUESTIONS,
    SECRET,
    TEMPLATE_DIR,
    first_match,
    import_bootstrap,
)

COMBINATIONS = [pytest.param(answers, id=name) for name, answers in ANSWER_SETS.items()]
TEXT_SUFFIXES = {
    "",
    ".conf",
    ".css",
    ".html",
    ".inc",
    ".js",
    ".md",
    ".py",
    ".service",
    ".socket",
    ".svg",
    ".toml",
    ".txt",
    ".yaml",
    ".yml",
}
COLLECTED = "staticfiles"
BUCKETS = ("s3", "gcs", "azure")
# GitHub Actions expressions, which workflows may hold (and nothing else may).
WORKFLOWS = ".github/workflows/*.yml"
ACTIONS_EXPRESSION = re.compile(r"\$\{\{ [^{}]+ \}\}")
# "uploads" in INSTALLED_APPS, `import uploads.x`, {% url 'uploads:list' %}
APP_REFERENCE = re.compile(r"[\"']uploads\b|\buploads\.|\buploads:")


@pytest.fixture(params=COMBINATIONS)
def answers(request):
    return request.param


@pytest.fixture
def project(bake, answers):
    return bake(**answers)


def generated_files(project):
    for path in sorted(project.rglob("*")):
        if path.is_file() and COLLECTED not in path.relative_to(project).parts:
            yield path


def test_no_template_syntax_is_left(project):
    for path in generated_files(project):
        if path.suffix not in TEXT_SUFFIXES:
            continue
        text = path.read_text()
        assert "cookiecutter" not in text, path
        assert "{% raw" not in text, path
        if path.relative_to(project).match(WORKFLOWS):
            text = ACTIONS_EXPRESSION.sub("", text)
        # Django templates have {% %} and {{ }} of their own.
        if "templates" not in path.relative_to(project).parts:
            assert "{{" not in text, path
            assert "{%" not in text, path


def test_python_files_parse(project):
    for path in generated_files(project):
        if path.suffix == ".py":
            ast.parse(path.read_text(), filename=str(path))


@pytest.mark.parametrize(
    "command", [["check", "--no-cache"], ["format", "--check", "--no-cache"]]
)
def test_ruff_reports_nothing(project, command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_upload_example_is_pruned_unless_chosen(project, answers):
    mentions = [
        path.relative_to(project)
        for path in generated_files(project)
        if path.suffix in {".py", ".toml", ".html"}
        and APP_REFERENCE.search(path.read_text())
    ]
    if answers["use_upload_example"]:
        assert (project / "uploads" / "models.py").is_file()
        assert (project / "uploads" / "migrations" / "0001_initial.py").is_file()
    else:
        assert not (project / "uploads").exists()
        assert mentions == []


def test_django_sitefiles_is_pinned_with_the_extras_the_answers_need(project, answers):
    """One dependency carries the machinery, at the exact version the template
    vendors: an extra per bucket provider, images for the upload example."""
    chosen = {
        answers.get("static_storage", "whitenoise"),
        answers.get("media_storage", "local"),
    } & set(BUCKETS)
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    pinned = [d for d in dependencies if d.startswith("django-sitefiles")]
    assert len(pinned) == 1
    match = re.fullmatch(r"django-sitefiles(?:\[([\w,]+)\])?==([\d.]+)", pinned[0])
    assert match, pinned
    extras = set(match[1].split(",")) if match[1] else set()
    expected = chosen | ({"images"} if answers["use_upload_example"] else set())
    assert extras == expected
    assert match[2] == QUESTIONS["_sitefiles"]["version"]
    assert not any(
        d.startswith(("django-storages", "whitenoise")) for d in dependencies
    )
    media_s3 = answers.get("media_storage") == "s3"
    assert ("cryptography>=44" in dependencies) == media_s3  # CloudFront signing
    wheel = project / "vendor" / f"django_sitefiles-{match[2]}-py3-none-any.whl"
    assert wheel.is_file()


def test_projects_carry_none_of_the_package_s_modules(project):
    """The machinery is django-sitefiles': no copy of its apps in the project."""
    for name in ("files", "cloud_storage", "webserver"):
        assert not (project / name).exists(), name
    package = TEMPLATE_DIR / "django-sitefiles" / "src" / "sitefiles"
    ours = {path.read_bytes() for path in package.rglob("*.py") if path.stat().st_size}
    for path in generated_files(project):
        if path.suffix == ".py":
            assert path.read_bytes() not in ours, path


def test_every_dotted_path_into_the_package_names_something_it_has(project):
    """Settings and code name the package's classes by string: each one exists."""
    package = TEMPLATE_DIR / "django-sitefiles" / "src"
    for path in generated_files(project):
        if path.suffix != ".py":
            continue
        for dotted in re.findall(r"[\"'](sitefiles(?:\.\w+)+)[\"']", path.read_text()):
            if re.fullmatch(r"sitefiles\.[EW]\d{3}", dotted):
                continue  # a check's id, as tests and SILENCED_SYSTEM_CHECKS name it
            module, _, name = dotted.rpartition(".")
            source = package / Path(*module.split("."))
            text = (
                source.with_suffix(".py")
                if source.with_suffix(".py").exists()
                else source / "__init__.py"
            ).read_text()
            assert re.search(rf"^(class|def) {name}\b|^{name} = ", text, re.M), dotted


def test_pyproject_pins_the_chosen_django_line(project, answers):
    text = (project / "pyproject.toml").read_text()
    version = answers["django_version"]
    major, minor = version.split(".")
    assert f'"django>={version},<{major}.{int(minor) + 1}"' in text
    floor = {"5.2": "3.10", "6.1": "3.12"}[version]
    assert f'requires-python = ">={floor}"' in text


def test_dependencies_and_commands_follow_the_package_manager(project, answers):
    """uv: a dev dependency group, uv sync and uv run; pip: a dev extra and pip."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    readme = (project / "README.md").read_text()
    workflow = (project / ".github" / "workflows" / "ci.yml").read_text()
    steps = re.findall(r"^\s+run: (.*)$", workflow, re.MULTILINE)
    manage = [step for step in steps if "manage.py" in step]
    assert len(manage) == 3  # makemigrations, collectstatic, check --deploy
    if answers.get("package_manager") == "uv":
        assert "optional-dependencies" not in pyproject["project"]
        assert "pytest-django>=4.9" in pyproject["dependency-groups"]["dev"]
        assert "uv sync" in steps
        assert all(step.startswith("uv run python ") for step in manage)
        assert "uv run pytest" in readme
        assert "uv sync --locked --no-dev" in readme  # the deploy step
        assert '-e ".[dev]"' not in readme + workflow
    else:
        assert "dependency-groups" not in pyproject
        extras = pyproject["project"]["optional-dependencies"]
        assert "pytest-django>=4.9" in extras["dev"]
        assert 'python -m pip install -e ".[dev]" --find-links vendor' in steps
        assert all(step.startswith("python manage.py") for step in manage)
        assert "uv run" not in readme + workflow
        assert "uv.lock" not in workflow


def test_directories_exist_and_are_kept_or_ignored_in_git(project):
    """static/ in the template; media/ and staticfiles/ from the set-up, kept in
    git by a .gitkeep; none of the data in git or in an image's build context
    (private-media/ included)."""
    assert (project / "static").is_dir()
    ignored = (project / ".gitignore").read_text().splitlines()
    for pattern in (".env", "media/*", "private-media/", "staticfiles/*", ".venv/"):
        assert pattern in ignored
    assert {"!media/.gitkeep", "!staticfiles/.gitkeep"} <= set(ignored)
    docker_ignored = (project / ".dockerignore").read_text().splitlines()
    for pattern in (".env", "media/", "private-media/", "staticfiles/", ".venv/"):
        assert pattern in docker_ignored


def test_the_front_end_follows_the_choice(project, answers):
    """With a front end: its sources and lock file, its output ignored by git
    and docker, and a Node stage in the Dockerfile whose output alone reaches
    the site's images. Without: none of it."""
    dockerfile = (project / "Dockerfile").read_text()
    files = ("package.json", "package-lock.json", "frontend/src/main.js")
    if answers.get("frontend", "none") == "none":
        assert not any((project / name).exists() for name in files)
        assert "NODE_IMAGE" not in dockerfile
        assert "frontend" not in (project / "templates" / "base.html").read_text()
        return
    assert all((project / name).is_file() for name in files)
    lock = json.loads((project / "package-lock.json").read_text())
    package = json.loads((project / "package.json").read_text())
    assert lock["packages"][""]["devDependencies"] == package["devDependencies"]
    assert lock["name"] == package["name"]
    ignored = (project / ".gitignore").read_text().splitlines()
    assert {"node_modules/", "frontend/dist/*", "!frontend/dist/.gitkeep"} <= set(
        ignored
    )
    docker_ignored = (project / ".dockerignore").read_text().splitlines()
    assert {"node_modules/", "frontend/dist/"} <= set(docker_ignored)
    stages = re.findall(r"^FROM (\S+) AS (\S+)", dockerfile, re.MULTILINE)
    assert ("${NODE_IMAGE}", "frontend") in stages
    from_frontend = re.findall(r"^COPY --from=frontend (.*)$", dockerfile, re.MULTILINE)
    assert from_frontend
    assert set(from_frontend) == {"/app/frontend/dist frontend/dist"}
    # The site's stage starts from Python, never from the Node stage.
    assert stages[-1] == ("${PYTHON_IMAGE}", "site")


@pytest.mark.boot
def test_env_file_has_a_fresh_secret_that_reads_back_unchanged(project, tmp_path):
    """The set-up's .env, from this project's .env.example, as django-environ
    reads it."""
    import environ
    from sitefiles.project_setup import write_env_file

    secrets = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        shutil.copy(project / ".env.example", tmp_path / name)
        example = tmp_path / name / ".env.example"
        write_env_file(example.with_name(".env"), example, "DJANGO_SECRET_KEY")
        values = {}
        for line in (tmp_path / name / ".env").read_text().splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                values[key] = value
        secrets.append(values["DJANGO_SECRET_KEY"])
    secret = secrets[0]
    assert len(secret) >= 50
    assert len(set(secret)) >= 5
    assert not set(secret) & set("$#'\"\\ ")
    assert secrets[1] != secret

    class IsolatedEnv(environ.Env):
        ENVIRON = {}

    IsolatedEnv.read_env(tmp_path / "first" / ".env")
    assert IsolatedEnv().str("DJANGO_SECRET_KEY") == secret


def test_env_example_documents_every_variable_the_settings_read(project):
    documented = (project / ".env.example").read_text()
    settings = "\n".join(
        path.read_text() for path in (project / "config" / "settings").glob("*.py")
    )
    read = set(re.findall(r'"((?:DJANGO|DATABASE)_[A-Z_]+)"', settings))
    read.discard("DJANGO_ENV_FILE")  # names the file itself; documented at its top
    assert read
    for name in sorted(read):
        assert f"{name}=" in documented, name


def test_web_server_files_follow_the_choice(project, answers):
    server = answers["web_server"]
    deploy = project / "deploy"
    assert (deploy / "gunicorn.conf.py").is_file()
    slug = project.name
    for unit in (f"{slug}.socket", f"{slug}.service"):
        assert (deploy / "systemd" / unit).is_file()
    setup = import_bootstrap(project).SETUP
    if server == "none":
        assert list(deploy.glob("*.conf")) == []
        assert not any(part.startswith("--web-server") for part in setup)
        return
    assert f"--web-server={server}" in setup


def test_compose_runs_the_dockerfile_s_targets_with_declared_volumes(project, answers):
    """compose.yaml parses; its web server builds a stage the Dockerfile has;
    every volume it mounts by name is declared, and only those it mounts."""
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    stages = re.findall(
        r"^FROM \S+ AS (\S+)$", (project / "Dockerfile").read_text(), re.M
    )
    services = compose["services"]
    server = answers["web_server"]
    # ${TLS_DIRECTORY:-tls}: the volume "tls" unless the variable names a directory.
    mounted = {
        re.sub(r"^\$\{\w+:-(\w+)\}", r"\1", volume).split(":")[0]
        for service in services.values()
        for volume in service.get("volumes", [])
    }

    assert stages[-1] == "site"  # the default target: what `docker build .` makes
    assert services["app"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["migrate"]["image"] == services["app"]["image"] == project.name
    assert mounted == set(compose["volumes"])
    assert ("media" in mounted) == (answers.get("media_storage", "local") == "local")
    postgresql = answers.get("database") == "postgresql"
    # PostgreSQL's service, or SQLite's file on a volume: never both.
    assert ("postgres" in mounted) == postgresql
    assert ("data" in mounted) == (not postgresql)
    database = {"db"} if postgresql else set()
    if postgresql:
        assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
        assert services["db"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    if server == "none":
        assert set(services) == {"migrate", "app", *database}
        assert not (project / "deploy" / "web-server.sh").exists()
    else:
        # Static files on disk: each release's published to the web server's
        # volume before the site starts (rolling deploys).
        shared = (
            {"collectstatic"} if answers.get("static_storage") not in BUCKETS else set()
        )
        assert set(services) == {"migrate", "app", server, *database, *shared}
        if shared:
            publish = services["collectstatic"]
            assert publish["command"] == [
                "python",
                "manage.py",
                "collectstatic",
                "--noinput",
            ]
            root = publish["environment"]["DJANGO_STATIC_ROOT"]
            assert publish["volumes"] == [f"static:{root}"]
            assert f"static:{root}:ro" in services[server]["volumes"]
            assert services["app"]["depends_on"]["collectstatic"]["condition"] == (
                "service_completed_successfully"
            )
        assert services[server]["build"]["target"] in stages
        assert (project / "deploy" / "web-server.sh").is_file()
        # Traffic once the site is ready (the image's check asks /readyz).
        assert services[server]["depends_on"]["app"]["condition"] == "service_healthy"
    # Replicas where the web server balances over them (nginx); one container
    # that publishes its port where a proxy of the user's is in front.
    deploy = services["app"].get("deploy", {})
    assert (deploy.get("replicas") == "${SITE_REPLICAS:-2}") == (server == "nginx")
    assert ("ports" in services["app"]) == (server == "none")
    # Longer than gunicorn's graceful_timeout, so it finishes its requests
    # (and so for systemd's stop).
    graceful = runpy.run_path(str(project / "deploy" / "gunicorn.conf.py"))[
        "graceful_timeout"
    ]
    unit = (project / "deploy" / "systemd" / f"{project.name}.service").read_text()
    assert int(services["app"]["stop_grace_period"].removesuffix("s")) > graceful
    assert int(first_match(r"(?m)^TimeoutStopSec=(\d+)$", unit)) > graceful


def served_by(answers):
    """What the config bootstrap writes depends on, of the answers: the server,
    where static files are served from, and whether media files are on disk."""
    static = answers.get("static_storage", "whitenoise")
    return (
        answers["web_server"],
        "bucket" if static in BUCKETS else static,
        answers.get("media_storage", "local") == "local",
    )


def first_of_each_kind():
    """Answer sets with a web server, of the Django line the test extra
    installs: the first of each kind served_by() tells apart."""
    chosen = {}
    for name, answers in ANSWER_SETS.items():
        if answers["web_server"] != "none" and answers["django_version"] == "5.2":
            chosen.setdefault(served_by(answers), pytest.param(answers, id=name))
    return list(chosen.values())


@pytest.mark.boot
@pytest.mark.parametrize("served", first_of_each_kind())
def test_the_web_server_config_bootstrap_writes_serves_what_is_on_disk(
    bake, served, tmp_path
):
    """bootstrap.py's own command, run with this environment's Django."""
    assert version("django").startswith("5.2."), "the test extra pins Django 5.2"
    answers, project = served, bake(**served)
    server, slug = answers["web_server"], project.name
    config = web_server_config(project, tmp_path / f"{server}.conf")
    static_on_disk = answers.get("static_storage") not in BUCKETS
    media_on_disk = answers.get("media_storage", "local") == "local"
    assert (f"/srv/{slug}/staticfiles/" in config) == static_on_disk
    assert (f"/srv/{slug}/media/" in config) == media_on_disk
    assert f"/run/{slug}/gunicorn.sock" in config


def web_server_config(project, output):
    """What the set-up writes to deploy/ (bootstrap.py's arguments to
    setup_project: its stand-ins, its server), into ``output``."""
    from sitefiles.project_setup import Project, web_server_arguments

    setup = import_bootstrap(project).SETUP
    server = next(p for p in setup if p.startswith("--web-server=")).split("=")[1]
    stand_ins = dict(
        part.removeprefix("--stand-in=").split("=", 1)
        for part in setup
        if part.startswith("--stand-in=")
    )
    site = Project(
        root=project,
        production_settings="config.settings.production",
        stand_ins=stand_ins,
    )
    arguments = web_server_arguments(site, server, f"/srv/{project.name}", output)
    environment = site.production_environment(
        {
            **os.environ,
            "DJANGO_ENV_FILE": os.devnull,
            "DJANGO_SECRET_KEY": SECRET,
            "DJANGO_ALLOWED_HOSTS": "example.com",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return output.read_text()
