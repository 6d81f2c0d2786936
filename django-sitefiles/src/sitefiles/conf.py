"""The settings django-sitefiles reads of its own, and their defaults.

Each is read when it is used, so ``override_settings`` works in tests. The
system checks refuse a value of the wrong kind and any ``SITEFILES_`` setting
this version does not read (sitefiles.E011, sitefiles.E010).
"""

from typing import Any

from django.conf import settings

PREFIX = "SITEFILES_"

DEFAULTS = {
    # Largest upload accepted, in bytes: the upload validators, and the web
    # server's request-body limit (webserver_config), both derive from it.
    "MAX_UPLOAD_SIZE": 10 * 1024 * 1024,
    # Largest uploaded picture, in pixels, every frame of an animation counted:
    # a small file can decode into gigabytes (a "decompression bomb").
    "MAX_IMAGE_PIXELS": 50_000_000,
    # Who sends a private file once a view has allowed it (sitefiles.private).
    "PRIVATE_MEDIA_SENDER": "django",
    # Largest direct upload to the media bucket, in bytes (sitefiles.cloud).
    "DIRECT_UPLOAD_MAX_SIZE": 1024**3,
    # The paths that ProbesMiddleware answers (sitefiles.readiness's views).
    "LIVE_PATH": "/livez",
    "READY_PATH": "/readyz",
}

# Settings that projects made from the cookiecutter template set before the
# package existed, and the package's names for them.
FORMER_NAMES = {
    "MAX_UPLOAD_SIZE": "SITEFILES_MAX_UPLOAD_SIZE",
    "MAX_IMAGE_PIXELS": "SITEFILES_MAX_IMAGE_PIXELS",
    "PRIVATE_MEDIA_SENDER": "SITEFILES_PRIVATE_MEDIA_SENDER",
    "DIRECT_UPLOAD_MAX_SIZE": "SITEFILES_DIRECT_UPLOAD_MAX_SIZE",
}


def setting(name: str) -> Any:
    """The value of ``SITEFILES_<name>``, or its default."""
    return getattr(settings, PREFIX + name, DEFAULTS[name])


def known(name: str) -> bool:
    """Whether ``name`` (a full setting name) is one this version reads."""
    return name.startswith(PREFIX) and name.removeprefix(PREFIX) in DEFAULTS
