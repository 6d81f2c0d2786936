"""The pre-generation hook, rendered as cookiecutter renders it and imported."""

import json

import pytest

from support import answers_for


@pytest.fixture
def answers():
    return answers_for()


@pytest.fixture
def hook(load_hook, answers):
    return load_hook("pre_gen_project", answers)


def test_default_answers_pass(hook, answers):
    assert hook.problems(answers) == []
    hook.main()  # returns without exiting


@pytest.mark.parametrize(
    "slug", ["blog", "my_site", "a", "shop2", "match", "a" * 50, "django_site"]
)
def test_good_slugs(hook, slug):
    assert hook.slug_problem(slug) is None


@pytest.mark.parametrize(
    ("slug", "rule"),
    [
        (None, "must not be empty"),
        ("", "must not be empty"),
        ("a" * 51, "at most 50 characters (it has 51)"),
        ("my.site", "lowercase Python module name"),
        ("_private", "lowercase Python module name"),
        ("straße", "lowercase Python module name"),
        ("import", "Python keyword"),
        ("asyncio", "standard library"),
        ("whitenoise", "shadows a module"),
        ("tests", "shadows a module"),
    ],
)
def test_bad_slugs(hook, slug, rule):
    assert rule in hook.slug_problem(slug)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"project_name": ""}, "project_name '' must not be empty."),
        ({"project_name": 7}, "project_name 7 must be text."),
        ({"description": "tab\there"}, "description 'tab\\there' must be a single"),
        ({"django_version": "4.2"}, "django_version '4.2' must be one of 5.2, 6.1."),
        (
            {"package_manager": "poetry"},
            "package_manager 'poetry' must be one of pip, uv.",
        ),
        ({"use_upload_example": "yes"}, "use_upload_example 'yes' must be yes or no"),
        ({"set_up_environment": None}, "set_up_environment None must be yes or no"),
        (
            {"static_storage": "cdn"},
            "static_storage 'cdn' must be one of whitenoise, web_server, s3, gcs,",
        ),
        ({"media_storage": "ftp"}, "media_storage 'ftp' must be one of local, s3,"),
        (
            {"static_storage": "web_server", "web_server": "none"},
            "static_storage 'web_server' needs a web server: answer nginx or apache",
        ),
    ],
)
def test_each_answer_is_checked(hook, answers, changes, expected):
    found = hook.problems({**answers, **changes})

    assert len(found) == 1
    assert found[0].startswith(expected)


def test_main_exits_1_with_a_report_on_stderr(load_hook, answers, capsys):
    hook = load_hook("pre_gen_project", {**answers, "project_slug": "os"})

    with pytest.raises(SystemExit) as exited:
        hook.main()

    assert exited.value.code == 1
    error = capsys.readouterr().err
    assert "project_slug 'os' shadows a module of Python's standard library." in error
    assert "Nothing was generated." in error


def test_answers_with_quotes_and_backslashes_arrive_as_data(load_hook, answers):
    tricky = 'name """ \\" \' \\n {{ }} ; import os'
    hook = load_hook("pre_gen_project", {**answers, "description": tricky})

    assert json.loads(hook.ANSWERS)["description"] == tricky
