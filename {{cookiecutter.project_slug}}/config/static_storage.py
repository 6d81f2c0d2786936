"""The production static storage: hashed names, a manifest, brotli and gzip copies.

Django's ManifestStaticFilesStorage re-hashes every file on every collectstatic
(Django ticket #28055), and WhiteNoise's compressed storage compresses every
file again at brotli's slowest quality. This storage does the same job, but:

- A file whose source has not changed keeps its hashed copy and compressed
  copies from the last run (hashed names are content-addressed), unless it
  references a file that changed: then Django post-processes it again, and the
  files that reference it, and so on. The result is byte for byte what a run
  into an empty STATIC_ROOT gives; old hashed files stay for pages still cached.
- Each distinct content is compressed once (a file and its hashed copy usually
  hold the same bytes), on every core while Django is still hashing, at brotli
  quality 10: 2.5 times faster than WhiteNoise's 11 for files about 4% larger.
"""

import hashlib
import json
import os
import posixpath
import re
from concurrent.futures import ThreadPoolExecutor

import brotli
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.contrib.staticfiles.utils import matches_patterns
from django.core.files.base import ContentFile
from whitenoise.compress import Compressor

BROTLI_QUALITY = 10
# What each source file held when its output was last built, by name.
SOURCES_NAME = "staticfiles.sources.json"


def digest(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def source_digest(storage, path):
    with storage.open(path) as source:
        return digest(source.read())


class CompressedManifestStorage(ManifestStaticFilesStorage):
    # Output of the last run that this run keeps: manifest key -> hashed name.
    reused = {}

    def post_process(self, paths, dry_run=False, **options):
        if dry_run:
            return
        last_run = self.hashed_files  # the manifest, as loaded from STATIC_ROOT
        digests = {name: source_digest(*source) for name, source in paths.items()}
        stale = self.stale_names(digests, last_run)
        kept = sorted(paths.keys() - stale)
        self.reused = {self.key(name): last_run[self.key(name)] for name in kept}
        with Compression() as compression:
            for name, hashed_name, processed in super().post_process(
                {name: paths[name] for name in stale}, **options
            ):
                yield name, hashed_name, processed
                if hashed_name and not isinstance(processed, Exception):
                    compression.add(self.path(name), self.path(hashed_name))
        for name in kept:
            yield name, self.reused[self.key(name)], False
        self.save_sources(digests)

    def _post_process(self, paths, adjustable_paths, hashed_files):
        # References to files kept from the last run resolve to their names.
        for key, hashed_name in self.reused.items():
            hashed_files.setdefault(key, hashed_name)
        yield from super()._post_process(paths, adjustable_paths, hashed_files)

    def save_manifest(self):
        # Sorted, so a run that reused files writes the manifest a cold run does.
        self.hashed_files = dict(sorted(self.hashed_files.items()))
        super().save_manifest()

    def key(self, name):
        return self.hash_key(self.clean_name(name))

    def stale_names(self, digests, last_run):
        """Files to post-process: changed, new, or missing their output, and every
        file that references one of those (by its hashed name), transitively."""
        sources = self.load_sources()

        def built(name):
            hashed_name = last_run.get(self.key(name))
            return hashed_name if hashed_name and self.exists(hashed_name) else None

        stale = {
            name
            for name, source in digests.items()
            if sources.get(name) != source or not built(name)
        }
        removed = sources.keys() - digests.keys()
        kept_adjustable = {
            name
            for name in digests.keys() - stale
            if matches_patterns(name, self._patterns)
        }
        changed = stale | removed
        while changed and kept_adjustable:
            old_names = {
                posixpath.basename(last_run[self.key(name)])
                for name in changed
                if self.key(name) in last_run
            }
            if not old_names:
                break
            referenced = re.compile(
                b"|".join(re.escape(name.encode()) for name in sorted(old_names))
            )
            changed = {
                name
                for name in kept_adjustable
                if referenced.search(self.read(last_run[self.key(name)]))
            }
            kept_adjustable -= changed
            stale |= changed
        return stale

    def read(self, name):
        with self.open(name) as stored:
            return stored.read()

    def load_sources(self):
        try:
            return json.loads(self.manifest_storage.open(SOURCES_NAME).read())
        except (FileNotFoundError, ValueError):
            return {}

    def save_sources(self, digests):
        contents = json.dumps(dict(sorted(digests.items())), indent=0).encode()
        if self.manifest_storage.exists(SOURCES_NAME):
            self.manifest_storage.delete(SOURCES_NAME)
        self.manifest_storage._save(SOURCES_NAME, ContentFile(contents))


class Compression:
    """Write .br and .gz copies next to files, compressing in threads (brotli
    and zlib release the GIL) while the caller goes on."""

    def __init__(self):
        self.compressor = Compressor(
            extensions=getattr(settings, "WHITENOISE_SKIP_COMPRESS_EXTENSIONS", None),
            quiet=True,
        )
        self.pool = ThreadPoolExecutor(os.cpu_count())
        self.jobs = {}  # content digest -> future of {suffix: bytes or None}
        self.writes = []  # (path, job)

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.pool.shutdown(cancel_futures=exception[0] is not None)
        if exception[0] is None:
            for path, job in self.writes:
                write_copies(path, job.result())

    def add(self, *paths):
        for path in dict.fromkeys(paths):
            if self.compressor.should_compress(path):
                with open(path, "rb") as file:
                    data = file.read()
                key = digest(data)
                if key not in self.jobs:
                    self.jobs[key] = self.pool.submit(compressed_copies, data)
                self.writes.append((path, self.jobs[key]))


def compressed_copies(data):
    """Brotli and gzip forms of ``data``; None where compressing is not worth it
    (under 5% smaller, as WhiteNoise decides; gzip never beats brotli there)."""
    smaller = 0.95 * len(data)
    br = brotli.compress(data, quality=BROTLI_QUALITY)
    if len(br) > smaller:
        return {".br": None, ".gz": None}
    gz = Compressor.compress_gzip(data)
    return {".br": br, ".gz": gz if len(gz) <= smaller else None}


def write_copies(path, copies):
    """Write each compressed copy whole (or none), and remove a copy left from
    older content, so a compressed file never outlives what it was made from."""
    modified = os.stat(path).st_mtime
    for suffix, data in copies.items():
        target = path + suffix
        if data is None:
            if os.path.exists(target):
                os.remove(target)
            continue
        partial = target + ".partial"
        with open(partial, "wb") as file:
            file.write(data)
        os.utime(partial, (modified, modified))
        os.replace(partial, target)
