"""Bad answers are rejected with a message naming them, and leave nothing behind."""

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException, OutputDirExistsException
from cookiecutter.main import cookiecutter

import local_extensions
from support import TEMPLATE_DIR, answers_for

BAD_SLUGS = {
    "empty": ("", "must not be empty"),
    "dot": (".", "lowercase Python module name"),
    "parent": ("..", "lowercase Python module name"),
    "nested path": ("a/b", "lowercase Python module name"),
    "windows path": ("a\\b", "lowercase Python module name"),
    "absolute path": ("/tmp/site", "lowercase Python module name"),
    "too long": ("a" * 300, "at most 50 characters"),
    "spaces": ("my site", "lowercase Python module name"),
    "dash": ("my-site", "lowercase Python module name"),
    "digit first": ("1site", "lowercase Python module name"),
    "capitals": ("MySite", "lowercase Python module name"),
    "keyword": ("class", "Python keyword"),
    "standard library": ("json", "standard library"),
    "django": ("django", "shadows a module that the generated project"),
    "project package": ("config", "shadows a module that the generated project"),
    "project app": ("uploads", "shadows a module that the generated project"),
    "the package": ("sitefiles", "shadows a module that the generated project"),
}
BAD_OTHER_ANSWERS = {
    "empty name": ({"project_name": "  "}, "project_name", "must not be empty"),
    "name with newline": (
        {"project_name": "My\nSite", "project_slug": "my_site"},
        "project_name",
        "single line",
    ),
    "long description": ({"description": "x" * 301}, "description", "at most 300"),
    "static files for a web server that is not there": (
        {"static_storage": "web_server", "web_server": "none"},
        "static_storage",
        "needs a web server: answer nginx or apache to web_server",
    ),
}


def generate(output_dir, **answers):
    return cookiecutter(
        str(TEMPLATE_DIR), no_input=True, extra_context=answers, output_dir=output_dir
    )


@pytest.mark.parametrize(("slug", "rule"), BAD_SLUGS.values(), ids=BAD_SLUGS)
def test_bad_slug_is_rejected_before_anything_is_written(tmp_path, slug, rule):
    with pytest.raises(FailedHookException) as raised:
        generate(tmp_path, project_slug=slug)

    message = str(raised.value)
    assert f"project_slug {slug!r} " in message
    assert rule in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("answers", "name", "rule"), BAD_OTHER_ANSWERS.values(), ids=BAD_OTHER_ANSWERS
)
def test_bad_answer_is_rejected_before_anything_is_written(
    tmp_path, answers, name, rule
):
    with pytest.raises(FailedHookException) as raised:
        generate(tmp_path, **answers)

    assert f"{name} {answers[name]!r} " in str(raised.value)
    assert rule in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_every_problem_is_reported_at_once(tmp_path):
    with pytest.raises(FailedHookException) as raised:
        generate(tmp_path, project_name="", project_slug="json")

    assert "project_name" in str(raised.value)
    assert "project_slug" in str(raised.value)


def test_command_line_exits_1_with_the_message_and_leaves_nothing(tmp_path):
    output = tmp_path / "out"
    output.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(TEMPLATE_DIR), "--no-input"]
        + ["-o", str(output), "project_slug=../escape"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COOKIECUTTER_SKIP_SETUP": "1"},
    )

    assert result.returncode == 1
    assert "project_slug '../escape' must be a lowercase Python module name" in (
        result.stdout + result.stderr
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == [output]
    assert list(output.iterdir()) == []


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("{{", "unexpected 'end of template'"),
        ("Use {% here", "Encountered unknown tag 'here'"),
        ("a {# b", "Missing end of comment tag"),
    ],
)
def test_an_answer_on_the_command_line_that_is_not_jinja_is_refused_by_name(
    tmp_path, value, reason
):
    """cookiecutter renders key=value answers as Jinja; invalid Jinja would
    otherwise end in its traceback."""
    output = tmp_path / "out"
    output.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(TEMPLATE_DIR), "--no-input"]
        + ["-o", str(output), f"description={value}"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COOKIECUTTER_SKIP_SETUP": "1"},
    )

    assert result.returncode == 1
    assert f"Not valid Jinja: {value!r} ({reason})" in result.stdout
    assert "write {{ '{{' }} for a literal {{" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert list(output.iterdir()) == []


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("web_server=caddy", "caddy provided for choice variable web_server, but"),
        ("django_version=4.2", "4.2 provided for choice variable django_version"),
        ("use_upload_example=maybe", "maybe provided for variable use_upload_example"),
    ],
)
def test_a_choice_or_boolean_on_the_command_line_is_checked_by_cookiecutter(
    tmp_path, answer, message
):
    """cookiecutter checks choices and booleans given as key=value before any
    template code runs: its ValueError names the answer (and the choices)."""
    output = tmp_path / "out"
    output.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(TEMPLATE_DIR), "--no-input"]
        + ["-o", str(output), answer],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COOKIECUTTER_SKIP_SETUP": "1"},
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"ValueError: {message}")
    assert list(output.iterdir()) == []


def test_typed_answers_are_taken_as_they_are_braces_included(tmp_path):
    description = "{{ not jinja {% at all {#"
    questions = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    asked = [name for name in questions if not name.startswith("_")]
    answers = ["My Site", "", description]
    answers += [""] * (len(asked) - len(answers))  # defaults for the rest
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(TEMPLATE_DIR)]
        + ["-o", str(tmp_path)],
        input="\n".join(answers) + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, "COOKIECUTTER_SKIP_SETUP": "1"},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    pyproject = tomllib.loads((tmp_path / "my_site" / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == description


@pytest.mark.parametrize("version", ["1.7.3", "2.1.1"])
def test_a_cookiecutter_too_old_is_refused_with_the_way_to_a_new_one(version):
    problem = local_extensions.version_problem(version)

    assert f"needs cookiecutter 2.2 or newer; this is {version}" in problem
    assert "pipx run cookiecutter" in problem


def test_cookiecutter_from_2_2_on_is_taken():
    assert local_extensions.version_problem("2.2.0") is None
    assert local_extensions.version_problem("2.6.0") is None
    assert local_extensions.version_problem("3.0.0.dev1") is None


def test_every_prompt_shows_its_text_exactly(tmp_path):
    """Cookiecutter prints prompts through rich, which reads [dev] as markup:
    cookiecutter.json escapes brackets, and the person reads them as written."""
    questions = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    asked = [name for name in questions if not name.startswith("_")]
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(TEMPLATE_DIR)]
        + ["-o", str(tmp_path)],
        input="\n" * len(asked),
        capture_output=True,
        text=True,
        env={**os.environ, "COOKIECUTTER_SKIP_SETUP": "1", "COLUMNS": "500"},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    for name in asked:
        prompt = questions["__prompts__"][name]
        texts = prompt.values() if isinstance(prompt, dict) else [prompt]
        for text in texts:
            assert text.replace("\\[", "[") in result.stdout, text
    assert 'pip install -e ".[dev]"' in result.stdout


def test_replayed_bad_answers_are_rejected_by_the_pre_generation_hook(tmp_path):
    """--replay skips the context-time check; the hook catches it and cookiecutter
    removes the directory it had created."""
    answers = answers_for()
    answers["project_slug"] = "not valid"
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": answers}))
    output = tmp_path / "out"
    output.mkdir()

    with pytest.raises(FailedHookException):
        cookiecutter(str(TEMPLATE_DIR), replay=str(replay), output_dir=str(output))

    assert list(output.iterdir()) == []


def test_good_unusual_answers_are_accepted(tmp_path):
    name = 'Café «Ünïcode» "quoted" \\ back 🚀'
    description = "It's a \"test\" with \\backslashes\\ and 'quotes' { 🎉 }"

    project = Path(generate(tmp_path, project_name=name, description=description))

    assert project.name == "cafe_unicode_quoted_back"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == description
    assert (project / "README.md").read_text().startswith(f"# {name}\n")


@pytest.mark.parametrize("overwrite", [False, True], ids=["refused", "overwrite"])
def test_an_existing_project_directory_is_never_harmed_by_bad_answers(
    tmp_path, overwrite
):
    """Over a directory the user already has, bad answers (replayed, so the
    pre-generation hook catches them) leave every file of theirs as it was, with
    or without --overwrite-if-exists."""
    project = tmp_path / "my_site"
    (project / "media").mkdir(parents=True)
    mine = {
        ".env": "DJANGO_SECRET_KEY=mine\n",
        "media/photo.png": "user data",
        "notes.txt": "my notes",
    }
    for name, text in mine.items():
        (project / name).write_text(text)
    replay = tmp_path / "replay.json"
    answers = {**answers_for(), "project_slug": "my_site", "description": "x" * 301}
    replay.write_text(json.dumps({"cookiecutter": answers}))

    with pytest.raises(FailedHookException if overwrite else OutputDirExistsException):
        cookiecutter(
            str(TEMPLATE_DIR),
            replay=str(replay),
            output_dir=str(tmp_path),
            overwrite_if_exists=overwrite,
        )

    for name, text in mine.items():
        assert (project / name).read_text() == text, name
    left = sorted(path.name for path in project.iterdir())
    assert left == [".env", "media", "notes.txt"]
