"""Refuse bad answers before cookiecutter writes the project's files: answers
given with --replay skip the check while cookiecutter builds its context, so
rendering this hook runs it again (answer_rules.py, through the filter that
local_extensions.py adds). A broken rule stops cookiecutter with the report, and
cookiecutter removes the directory it made."""

# {{ cookiecutter | checked_answers }}
