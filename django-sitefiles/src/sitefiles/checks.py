"""System checks of static and media files: what Django finds out only at run
time, or never. Registered in sitefiles/apps.py; `manage.py check` (and
`--deploy`) runs them.

Ids: sitefiles.E001... stop commands; sitefiles.W001... warn, and fail
`check --deploy --fail-level WARNING`. sitefiles/configuration.py checks the
package's settings and the storages' options; sitefiles/cloud/checks.py the
buckets' (sitefiles.E1xx).
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, Warning
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import get_commands
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string
from django.views.static import serve
from whitenoise.middleware import WhiteNoiseMiddleware

from sitefiles.cloud.publish import static_in_a_bucket
from sitefiles.conf import setting
from sitefiles.private import SENDERS

SECURITY = "django.middleware.security.SecurityMiddleware"


def inside(inner, outer):
    """Whether ``inner`` is ``outer`` or lies under it."""
    return inner == outer or inner.startswith(outer.rstrip("/") + "/")


def whitenoise_position(middleware):
    """Where WhiteNoise's middleware (or one built on it) is in ``middleware``."""
    for position, path in enumerate(middleware):
        try:
            middleware_class = import_string(path)
        except ImportError:
            continue  # Django reports it when it loads the middleware
        if isinstance(middleware_class, type) and issubclass(
            middleware_class, WhiteNoiseMiddleware
        ):
            return position
    return None


def static_and_media_urls_apart(app_configs, **kwargs):
    static, media = settings.STATIC_URL or "", settings.MEDIA_URL or ""
    if static and media and (inside(media, static) or inside(static, media)):
        return [
            Error(
                f"MEDIA_URL ({media}) and STATIC_URL ({static}) overlap: uploads "
                "would be answered as static files, or static files as media.",
                hint='Give each its own prefix: MEDIA_URL = "/media/", '
                'STATIC_URL = "/static/".',
                id="sitefiles.E001",
            )
        ]
    return []


def overlap(first, second):
    """Whether two directories are one, or one lies inside the other."""
    first, second = Path(first).resolve(), Path(second).resolve()
    return first == second or first in second.parents or second in first.parents


def on_disk(alias):
    """Whether STORAGES[alias] is there and keeps its files in a directory of
    this server (not in a bucket)."""
    if alias not in settings.STORAGES:
        return False
    backend = import_string(settings.STORAGES[alias]["BACKEND"])
    return issubclass(backend, FileSystemStorage)


def static_and_media_roots_apart(app_configs, **kwargs):
    if not (settings.STATIC_ROOT and settings.MEDIA_ROOT):
        return []
    static = Path(settings.STATIC_ROOT).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    if overlap(static, media):
        return [
            Error(
                f"MEDIA_ROOT ({media}) and STATIC_ROOT ({static}) overlap: uploads "
                "would be served as trusted static files, and `collectstatic "
                "--clear` would delete them.",
                hint='Keep them apart: MEDIA_ROOT = BASE_DIR / "media", '
                'STATIC_ROOT = BASE_DIR / "staticfiles".',
                id="sitefiles.E002",
            )
        ]
    return []


def private_media_kept_apart(app_configs, **kwargs):
    """Private files on disk must lie outside every directory served by path."""
    if not on_disk("private"):
        return []
    private = Path(storages["private"].location)
    served = {"MEDIA_ROOT": settings.MEDIA_ROOT, "STATIC_ROOT": settings.STATIC_ROOT}
    return [
        Error(
            f"The private media directory ({private}) and {name} overlap: "
            "private files would be served to anyone with their URL.",
            hint='Give STORAGES["private"] a location of its own, beside them.',
            id="sitefiles.E003",
        )
        for name, root in served.items()
        if root and overlap(private, root)
    ]


def private_media_sender_fits_storage(app_configs, **kwargs):
    """The web servers send files from disk; a bucket sends its own objects."""
    sender = setting("PRIVATE_MEDIA_SENDER")
    chosen = hasattr(settings, "SITEFILES_PRIVATE_MEDIA_SENDER")
    if sender not in SENDERS:
        return []  # sitefiles.E011 names it
    if "private" not in settings.STORAGES:
        if not chosen:  # a site without private media
            return []
        problem = "has no STORAGES['private'] to send from"
    elif sender in ("nginx", "apache") and not on_disk("private"):
        problem = "sends files from disk, but STORAGES['private'] is not on disk"
    elif sender == "signed-url" and on_disk("private"):
        problem = "redirects to a bucket, but STORAGES['private'] is on disk"
    else:
        return []
    return [
        Error(
            f"SITEFILES_PRIVATE_MEDIA_SENDER {sender!r} {problem}.",
            hint="See sitefiles.private for what each sender needs.",
            id="sitefiles.E004",
        )
    ]


def static_files_collected(app_configs, **kwargs):
    """With WhiteNoise serving STATIC_ROOT in production (DEBUG off), it must
    hold collectstatic's output: else every static URL is a 404, and with a
    manifest storage every page that links one is a 500."""
    if settings.DEBUG or whitenoise_position(settings.MIDDLEWARE) is None:
        return []
    if not on_disk("staticfiles"):
        return []  # files kept elsewhere (a bucket): nothing to look at here
    backend = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
    root = Path(settings.STATIC_ROOT or "")
    hint = "Run `python manage.py collectstatic` before starting the server."
    if not settings.STATIC_ROOT or not root.is_dir() or not any(root.iterdir()):
        return [
            Warning(
                f"STATIC_ROOT ({root}) is missing or empty: WhiteNoise would "
                "answer 404 for every static file.",
                hint=hint,
                id="sitefiles.W001",
            )
        ]
    if issubclass(backend, ManifestFilesMixin):
        manifest = root / backend.manifest_name
        if not manifest.is_file():
            return [
                Warning(
                    f"{manifest} is missing: every page that links a static file "
                    "would fail, since its hashed name cannot be looked up.",
                    hint=hint,
                    id="sitefiles.W002",
                )
            ]
    return []


def whitenoise_after_security(app_configs, **kwargs):
    middleware = list(settings.MIDDLEWARE)
    position = whitenoise_position(middleware)
    if position is None:
        return []
    expected = middleware.index(SECURITY) + 1 if SECURITY in middleware else 0
    if position != expected:
        return [
            Warning(
                "WhiteNoiseMiddleware is not right after SecurityMiddleware: "
                "the middleware before it run for every static file.",
                hint="Move it to follow SecurityMiddleware (or to the top).",
                id="sitefiles.W003",
            )
        ]
    return []


def media_not_served_by_django(app_configs, **kwargs):
    """Outside DEBUG, no URL pattern may hand media to django.views.static."""
    media = settings.MEDIA_URL or ""
    if settings.DEBUG or not media.startswith("/"):
        return []
    try:
        match = resolve(media + "example.png")
    except Resolver404:
        return []
    if match.func is serve:
        return [
            Error(
                f"URL patterns serve MEDIA_URL ({media}) through Django with DEBUG "
                "off: uploads would run through the application, unchecked.",
                hint="Add static(MEDIA_URL, ...) only under `if settings.DEBUG:`; "
                "let the web server or object storage serve media.",
                id="sitefiles.E005",
            )
        ]
    return []


def collectstatic_publishes_to_the_bucket(app_configs, **kwargs):
    """With static files in a bucket, collectstatic must be this package's: it
    hashes on disk and uploads the manifest last. Django's own reads every file
    back from the bucket to hash it, and replaces the manifest first."""
    try:
        in_a_bucket = static_in_a_bucket()
    except (ImportError, KeyError):
        return []  # sitefiles.E012 says so
    if not in_a_bucket or get_commands().get("collectstatic") == "sitefiles":
        return []
    return [
        Error(
            "Static files go to a bucket, but collectstatic is not "
            "django-sitefiles': it would read each file back from the bucket, "
            "and replace the manifest before the files it names are there.",
            hint="Put 'sitefiles' before 'django.contrib.staticfiles' in "
            "INSTALLED_APPS.",
            id="sitefiles.E006",
        )
    ]
