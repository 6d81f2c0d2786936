{%- set providers = [cookiecutter.static_storage, cookiecutter.media_storage] -%}
{#- Values cloud SDKs read from os.environ themselves. -#}
{%- set sdk_variables = "s3" in providers or "gcs" in providers -%}
"""Reading settings from the process environment and the project's .env file.

Settings read variables with django-environ's own API (env.str, env.bool,
env.int, env.list, env.db_url); the Env class below only makes it stricter.
Every variable is listed with a comment in .env.example. Values already set in
the process environment win over the file; DJANGO_ENV_FILE points at another
file (for example /etc/mysite.env on a server).
"""

import os
import warnings
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0")


class Env(environ.Env):
    """django-environ, stricter where it would guess: values are stripped, a
    blank one counts as unset, and one that is not what its type says is
    refused with the variable's name (django-environ reads "flase" as False
    and raises int()'s message, which names no variable)."""

    def get_value(
        self, var, cast=None, default=environ.Env.NOTSET, parse_default=False
    ):
        raw = self.ENVIRON.get(f"{self.prefix}{var}")
        if raw is not None and not raw.strip():  # what an unset one would give
            if default is self.NOTSET:
                raise ImproperlyConfigured(f"Set the {var} environment variable.")
            if parse_default and default is not None:
                return self.parse_value(default, cast)
            return default
        try:
            return super().get_value(var, cast, default, parse_default)
        except ValueError as error:
            raise ImproperlyConfigured(f"{var} {error}") from None

    @classmethod
    def parse_value(cls, value, cast):
        if not isinstance(value, str):
            return super().parse_value(value, cast)
        value = value.strip()
        if cast is bool:
            if value.lower() not in TRUE + FALSE:
                raise ValueError(
                    f"must be true or false (or yes/no, on/off, 1/0), not {value!r}."
                )
            return value.lower() in TRUE
        if cast is int and not value.isdigit():
            raise ValueError(f"must be a whole number, not {value!r}.")
        if cast is list:
            return [item.strip() for item in value.split(",") if item.strip()]
        return super().parse_value(value, cast)

    def db_url(
        self,
        var=environ.Env.DEFAULT_DATABASE_ENV,
        default=environ.Env.NOTSET,
        engine=None,
    ):
        """Checked now rather than at the first query: a typo otherwise gives
        an empty or unknown engine."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "Engine not recognized": below
                config = super().db_url(var, default=default, engine=engine)
        except (ValueError, KeyError) as error:
            message = f"{var} is not a database URL: {error}"
            raise ImproperlyConfigured(message) from None
        if config.get("ENGINE") not in self.DB_SCHEMES.values():
            raise ImproperlyConfigured(
                f"{var} has no known database scheme (postgres://, mysql://, "
                "sqlite:///, ...)."
            )
        return config

    db = db_url


env = Env()


def read_env_file():
    """.env in the project directory if there is one; the file DJANGO_ENV_FILE
    names, which must exist (django-environ would only warn: a server would run
    without its secret key and hosts, and say so much later)."""
    named = os.environ.get("DJANGO_ENV_FILE", "").strip()
    if named and not Path(named).exists():
        raise ImproperlyConfigured(
            f"DJANGO_ENV_FILE names {named}, which does not exist: create it, "
            "or unset DJANGO_ENV_FILE to read .env from the project directory."
        )
    env.read_env(named or BASE_DIR / ".env")


read_env_file()


def env_path(name, default):
    """A filesystem path; a relative value is taken from the project directory
    (env.path would take it from wherever the process started)."""
    return BASE_DIR / env.str(name, default=str(default))
{%- if sdk_variables %}


def sdk_variable(name):
    """A value a cloud SDK reads from os.environ itself (AWS_*, GOOGLE_*):
    stripped there too, so the SDK and the deploy checks see the same value.
    None, and removed, when blank: the SDK then looks for credentials elsewhere."""
    value = env.str(name, default=None)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    return value
{%- endif %}
