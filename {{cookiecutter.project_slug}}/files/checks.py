"""The project's own system checks: what Django finds out only at run time, or
never. Registered in files/apps.py; `manage.py check` (and `--deploy`) runs them.

Ids: project.E001... stop commands; project.W001... warn, and fail
`check --deploy --fail-level WARNING` in deploy steps and tests.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, Warning
from django.core.files.storage import FileSystemStorage
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string
from django.views.static import serve
from whitenoise.middleware import WhiteNoiseMiddleware

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
                hint="Give each its own prefix: DJANGO_MEDIA_URL=/media/, "
                "DJANGO_STATIC_URL=/static/.",
                id="project.E001",
            )
        ]
    return []


def static_and_media_roots_apart(app_configs, **kwargs):
    if not (settings.STATIC_ROOT and settings.MEDIA_ROOT):
        return []
    static = Path(settings.STATIC_ROOT).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    if static == media or static in media.parents or media in static.parents:
        return [
            Error(
                f"MEDIA_ROOT ({media}) and STATIC_ROOT ({static}) overlap: uploads "
                "would be served as trusted static files, and `collectstatic "
                "--clear` would delete them.",
                hint="Keep them apart: DJANGO_MEDIA_ROOT=media, "
                "DJANGO_STATIC_ROOT=staticfiles.",
                id="project.E002",
            )
        ]
    return []


def static_files_collected(app_configs, **kwargs):
    """With WhiteNoise serving STATIC_ROOT in production (DEBUG off), it must
    hold collectstatic's output: else every static URL is a 404, and with a
    manifest storage every page that links one is a 500."""
    if settings.DEBUG or whitenoise_position(settings.MIDDLEWARE) is None:
        return []
    backend = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
    if not issubclass(backend, FileSystemStorage):
        return []  # files kept elsewhere (a bucket): nothing to look at here
    root = Path(settings.STATIC_ROOT or "")
    hint = "Run `python manage.py collectstatic` before starting the server."
    if not settings.STATIC_ROOT or not root.is_dir() or not any(root.iterdir()):
        return [
            Warning(
                f"STATIC_ROOT ({root}) is missing or empty: WhiteNoise would "
                "answer 404 for every static file.",
                hint=hint,
                id="project.W001",
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
                    id="project.W002",
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
                id="project.W003",
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
                id="project.E005",
            )
        ]
    return []
