"""Refuse bad answers before cookiecutter writes the project's files: answers
given with --replay skip the check while cookiecutter builds its context, so
rendering this hook runs it again (answer_rules.py, through the filter that
local_extensions.py adds). A broken rule stops cookiecutter with the report, and
cookiecutter removes the directory it made."""

# {{ cookiecutter | checked_answers }}

# cruft update renders the project's old template commit, then the new one, in
# one process: the local_extensions.py of templates before answer_rules.py stays
# imported, and loads this file for its rules. Give it them; as the hook script
# (rendered, in a process of its own) there is nothing to import.
import contextlib

with contextlib.suppress(ImportError):
    from answer_rules import problems, report  # noqa: F401
