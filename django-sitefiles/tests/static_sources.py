"""A small tree of static sources, and collectstatic over it alone, for the tests
of production's static storage and of WhiteNoise beside it."""

from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import override_settings

PRODUCTION = "sitefiles.storage.CompressedManifestStorage"
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
BROKEN = 'body { background: url("../img/missing.png"); }\n'


def write_sources(directory, files):
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def collect(sources, root, *arguments, backend=PRODUCTION, **settings):
    """collectstatic from ``sources`` alone into ``root``; the manifest's paths."""
    with override_settings(
        STATICFILES_DIRS=[sources],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STATIC_ROOT=root,
        STORAGES={**django_settings.STORAGES, "staticfiles": {"BACKEND": backend}},
        **settings,
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


def contents(root):
    """Every file under ``root``: name -> bytes."""
    return {name: data for name, (_, _, data) in snapshot(root).items()}


def served(root, names):
    """What a page linking the manifest's ``names`` needs: each hashed file and
    its compressed copies, name -> (inode, bytes)."""
    files = {}
    for hashed_name in names.values():
        for suffix in ("", ".br", ".gz"):
            name = f"{hashed_name}{suffix}"
            if (root / name).is_file():
                files[name] = ((root / name).stat().st_ino, (root / name).read_bytes())
    return files
