"""The generated project's tooling: its ruff settings, its pre-commit hooks and
its GitHub Actions workflow, checked by their own tools and run for real.

The workflow runs here as a runner would run it: every job in order, each `run:`
step in bash (`-eo pipefail`, as GitHub's default shell) in a copy of the
project, with the `env:` the workflow, job and step declare and what earlier
steps wrote to $GITHUB_ENV. The `uses:` steps stand in as follows: checkout is
the copy (a git repository, as a checkout is), setup-python is a fresh virtual
environment of a Python the matrix allows, first in PATH, and cache has nothing
to do; setup-uv is uv from the test extra, on PATH, with UV_PYTHON naming that
Python (uv sync then builds .venv from uv.lock, as on GitHub); setup-node is
this machine's Node.js and npm. A `postgres` service is a PostgreSQL server
of Debian's (tests/database_server.py) with the password the service declares,
on a free port: `localhost:5432` in the variables the steps get names that port
instead."""

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from database_server import DATABASE, USER, postgres_server
from local_processes import uv
from support import (
    ANSWER_SETS,
    GIT_ENVIRONMENT,
    PYTHON_FLOORS,
    TEMPLATE_DIR,
    find_python,
    git,
    install,
    skip_or_fail,
)

# Every value of every option that changes the tooling: both Django lines
# (Python floors), static files on disk (WhiteNoise, the web server) and in
# each bucket, media on disk and in each bucket, every web server.
TOOLING_SETS = [
    "django-5.2-uploads-nginx",
    "django-6.1-no-uploads-none",
    "django-5.2-uploads-apache-static-s3-media-azure",
    "django-5.2-uploads-nginx-static-gcs-media-s3",
    "django-5.2-uploads-none-static-azure-media-gcs",
    "django-5.2-uploads-apache-static-web_server-media-azure",
    "django-6.1-no-uploads-none-uv",
    "django-5.2-uploads-apache-static-s3-media-gcs-uv",
    "django-5.2-uploads-nginx-postgresql",
]
WORKFLOW = Path(".github", "workflows", "ci.yml")
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
# The actions the workflow may use, and what stands in for each here.
KNOWN_ACTIONS = {
    "actions/checkout",
    "actions/setup-python",
    "actions/cache",
    "astral-sh/setup-uv",
    "actions/setup-node",
}
SETUP_ACTIONS = ("actions/setup-python@", "astral-sh/setup-uv@")
# GitHub's default shell on Linux runners.
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
TOOLS = Path(sys.executable).parent  # where the test extra puts its commands
# Where production settings come from in CI: the steps, never a .env file.
PRODUCTION_STEPS = ("collectstatic", "check --deploy")


@pytest.fixture(params=TOOLING_SETS)
def name(request):
    return request.param


@pytest.fixture
def project(bake, name):
    return bake(**ANSWER_SETS[name])


def python_floor(name):
    return "{}.{}".format(*PYTHON_FLOORS[ANSWER_SETS[name]["django_version"]])


def tool(command):
    """A command of the template's test extra: beside this Python, or on PATH."""
    found = shutil.which(command, path=f"{TOOLS}{os.pathsep}{os.environ['PATH']}")
    if found is None:
        skip_or_fail(f"{command} is not installed (the template's test extra)")
    return found


def run(command, cwd, env=None, timeout=600):
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def load_workflow(project):
    workflow = yaml.safe_load((project / WORKFLOW).read_text())
    # YAML 1.1 reads the key `on` as true.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def actionlint(path, cwd):
    """actionlint with ShellCheck for the `run:` scripts (without it, actionlint
    skips them in silence); pyflakes is not needed: no step runs Python code."""
    return run(
        [tool("actionlint"), f"-shellcheck={tool('shellcheck')}", "-pyflakes=", path],
        cwd=cwd,
    )


def git_repository(source, destination, lock_python=None):
    """A copy of a generated project as a clone of it has it, after a first
    commit of everything: in git, and without what git ignores (.env, the
    database, collected static files). ``lock_python``: with the uv.lock the
    post-generation hook writes for a uv project (the test renders skip it),
    locked with that interpreter (uv would fetch one it cannot find)."""
    shutil.copytree(source, destination, symlinks=True)
    if lock_python:
        locked = run([tool("uv"), "lock", "--python", lock_python], cwd=destination)
        assert locked.returncode == 0, locked.stderr
    git(destination, "init", "--quiet")
    git(destination, "add", "--all")
    git(destination, "clean", "-fdX", "--quiet")
    return destination


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    """The hooks' environments, installed from PyPI once per session."""
    return tmp_path_factory.mktemp("pre-commit-home")


def clean_environment(**variables):
    """This process's environment without what would leak into a project's
    commands: its Django settings, pytest's own variables, the bake switch."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "VIRTUAL_ENV"))
        and key not in {"DATABASE_URL", "COOKIECUTTER_SKIP_SETUP", "PYTHONPATH"}
    }
    return {**environment, **GIT_ENVIRONMENT, **variables}


# --- ruff ----------------------------------------------------------------------


def test_ruff_targets_the_django_lines_python_floor(project, name):
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    floor = python_floor(name)

    assert pyproject["project"]["requires-python"] == f">={floor}"
    assert pyproject["tool"]["ruff"]["target-version"] == f"py{floor.replace('.', '')}"
    if ANSWER_SETS[name].get("package_manager") == "uv":
        dev = pyproject["dependency-groups"]["dev"]
    else:
        dev = pyproject["project"]["optional-dependencies"]["dev"]
    assert {re.split(r"[<>=!~\[ ]", item)[0] for item in dev} >= {
        "pre-commit",
        "pytest",
        "pytest-django",
        "ruff",
    }


def test_ruff_checks_what_a_django_project_gets_wrong(bake, tmp_path):
    """The rules chosen are in force: naive datetimes, print(), a model without
    __str__, and settings' star imports still allowed where they belong."""
    project = shutil.copytree(bake(**ANSWER_SETS[TOOLING_SETS[0]]), tmp_path / "p")
    (project / "uploads" / "mistakes.py").write_text(
        "import datetime\n"
        "\n"
        "from django.db import models\n"
        "\n"
        "\n"
        "class Note(models.Model):\n"
        "    text = models.CharField(max_length=10, null=True)\n"
        "\n"
        "\n"
        "def stamp():\n"
        "    print(datetime.datetime.now())\n"
    )

    result = run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--output-format=concise",
        ],
        cwd=project,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    reported = set(
        re.findall(r"^uploads/mistakes\.py:\d+:\d+: (\w+)", result.stdout, re.M)
    )
    assert reported == {"DJ001", "DJ008", "DTZ005", "T201"}, result.stdout


# --- pre-commit ------------------------------------------------------------------


def test_pre_commit_config_is_valid_and_every_hook_is_pinned_from_pypi(project):
    result = run(
        [sys.executable, "-m", "pre_commit", "validate-config", PRE_COMMIT_CONFIG],
        cwd=project,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    config = yaml.safe_load((project / PRE_COMMIT_CONFIG).read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    for hook in hooks:
        assert hook["language"] == "python", hook["id"]
        for requirement in hook.get("additional_dependencies", []):
            assert re.fullmatch(r"[a-z0-9-]+==[0-9.]+", requirement), hook["id"]
    ids = {hook["id"] for hook in hooks}
    assert {"ruff-check", "ruff-format", "end-of-file-fixer", "actionlint"} <= ids


def test_the_project_pins_the_ruff_the_template_uses(project):
    """One ruff version for the template's checks and the projects' hooks: what
    the render tests check is what a project's hooks run."""
    pin = re.compile(r'"(ruff==[0-9.]+)"')
    template = set(pin.findall((TEMPLATE_DIR / PRE_COMMIT_CONFIG).read_text()))
    generated = set(pin.findall((project / PRE_COMMIT_CONFIG).read_text()))

    assert len(template) == 1
    assert generated == template


def test_every_hook_passes_on_a_fresh_project(project, tmp_path, pre_commit_home):
    """A new project is clean as generated: no hook has anything to fix."""
    repository = git_repository(project, tmp_path / "project")

    result = run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color=never"],
        cwd=repository,
        env=clean_environment(PRE_COMMIT_HOME=str(pre_commit_home)),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Failed" not in result.stdout
    assert git(repository, "diff", "--name-only") == ""  # nothing was fixed
    passed = [line for line in result.stdout.splitlines() if line.endswith("Passed")]
    assert len(passed) >= 10, result.stdout  # ruff and the file checks saw files


# --- The workflow ----------------------------------------------------------------


def test_the_workflow_passes_actionlint(project):
    result = actionlint(WORKFLOW, cwd=project)

    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_checks_the_shell_in_run_steps(bake, tmp_path):
    """ShellCheck really runs: an unquoted variable in a `run:` step is reported."""
    project = bake(**ANSWER_SETS[TOOLING_SETS[0]])
    broken = tmp_path / "ci.yml"
    text = (project / WORKFLOW).read_text()
    broken.write_text(text.replace("run: pytest", "run: pytest $PYTEST_ARGUMENTS"))
    assert broken.read_text() != text

    result = actionlint(broken, cwd=tmp_path)

    assert result.returncode == 1
    assert "SC2086" in result.stdout, result.stdout + result.stderr


def test_the_workflow_runs_on_push_and_pull_requests_from_the_python_floor(
    project, name
):
    workflow = load_workflow(project)
    floor = python_floor(name)

    assert set(workflow["on"]) == {"push", "pull_request"}
    assert workflow["permissions"] == {"contents": "read"}
    matrix = workflow["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    assert matrix[0] == floor
    assert all(tuple(map(int, version.split("."))) >= (3, 10) for version in matrix)
    assert sorted(matrix, key=lambda v: tuple(map(int, v.split(".")))) == matrix
    setups = [
        step["with"]["python-version"]
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith(SETUP_ACTIONS)
    ]
    assert setups == [floor, "${{ matrix.python-version }}"]
    # The README says which Pythons CI runs.
    readme = (project / "README.md").read_text()
    assert f"with Python {' and '.join(matrix)}," in " ".join(readme.split())


def test_production_steps_get_what_production_settings_require(project, name):
    """The production steps name production settings, and bucket answers get
    stand-ins for every variable production requires (what the generated
    conftest.py gives its production checks)."""
    workflow = load_workflow(project)
    scripts = "\n".join(
        step.get("run", "") for step in workflow["jobs"]["test"]["steps"]
    )
    answers = ANSWER_SETS[name]
    static = answers.get("static_storage", "whitenoise")
    media = answers.get("media_storage", "local")
    expected = {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"}
    if static in {"s3", "gcs", "azure"}:
        expected.add("DJANGO_STATIC_BUCKET")
    if media != "local":
        expected.add("DJANGO_MEDIA_BUCKET")
    if "azure" in (static, media):
        expected.add("DJANGO_AZURE_CONNECTION_STRING")

    assert set(re.findall(r'echo "([A-Z_]+)=', scripts)) == expected
    collect = re.search(r"manage\.py collectstatic .*", scripts).group()
    # Static files bound for a bucket would be uploaded: only a dry run in CI.
    assert ("--dry-run" in collect) == (static in {"s3", "gcs", "azure"})
    for command in PRODUCTION_STEPS:
        line = re.search(rf"manage\.py {command} .*", scripts).group()
        assert "--settings=config.settings.production" in line


class Runner:
    """Runs a workflow's jobs as GitHub's runner would, in ``workspace``."""

    def __init__(self, workflow, workspace, python, pre_commit_home, tmp_path):
        self.workflow = workflow
        self.workspace = workspace
        self.python = python
        self.pre_commit_home = pre_commit_home
        self.tmp_path = tmp_path
        self.ran = []
        self.setup_uv = {}  # the variables setup-uv gives the steps after it
        self.path = [python.parent]  # what setup-python and setup-uv put on PATH

    def job(self, job_id, matrix=None):
        job = self.workflow["jobs"][job_id]
        with contextlib.ExitStack() as services:
            self.ports = {
                name: services.enter_context(service_stand_in(name, service))
                for name, service in job.get("services", {}).items()
            }
            return self.steps(job_id, job, matrix)

    def steps(self, job_id, job, matrix):
        github_env = self.tmp_path / f"github-env-{job_id}"
        github_env.write_text("")
        written = {}
        for number, step in enumerate(job["steps"]):
            label = step.get("name") or step.get("uses") or step["run"]
            if "uses" in step:
                action = step["uses"].partition("@")[0]
                assert action in KNOWN_ACTIONS, f"no stand-in for {step['uses']}"
                if action in {"actions/setup-python", "astral-sh/setup-uv"}:
                    self.check_python(step["with"]["python-version"], matrix)
                if action == "actions/setup-node" and shutil.which("npm") is None:
                    skip_or_fail("npm is not installed (Debian package: npm)")
                if action == "astral-sh/setup-uv":
                    self.path.append(Path(tool("uv")).parent)
                    self.setup_uv = {"UV_PYTHON": str(self.python)}
                continue
            environment = clean_environment(
                PATH=os.pathsep.join(map(str, [*self.path, os.environ["PATH"]])),
                **self.setup_uv,
                CI="true",
                GITHUB_ACTIONS="true",
                GITHUB_ENV=str(github_env),
                GITHUB_WORKSPACE=str(self.workspace),
                PRE_COMMIT_HOME=str(self.pre_commit_home),
                **self.variables(self.workflow.get("env")),
                **self.variables(job.get("env")),
                **written,
                **self.variables(step.get("env")),
            )
            assert "${{" not in step["run"], f"{label}: expressions are not run here"
            script = self.tmp_path / f"{job_id}-{number}.sh"
            script.write_text(step["run"])
            result = run([*BASH, script], cwd=self.workspace, env=environment)
            output = result.stdout + result.stderr
            assert result.returncode == 0, f"{job_id}: {label} failed:\n{output}"
            written.update(self.read_github_env(github_env))
            self.ran.append((job_id, label, output))
        return written

    def variables(self, declared):
        declared = declared or {}
        for key, value in declared.items():
            assert "${{" not in str(value), f"{key}: expressions are not run here"
        values = {key: str(value) for key, value in declared.items()}
        for port in getattr(self, "ports", {}).values():
            values = {
                key: value.replace("localhost:5432", f"127.0.0.1:{port}")
                for key, value in values.items()
            }
        return values

    def check_python(self, wanted, matrix):
        if wanted == "${{ matrix.python-version }}":
            wanted = matrix
        have = subprocess.run(
            [self.python, "-c", "import sys; print(*sys.version_info[:2], sep='.')"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        major, minor = (int(part) for part in wanted.split("."))
        # This machine may lack the exact version: the closest one at or above.
        assert tuple(map(int, have.split("."))) >= (major, minor), (have, wanted)

    @staticmethod
    def read_github_env(path):
        values = {}
        for line in path.read_text().splitlines():
            key, separator, value = line.partition("=")
            assert separator, f"only NAME=value lines are read here: {line}"
            assert re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), line
            values[key] = value
        return values


@contextlib.contextmanager
def service_stand_in(name, service):
    """A job's service container, as this machine runs it: its port."""
    assert name == "postgres", f"no stand-in for the service {name}"
    assert service["image"].startswith("postgres:"), service["image"]
    assert service["ports"] == ["5432:5432"], service["ports"]
    declared = service["env"]
    assert (declared["POSTGRES_USER"], declared["POSTGRES_DB"]) == (USER, DATABASE)
    with postgres_server() as server:
        password = declared["POSTGRES_PASSWORD"].replace("'", "''")
        server.psql(f"ALTER ROLE {USER} PASSWORD '{password}'")
        yield server.port


def virtual_environment(python, destination, project=None):
    """A fresh environment with pip, as setup-python gives. With ``project``,
    its declared dependencies are already there (from uv's cache, as the other
    tests install them): the workflow's own pip install then has only the
    project itself to build and install."""
    uv("venv", "--quiet", "--seed", "--python", python, destination)
    venv_python = destination / "bin" / "python"
    if project is not None:
        install(venv_python, project / "pyproject.toml", "--extra", "dev")
    return venv_python


# The default answers, and static files in a bucket with media in another
# provider's (a dry-run collectstatic, stand-ins for two providers). The
# project's suite under those answers runs in tests/test_boot.py and
# tests/test_storage_pairs.py, so here its step is left out (a quarter of a
# minute each); the uv set runs it, as `uv run pytest`.
RUN_SETS = {
    "django-5.2-uploads-nginx": {"Tests"},
    "django-5.2-uploads-apache-static-s3-media-azure": {"Tests"},
    # uv sync from uv.lock, then uv run for every command, on the newer line;
    # npm ci and the front-end build before the tests, which run against the
    # job's PostgreSQL service.
    "django-6.1-no-uploads-none-uv-esbuild-tailwind-postgresql": set(),
}


@pytest.mark.boot
@pytest.mark.parametrize("run_name", list(RUN_SETS))
def test_the_workflow_runs_and_passes(bake, run_name, tmp_path, pre_commit_home):
    answers = ANSWER_SETS[run_name]
    floor = PYTHON_FLOORS[answers["django_version"]]
    base = find_python(floor)
    if base is None:
        skip_or_fail(f"Django {answers['django_version']} needs Python {floor}+")
    uses_uv = answers.get("package_manager") == "uv"
    workspace = git_repository(
        bake(**answers), tmp_path / "workspace", lock_python=base if uses_uv else None
    )
    # A uv project's test job builds its own .venv from uv.lock (uv sync).
    project = None if uses_uv else workspace
    python = virtual_environment(base, tmp_path / "venv", project)
    workflow = load_workflow(workspace)
    skipped = RUN_SETS[run_name]
    if skipped:
        steps = workflow["jobs"]["test"]["steps"]
        assert skipped <= {step.get("name") for step in steps}
        steps[:] = [step for step in steps if step.get("name") not in skipped]
    runner = Runner(workflow, workspace, python, pre_commit_home, tmp_path)

    runner.job("lint")
    matrix = workflow["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    written = runner.job("test", matrix=matrix[0])

    assert [job for job, _, _ in runner.ran].count("lint") == 2
    assert len(written["DJANGO_SECRET_KEY"]) >= 50
    assert written["DJANGO_SECRET_KEY"] not in (workspace / WORKFLOW).read_text()
    outputs = {label: output for _, label, output in runner.ran}
    assert "No changes detected" in outputs["Migrations match the models"]
    assert (
        "System check identified no issues"
        in (outputs["Deployment checklist (production settings)"])
    )
    if uses_uv:
        assert (workspace / ".venv").is_dir()
        # UV_LOCKED: CI used the lock as committed (git add stages it all).
        assert git(workspace, "status", "--porcelain", "uv.lock") == "A  uv.lock"
    manifest = workspace / "staticfiles" / "staticfiles.json"
    if answers.get("static_storage") in {"s3", "gcs", "azure"}:
        assert not manifest.exists()  # nothing built, nothing uploaded
    else:
        assert manifest.is_file()
    if "Tests" not in skipped:
        assert " passed" in outputs["Tests"]
