"""The production static storage: hashed names, a manifest, brotli and gzip copies.

Django's ManifestStaticFilesStorage re-hashes every file on every collectstatic
(Django ticket #28055), and WhiteNoise's compressed storage compresses every
file again at brotli's slowest quality. This storage does the same job, but:

- A file whose source has not changed keeps its hashed copy and compressed
  copies from the last run (hashed names are content-addressed), unless it
  references a file that changed: then Django post-processes it again, and the
  files that reference it, and so on. The result is byte for byte what a run
  into an empty STATIC_ROOT gives; old hashed files stay for pages still cached.
- Pages link hashed names, so those are what gets compressed: each distinct
  content once, at brotli quality 10 (2.5 times faster than WhiteNoise's 11,
  for files about 4% larger). An unhashed copy with the same bytes shares the
  result; one that differs (a stylesheet before its url()s were rewritten) is
  served uncompressed rather than cost a third more compression time.
- Compression runs in worker processes at a lower priority, on every core,
  while Django is still hashing: hashing keeps its core, compression takes
  what is left.
"""

import hashlib
import json
import os
import posixpath
import re
from concurrent.futures import ProcessPoolExecutor

import brotli
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.contrib.staticfiles.utils import matches_patterns
from django.core.files.base import ContentFile
from whitenoise.compress import Compressor

BROTLI_QUALITY = 10
# What each source file held when its output was last built, by name:
# [content digest, size, modification time in nanoseconds].
SOURCES_NAME = "staticfiles.sources.json"


def digest(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def source_digest(storage, path):
    with storage.open(path) as source:
        return digest(source.read())


def source_record(storage, path, last):
    """A source file's [digest, size, modification time]. While its size and
    modification time (to the nanosecond) are those of the last run, the file
    is not read again: make and rsync decide the same way."""
    try:
        stat = os.stat(storage.path(path))
    except NotImplementedError:  # a storage not on disk: always read
        return [source_digest(storage, path)]
    identity = [stat.st_size, stat.st_mtime_ns]
    if isinstance(last, list) and last[1:] == identity:
        return last
    return [source_digest(storage, path), *identity]


class CompressedManifestStorage(ManifestStaticFilesStorage):
    # Output of the last run that this run keeps: manifest key -> hashed name.
    reused = {}
    # Files the first pass left as they were: they reference no file, so they
    # are final, and Django's later passes would only write them again.
    self_contained = None
    compression = None

    def post_process(self, paths, dry_run=False, **options):
        if dry_run:
            return
        last_run = self.hashed_files  # the manifest, as loaded from STATIC_ROOT
        last_sources = self.load_sources()
        sources = {
            name: source_record(*source, last_sources.get(name))
            for name, source in paths.items()
        }
        stale = self.stale_names(sources, last_sources, last_run)
        kept = sorted(paths.keys() - stale)
        self.reused = {self.key(name): last_run[self.key(name)] for name in kept}
        self.self_contained = None
        try:
            with Compression() as self.compression:
                for name, hashed_name, processed in super().post_process(
                    {name: paths[name] for name in stale}, **options
                ):
                    yield name, hashed_name, processed
                    if hashed_name and not isinstance(processed, Exception):
                        self.compression.add(self.path(hashed_name), self.path(name))
        finally:
            self.compression = None
        for name in kept:
            yield name, self.reused[self.key(name)], False
        self.save_sources(sources)

    def _post_process(self, paths, adjustable_paths, hashed_files):
        # References to files kept from the last run resolve to their names.
        for key, hashed_name in self.reused.items():
            hashed_files.setdefault(key, hashed_name)
        first_pass = self.self_contained is None
        if first_pass:
            self.self_contained = set()
        else:
            paths = {name: paths[name] for name in paths.keys() - self.self_contained}
        adjustable = set(adjustable_paths)
        for name, hashed_name, processed, substituted in super()._post_process(
            paths, adjustable_paths, hashed_files
        ):
            yield name, hashed_name, processed, substituted
            final = name not in adjustable or not substituted
            if first_pass and final and not isinstance(processed, Exception):
                self.self_contained.add(name)
                # Django yields adjustable files after its last pass: start now.
                if self.compression:
                    self.compression.start(self.path(hashed_name))

    def save_manifest(self):
        # Sorted, so a run that reused files writes the manifest a cold run does.
        self.hashed_files = dict(sorted(self.hashed_files.items()))
        super().save_manifest()

    def key(self, name):
        return self.hash_key(self.clean_name(name))

    def stale_names(self, sources, last_sources, last_run):
        """Files to post-process: changed, new, or missing their output, and every
        file that references one of those (by its hashed name), transitively."""

        def changed_since(name):
            last = last_sources.get(name)
            return not isinstance(last, list) or last[0] != sources[name][0]

        def built(name):
            hashed_name = last_run.get(self.key(name))
            return hashed_name if hashed_name and self.exists(hashed_name) else None

        stale = {name for name in sources if changed_since(name) or not built(name)}
        removed = last_sources.keys() - sources.keys()
        kept_adjustable = {
            name
            for name in sources.keys() - stale
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

    def save_sources(self, sources):
        contents = json.dumps(dict(sorted(sources.items())), indent=0).encode()
        if self.manifest_storage.exists(SOURCES_NAME):
            self.manifest_storage.delete(SOURCES_NAME)
        self.manifest_storage._save(SOURCES_NAME, ContentFile(contents))


class Compression:
    """Write .br and .gz copies next to files, compressed in worker processes
    while the caller goes on (threads would contend with it for the GIL).
    Work goes out in batches: the pool's feeder thread needs the GIL too."""

    BATCH_BYTES = 256 * 1024

    def __init__(self):
        self.compressor = Compressor(
            extensions=getattr(settings, "WHITENOISE_SKIP_COMPRESS_EXTENSIONS", None),
            quiet=True,
        )
        self.pool = ProcessPoolExecutor(os.cpu_count(), initializer=lower_priority)
        self.batch = {}  # content digest -> bytes, not yet sent
        self.batch_bytes = 0
        self.sent = []  # (digests, future of their copies)
        self.known = set()  # every digest batched
        self.writes = []  # (path, digest or None for no copies)

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        if exception[0] is not None:
            self.pool.shutdown(cancel_futures=True)
            return
        with self.pool:  # shut down, whatever happens below
            self.send()
            copies = {}
            for keys, job in self.sent:
                copies.update(zip(keys, job.result(), strict=True))
        for path, key in self.writes:
            write_copies(path, copies[key] if key else NO_COPIES)

    def add(self, hashed_path, original_path):
        """Compress a hashed file, and its original if that holds the same bytes;
        an original that differs loses any copies of its older content."""
        if not self.compressor.should_compress(hashed_path):
            return
        key, data = self.start(hashed_path)
        self.writes.append((hashed_path, key))
        if original_path != hashed_path:
            same = read_bytes(original_path) == data
            self.writes.append((original_path, key if same else None))

    def start(self, path):
        """Have the file's content compressed, once; its digest and bytes."""
        data = read_bytes(path)
        key = digest(data)
        if key not in self.known:
            self.known.add(key)
            self.batch[key] = data
            self.batch_bytes += len(data)
            if self.batch_bytes >= self.BATCH_BYTES:
                self.send()
        return key, data

    def send(self):
        if self.batch:
            keys, data = zip(*self.batch.items(), strict=True)
            self.sent.append((keys, self.pool.submit(compress_all, data)))
            self.batch, self.batch_bytes = {}, 0


def read_bytes(path):
    with open(path, "rb") as file:
        return file.read()


def lower_priority():
    if hasattr(os, "nice"):  # not on Windows
        os.nice(10)


NO_COPIES = {".br": None, ".gz": None}


def compress_all(batch):
    return [compressed_copies(data) for data in batch]


def compressed_copies(data):
    """Brotli and gzip forms of ``data``; None where compressing is not worth it
    (under 5% smaller, as WhiteNoise decides; gzip never beats brotli there)."""
    smaller = 0.95 * len(data)
    br = brotli.compress(data, quality=BROTLI_QUALITY)
    if len(br) > smaller:
        return NO_COPIES
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
