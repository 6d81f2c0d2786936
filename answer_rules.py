"""The rules answers must follow, as plain functions: ``local_extensions.py``
runs them while cookiecutter builds its context (before any directory exists),
and the pre-generation hook, rendered with the same filter, runs them again for
answers that skip that step (``--replay``)."""

import json
import keyword
import re
import sys
from pathlib import Path

SLUG_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
SLUG_MAX_LENGTH = 50
NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 300

# Top-level modules the generated project imports or ships; a project directory
# with one of these names shadows it when the parent directory is on sys.path.
RESERVED_MODULES = frozenset(
    {
        "bootstrap",
        "config",
        "django",
        "environ",
        "gunicorn",
        "manage",
        "pytest",
        "pytest_django",
        "sitefiles",
        "storages",
        "tests",
        "uploads",
        "whitenoise",
    }
)

QUESTIONS_FILE = Path(__file__).parent / "cookiecutter.json"


def questions():
    """The choices (lists) and yes/no questions (true or false) that
    cookiecutter.json asks, read at each check: cruft renders two template
    versions in one process, with this module imported once."""
    asked = json.loads(QUESTIONS_FILE.read_text())
    choices = {
        name: values
        for name, values in asked.items()
        if isinstance(values, list) and not name.startswith("_")
    }
    return choices, [name for name, value in asked.items() if value in (True, False)]


def slug_problem(slug):
    """Return why ``slug`` cannot name the project directory and package, or None."""
    if not isinstance(slug, str) or not slug:
        return "must not be empty"
    if len(slug) > SLUG_MAX_LENGTH:
        return f"must be at most {SLUG_MAX_LENGTH} characters (it has {len(slug)})"
    if not SLUG_PATTERN.fullmatch(slug):
        return (
            "must be a lowercase Python module name: a letter first, then letters,"
            " digits or underscores (no spaces, dots, dashes or slashes)"
        )
    if keyword.iskeyword(slug):
        return "is a Python keyword"
    if slug in sys.stdlib_module_names:
        return "shadows a module of Python's standard library"
    if slug in RESERVED_MODULES:
        return "shadows a module that the generated project imports or ships"
    return None


def text_problem(text, *, max_length, required):
    """Return why a one-line free-text answer is unusable, or None."""
    if not isinstance(text, str):
        return "must be text"
    if required and not text.strip():
        return "must not be empty"
    if len(text) > max_length:
        return f"must be at most {max_length} characters (it has {len(text)})"
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        return "must be a single line without control characters"
    return None


def problems(answers):
    """List every rule the answers break, each naming the answer and its value."""
    found = []

    def check(name, problem):
        if problem:
            found.append(f"{name} {answers.get(name)!r} {problem}.")

    check(
        "project_name",
        text_problem(
            answers.get("project_name"), max_length=NAME_MAX_LENGTH, required=True
        ),
    )
    check("project_slug", slug_problem(answers.get("project_slug")))
    check(
        "description",
        text_problem(
            answers.get("description", ""),
            max_length=DESCRIPTION_MAX_LENGTH,
            required=False,
        ),
    )
    choices, booleans = questions()
    for name, values in choices.items():
        if answers.get(name) not in values:
            check(name, f"must be one of {', '.join(values)}")
    # The rules that tie answers together, from the options table.
    for rule in answers.get("_rules", []):
        (name, value), *_ = rule["when"].items()
        if answers.get(name) == value and any(
            answers.get(other) not in allowed
            for other, allowed in rule["needs"].items()
        ):
            check(name, rule["message"])
    for name in booleans:
        if not isinstance(answers.get(name), bool):
            check(name, "must be yes or no (true or false)")
    return found


def report(found):
    """Format the problems as the message the user sees."""
    lines = ["The template cannot use these answers:"]
    lines += [f"  - {problem}" for problem in found]
    lines.append("Nothing was generated. Run cookiecutter again with other answers.")
    return "\n".join(lines)
