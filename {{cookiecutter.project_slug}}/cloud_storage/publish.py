"""Upload what collectstatic built in STATIC_ROOT to the bucket, skipping what is there.

One listing tells what the bucket holds. The hashed names the manifest lists
are content-addressed, so one that is there is up to date; any other file is
compared by MD5. A re-run with nothing changed therefore costs a request or
two, not one or more per file. The manifest goes last, so pages link new files
only once they are all in place; files of earlier releases stay for pages that
still link them.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.files import File


@dataclass
class Published:
    uploaded: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)


def built_files(root):
    """Relative names of the files under ``root``, dot-files (.gitkeep) left out."""
    root = Path(root)
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.parts)
    )


def md5(path):
    return hashlib.md5(Path(path).read_bytes(), usedforsecurity=False).hexdigest()


def hashed_names(manifest):
    """The content-addressed names a manifest (staticfiles.json) lists."""
    if not manifest.is_file():
        return set()
    return set(json.loads(manifest.read_text())["paths"].values())


def is_stored(name, path, stored, hashed):
    if name not in stored:
        return False
    return name in hashed or stored[name] == md5(path)


def publish(root, bucket, manifest_name="staticfiles.json"):
    """Upload new and changed files from ``root`` to ``bucket``, manifest last."""
    root = Path(root)
    stored = bucket.stored_checksums()
    hashed = hashed_names(root / manifest_name)
    names = built_files(root)
    names.sort(key=lambda name: name == manifest_name)
    published = Published()
    for name in names:
        path = root / name
        if is_stored(name, path, stored, hashed):
            published.unchanged.append(name)
            continue
        with path.open("rb") as file:
            saved = bucket.save(name, File(file, name=name))
        if saved != name:  # the manifest would link the old content
            raise ImproperlyConfigured(
                f"{name} was stored as {saved}: the static storage must "
                "overwrite files in place."
            )
        published.uploaded.append(name)
    return published
