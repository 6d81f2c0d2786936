"""The answer rules (answer_rules.py), and the pre-generation hook that runs
them again, rendered as cookiecutter renders it."""

import pytest
from cookiecutter.environment import StrictEnvironment
from cookiecutter.exceptions import FailedHookException

import answer_rules
from support import TEMPLATE_DIR, answers_for


@pytest.fixture
def answers():
    return answers_for()


@pytest.fixture
def hook():
    return answer_rules


def render_pre_gen_hook(answers):
    """As cookiecutter renders a hook: its environment loads the template's
    extensions, so the hook's filter runs the rules."""
    source = (TEMPLATE_DIR / "hooks" / "pre_gen_project.py").read_text()
    environment = StrictEnvironment(context={"cookiecutter": answers})
    return environment.from_string(source).render(cookiecutter=answers)


def test_default_answers_pass(hook, answers):
    assert hook.problems(answers) == []
    rendered = render_pre_gen_hook(answers)
    compile(rendered, "pre_gen_project.py", "exec")  # a script that does nothing


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


def test_the_hook_stops_cookiecutter_with_the_report(answers):
    with pytest.raises(FailedHookException) as failed:
        render_pre_gen_hook({**answers, "project_slug": "os"})

    report = str(failed.value)
    assert "project_slug 'os' shadows a module of Python's standard library." in report
    assert "Nothing was generated." in report


def test_a_rule_from_the_options_table_names_its_message(answers):
    rule = {
        "when": {"media_storage": "s3"},
        "needs": {"web_server": ["nginx"]},
        "message": "needs nginx here",
    }
    answers = {**answers, "media_storage": "s3", "web_server": "apache"}

    assert answer_rules.problems({**answers, "_rules": [rule]}) == [
        "media_storage 's3' needs nginx here."
    ]
