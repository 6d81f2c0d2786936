"""Reading settings from the process environment and the project's .env file.

Every variable is listed with a comment in .env.example. Values already set in
the process environment win over the file; DJANGO_ENV_FILE points at another
file (for example /etc/mysite.env on a server).
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(os.environ.get("DJANGO_ENV_FILE", BASE_DIR / ".env"))


def env_path(name, default):
    """A filesystem path; a relative value is taken from the project directory."""
    return BASE_DIR / env.str(name, default=str(default)).strip()


def env_list(name, default=()):
    """A comma-separated list, items stripped (django-environ keeps the blanks)."""
    items = env.list(name, default=list(default))
    return [item.strip() for item in items if item.strip()]


def optional(name):
    """A value that may be left unset: None when it is empty."""
    return env.str(name, default="").strip() or None


def required(name):
    """A value production cannot run without: no default, and the error names it."""
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(
            f"Set the {name} environment variable: production settings have "
            "no default for it (see .env.example)."
        )
    return value


def required_list(name):
    """A comma-separated list that must hold at least one item."""
    required(name)
    items = env_list(name)
    if not items:
        raise ImproperlyConfigured(f"{name} must list at least one value.")
    return items
