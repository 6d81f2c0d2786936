"""Whether this process can serve what it is asked: the databases it needs answer.

A database that cannot be reached (a wrong host, port or password in
DATABASE_URL) otherwise shows up as a traceback at the first query: in
`migrate`, which deploys run before a release takes traffic, and in every page.
The system check sitefiles.E020 (tag "database": `migrate` and
`check --database default` run it) says so in one line instead, naming where
it looked and never the password.
"""

from django.core.checks import Error
from django.db import DatabaseError, connections


def database_problem(alias: str = "default") -> str | None:
    """Why the database ``alias`` cannot be queried, or None when it can."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return unreachable(alias, connection.settings_dict, error)
    return None


def unreachable(alias, settings_dict, error):
    """One line: the alias, where it points (no password) and the driver's reason."""
    where = ", ".join(
        f"{label} {settings_dict[key]}"
        for label, key in (
            ("host", "HOST"),
            ("port", "PORT"),
            ("database", "NAME"),
            ("user", "USER"),
        )
        if settings_dict.get(key)
    )
    reason = " ".join(str(error).split()) or type(error).__name__
    password = settings_dict.get("PASSWORD")
    if password:  # drivers do not repeat it; make sure of it
        reason = reason.replace(str(password), "********")
    return f'DATABASES["{alias}"] ({where}) cannot be reached: {reason}'


def databases_reachable(app_configs, databases=None, **kwargs):
    """sitefiles.E020, for the databases a command names (migrate: its own)."""
    errors = []
    for alias in databases or ():
        problem = database_problem(alias)
        if problem:
            errors.append(
                Error(
                    problem,
                    hint="Check the host, port, user and password in DATABASE_URL "
                    "(or wherever DATABASES comes from), and that the server is up.",
                    id="sitefiles.E020",
                )
            )
    return errors
