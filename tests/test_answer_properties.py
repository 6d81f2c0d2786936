"""Property-based: one-line free-text answers (quotes, backslashes, braces,
accents, emoji) generate a clean project; answers that break a rule (blank or
multi-line names) are refused with a message naming them, leaving nothing."""

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import TEMPLATE_DIR

# What people type into prompts, and what breaks templates and TOML. Not "{{",
# "{%" or "{#": cookiecutter renders answers given as extra context as Jinja
# (invalid Jinja is refused: test_answers.py).
AWKWARD = list("'\"\\{}%#$`@!? ") + ["é", "«»", "🚀", "ß", "中文", "\u200b"]


def text(*, control):
    """Free text; with control characters (newlines, tabs, NUL...) or without."""
    categories = ("Cs",) if control else ("Cs", "Cc")
    return (
        st.lists(
            st.one_of(
                st.sampled_from(AWKWARD + (["\n", "\t", "\x00"] if control else [])),
                st.characters(codec="utf-8", exclude_categories=categories),
            ),
            max_size=30,
        )
        .map("".join)
        .filter(lambda value: not any(tag in value for tag in ("{{", "{%", "{#")))
    )


ONE_LINE = text(control=False)
ANY_TEXT = text(control=True)
BAD_NAME = st.one_of(
    st.sampled_from(["", " ", "\t"]),
    st.tuples(ONE_LINE, st.sampled_from(["\n", "\r", "\x00", "\x7f"]), ONE_LINE).map(
        "".join
    ),
)
FREE_TEXT_ANSWERS = ("project_name", "project_slug", "description")
NAMED = re.compile(rf"({'|'.join(FREE_TEXT_ANSWERS)}) ['\"]")
PROPERTY = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def generate(output, answers):
    return cookiecutter(
        str(TEMPLATE_DIR), no_input=True, extra_context=answers, output_dir=output
    )


def python(project, *arguments):
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.boot  # manage.py check: Django
@PROPERTY
@given(name=ONE_LINE.map(lambda value: f"My {value}"), description=ONE_LINE)
def test_one_line_answers_generate_a_clean_project(tmp_path_factory, name, description):
    output = tmp_path_factory.mktemp("answers")
    answers = {
        "project_name": name,
        "project_slug": "my_site",
        "description": description,
    }

    project = Path(generate(output, answers))

    for path in project.rglob("*.py"):
        ast.parse(path.read_text(), filename=str(path))
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == description
    assert (project / "README.md").read_text().startswith(f"# {name}\n")
    ruff = python(project, "-m", "ruff", "check", "--quiet", ".")
    assert ruff.returncode == 0, ruff.stdout
    check = python(project, "manage.py", "check", "--fail-level", "WARNING")
    assert check.returncode == 0, check.stderr


@PROPERTY
@given(name=BAD_NAME, description=ANY_TEXT, slug=st.one_of(st.none(), ANY_TEXT))
def test_answers_that_break_a_rule_are_refused_by_name_leaving_nothing(
    tmp_path_factory, name, description, slug
):
    output = tmp_path_factory.mktemp("answers")
    answers = {"project_name": name, "description": description}
    if slug is not None:
        answers["project_slug"] = slug

    with pytest.raises(FailedHookException) as refused:
        generate(output, answers)

    assert f"project_name {name!r} " in str(refused.value)
    assert NAMED.search(str(refused.value))
    assert list(output.iterdir()) == []
