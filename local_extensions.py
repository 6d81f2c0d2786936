"""Jinja filters that cookiecutter loads through ``_extensions`` in cookiecutter.json.

``checked_answers`` runs the pre-generation rules while cookiecutter builds its
context, before it creates any directory: a slug such as ``a/b`` or ``..`` would
otherwise already be a path on disk by the time the pre-generation hook runs.
"""

import importlib.util
import json
from pathlib import Path

from cookiecutter.exceptions import FailedHookException
from jinja2.ext import Extension

RULES_PATH = Path(__file__).parent / "hooks" / "pre_gen_project.py"


def load_rules():
    """Import the pre-generation hook; its rules are plain functions."""
    spec = importlib.util.spec_from_file_location("pre_gen_rules", RULES_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def checked_answers(answers):
    rules = load_rules()
    found = rules.problems(dict(answers))
    if found:
        raise FailedHookException(rules.report(found))
    return "yes"


def toml_string(value):
    """Quote ``value`` as a TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


class AnswerChecks(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["checked_answers"] = checked_answers
        environment.filters["toml_string"] = toml_string
