"""Jinja filters that cookiecutter loads through ``_extensions`` in cookiecutter.json.

``checked_answers`` runs the answer rules (``answer_rules.py``) while
cookiecutter builds its context, before it creates any directory: a slug such as
``a/b`` or ``..`` would otherwise already be a path on disk by the time the
pre-generation hook runs.

Answers given as ``key=value`` (or ``extra_context``) are Jinja to cookiecutter,
which renders them, so ``{{ cookiecutter.project_name }}`` works there. One that
is not valid Jinja would end in a traceback: ``AnswerChecks`` refuses it first,
with a message, through the exception cookiecutter reports as a failed hook.
"""

import json

from cookiecutter import __version__ as COOKIECUTTER_VERSION
from cookiecutter.exceptions import FailedHookException
from jinja2 import TemplateSyntaxError
from jinja2.ext import Extension

import answer_rules

# Human-readable prompts and yes/no answers as booleans came in 2.2. Older
# versions pass "True" as text, which the rules would refuse, unhelpfully.
MINIMUM_COOKIECUTTER = (2, 2)


def version_problem(version):
    """Why this cookiecutter cannot run the template, or None."""
    release = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    if release >= MINIMUM_COOKIECUTTER:
        return None
    minimum = ".".join(map(str, MINIMUM_COOKIECUTTER))
    return (
        f"This template needs cookiecutter {minimum} or newer; this is {version}. "
        "Run the newest one with: pipx run cookiecutter <template> (or uvx "
        "cookiecutter <template>)."
    )


def checked_answers(answers):
    problem = version_problem(COOKIECUTTER_VERSION)
    if problem:
        raise FailedHookException(problem)
    found = answer_rules.problems(dict(answers))
    if found:
        raise FailedHookException(answer_rules.report(found))
    return "yes"


def toml_string(value):
    """Quote ``value`` as a TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


class AnswerChecks(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["checked_answers"] = checked_answers
        environment.filters["toml_string"] = toml_string
        self.checking = False

    def preprocess(self, source, name, filename=None):
        """Check what cookiecutter renders from a string (answers, and paths):
        template files have a name, and their errors are the template's own."""
        if name is None and not self.checking:
            self.checking = True  # parse() preprocesses too
            try:
                self.environment.parse(source)
            except TemplateSyntaxError as error:
                raise FailedHookException(not_jinja(source, error)) from None
            finally:
                self.checking = False
        return source


def not_jinja(value, error):
    reason = error.message.rstrip(".")
    return (
        f"Not valid Jinja: {value!r} ({reason}). cookiecutter renders answers "
        "given as key=value as Jinja: write {{ '{{' }} for a literal {{, or type "
        "the answer at the prompt, where it is taken as it is."
    )
