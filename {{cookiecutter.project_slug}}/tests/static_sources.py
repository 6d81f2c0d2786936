"""A small tree of static sources, and collectstatic over it alone, for the tests
of production's static storage and of the collectstatic command."""

import os

from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import override_settings

PRODUCTION = "config.static_storage.CompressedManifestStorage"
DJANGO_MANIFEST = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
# Compressible bodies: a file needs to shrink by 5% to get compressed copies.
FILLER = "".join(f".rule-{n} " + "{ margin: 0; color: #336699; }\n" for n in range(60))
SOURCES = {
    "img/dot.svg": '<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>\n',
    "css/base.css": 'body { background: url("../img/dot.svg"); }\n' + FILLER,
    "css/page.css": '@import url("base.css");\n' + FILLER,
    "css/alone.css": FILLER,
    "js/app.js": "export const answer = 42;\n" * 40,
}


def write_sources(directory, files):
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def edit(path, text):
    """Change a source file as a later edit would: collectstatic copies a file
    only when its modification time is newer by whole seconds."""
    later = path.stat().st_mtime + 10
    path.write_text(text)
    os.utime(path, (later, later))


def collect(sources, root, *arguments, backend=PRODUCTION):
    """collectstatic from ``sources`` alone into ``root``, with production's storage."""
    with override_settings(
        STATICFILES_DIRS=[sources],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STATIC_ROOT=root,
        STORAGES={**django_settings.STORAGES, "staticfiles": {"BACKEND": backend}},
    ):
        call_command("collectstatic", *arguments, interactive=False, verbosity=0)
        return dict(staticfiles_storage.hashed_files)


def snapshot(root):
    """Every file under ``root``: name -> (inode, modification time, bytes)."""
    return {
        path.relative_to(root).as_posix(): (
            path.stat().st_ino,
            path.stat().st_mtime_ns,
            path.read_bytes(),
        )
        for path in root.rglob("*")
        if path.is_file()
    }
