"""Every way people hand the template to cookiecutter: a local path, a git URL
(a file:// repository of what is committed here), a zip, --checkout, --replay and
--replay-file, --no-input with key=value answers, and --output-dir.

Each runs the real command in a subprocess, with set-up off, its own
configuration (cookiecutters_dir and replay_dir in tmp), an empty HOME that must
stay empty, and an empty working directory.
"""

import json
import os
import stat
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from support import DJANGO_LINES, TEMPLATE_DIR, first_match, skip_or_fail

SETTINGS = ("__init__", "base", "environment", "local", "production", "test")
SLUG_DIRECTORY = "{{cookiecutter.project_slug}}"
# Generations here run with set-up off (COOKIECUTTER_SKIP_SETUP): the hook
# prunes and names bootstrap.py; one test per source runs the set-up too. The
# other Django line than this Python's shows the answers reach the project.
INSTALLED_LINE = ".".join(version("django").split(".")[:2])
QUICK = (
    f"django_version={next(line for line in DJANGO_LINES if line != INSTALLED_LINE)}"
)
NEWER_DESCRIPTION = "The description of a later commit."
IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}


def clean_environment(**variables):
    """This environment without what would steer git, Django or imports."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "DJANGO_", "COOKIECUTTER_"))
        and key not in ("DATABASE_URL", "PYTHONPATH")
    }
    return {**environment, **variables}


def git(*arguments, cwd):
    result = subprocess.run(
        ["git", *map(str, arguments)],
        cwd=cwd,
        env=clean_environment(**IDENTITY),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def repository_root():
    """The git repository the template is committed in: its root is the template."""
    try:
        root = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=TEMPLATE_DIR,
            env=clean_environment(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        skip_or_fail("git is not installed")
    if root.returncode != 0:
        skip_or_fail(f"{TEMPLATE_DIR} is not a git checkout: {root.stderr.strip()}")
    assert Path(root.stdout.strip()).resolve() == TEMPLATE_DIR
    return TEMPLATE_DIR


class Remote:
    """A bare repository of the committed template, cloned as people clone it."""

    def __init__(self, path, committed, newer):
        self.url = path.as_uri()  # file:///.../template.git
        self.committed = (
            committed  # the commit HEAD had here: tag v0.1.0, branch stable
        )
        self.newer = newer  # main: one commit later, a new description default


@pytest.fixture(scope="module")
def remote(repository_root, tmp_path_factory):
    """HEAD's commit fetched into a fresh repository (objects, not the working
    tree: an untracked file is not in it), tagged v0.1.0 and branched as stable;
    then main gets one commit that changes the description default."""
    root = tmp_path_factory.mktemp("remote")
    work = root / "work"
    git("init", "--quiet", work, cwd=root)
    git("fetch", "--quiet", "--no-tags", repository_root, "HEAD", cwd=work)
    git("checkout", "--quiet", "-B", "main", "FETCH_HEAD", cwd=work)
    committed = git("rev-parse", "HEAD", cwd=work)
    git("tag", "v0.1.0", cwd=work)
    git("branch", "stable", cwd=work)
    context = work / "cookiecutter.json"
    old = json.dumps(json.loads(context.read_text())["description"])
    text = context.read_text()
    assert old in text
    context.write_text(text.replace(old, json.dumps(NEWER_DESCRIPTION), 1))
    git("commit", "--quiet", "-am", "A newer description", cwd=work)
    newer = git("rev-parse", "HEAD", cwd=work)
    bare = root / "template.git"  # cookiecutter takes a URL with "git" in it for git
    git("clone", "--quiet", "--bare", work, bare, cwd=root)
    return Remote(bare, committed, newer)


@pytest.fixture(scope="module")
def zipped(repository_root, tmp_path_factory):
    """HEAD as a zip: one top-level directory holding cookiecutter.json, its
    directory entry first, as cookiecutter requires."""
    archive = tmp_path_factory.mktemp("zip") / "template.zip"
    git(
        "archive",
        "--format=zip",
        "--prefix=template/",
        "-o",
        archive,
        "HEAD",
        cwd=repository_root,
    )
    return archive


class Cookiecutter:
    """The cookiecutter command, isolated in ``tmp_path``."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.cwd = tmp_path / "cwd"
        self.home = tmp_path / "home"
        self.cookiecutters_dir = tmp_path / "cookiecutters"
        self.replay_dir = tmp_path / "replay"
        self.config = tmp_path / "cookiecutter.yaml"
        for directory in (self.cwd, self.home):
            directory.mkdir()
        self.config.write_text(
            f"cookiecutters_dir: {json.dumps(str(self.cookiecutters_dir))}\n"
            f"replay_dir: {json.dumps(str(self.replay_dir))}\n"
        )

    def __call__(self, template, *arguments, set_up=False):
        """Run it; it must succeed and leave HOME empty. Returns its output.
        With ``set_up``, the hook runs bootstrap.py with this Python."""
        result = subprocess.run(
            [sys.executable, "-m", "cookiecutter", str(template), *map(str, arguments)],
            cwd=self.cwd,
            env=clean_environment(
                COOKIECUTTER_CONFIG=str(self.config),
                COOKIECUTTER_SKIP_SETUP="0" if set_up else "1",
                HOME=str(self.home),
            ),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        assert "Traceback" not in output
        assert list(self.home.iterdir()) == [], "written outside its configuration"
        return output

    def replay_file(self, template_name):
        return self.replay_dir / f"{template_name}.json"


@pytest.fixture
def cookiecutter(tmp_path):
    return Cookiecutter(tmp_path)


def executable(path):
    return bool(path.stat().st_mode & stat.S_IXUSR)


def assert_whole(project, output, set_up=False):
    """The files every project has, and the hook done: with set-up, .env with a
    fresh secret; without, the command that sets the project up named."""
    for name in ("manage.py", "pyproject.toml", "README.md", ".env.example"):
        assert (project / name).is_file(), name
    for module in SETTINGS:
        assert (project / "config" / "settings" / f"{module}.py").is_file(), module
    if not set_up:
        assert not (project / ".env").exists()
        assert "python3 bootstrap.py" in output.split("Next:")[1]
    else:
        for name in ("staticfiles", "media"):
            assert (project / name / ".gitkeep").is_file(), name
        secret = first_match(
            r"(?m)^DJANGO_SECRET_KEY=(\S*)$", (project / ".env").read_text()
        )
        assert len(secret) >= 50
        assert stat.S_IMODE((project / ".env").stat().st_mode) == 0o600
    unrendered = [p for p in project.rglob("*") if "cookiecutter" in p.name]
    assert unrendered == []
    assert f"Finishing {project.name}:" in output
    assert "[FAILED]" not in output


def manage_check(project):
    """manage.py check with this Python (it has Django) and the project's .env."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=project,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def tree(project, ignore=()):
    """Each path's mode and bytes, but for ``ignore``."""
    return {
        path.relative_to(project).as_posix(): (
            path.stat().st_mode,
            path.read_bytes() if path.is_file() else None,
        )
        for path in project.rglob("*")
        if path.relative_to(project).as_posix() not in ignore
    }


# --- Modes ---------------------------------------------------------------------


def test_git_records_the_modes_the_template_files_have(repository_root):
    """What a clone gets is what this checkout has: each committed file of the
    template is executable in git exactly when it is here. The hooks are .py
    files, which cookiecutter runs with its own Python (and marks executable
    itself): 100644 is enough for them. manage.py must be 100755."""
    listed = git(
        "ls-tree",
        "-r",
        "HEAD",
        "--",
        "cookiecutter.json",
        "local_extensions.py",
        "hooks",
        SLUG_DIRECTORY,
        cwd=repository_root,
    )
    modes = {}
    for line in listed.splitlines():
        meta, path = line.split("\t", 1)
        modes[path] = meta.split()[0]
    assert "hooks/pre_gen_project.py" in modes
    assert "hooks/post_gen_project.py" in modes
    differ = {
        path: (mode, oct((repository_root / path).stat().st_mode))
        for path, mode in modes.items()
        if (repository_root / path).is_file()
        and mode != ("100755" if executable(repository_root / path) else "100644")
    }
    assert differ == {}, "git's mode and the working tree's differ"
    assert modes[f"{SLUG_DIRECTORY}/manage.py"] == "100755"


# --- A project from each kind of source ----------------------------------------


@pytest.mark.parametrize("source", ["path", "git", "zip"])
def test_each_source_gives_a_whole_project(
    request, cookiecutter, repository_root, source
):
    """The default answers, the hook's every step with this Python (it has the
    default Django line), and manage.py check in the result. The git repository
    and the zip are made from HEAD: a needed file left untracked, or manage.py
    committed without its executable bit, fails here."""
    template = {
        "path": lambda: repository_root,
        "git": lambda: request.getfixturevalue("remote").url,
        "zip": lambda: request.getfixturevalue("zipped"),
    }[source]()

    output = cookiecutter(template, "--no-input", "-o", "out", set_up=True)

    project = cookiecutter.cwd / "out" / "my_site"
    assert_whole(project, output, set_up=True)
    for step in ("Collect static files", "Create the local database"):
        assert f"[ok] {step}" in output
    assert (project / "staticfiles" / "staticfiles.json").is_file()
    assert (project / "deploy" / "nginx.conf").is_file()
    # From a zip too, though Python's zipfile (cookiecutter's unzip) extracts
    # without modes: the post-generation hook restores the bit.
    assert executable(project / "manage.py")
    manage_check(project)
    if source == "git":
        clone = cookiecutter.cookiecutters_dir / "template"
        assert (clone / "cookiecutter.json").is_file()
        assert git("status", "--porcelain", cwd=clone) == ""
    else:
        # A path is used where it is; a zip is unpacked in a temporary directory.
        assert not cookiecutter.cookiecutters_dir.exists() or not any(
            cookiecutter.cookiecutters_dir.iterdir()
        )


@pytest.mark.parametrize(
    ("checkout", "wanted"),
    [
        (None, "newer"),
        ("v0.1.0", "committed"),
        ("stable", "committed"),
        ("commit", "committed"),
    ],
    ids=["no checkout", "tag", "branch", "commit"],
)
def test_checkout_generates_from_that_version(
    cookiecutter, repository_root, remote, checkout, wanted
):
    """The clone's main has a later description default; --checkout of the tag,
    branch or commit before it gives the committed one."""
    committed = json.loads((repository_root / "cookiecutter.json").read_text())
    description = {
        "newer": NEWER_DESCRIPTION,
        "committed": committed["description"],
    }[wanted]
    arguments = []
    if checkout:
        arguments = [
            "--checkout",
            remote.committed if checkout == "commit" else checkout,
        ]

    output = cookiecutter(remote.url, "--no-input", *arguments, QUICK)

    project = cookiecutter.cwd / "my_site"
    assert_whole(project, output)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == description
    clone = cookiecutter.cookiecutters_dir / "template"
    assert git("rev-parse", "HEAD", cwd=clone) == getattr(remote, wanted)


# --- Replay -------------------------------------------------------------------


@pytest.fixture
def first(cookiecutter, repository_root):
    """A project and the replay file cookiecutter wrote for it."""
    output = cookiecutter(
        repository_root,
        "--no-input",
        "-o",
        "first",
        "project_name=Replay Me",
        "web_server=apache",
        QUICK,
    )
    project = cookiecutter.cwd / "first" / "replay_me"
    assert_whole(project, output)
    replay = cookiecutter.replay_file(repository_root.name)
    assert json.loads(replay.read_text())["cookiecutter"]["web_server"] == "apache"
    return project, replay


@pytest.mark.parametrize("how", ["--replay", "--replay-file"])
def test_replay_reproduces_the_project(
    cookiecutter, repository_root, first, tmp_path, how
):
    """Into another directory: the same files, modes and bytes."""
    project, replay = first
    arguments = ["--replay"]
    if how == "--replay-file":
        copy = tmp_path / "answers" / "kept.json"
        copy.parent.mkdir()
        copy.write_text(replay.read_text())
        replay.unlink()  # only the file given can be read
        arguments = ["--replay-file", copy]

    output = cookiecutter(repository_root, *arguments, "-o", "second")

    again = cookiecutter.cwd / "second" / "replay_me"
    assert_whole(again, output)
    assert tree(again) == tree(project)


def test_replay_over_the_project_with_f_changes_nothing(
    cookiecutter, repository_root, first
):
    """--replay -f writes the same files over the project, and the hook
    prunes them again."""
    project, _ = first
    before = tree(project)

    output = cookiecutter(repository_root, "--replay", "-f", "-o", "first")

    assert "[ok] Remove options you did not choose" in output
    assert tree(project) == before


def test_a_replay_file_gives_its_answers(
    cookiecutter, repository_root, first, tmp_path
):
    """Answers edited in a replay file are the ones used (and the hook prunes
    by them): the file is read, not the earlier run's answers."""
    _, replay = first
    context = json.loads(replay.read_text())
    context["cookiecutter"].update(
        project_name="From File", project_slug="from_file", web_server="none"
    )
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(context))

    output = cookiecutter(repository_root, "--replay-file", edited, "-o", "out")

    project = cookiecutter.cwd / "out" / "from_file"
    assert_whole(project, output)
    assert (project / "README.md").read_text().startswith("# From File\n")
    assert not (project / "deploy" / "web-server.sh").exists()
    assert not (cookiecutter.cwd / "out" / "replay_me").exists()


# --- Answers on the command line, and where the project goes -------------------


def test_no_input_takes_key_value_answers(cookiecutter, repository_root):
    output = cookiecutter(
        repository_root,
        "--no-input",
        "project_name=Shop 2",
        "web_server=apache",
        "static_storage=s3",
        QUICK,
    )

    project = cookiecutter.cwd / "shop_2"
    assert_whole(project, output)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert pyproject["name"] == "shop_2"
    line = QUICK.removeprefix("django_version=")
    assert f"django>={line},<" in pyproject["dependencies"][0]
    sitefiles = [
        d for d in pyproject["dependencies"] if d.startswith("django-sitefiles")
    ]
    assert sitefiles[0].startswith("django-sitefiles[images,s3]==")
    assert (project / "README.md").read_text().startswith("# Shop 2\n")
    assert "--web-server=apache" in (project / "bootstrap.py").read_text()
    # Static files go to the bucket: the set-up collects none.
    assert "--collectstatic" not in (project / "bootstrap.py").read_text()
    assert "DJANGO_STATIC_BUCKET" in (project / "bootstrap.py").read_text()


@pytest.mark.parametrize("where", ["relative", "absolute", "none"])
def test_output_dir_is_where_the_project_lands(cookiecutter, repository_root, where):
    """A relative --output-dir is under the working directory; with an absolute
    one, nothing is written in the working directory."""
    arguments, parent = {
        "relative": (["-o", "build/sites"], cookiecutter.cwd / "build" / "sites"),
        "absolute": (
            ["--output-dir", cookiecutter.tmp_path / "elsewhere" / "sites"],
            cookiecutter.tmp_path / "elsewhere" / "sites",
        ),
        "none": ([], cookiecutter.cwd),
    }[where]

    output = cookiecutter(repository_root, "--no-input", *arguments, QUICK)

    assert_whole(parent / "my_site", output)
    assert sorted(path.name for path in parent.iterdir()) == ["my_site"]
    in_cwd = sorted(path.name for path in cookiecutter.cwd.iterdir())
    assert in_cwd == {"relative": ["build"], "absolute": [], "none": ["my_site"]}[where]
