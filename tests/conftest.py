"""Fixtures: bake each answer set once per session; one environment per Django line."""

import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from cookiecutter.environment import StrictEnvironment

from database_server import postgres_server
from local_processes import self_signed_certificate, uv
from scheduling import pytest_xdist_make_scheduler  # noqa: F401 (a hook)
from support import (
    ANSWER_SETS,
    PYTHON_FLOORS,
    TEMPLATE_DIR,
    Booted,
    find_python,
    install,
    skip_or_fail,
)

# The template's own modules (answer_rules, local_extensions), as cookiecutter
# makes them importable while it generates.
sys.path.append(str(TEMPLATE_DIR))

# Each test file's tier, a marker that runs it alone (pytest -m fast). The fast
# tier needs cookiecutter, pytest, hypothesis and ruff only: a test in it that
# needs more (Django, a server) carries that tier's marker itself.
TIERS = {
    "test_answer_properties.py": "fast",
    "test_answers.py": "fast",
    "test_bootstrap.py": "fast",
    "test_post_gen_hook.py": "fast",
    "test_pre_gen_hook.py": "fast",
    "test_render.py": "fast",
    "test_docs.py": "fast",
    "test_vendored_wheel.py": "fast",
    "test_scheduling.py": "fast",
    "test_consumption.py": "generation",
    "test_generation.py": "generation",
    "test_cruft.py": "cruft",
    "test_benchmark_tools.py": "tooling",
    "test_project_tooling.py": "tooling",
    "test_template_tooling.py": "tooling",
    "test_boot.py": "boot",
    "test_database.py": "boot",
    "test_static_pipeline_faults.py": "web",
    "test_storage_pairs.py": "storage",
    "test_object_storage.py": "storage",
    "test_storage_servers.py": "storage",
    "test_frontend.py": "web",
    "test_systemd_units.py": "web",
    "test_web_servers.py": "web",
    "test_deploy_readme.py": "deploy",
    "test_containers.py": "container",
}
SLOWER_TIERS = ("boot", "slow", "web", "storage", "deploy", "container")
LONGEST_FIRST = (
    "container",
    "deploy",
    "storage",
    "web",
    "cruft",
    "generation",
    "boot",
    "tooling",
    "fast",
)


def pytest_ignore_collect(collection_path, config):
    """-m fast imports the fast tier's files only: the others import what it
    does without (Django, boto3, ...)."""
    if config.option.markexpr == "fast" and collection_path.suffix == ".py":
        return TIERS.get(collection_path.name, "fast") != "fast" or None
    return None


def pytest_collection_modifyitems(items):
    """Mark each test with its tier. Files of the longest tiers come first, so
    that a worker is not left alone with the podman unit at the end
    (--no-loadscope-reorder keeps this order; tests/scheduling.py makes the
    units)."""
    for item in items:
        tier = TIERS.get(item.path.name)
        if tier is None:
            raise pytest.UsageError(f"{item.path.name} has no tier in TIERS")
        if tier != "fast" or not any(map(item.get_closest_marker, SLOWER_TIERS)):
            item.add_marker(tier)
    # A stable sort by file: each file's own order (pytest's, for its fixtures) stays.
    items.sort(key=lambda item: LONGEST_FIRST.index(TIERS[item.path.name]))


@pytest.fixture(scope="session", autouse=True)
def no_environment_setup_while_baking():
    """In-process bakes must not build a .venv each: tests share one per Django line."""
    previous = os.environ.get("COOKIECUTTER_SKIP_SETUP")
    os.environ["COOKIECUTTER_SKIP_SETUP"] = "1"
    yield
    if previous is None:
        del os.environ["COOKIECUTTER_SKIP_SETUP"]
    else:
        os.environ["COOKIECUTTER_SKIP_SETUP"] = previous


@pytest.fixture(scope="session")
def bake(cookies_session):
    """Generate a project for an answer set, once per session; returns its path."""
    baked = {}

    def bake(**answers):
        key = tuple(sorted(answers.items()))
        if key not in baked:
            result = cookies_session.bake(
                extra_context=answers, template=str(TEMPLATE_DIR)
            )
            assert result.exit_code == 0, result.exception
            baked[key] = result.project_path
        return baked[key]

    return bake


@pytest.fixture(scope="session")
def project_python(tmp_path_factory, bake):
    """An interpreter with a generated project's declared dependencies installed.

    One virtual environment per Django line, built once per session from the
    generated pyproject.toml, and shared by every project of that line.
    """
    built = {}

    def project_python(django_version):
        if django_version not in built:
            base = find_python(PYTHON_FLOORS[django_version])
            if base is None:
                floor = ".".join(map(str, PYTHON_FLOORS[django_version]))
                skip_or_fail(f"Django {django_version} needs Python {floor}+")
            venv = tmp_path_factory.mktemp(f"venv-django-{django_version}")
            uv("venv", "--quiet", "--python", base, venv)
            python = venv / "bin" / "python"
            pyproject = bake(django_version=django_version) / "pyproject.toml"
            install(python, pyproject, "--extra", "dev")
            built[django_version] = python
        return built[django_version]

    return project_python


@pytest.fixture(scope="session")
def boot(bake, project_python):
    """A generated project with an interpreter that has its dependencies.

    Projects of one Django line share its environment; a project that declares
    more (django-storages for a bucket, psycopg) adds them to it, once.
    """
    booted = {}

    def boot(name):
        if name not in booted:
            answers = ANSWER_SETS[name]
            python = project_python(answers["django_version"])
            project = bake(**answers)
            if "static_storage" in answers or "database" in answers:
                install(python, project / "pyproject.toml")
            booted[name] = Booted(name, answers, project, python)
        return booted[name]

    return boot


@pytest.fixture
def load_hook(tmp_path):
    """Render a hook with cookiecutter's own environment and import it."""

    def load_hook(name, answers):
        source = (TEMPLATE_DIR / "hooks" / f"{name}.py").read_text()
        environment = StrictEnvironment(context={"cookiecutter": answers})
        rendered = environment.from_string(source).render(cookiecutter=answers)
        path = tmp_path / f"{name}.py"
        path.write_text(rendered)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load_hook


@pytest.fixture
def load_bootstrap(tmp_path):
    """Render the generated project's bootstrap.py for ``answers`` with
    cookiecutter's own environment, and import it."""

    def load_bootstrap(answers):
        source = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / "bootstrap.py"
        environment = StrictEnvironment(context={"cookiecutter": answers})
        rendered = environment.from_string(source.read_text())
        path = tmp_path / f"bootstrap_{len(list(tmp_path.glob('bootstrap_*')))}.py"
        path.write_text(rendered.render(cookiecutter=answers))
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load_bootstrap


@pytest.fixture(scope="session")
def shared_dir():
    """A directory the web servers' www-data workers can read (pytest's is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="web-servers-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgresql():
    """A PostgreSQL server of this session's own (tests/database_server.py)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def certificate(shared_dir):
    """A self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        skip_or_fail("openssl is not installed")
    cert, key = self_signed_certificate(shared_dir)
    key.chmod(0o644)  # the web servers' workers read it
    return cert, key
