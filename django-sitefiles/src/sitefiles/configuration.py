"""System checks of what this version of the package is given: its own
settings, and the storages in STORAGES with their options.

A misspelt setting or option would otherwise be ignored (a setting) or fail at
the first upload or collectstatic (an option), far from where it was written.
Registered in sitefiles/apps.py.
"""

import difflib

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import InMemoryStorage
from django.utils.module_loading import import_string

from sitefiles import conf
from sitefiles.private import SENDERS


def closest(name, names):
    """`` (did you mean X?)`` for the name nearest ``name``, or ''."""
    found = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean {found[0]}?)" if found else ""


def unknown_settings(app_configs, **kwargs):
    """SITEFILES_ settings this version does not read."""
    ours = [conf.PREFIX + name for name in conf.DEFAULTS]
    return [
        Error(
            f"{name} is not a setting django-sitefiles reads{closest(name, ours)}.",
            hint=f"The settings it reads: {', '.join(ours)}.",
            id="sitefiles.E010",
        )
        for name in dir(settings)
        if name.startswith(conf.PREFIX) and not conf.known(name)
    ]


def former_settings(app_configs, **kwargs):
    """Names a project made from the template set before the package existed."""
    return [
        Warning(
            f"{former} is set, and django-sitefiles reads {current} instead.",
            hint=f"Rename {former} to {current}.",
            id="sitefiles.W010",
        )
        for former, current in conf.FORMER_NAMES.items()
        if hasattr(settings, former) and not hasattr(settings, current)
    ]


def is_size(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def is_path(value):
    return isinstance(value, str) and value.startswith("/") and value.strip() == value


def setting_values(app_configs, **kwargs):
    """Each SITEFILES_ setting is of the kind it must be."""
    rules = {
        "MAX_UPLOAD_SIZE": (is_size, "a whole number of bytes above 0"),
        "MAX_IMAGE_PIXELS": (is_size, "a whole number of pixels above 0"),
        "DIRECT_UPLOAD_MAX_SIZE": (is_size, "a whole number of bytes above 0"),
        "PRIVATE_MEDIA_SENDER": (
            lambda value: value in SENDERS,
            f"one of {', '.join(map(repr, SENDERS))}",
        ),
        "LIVE_PATH": (is_path, "a path that starts with /"),
        "READY_PATH": (is_path, "a path that starts with /"),
    }
    errors = []
    for name, (valid, expected) in rules.items():
        value = conf.setting(name)
        if not valid(value):
            errors.append(
                Error(
                    f"{conf.PREFIX}{name} must be {expected}, not {value!r}.",
                    id="sitefiles.E011",
                )
            )
    return errors


def storage_options(app_configs, **kwargs):
    """Every storage in STORAGES can be made from its BACKEND and OPTIONS, as
    Django makes it at first use: an option the backend does not take (a
    misspelt name, one a newer or older version renamed) is named now.

    Nothing is read or fetched: a manifest storage is handed an empty one."""
    errors = []
    for alias, config in settings.STORAGES.items():
        where = f"STORAGES[{alias!r}]"
        try:
            backend = import_string(config["BACKEND"])
        except (ImportError, KeyError) as error:
            errors.append(
                Error(
                    f"{where}['BACKEND'] cannot be imported: {error}.",
                    hint="Install the extra of django-sitefiles for it, e.g."
                    " django-sitefiles[s3], or correct the dotted path.",
                    id="sitefiles.E012",
                )
            )
            continue
        options = dict(config.get("OPTIONS", {}))
        if isinstance(backend, type) and issubclass(backend, ManifestFilesMixin):
            options.setdefault("manifest_storage", InMemoryStorage())
        try:
            backend(**options)
        except (TypeError, ImproperlyConfigured) as error:
            errors.append(
                Error(
                    f"{where}['OPTIONS'] are not what {config['BACKEND']} takes:"
                    f" {error}",
                    hint="Options are its constructor's keyword arguments (for"
                    " django-storages, its settings' names in lowercase).",
                    id="sitefiles.E013",
                )
            )
    return errors
