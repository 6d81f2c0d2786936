"""The post-generation hook's steps, rendered as cookiecutter renders them."""

import json
import sys
import types

import pytest
from cookiecutter.environment import StrictEnvironment

from support import CRUFT_SKIP, TEMPLATE_DIR, answers_for, commit_all, git


@pytest.fixture
def answers():
    return answers_for()


@pytest.fixture
def hook(load_hook, answers):
    return load_hook("post_gen_project", answers)


# --- prune ----------------------------------------------------------


@pytest.fixture
def prunable(tmp_path):
    """The optional parts of a generated project, as files to prune."""
    (tmp_path / "uploads" / "migrations").mkdir(parents=True)
    (tmp_path / "uploads" / "static" / "uploads").mkdir(parents=True)
    for name in (*BUCKET_FILES, *MEDIA_IN_A_BUCKET, *APP_TESTS, *WEB_SERVER_FILES):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    (tmp_path / VENDORED).parent.mkdir()
    (tmp_path / VENDORED).write_bytes(b"PK")
    return tmp_path


APP_TESTS = ("tests/test_uploads.py", "tests/test_documents.py")
WEB_SERVER_FILES = ("deploy/web-server.sh",)
# Either kind of file in a bucket: the settings of buckets, tested.
BUCKET_FILES = ("tests/test_cloud_settings.py",)
# Media files in a bucket: the example's direct uploads.
MEDIA_IN_A_BUCKET = (
    "uploads/direct.py",
    "uploads/templates/uploads/direct_upload.html",
    "uploads/test_direct.py",
)
VENDORED = "vendor/django_sitefiles-0.2.0-py3-none-any.whl"


def bucket_files(project):
    paths = [*BUCKET_FILES, *MEDIA_IN_A_BUCKET, "uploads/static"]
    return sorted(name for name in paths if (project / name).exists())


@pytest.mark.parametrize(
    ("static", "media", "kept"),
    [
        ("whitenoise", "local", []),
        ("web_server", "local", []),
        ("s3", "s3", [*BUCKET_FILES, *MEDIA_IN_A_BUCKET, "uploads/static"]),
        ("gcs", "local", [*BUCKET_FILES]),
        ("whitenoise", "azure", [*BUCKET_FILES, *MEDIA_IN_A_BUCKET, "uploads/static"]),
    ],
)
def test_prune_keeps_the_bucket_files_for_the_chosen_buckets(
    hook, answers, prunable, static, media, kept
):
    answers = {**answers, "static_storage": static, "media_storage": media}

    hook.prune(prunable, answers)

    assert bucket_files(prunable) == sorted(kept)


@pytest.mark.parametrize("chosen", [True, False])
def test_prune_removes_the_upload_app_unless_chosen(hook, answers, prunable, chosen):
    hook.prune(prunable, {**answers, "use_upload_example": chosen})

    assert (prunable / "uploads").exists() == chosen
    assert (prunable / "tests" / "test_uploads.py").exists() == chosen


@pytest.mark.parametrize("server", ["nginx", "apache", "none"])
def test_prune_keeps_the_web_server_image_s_entry_point_with_a_server(
    hook, answers, prunable, server
):
    hook.prune(prunable, {**answers, "web_server": server})

    assert (prunable / "deploy" / "web-server.sh").exists() == (server != "none")


def test_pruning_twice_changes_nothing_more(hook, answers, prunable):
    answers = {**answers, "use_upload_example": False, "web_server": "apache"}
    hook.prune(prunable, answers)
    before = sorted(prunable.rglob("*"))

    assert hook.prune(prunable, answers) == "nothing to remove"
    assert sorted(prunable.rglob("*")) == before


def test_the_vendored_wheel_stays_until_the_package_comes_from_the_index(
    hook, answers, prunable
):
    hook.prune(prunable, answers)
    assert (prunable / VENDORED).is_file()

    index = {**answers, "_sitefiles": {**answers["_sitefiles"], "source": "index"}}
    assert "vendor" in hook.prune(prunable, index)
    assert not (prunable / "vendor").exists()


# --- set-up -------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after"), [(0o644, 0o755), (0o600, 0o700)])
def test_manage_py_is_made_executable_for_whoever_may_read_it(
    hook, tmp_path, before, after
):
    manage = tmp_path / "manage.py"
    manage.write_text("")
    manage.chmod(before)

    hook.make_executable(manage)

    assert manage.stat().st_mode & 0o777 == after


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


def test_this_python_runs_a_project_of_its_django_line_only(hook, answers, monkeypatch):
    monkeypatch.setattr(hook.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setitem(
        sys.modules, "django", types.SimpleNamespace(__version__="5.2.9")
    )

    assert hook.runs_the_project({**answers, "django_version": "5.2"})
    assert not hook.runs_the_project({**answers, "django_version": "6.1"})


def test_without_a_module_the_project_needs_this_python_does_not_run_it(
    hook, answers, monkeypatch
):
    monkeypatch.setattr(
        hook.importlib.util,
        "find_spec",
        lambda name: None if name == "whitenoise" else object(),
    )

    assert not hook.runs_the_project(answers)


def hook_in(load_hook, answers, project, monkeypatch):
    """The hook, rendered for ``answers``; bootstrap.set_up recorded instead of run."""
    hook = load_hook("post_gen_project", answers)
    calls = []
    load = hook.load_bootstrap

    def load_bootstrap(project):
        bootstrap = load(project)
        monkeypatch.setattr(
            bootstrap, "set_up", lambda *arguments: calls.append(arguments)
        )
        return bootstrap

    monkeypatch.setattr(hook, "load_bootstrap", load_bootstrap)
    monkeypatch.chdir(project)
    return hook, calls


def test_set_up_runs_the_project_s_bootstrap_with_this_python(
    load_hook, answers, prunable, monkeypatch, capsys
):
    monkeypatch.delenv("COOKIECUTTER_SKIP_SETUP", raising=False)
    project = with_bootstrap(prunable, answers)
    hook, calls = hook_in(load_hook, answers, project, monkeypatch)
    monkeypatch.setattr(hook, "runs_the_project", lambda answers: True)

    hook.main()

    ((where, python, steps),) = calls
    assert where == project
    assert python == sys.executable  # it has the project's Django: no .venv
    assert "[ok] Remove options you did not choose" in capsys.readouterr().out


def test_set_up_off_prunes_and_names_the_command_that_sets_up(
    load_hook, answers, prunable, monkeypatch, capsys
):
    monkeypatch.setenv("COOKIECUTTER_SKIP_SETUP", "1")
    project = with_bootstrap(prunable, answers)
    hook, calls = hook_in(load_hook, answers, project, monkeypatch)

    hook.main()

    assert calls == []
    assert not (project / ".env").exists()
    output = capsys.readouterr().out
    assert "python3 bootstrap.py" in output.split("Next:")[1]


def with_bootstrap(project, answers):
    """The project's own bootstrap.py, rendered for ``answers``, beside the files
    to prune."""
    source = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / "bootstrap.py"
    environment = StrictEnvironment(context={"cookiecutter": answers})
    rendered = environment.from_string(source.read_text()).render(cookiecutter=answers)
    (project / "bootstrap.py").write_text(rendered)
    (project / "manage.py").write_text("")
    (project / ".env.example").write_text("DJANGO_SECRET_KEY=\n")
    return project


# --- cruft: .cruft.json, and renders for cruft -----------------------------------


def test_cruft_gets_the_pruned_files_only(
    load_hook, answers, prunable, monkeypatch, capsys
):
    """Renders for cruft update and diff are compared, then thrown away;
    cruft create writes .cruft.json itself: no set-up, no .cruft.json here."""
    monkeypatch.delenv("COOKIECUTTER_SKIP_SETUP", raising=False)
    answers = {**answers, "_template": "/templates/t", "_commit": "abc"}
    project = with_bootstrap(prunable, answers)
    hook, calls = hook_in(load_hook, answers, project, monkeypatch)

    hook.main()

    output = capsys.readouterr().out
    assert "for cruft: the options you did not choose are removed" in output
    assert "python3 bootstrap.py sets a project up" in output
    assert (project / "deploy" / "web-server.sh").exists()
    assert not (project / "uploads" / "direct.py").exists()
    assert (project / VENDORED).exists()
    for name in (".env", ".cruft.json", ".venv", "db.sqlite3"):
        assert not (project / name).exists(), name
    assert calls == []


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

    assert "uncommitted template changes" in detail
    assert json.loads((tmp_path / ".cruft.json").read_text())["commit"] == commit


def test_a_template_that_is_no_git_checkout_gets_no_cruft_json(hook, answers, tmp_path):
    template = tmp_path / "template"
    template.mkdir()
    (template / "cookiecutter.json").write_text("{}")
    project = tmp_path / "project"
    project.mkdir()

    with pytest.raises(hook.NoRecord) as no_record:
        hook.record_template(project, generated_from(answers, template))

    assert f"the template at {template} is not a git commit" in str(no_record.value)
    assert not (project / ".cruft.json").exists()


def test_without_git_there_is_no_cruft_json_and_the_reason(
    hook, answers, tmp_path, monkeypatch
):
    directory, _ = template_repository(tmp_path / "template")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with pytest.raises(hook.NoRecord, match="could not run git"):
        hook.record_template(tmp_path, generated_from(answers, directory))


def test_an_existing_cruft_json_is_kept(hook, answers, tmp_path):
    """cruft update rewrites it; running the hook again must not undo that."""
    (tmp_path / ".cruft.json").write_text('{"commit": "mine"}\n')

    detail = hook.record_template(tmp_path, generated_from(answers, tmp_path))

    assert detail == "kept the existing .cruft.json"
    assert (tmp_path / ".cruft.json").read_text() == '{"commit": "mine"}\n'
