"""Whether this process can serve what it is asked: its databases answer, and
the static manifest it links pages through is loaded and names files that exist.

A database that cannot be reached (a wrong host, port or password in
DATABASE_URL) otherwise shows up as a traceback at the first query: in
`migrate`, which deploys run before a release takes traffic, and in every page.
The system check sitefiles.E020 (tag "database": `migrate` and
`check --database default` run it) says so in one line instead, naming where
it looked and never the password.

Two views for what stands in front of the site: ``live`` (the process answers:
restart it when it does not) and ``ready`` (send it traffic: 200, or 503 while
it cannot serve pages, each reason logged to "sitefiles.readiness" and none in
the answer). A balancer or orchestrator asks ``ready`` before a replica takes
traffic and while it does; a restart of a process that is only not ready (its
database is down) would not help.
"""

import logging

from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage, storages
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("sitefiles.readiness")


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


def static_problem() -> str | None:
    """Why pages could not link their static files, or None.

    A manifest storage (production's) looks every name up in the manifest it
    loaded when this process made it: that must name files, and they must be
    there. On disk every one is looked at. In a bucket of sitefiles.cloud, the
    release's copy of the manifest, which goes up after every file it names
    (sitefiles.cloud.manifest): one request. In another bucket, the first
    name. Other storages link names as they are: nothing to check.
    """
    try:
        storage = storages["staticfiles"]  # a bucket storage reads its manifest
        if not isinstance(storage, ManifestFilesMixin):
            return None
        if not storage.hashed_files:
            return (
                f"the static manifest ({storage.manifest_name}) this process loaded "
                "is missing or empty: run collectstatic, then restart the process"
            )
        release = getattr(storage, "release_manifest_name", None)
        if release is not None:
            if storage.exists(release):
                return None
            return (
                f"the static bucket lacks {release}, which goes up after every "
                "file this release links: run collectstatic (or publish_static) "
                "of this release"
            )
        names = sorted(set(storage.hashed_files.values()))
        if not isinstance(storage, FileSystemStorage):
            names = names[:1]
        missing = [name for name in names if not storage.exists(name)]
    except Exception as error:  # a bucket that does not answer: not ready either
        return f"the static storage cannot be asked: {type(error).__name__}: {error}"
    if missing:
        return (
            f"{len(missing)} of the files the static manifest names are missing "
            f"(first: {missing[0]}): run collectstatic"
        )
    return None


def problems() -> list[str]:
    """Why this process cannot serve pages: each database, then static files."""
    found = [database_problem(alias) for alias in connections]
    found.append(static_problem())
    return [problem for problem in found if problem]


@never_cache
@require_safe
def live(request: HttpRequest) -> HttpResponse:
    """200 while the process answers: what a restart decision needs."""
    return HttpResponse("live\n", content_type="text/plain")


@never_cache
@require_safe
def ready(request: HttpRequest) -> HttpResponse:
    """200 when this process can serve pages, else 503: the reasons go to the
    log, never to whoever asked."""
    found = problems()
    for problem in found:
        logger.error("Not ready: %s", problem)
    if found:
        return HttpResponse("not ready\n", status=503, content_type="text/plain")
    return HttpResponse("ready\n", content_type="text/plain")
