"""Reading settings from the process environment and the project's .env file.

Every variable is listed with a comment in .env.example. Values already set in
the process environment win over the file; DJANGO_ENV_FILE points at another
file (for example /etc/mysite.env on a server).
"""

import ipaddress
import os
import re
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


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
    """A filesystem path; a relative value is taken from the project directory.
    Set but blank is refused: it would mean the project directory itself."""
    value = env.str(name, default=str(default)).strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is set but empty: give a path, or unset it for the "
            f"default ({default})."
        )
    return BASE_DIR / value


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


def host_names(name):
    """The host names a production site answers to. "*" is refused: the web
    server in front passes any Host header on, and Django checking it against
    these names is what turns the others away."""
    hosts = required_list(name)
    if "*" in hosts:
        raise ImproperlyConfigured(
            f"{name} must name the site's hosts such as example.com, not '*'."
        )
    return hosts


TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0")


def env_bool(name, default):
    """true/yes/on/1 or false/no/off/0 (any case); anything else is refused,
    not guessed (django-environ reads "flase" as False)."""
    value = env.str(name, default="").strip().lower()
    if not value:
        return default
    if value in TRUE + FALSE:
        return value in TRUE
    raise ImproperlyConfigured(
        f"{name} must be true or false (or yes/no, on/off, 1/0), not {value!r}."
    )


def env_int(name, default):
    """A whole number of at least 0; the error names the variable."""
    value = env.str(name, default="").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.")
    return int(value)


def database(name, default):
    """A database URL django-environ understands, checked now rather than at
    the first query (a typo otherwise gives an empty or unknown engine)."""
    url = env.str(name, default=default).strip()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Engine not recognized": refused below
            config = environ.Env.db_url_config(url)
    except (ValueError, KeyError) as error:
        raise ImproperlyConfigured(f"{name} is not a database URL: {error}") from None
    if config.get("ENGINE") not in environ.Env.DB_SCHEMES.values():
        scheme = url.partition(":")[0]
        raise ImproperlyConfigured(
            f"{name} has no known database scheme (postgres://, mysql://, "
            f"sqlite:///, ...): {scheme!r}."
        )
    return config


def secret_key(name):
    """A secret for production: required, and as strong as Django's deployment
    check asks (50 characters or more, 5 different ones at least)."""
    value = required(name)
    if len(value) < 50 or len(set(value)) < 5 or value.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            f"{name} is too weak for production: use 50 or more random characters, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(50))".'
        )
    return value


# Dot-separated labels of letters, digits and inner hyphens (RFC 1123).
HOST_NAME = r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*"
HOST_AND_PORT = re.compile(HOST_NAME + r"(:(?P<port>[0-9]+))?", re.IGNORECASE)


def is_host(host):
    """A DNS name or an IP address (what urlsplit gives as hostname)."""
    if not host or len(host) > 253:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return re.fullmatch(HOST_NAME, host, re.IGNORECASE) is not None
    return True


def is_http_url(value):
    """http(s)://host[:port][/path], as an SDK takes an endpoint."""
    if any(character.isspace() for character in value):
        return False
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:  # a port that is not a number up to 65535
        return False
    return parts.scheme in ("http", "https") and is_host(parts.hostname) and port != 0


def optional_url(name):
    """An http(s) URL with a host, or None when unset. An SDK would refuse a
    malformed one only at the first request ("Invalid endpoint")."""
    value = optional(name)
    if value is None or is_http_url(value):
        return value
    raise ImproperlyConfigured(
        f"{name} must be a URL with http:// or https:// and a host, such as "
        f"https://storage.example.com, not {value!r}."
    )


def optional_host(name):
    """A host name (cdn.example.com, with :port if need be), or None when
    unset. Settings put https:// in front: a URL here would give links like
    https://https://cdn.example.com/."""
    value = optional(name)
    if value is None:
        return None
    match = HOST_AND_PORT.fullmatch(value)
    if match and len(value) <= 253 and 0 < int(match["port"] or 443) <= 65535:
        return value
    raise ImproperlyConfigured(
        f"{name} must be a host name such as cdn.example.com, without https:// "
        f"or a path, not {value!r}."
    )


def sdk_variable(name):
    """A value a cloud SDK also reads from os.environ itself (AWS_*, GOOGLE_*):
    stripped there too, so the SDK uses what the settings checked. None, and
    removed, when empty: the SDK then looks for credentials elsewhere."""
    value = optional(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    return value
