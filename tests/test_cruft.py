"""Projects stay updatable with cruft, for real: the template as committed, copied
into a throwaway git repository; a project generated from it by cookiecutter and
one by `cruft create`, each committed and used; the template changed; then
`cruft check`, `cruft diff` and `cruft update` as a person runs them."""

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from support import (
    CRUFT_SKIP,
    GIT_ENVIRONMENT,
    TEMPLATE_DIR,
    commit_all,
    git,
    skip_or_fail,
    tiny_png,
)

GENERATORS = ("cookiecutter", "cruft")
SLUG = "my_site"
PROJECT = "{{cookiecutter.project_slug}}"
# The user's edits: one to a file the template changes too, one to a file it
# leaves alone.
YOUR_README_LINE = "Our deploy notes live in the wiki."
YOUR_PYPROJECT_LINE = "# ours: pinned by the ops team"
# The template's changes, in the next commit.
TEMPLATE_README_LINE = "See CONTRIBUTING.md before you change the settings."
MANAGE_PY_LINE = (
    '"""Django\'s command-line utility for the template\'s next version."""'
)
NEW_VARIABLE = "# DJANGO_NEW_SETTING=on"
CONTRIBUTING = "# Contributing to {{ cookiecutter.project_name }}\n"
# Changed or new in the template, but pruned for these answers (media on disk,
# not in a bucket): a render for cruft must prune as generating does.
DIRECT_UPLOADS = f"{PROJECT}/uploads/direct.py"
NEW_DIRECT_UPLOAD_SCRIPT = "uploads/static/uploads/next.js"


def environment(root, **variables):
    """The environment cruft and cookiecutter run in: their clones and replays
    kept in ``root``, git's identity set, and no set-up switch of the caller's."""
    config = root / "cookiecutter-config.yaml"
    if not config.exists():
        config.write_text(
            f"cookiecutters_dir: {json.dumps(str(root / 'cookiecutters'))}\n"
            f"replay_dir: {json.dumps(str(root / 'replay'))}\n"
        )
    result = {
        key: value
        for key, value in os.environ.items()
        if key != "COOKIECUTTER_SKIP_SETUP" and not key.startswith("DJANGO_")
    }
    return {
        **result,
        **GIT_ENVIRONMENT,
        "COOKIECUTTER_CONFIG": str(config),
        **variables,
    }


def run(root, *command, cwd, **variables):
    """Run a Python module (cookiecutter, cruft); its exit status, output and time."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", *map(str, command)],
        cwd=cwd,
        env=environment(root, **variables),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    seconds = time.monotonic() - started
    return result.returncode, result.stdout + result.stderr, seconds


def export_template(destination):
    """The template's files as its next commit would hold them (tracked files and
    new ones, none that git ignores), in a fresh git repository."""
    listed = subprocess.run(
        ["git", "-C", str(TEMPLATE_DIR), "ls-files", "-z", "--cached", "--others"]
        + ["--exclude-standard"],
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:
        skip_or_fail(f"the template is not a git checkout: {listed.stderr.strip()}")
    for name in filter(None, listed.stdout.split("\0")):
        source = TEMPLATE_DIR / name
        if not os.path.lexists(source):  # deleted, not committed yet
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    return commit_all(destination, "The template as it is")


def append(path, line):
    with path.open("a") as file:
        file.write(f"{line}\n")


def use(project):
    """Edit two files and commit; then what never goes into git: .env, uploads,
    static files, the database, a virtual environment. Returns those paths."""
    append(project / "README.md", YOUR_README_LINE)
    append(project / "pyproject.toml", YOUR_PYPROJECT_LINE)
    config = project / "deploy" / "nginx.conf"
    config.write_text(config.read_text().replace("example.com", "my-site.test"))
    commit_all(project, "Our changes")
    append(project / ".env", "DJANGO_ALLOWED_HOSTS=my-site.test")
    photo = project / "media" / "photos" / "me.png"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(tiny_png(2))
    (project / "staticfiles" / "extra.css").write_text("body { color: red; }\n")
    (project / "db.sqlite3").write_bytes(b"SQLite format 3\x00 ours")
    (project / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
    (project / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")


def yours(project):
    """Every file of the project's own data and build output, with its bytes."""
    found = {}
    for name in CRUFT_SKIP:
        path = project / name
        paths = sorted(path.rglob("*")) if path.is_dir() else [path]
        for each in paths:
            if each.is_file():
                found[each.relative_to(project).as_posix()] = each.read_bytes()
    return found


def change_template(template):
    """The template's next commit: a new file, changes to files the user left
    alone, one to the file the user edited too, one to an option not chosen."""
    project = template / PROJECT
    append(project / "README.md", TEMPLATE_README_LINE)
    manage = project / "manage.py"
    lines = manage.read_text().splitlines()
    lines[1] = MANAGE_PY_LINE
    manage.write_text("\n".join(lines) + "\n")
    append(project / ".env.example", NEW_VARIABLE)
    (project / "CONTRIBUTING.md").write_text(CONTRIBUTING)
    append(template / DIRECT_UPLOADS, "# the next version")
    (project / NEW_DIRECT_UPLOAD_SCRIPT).write_text("// media in a bucket only\n")
    return commit_all(template, "The template's next version")


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """The whole story once; each test checks one part of what happened."""
    root = tmp_path_factory.mktemp("cruft")
    template = root / "template"
    first = export_template(template)
    told = {"first": first, "template": template}
    for generator in GENERATORS:
        output_dir = root / f"by-{generator}"
        # Both given the template as a relative path, as people type it.
        command = (
            ["cookiecutter", "template", "--no-input"]
            if generator == "cookiecutter"
            else ["cruft", "create", "template", "--no-input"]
        )
        # PWD: where a shell ran it, which cookiecutter's relative path is to.
        status, output, _ = run(
            root, *command, "--output-dir", output_dir, cwd=root, PWD=str(root)
        )
        assert status == 0, output
        project = output_dir / SLUG
        if generator == "cruft":  # the hook only prunes: set up as README says
            set_up = subprocess.run(
                [sys.executable, "bootstrap.py", "--python", sys.executable],
                cwd=project,
                env=environment(root),
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert set_up.returncode == 0, set_up.stdout + set_up.stderr
        cruft_json = (project / ".cruft.json").read_text()
        commit_all(project, "Generated")
        fresh_diff = run(root, "cruft", "diff", "--exit-code", cwd=project)
        use(project)
        told[generator] = {
            "generated": output,
            "project": project,
            "cruft_json": json.loads(cruft_json),
            "cruft_json_text": cruft_json,
            "fresh_diff": fresh_diff,
            "yours": yours(project),
        }
    told["second"] = change_template(template)
    for generator in GENERATORS:
        project = told[generator]["project"]
        told[generator].update(
            check_before=run(root, "cruft", "check", cwd=project),
            update=run(root, "cruft", "update", "--skip-apply-ask", cwd=project),
            check_after=run(root, "cruft", "check", cwd=project),
        )
    return told


@pytest.fixture(params=GENERATORS)
def told(story, request):
    return story[request.param]


def test_cookiecutter_records_what_cruft_create_records(story):
    by_cookiecutter = dict(story["cookiecutter"]["cruft_json"])
    by_cruft = story["cruft"]["cruft_json"]

    assert by_cookiecutter.pop("skip") == CRUFT_SKIP
    assert by_cookiecutter == by_cruft
    assert by_cruft["template"] == str(story["template"])
    assert by_cruft["commit"] == story["first"]
    # Key for key in the same order too, so cruft's first rewrite changes only
    # what changed.
    text = json.dumps(by_cookiecutter, indent=2, ensure_ascii=False) + "\n"
    assert text == story["cruft"]["cruft_json_text"]


def test_the_generated_output_says_where_cruft_json_comes_from(story):
    recorded = f".cruft.json: {story['template']} at {story['first'][:12]}"
    assert recorded in story["cookiecutter"]["generated"]
    assert "python3 bootstrap.py sets a project up" in story["cruft"]["generated"]


def test_a_fresh_project_has_no_diff_from_its_template(told):
    """What a render for cruft holds is what generating made and git tracks."""
    status, output, _ = told["fresh_diff"]

    assert status == 0, output
    assert "diff --git" not in output, output


def test_check_says_outdated_then_up_to_date(told):
    status, output, _ = told["check_before"]
    assert status == 1, output
    assert "out of date" in output

    status, output, _ = told["update"]
    assert status == 0, output

    status, output, _ = told["check_after"]
    assert status == 0, output
    assert "up to date" in output


def test_files_you_left_alone_follow_the_template(told):
    project = told["project"]

    assert (project / "manage.py").read_text().splitlines()[1] == MANAGE_PY_LINE
    assert (project / "CONTRIBUTING.md").read_text() == "# Contributing to My Site\n"
    assert (project / ".env.example").read_text().endswith(f"{NEW_VARIABLE}\n")


def test_your_edit_the_template_did_not_touch_is_kept(told):
    text = (told["project"] / "pyproject.toml").read_text()

    assert text.endswith(f"{YOUR_PYPROJECT_LINE}\n")
    assert "<<<<<<<" not in text


def test_your_edit_the_template_changed_too_is_a_conflict_to_resolve(told):
    """cruft applies its diff with `git apply -3`: conflict markers, and the
    file unmerged in git's index, as in a merge."""
    project = told["project"]
    text = (project / "README.md").read_text()

    assert text.endswith(
        f"<<<<<<< ours\n{YOUR_README_LINE}\n=======\n{TEMPLATE_README_LINE}\n"
        ">>>>>>> theirs\n"
    ), text[-400:]
    assert git(project, "diff", "--name-only", "--diff-filter=U") == "README.md"
    assert not list(project.rglob("*.rej"))


def test_env_media_staticfiles_database_and_venv_are_never_touched(told):
    project = told["project"]

    assert yours(project) == told["yours"]
    assert ".env" in told["yours"]
    assert "media/photos/me.png" in told["yours"]
    assert ".venv/pyvenv.cfg" in told["yours"]
    assert "staticfiles/staticfiles.json" in told["yours"]
    # Nothing of them, nor the update, is waiting to be committed but the
    # template's changes and .cruft.json.
    assert git(project, "ls-files", "--others", "--exclude-standard") == ""
    changed = git(project, "diff", "--name-only", "HEAD").splitlines()
    assert sorted(set(changed)) == [
        ".cruft.json",
        ".env.example",
        "CONTRIBUTING.md",
        "README.md",
        "manage.py",
    ]


def test_options_you_did_not_choose_stay_out(told):
    project = told["project"]

    assert not (project / "uploads" / "direct.py").exists()
    assert not (project / NEW_DIRECT_UPLOAD_SCRIPT).exists()
    assert not (project / "uploads" / "static").exists()


def test_cruft_json_records_the_new_commit(story, told):
    state = json.loads((told["project"] / ".cruft.json").read_text())

    assert state["commit"] == story["second"]
    assert state["context"]["cookiecutter"]["_commit"] == story["second"]
    assert state.get("skip") == told["cruft_json"].get("skip")
    # Nothing else in it changed.
    before = json.loads(
        told["cruft_json_text"].replace(story["first"], story["second"])
    )
    assert state == before


def test_renders_for_the_update_do_no_expensive_work(told):
    """cruft renders the old and the new template in temporary directories:
    the hook prunes there, and runs nothing (no .env, environment, collectstatic,
    database or web server config)."""
    status, output, seconds = told["update"]

    assert status == 0, output
    assert output.count("Rendering my_site for cruft") == 2, output
    for step in (
        "Finishing",
        "Record the template",
        "Write .env",
        "Build the environment",
        "Collect static files",
        "Create the local database",
        "Write the web server config",
    ):
        assert step not in output, output
    assert seconds < 30, output


# --- A project of the old static pipeline -------------------------------------

# The last template commit whose projects collected static files into a
# staging copy and swapped it in (staticfiles.next/); then the pipeline changed.
OLD_PIPELINE = "23efb1b"
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "cruft-test-secret-4d8f1a6c9e2b7d3f5a0c8e1b6d9f2a7c4e0b5d8",
    "DJANGO_ALLOWED_HOSTS": "localhost",
    "DJANGO_ENV_FILE": os.devnull,
}
YOUR_STYLE = ".ours { color: rebeccapurple; }"


def export_commit(commit, destination):
    """The template's files at ``commit`` (git's own history), in a fresh git
    repository."""
    archive = subprocess.run(
        ["git", "-C", str(TEMPLATE_DIR), "archive", "--format=tar", commit],
        capture_output=True,
    )
    if archive.returncode != 0:
        skip_or_fail(
            f"the template's git history lacks {commit}: {archive.stderr.decode()}"
        )
    destination.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as files:
        files.extractall(destination, filter="data")
    return commit_all(destination, f"The template at {commit}")


def manage(project, *arguments):
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=project,
        env={**environment(project.parent), **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_a_project_of_the_old_pipeline_updates_and_its_static_root_serves(tmp_path):
    """Generated before the static pipeline changed, used (a style of its own,
    collectstatic run again, so staticfiles.next/ holds the tree it replaced),
    updated: the files the owner did not touch follow without conflict, and the
    next collectstatic works on what the old pipeline left."""
    template = tmp_path / "template"
    export_commit(OLD_PIPELINE, template)
    status, output, _ = run(
        tmp_path,
        *("cookiecutter", "template", "--no-input", "--output-dir", "out"),
        cwd=tmp_path,
        COOKIECUTTER_SKIP_SETUP="1",
    )
    assert status == 0, output
    project = tmp_path / "out" / SLUG
    assert (project / "config" / "static_storage.py").is_file()
    commit_all(project, "Generated")
    append(project / "static" / "css" / "site.css", YOUR_STYLE)
    commit_all(project, "Our style")
    manage(project, "collectstatic", "--noinput")
    assert (project / "staticfiles.next").is_dir()
    for path in template.iterdir():  # the next commit: the template as it is
        if path.is_dir() and path.name != ".git":
            shutil.rmtree(path)
        elif path.is_file():
            path.unlink()
    export_template(template)

    status, output, _ = run(
        tmp_path, "cruft", "update", "--skip-apply-ask", cwd=project
    )

    assert status == 0, output
    assert git(project, "diff", "--name-only", "--diff-filter=U") == ""
    assert not list(project.rglob("*.rej"))
    assert "<<<<<<<" not in git(project, "diff", "HEAD")
    # The pipeline is django-sitefiles' now, from the wheel the update brought.
    assert list((project / "vendor").glob("django_sitefiles-*.whl"))
    assert not (project / "config" / "static_storage.py").exists()
    assert not (project / "config" / "management").exists()
    assert (
        (project / "static" / "css" / "site.css")
        .read_text()
        .endswith(f"{YOUR_STYLE}\n")
    )
    manage(project, "collectstatic", "--noinput")
    manage(project, "check", "--deploy", "--fail-level", "WARNING")
    manifest = json.loads((project / "staticfiles" / "staticfiles.json").read_text())
    assert "fingerprint" in manifest
    for hashed_name in manifest["paths"].values():
        assert (project / "staticfiles" / hashed_name).is_file(), hashed_name
    site = project / "staticfiles" / manifest["paths"]["css/site.css"]
    assert YOUR_STYLE in site.read_text()


# --- A project from before django-sitefiles ----------------------------------

# The last template commit whose projects carried the machinery themselves.
BEFORE_THE_PACKAGE = "963c7a8"
MIGRATE_BLOCK = re.compile(r"<!-- migrate -->\n```sh migrate\n(.*?)^```$", re.M | re.S)


def test_a_project_from_before_the_package_moves_to_it_as_the_readme_says(tmp_path):
    """Generated (and set up) at the last commit before the package, used, then
    moved with the template README's commands, run as written: nothing of the
    machinery is left in it, its database keeps its data, and its own tests
    and the deployment checklist pass."""
    (block,) = MIGRATE_BLOCK.findall((TEMPLATE_DIR / "README.md").read_text())
    template = tmp_path / "template"
    export_commit(BEFORE_THE_PACKAGE, template)
    status, output, _ = run(
        tmp_path,
        *("cookiecutter", "template", "--no-input", "--output-dir", "out"),
        cwd=tmp_path,
        PWD=str(tmp_path),
    )
    assert status == 0, output
    project = tmp_path / "out" / SLUG
    assert (project / "files" / "storage.py").is_file()
    commit_all(project, "Generated")
    manage(
        project,
        "shell",
        "-c",
        "from django.contrib.auth.models import User;"
        " User.objects.create(username='kept')",
    )
    for path in template.iterdir():  # the next commit: the template as it is
        if path.is_dir() and path.name != ".git":
            shutil.rmtree(path)
        elif path.is_file():
            path.unlink()
    export_template(template)

    # cruft and python3 as the test environment has them, as an activated one does.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    moved = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block],
        cwd=project,
        env=environment(tmp_path, PATH=path),
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert moved.returncode == 0, moved.stdout[-8000:] + moved.stderr[-8000:]
    assert " passed" in moved.stdout
    for gone in ("files", "webserver", "cloud_storage", "uploads/images.py"):
        assert not (project / gone).exists(), gone
    migrations = sorted(p.name for p in (project / "uploads" / "migrations").glob("0*"))
    assert migrations == ["0001_initial.py"]
    assert list((project / "vendor").glob("django_sitefiles-*.whl"))
    users = subprocess.run(
        [".venv/bin/python", "manage.py", "shell", "--verbosity", "0", "-c"]
        + ["from django.contrib.auth.models import User; print(*User.objects.all())"],
        cwd=project,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert users.stdout.split() == ["kept"], users.stderr


# --- A newer django-sitefiles -------------------------------------------------


def release_next_package_version(template, version):
    """What a release of the package does in the template: its version, the
    answer that pins it, and its wheel in vendor/, rebuilt by vendor_wheel.py."""
    init = template / "django-sitefiles" / "src" / "sitefiles" / "__init__.py"
    init.write_text(
        re.sub(r'__version__ = "[^"]+"', f'__version__ = "{version}"', init.read_text())
    )
    questions = template / "cookiecutter.json"
    text = questions.read_text()
    questions.write_text(
        re.sub(r'("_sitefiles": \{"version": )"[^"]+"', rf'\1"{version}"', text)
    )
    built = subprocess.run(
        [sys.executable, "vendor_wheel.py"],
        cwd=template,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return commit_all(template, f"django-sitefiles {version}")


def test_cruft_update_brings_a_newer_package_version_pip_and_uv_install(tmp_path):
    """A release of django-sitefiles reaches a project through cruft update: the
    new wheel replaces the old one in vendor/, the pin follows, and pip
    (--find-links vendor) and uv (its path source) both resolve to it."""
    template = tmp_path / "template"
    export_template(template)
    status, output, _ = run(
        tmp_path,
        *("cookiecutter", "template", "--no-input", "--output-dir", "out"),
        "package_manager=uv",
        cwd=tmp_path,
        PWD=str(tmp_path),
        COOKIECUTTER_SKIP_SETUP="1",
    )
    assert status == 0, output
    project = tmp_path / "out" / SLUG
    commit_all(project, "Generated")
    release_next_package_version(template, "99.0.1")

    status, output, _ = run(
        tmp_path, "cruft", "update", "--skip-apply-ask", cwd=project
    )

    assert status == 0, output
    assert git(project, "diff", "--name-only", "--diff-filter=U") == ""
    wheels = [path.name for path in (project / "vendor").iterdir()]
    assert wheels == ["django_sitefiles-99.0.1-py3-none-any.whl"]
    assert (
        "django-sitefiles[images]==99.0.1" in (project / "pyproject.toml").read_text()
    )
    uv = [sys.executable, "-m", "uv"]
    by_pip_rules = subprocess.run(
        [*uv, "pip", "compile", "--quiet", "--no-sources", "--find-links", "vendor"]
        + ["pyproject.toml"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert by_pip_rules.returncode == 0, by_pip_rules.stderr
    assert "django-sitefiles==99.0.1" in by_pip_rules.stdout
    locked = subprocess.run(
        [*uv, "lock", "--quiet"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert locked.returncode == 0, locked.stderr
    lock = (project / "uv.lock").read_text()
    assert re.search(
        r'name = "django-sitefiles"\nversion = "99\.0\.1"\nsource = \{ path = "vendor/',
        lock,
    ), lock
