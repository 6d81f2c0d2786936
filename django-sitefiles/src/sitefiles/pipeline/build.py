"""What a collectstatic run must build, and what it keeps from the last run.

The manifest (staticfiles.json) records, beside Django's paths, the content
digest of every source it was built from and a fingerprint of everything else
that shapes the output. Every run reads every source again. A source keeps its
output when its digest is the recorded one, its hashed file is there, and it
references no file that changed; anything else is built. A different
fingerprint means every source is built.
"""

import hashlib
import inspect
import json
import posixpath
import re
import sys
import zlib
from dataclasses import dataclass, field

import brotli
import django
from django.conf import settings
from django.contrib.staticfiles.utils import matches_patterns

from sitefiles.pipeline import compression

# Settings that change what collectstatic writes (WhiteNoise's others change
# only how files are served).
OUTPUT_SETTINGS = (
    "STATIC_URL",
    "WHITENOISE_KEEP_ONLY_HASHED_FILES",
    "WHITENOISE_SKIP_COMPRESS_EXTENSIONS",
)
# What the manifest records beside Django's paths.
RECORD = ("sources", "fingerprint")
# Code that a version stands for, rather than its source.
VERSIONED = ("builtins", "django")


def digest(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def fingerprint(storage):
    """A digest of everything but the sources that shapes the output: Python,
    Django, brotli and zlib versions, the code of the storage and of its
    compressor (the project's and WhiteNoise's), the storage's patterns and
    options, the settings above and the brotli quality."""
    facts = {
        "python": list(sys.version_info[:2]),
        "django": django.get_version(),
        "brotli": brotli.__version__,
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
        "brotli_quality": compression.BROTLI_QUALITY,
        "code": code_of(type(storage), compression.QualityCompressor),
        "patterns": described(storage.patterns),
        "storage": {
            name: described(getattr(storage, name))
            for name in (
                "base_url",
                "directory_permissions_mode",
                "file_permissions_mode",
                "keep_intermediate_files",
                "manifest_version",
                "max_post_process_passes",
            )
        },
        "settings": {
            name: described(getattr(settings, name, None)) for name in OUTPUT_SETTINGS
        },
    }
    return digest(json.dumps(facts, sort_keys=True).encode())


def code_of(*classes):
    """[module:digest] of the source of every module behind ``classes`` but
    Django's (its version stands for it), this one, the run's and the
    compression's."""
    modules = {__name__, compression.__name__, f"{__package__}.run"}
    modules.update(cls.__module__ for each in classes for cls in each.__mro__)
    return [
        f"{name}:{digest(inspect.getsource(sys.modules[name]).encode())}"
        for name in sorted(modules)
        if name.split(".")[0] not in VERSIONED
    ]


def described(value):
    """``value`` as JSON can hold it: compiled patterns as their text."""
    if isinstance(value, (list, tuple)):
        return [described(item) for item in value]
    if isinstance(value, dict):
        return {str(key): described(item) for key, item in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    pattern = getattr(value, "pattern", None)  # re.Pattern, lazy ones included
    return pattern if isinstance(pattern, str) else repr(value)


def reference_patterns(storage):
    """[(glob, [regex, ...])]: how the storage finds references in a file."""
    found = []
    for glob, patterns in storage.patterns:
        compiled = [
            re.compile(pattern if isinstance(pattern, str) else pattern[0], re.I)
            for pattern in patterns
        ]
        found.append((glob, compiled))
    return found


def references_nothing(name, data, patterns):
    """Whether Django's processing leaves ``data`` as it is: it matches none of
    the patterns that apply to ``name``."""
    applicable = [
        regex
        for glob, regexes in patterns
        if matches_patterns(name, (glob,))
        for regex in regexes
    ]
    if not applicable:
        return True
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return False
    return not any(regex.search(text) for regex in applicable)


@dataclass
class Plan:
    fingerprint: str
    sources: dict  # source name -> digest of its content, for every source
    stale: set  # source names built this run
    kept: dict  # source name -> its hashed name, kept from the last run
    done: set  # hashed names the last run finished (compressed copies included)
    # Stale sources that reference nothing: their output is their content, so
    # the run names them itself and compresses them from the start (the rest
    # of the stale ones go through Django's passes). name -> bytes.
    final: dict = field(default_factory=dict)

    def record(self):
        """What the manifest records of this run, beside Django's paths."""
        return {
            "sources": dict(sorted(self.sources.items())),
            "fingerprint": self.fingerprint,
        }


def plan(storage, paths, on_disk):
    """Read every source in ``paths`` ({name: (storage, path)}) and decide;
    ``on_disk``: the names of the files in STATIC_ROOT."""
    current = fingerprint(storage)
    last = last_build(storage, current)
    patterns = reference_patterns(storage)
    sources, changed, final = {}, set(), {}
    for name, (source_storage, path) in paths.items():
        data = read_source(source_storage, path)
        sources[name] = digest(data)
        built = last["paths"].get(storage.key(name)) in on_disk
        if last["sources"].get(name) != sources[name] or not built:
            changed.add(name)
            if references_nothing(name, data, patterns):
                final[name] = data
    stale = stale_names(storage, sources, changed, last)
    return Plan(
        fingerprint=current,
        sources=sources,
        stale=stale,
        kept={
            name: last["paths"][storage.key(name)] for name in sources.keys() - stale
        },
        done=set(last["paths"].values()),
        final=final,
    )


def read_source(storage, path):
    """A source's bytes; straight from the file system where it is on one."""
    try:
        full_path = storage.path(path)
    except NotImplementedError:
        with storage.open(path) as source:
            return source.read()
    with open(full_path, "rb") as source:
        return source.read()


def last_build(storage, current):
    """What the manifest records of the last run, if it had this fingerprint."""
    nothing = {"paths": {}, "sources": {}}
    try:
        recorded = json.loads(storage.read_manifest() or "{}")
    except ValueError:
        return nothing
    if not isinstance(recorded, dict) or recorded.get("fingerprint") != current:
        return nothing
    return {"paths": recorded.get("paths", {}), "sources": recorded.get("sources", {})}


def stale_names(storage, sources, changed, last):
    """The changed sources, then every file whose last output names a changed
    or removed one (by its old hashed name), then every file whose output names
    one of those, and so on."""
    last_paths = last["paths"]
    stale = set(changed)
    changed = stale | (last["sources"].keys() - sources.keys())
    if not changed:
        return stale
    globs = [glob for glob, _ in storage.patterns]
    kept_adjustable = {
        name for name in sources.keys() - stale if matches_patterns(name, globs)
    }
    while changed and kept_adjustable:
        old_names = {
            posixpath.basename(last_paths[storage.key(name)])
            for name in changed
            if storage.key(name) in last_paths
        }
        if not old_names:
            break
        referenced = re.compile(
            b"|".join(re.escape(name.encode()) for name in sorted(old_names))
        )
        changed = {
            name
            for name in kept_adjustable
            if referenced.search(read(storage, last_paths[storage.key(name)]))
        }
        kept_adjustable -= changed
        stale |= changed
    return stale


def read(storage, name):
    with storage.open(name) as stored:
        return stored.read()
