"""The cookiecutter command as people run it, down each path of the post-generation
hook: Django importable, Django absent with set-up off, Django absent with a real
install (slow), a failing step, no network, a directory it cannot write; and the
hook run again over a project in use."""

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from cookiecutter.hooks import run_script_with_context
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from local_processes import free_port
from support import QUESTIONS, TEMPLATE_DIR, commit_all, git, skip_or_fail, tiny_png


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


def generate(
    python, output_dir, *answers, template=TEMPLATE_DIR, prefix=(), **variables
):
    """Run cookiecutter (after ``prefix``, a command that runs it); a variable
    given as None is removed from the environment."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key != "COOKIECUTTER_SKIP_SETUP" and not key.startswith("DJANGO_")
    }
    environment.update(variables)
    environment = {
        key: value for key, value in environment.items() if value is not None
    }
    result = subprocess.run(
        [*prefix, str(python), "-m", "cookiecutter", str(template), "--no-input"]
        + ["--output-dir", str(output_dir), *answers],
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    return result, result.stdout + result.stderr


def test_with_django_here_static_files_are_collected_with_it(tmp_path):
    result, output = generate(sys.executable, tmp_path)

    assert result.returncode == 0, output
    project = tmp_path / "my_site"
    assert f"[ok] Use your Python (0.0 s): {sys.executable} imports Django" in re.sub(
        r"\(\d+\.\d s\)", "(0.0 s)", output
    )
    assert "[ok] Collect static files" in output
    assert (project / "staticfiles" / "staticfiles.json").is_file()
    assert (project / "db.sqlite3").is_file()
    assert (project / "deploy" / "nginx.conf").is_file()
    assert not (project / ".venv").exists()
    assert "Finished in" in output
    assert "python manage.py runserver" in output


@pytest.mark.parametrize("off", ["COOKIECUTTER_SKIP_SETUP=1", "set_up_environment=no"])
def test_with_set_up_off_the_project_is_pruned_and_bootstrap_is_named(
    bare_python, tmp_path, off
):
    variables = dict([off.split("=")]) if off.isupper() else {}
    answers = [] if variables else [off]

    result, output = generate(bare_python, tmp_path, *answers, **variables)

    assert result.returncode == 0, output
    project = tmp_path / "my_site"
    assert "[ok] Remove options you did not choose" in output
    assert output.split("Next:")[1].split() == [
        "python3",
        "bootstrap.py",
        "#",
        ".venv,",
        ".env,",
        "static",
        "files,",
        "database",
    ]
    for name in (".env", ".venv", "db.sqlite3", "deploy/nginx.conf"):
        assert not (project / name).exists(), name
    assert not (project / "staticfiles").exists()


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

    result, output = generate(sys.executable, output_dir, template=template)

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
    files and migrates with it, and the generated project's own tests are all
    collected in that .venv (they import what they need; the suite under these
    answers runs in test_boot.py, on an environment from the same declarations)."""
    variables = {}
    if installer == "pip":
        variables["PATH"] = path_without_uv(bare_python)
    else:
        assert shutil.which("uv"), "the template's test dependencies include uv"

    result, output = generate(bare_python, tmp_path, **variables)

    assert result.returncode == 0, output
    assert "[ok] Build the environment" in output, output
    assert "the project installed into .venv" in output
    project = tmp_path / "my_site"
    venv_python = project / ".venv" / "bin" / "python"
    assert (project / "staticfiles" / "staticfiles.json").is_file(), output
    assert (project / "db.sqlite3").is_file()
    assert "source .venv/bin/activate" in output
    tests = subprocess.run(
        [str(venv_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--co"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    print(output)  # the hook's timings, for -s runs
    if installer == "pip":
        assert_installing_the_project_adds_only_its_dependencies(project, venv_python)


def assert_installing_the_project_adds_only_its_dependencies(project, python):
    """As the deploy steps install it (pip install .): no package named like
    the project's own in site-packages, and no file git would see as new."""
    commit_all(project, "Generated")
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--quiet", "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    site_packages = next((project / ".venv" / "lib").glob("python3.*/site-packages"))
    for package in ("config", "uploads"):
        assert not (site_packages / package).exists(), package
    assert git(project, "status", "--porcelain") == ""


@pytest.mark.slow
def test_a_uv_project_gets_a_lock_and_a_venv_synced_from_it(bare_python, tmp_path):
    """Django absent: the hook writes uv.lock, builds .venv with uv sync from it,
    and collects static files with that .venv."""
    assert shutil.which("uv"), "the template's test dependencies include uv"

    result, output = generate(bare_python, tmp_path, "package_manager=uv")

    assert result.returncode == 0, output
    assert re.search(r"\[ok\] Lock dependencies with uv .*uv\.lock pins \d+", output)
    assert "[ok] Build the environment" in output, output
    project = tmp_path / "my_site"
    assert (project / "staticfiles" / "staticfiles.json").is_file(), output
    assert "uv run python manage.py runserver" in output
    assert "source .venv/bin/activate" not in output
    # .venv holds the versions uv.lock pins, and the lock matches pyproject.toml.
    lock = (project / "uv.lock").read_text()
    pinned = re.search(r'name = "django"\nversion = "([^"]+)"', lock).group(1)
    # django-sitefiles at the template's version, from the wheel in vendor/.
    sitefiles = re.search(
        r'name = "django-sitefiles"\nversion = "([^"]+)"\nsource = \{ path = "([^"]+)"',
        lock,
    )
    assert sitefiles, lock
    assert sitefiles[1] == QUESTIONS["_sitefiles"]["version"]
    assert (project / sitefiles[2]).is_file()
    assert sitefiles[2].startswith("vendor/")
    venv_python = project / ".venv" / "bin" / "python"
    installed = subprocess.run(
        [str(venv_python), "-c", "import django; print(django.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert installed == pinned
    check = subprocess.run(
        ["uv", "lock", "--check", "--offline"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_uv_project_without_network_says_to_lock_and_sync(bare_python, tmp_path):
    closed, variables = offline(tmp_path)

    result, output = generate(
        bare_python, tmp_path / "out", "package_manager=uv", **variables
    )

    assert result.returncode == 0, output
    assert "[FAILED] Lock dependencies with uv" in output
    assert "[FAILED] Build the environment" in output
    fixes = output.partition("run these in it:")[2]
    assert "  uv lock\n" in fixes
    assert "  uv sync    # writes uv.lock" in fixes
    project = tmp_path / "out" / "my_site"
    assert not (project / "uv.lock").exists()
    assert "manage.py setup_project" in fixes  # .env and the rest, in it


def project_files(project):
    """Every path in a project, .venv/ aside."""
    return sorted(
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.relative_to(project).parts[0] != ".venv"
    )


# --- No network ---------------------------------------------------------------


def offline(tmp_path):
    """Variables under which neither uv nor pip can reach a package: the only
    index and every proxy are a closed loopback port, the caches are empty, and
    no configuration (PIP_FIND_LINKS, pip.conf, uv.toml) points at local wheels."""
    closed = f"http://127.0.0.1:{free_port()}"
    variables = {
        key: None for key in os.environ if key.upper().startswith(("PIP_", "UV_"))
    }
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        variables[name] = variables[name.upper()] = closed
    variables["no_proxy"] = variables["NO_PROXY"] = None
    for cache in ("uv-cache", "pip-cache"):
        (tmp_path / cache).mkdir()
    variables.update(
        UV_DEFAULT_INDEX=f"{closed}/simple",
        PIP_INDEX_URL=f"{closed}/simple",
        UV_NO_CONFIG="1",
        PIP_CONFIG_FILE=os.devnull,
        UV_CACHE_DIR=str(tmp_path / "uv-cache"),
        PIP_CACHE_DIR=str(tmp_path / "pip-cache"),
        # One retry, not five or three: the same messages, in seconds.
        PIP_RETRIES="1",
        UV_HTTP_RETRIES="1",
    )
    return closed, variables


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_no_network_keeps_the_project_and_prints_the_commands_to_run(
    bare_python, tmp_path, installer
):
    """Django absent and set-up on, but no package index within reach."""
    closed, variables = offline(tmp_path)
    if installer == "pip":
        variables["PATH"] = path_without_uv(bare_python)
    else:
        assert shutil.which("uv"), "the template's test dependencies include uv"

    result, output = generate(bare_python, tmp_path / "out", **variables)

    assert result.returncode == 0, output
    assert "[FAILED] Build the environment" in output
    assert closed.removeprefix("http://") in output, output  # what it could not reach
    assert (
        "Not everything finished. The project is complete; run these in it:" in output
    )
    for command in (
        '.venv/bin/python -m pip install -e ".[dev]" --find-links vendor',
        ".venv/bin/python manage.py setup_project"
        " --production-settings=config.settings.production --collectstatic"
        " --web-server=nginx",
    ):
        assert command in output
    # Every file a generation with set-up off makes, and no more: the rest of
    # the set-up (directories, .env) runs in the environment that failed.
    reference, reference_output = generate(
        bare_python, tmp_path / "reference", COOKIECUTTER_SKIP_SETUP="1"
    )
    assert reference.returncode == 0, reference_output
    project = tmp_path / "out" / "my_site"
    assert project_files(project) == project_files(tmp_path / "reference" / "my_site")


# --- Ctrl-C --------------------------------------------------------------------


def test_ctrl_c_during_set_up_keeps_the_project_and_prints_how_to_finish(tmp_path):
    """The terminal sends SIGINT to cookiecutter and its hook alike: here, once
    the hook is collecting static files."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key != "COOKIECUTTER_SKIP_SETUP" and not key.startswith("DJANGO_")
    }
    generating = subprocess.Popen(
        [sys.executable, "-m", "cookiecutter", str(TEMPLATE_DIR), "--no-input"]
        + ["--output-dir", str(tmp_path)],
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a process group of its own, as in a terminal
    )
    seen = []
    for line in generating.stdout:
        seen.append(line)
        if "[ok] Write .env" in line:  # setup_project's; collectstatic is next
            os.killpg(generating.pid, signal.SIGINT)
            break
    seen += generating.stdout.readlines()  # until the hook, too, has finished
    generating.wait(timeout=60)
    output = "".join(seen)

    assert "Traceback" not in output, output
    assert "Interrupted. The project is complete; run these in it to finish:" in output
    project = tmp_path / "my_site"
    assert "manage.py collectstatic --noinput" in output
    assert (project / ".env").is_file()
    assert (project / "manage.py").is_file()


# --- No write permission ------------------------------------------------------


def without_permission_override():
    """A command prefix under which permission bits stop the command: as root,
    without the capabilities that let root write anywhere; otherwise none."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        skip_or_fail("setpriv (util-linux) is needed to run without root's override")
    dropped = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={dropped}", f"--bounding-set={dropped}"]


def test_a_directory_you_cannot_write_keeps_the_project_and_prints_the_fix(tmp_path):
    """Generating (--overwrite-if-exists) into a directory whose media/ and
    staticfiles/ you may not write: a deployed project's, say, where they belong
    to the web server's user."""
    project = tmp_path / "out" / "my_site"
    upload = project / "media" / "photos" / "cat.png"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(tiny_png())
    (project / "staticfiles").mkdir()
    read_only = [project / "media", upload.parent, project / "staticfiles"]
    for directory in read_only:
        directory.chmod(0o555)
    prefix = without_permission_override()
    try:
        probe = subprocess.run(
            [*prefix, "touch", project / "media" / "probe"], capture_output=True
        )
        if probe.returncode == 0:
            skip_or_fail("permission bits do not stop writes here")
        result, output = generate(
            sys.executable,
            project.parent,
            "--overwrite-if-exists",
            prefix=prefix,
        )
    finally:
        for directory in read_only:
            directory.chmod(0o755)

    assert result.returncode == 0, output
    assert "[FAILED] Create media/ and staticfiles/" in output
    assert f"Permission denied: '{project / 'media' / '.gitkeep'}'" in output
    assert "[FAILED] Collect static files" in output
    assert f"{project / 'staticfiles'} is not writable by this user" in output
    assert (
        "Not everything finished. The project is complete; run these in it:" in output
    )
    assert "touch media/.gitkeep staticfiles/.gitkeep" in output
    assert "manage.py collectstatic --noinput" in output
    assert upload.read_bytes() == tiny_png()
    for name in ("manage.py", ".env", "db.sqlite3", "deploy/nginx.conf"):
        assert (project / name).is_file(), name


# --- The hook again, over a project in use ------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A project generated with Django importable, and the context cookiecutter
    gave its hook (from the replay file)."""
    root = tmp_path_factory.mktemp("generated")
    config = root / "config.yaml"
    config.write_text(f"replay_dir: {json.dumps(str(root / 'replay'))}\n")
    result, output = generate(
        sys.executable,
        root / "out",
        "--config-file",
        str(config),
    )
    assert result.returncode == 0, output
    (replay,) = (root / "replay").glob("*.json")
    return root / "out" / "my_site", json.loads(replay.read_text())


# Where people put files of their own, and which template files they edit (with
# how a comment line is written in each) or delete.
USER_DIRECTORIES = (
    "",
    "media",
    "media/photos/2026",
    "static/css",
    "static/images",
    "templates",
    "uploads",
    "config",
    "deploy",
    "vendor",
    "notes/drafts",
)
EDITABLE = {
    ".env": "# {}",
    "README.md": "{}",
    "config/settings/base.py": "# {}",
    "deploy/gunicorn.conf.py": "# {}",
    "static/css/site.css": "/* {} */",
    "static/js/site.js": "// {}",
    "templates/base.html": "<!-- {} -->",
}
DELETABLE = ("README.md", "deploy/gunicorn.conf.py", "static/images/pattern.svg")
LINE = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    max_size=20,
).filter(lambda line: "*/" not in line and "-->" not in line)
# Not apache.* or apache-*: the chosen server is nginx, and pruning removes the
# other server's template files by name (after `cookiecutter -f` they are the
# template's again); see docs/hardening.md.
NAME = st.text("abxyz09-_. éß", min_size=1, max_size=12).filter(
    lambda name: name.strip(".") and not name.startswith("apache")
)
USER_FILES = st.dictionaries(
    st.tuples(st.sampled_from(USER_DIRECTORIES), NAME),
    st.tuples(st.binary(max_size=64), st.sampled_from([0o600, 0o644, 0o755, 0o444])),
    max_size=6,
)
IN_USE = settings(
    # Each example runs the hook (collectstatic, migrate, web server config), about
    # a second: a few, and a failure is reported as drawn rather than shrunk.
    max_examples=5,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def use(project, files, edits, deleted):
    """What a person does with a project: always their .env, uploads, rows in the
    database, a .venv, the real web server config (README.md, Deploy) and a
    stylesheet of their own; then the files, edits and deletions drawn."""
    with (project / ".env").open("a") as env:
        env.write("# mine\nDJANGO_ALLOWED_HOSTS=localhost,my-site.test\n")
    avatar = project / "media" / "avatars" / "2026" / "me.png"
    avatar.parent.mkdir(parents=True)
    avatar.write_bytes(tiny_png(3))
    with sqlite3.connect(project / "db.sqlite3") as database:
        database.execute("CREATE TABLE notes (text)")
        database.execute("INSERT INTO notes VALUES ('mine')")
    database.close()
    (project / ".venv").mkdir()
    (project / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    config = project / "deploy" / "nginx.conf"
    config.write_text(config.read_text().replace("example.com", "my-site.test"))
    (project / "static" / "css" / "mine.css").write_text(".mine { color: red; }\n")
    for (directory, name), (content, mode) in files.items():
        path = project / directory / name
        if path.is_dir():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        path.chmod(mode)
    for name, line in edits.items():
        path = project / name
        path.write_text(f"{path.read_text()}\n{EDITABLE[name].format(line)}\n")
    for name in deleted:
        (project / name).unlink()


def snapshot(project):
    """Each path's mode and bytes (or link target), but for build output:
    staticfiles/ (STATIC_ROOT, collectstatic rebuilds it from static/, which
    people edit) and __pycache__/ (Python's, for the .py files people edit)."""
    state = {}
    for path in project.rglob("*"):
        parts = path.relative_to(project).parts
        if parts[0] == "staticfiles" or "__pycache__" in parts:
            continue
        if path.is_symlink():
            content = os.readlink(path)
        else:
            content = path.read_bytes() if path.is_file() else None
        state["/".join(parts)] = (path.lstat().st_mode, content)
    return state


@IN_USE
@given(
    files=USER_FILES,
    edits=st.dictionaries(st.sampled_from(list(EDITABLE)), LINE),
    deleted=st.sets(st.sampled_from(DELETABLE)),
)
def test_the_hook_run_again_changes_nothing_you_made(
    generated, tmp_path_factory, capfd, files, edits, deleted
):
    """The hook, rendered and run as cookiecutter runs it, again over a copy of a
    project in use. (`cookiecutter --replay -f` would first write the template's
    files over yours: that is cookiecutter's doing, before the hook.)"""
    source, context = generated
    project = tmp_path_factory.mktemp("in-use") / source.name
    shutil.copytree(source, project, symlinks=True)
    use(project, files, edits, deleted)
    before = snapshot(project)
    capfd.readouterr()

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("COOKIECUTTER_SKIP_SETUP", raising=False)  # set-up on
        run_script_with_context(
            TEMPLATE_DIR / "hooks" / "post_gen_project.py", project, context
        )

    output = capfd.readouterr().out
    assert "kept the existing .env" in output
    after = snapshot(project)
    changed = [
        path
        for path in before.keys() | after.keys()
        if before.get(path) != after.get(path)
    ]
    assert sorted(changed) == [], output
    # Swapped in whole by collectstatic, or left as it was if that failed.
    assert (project / "staticfiles" / "staticfiles.json").is_file()
