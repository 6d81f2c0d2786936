"""One collectstatic run of the static storage (sitefiles.storage):
the files it writes, each once, and the compressed copies it plans for them.

Django's passes read, hash and rewrite every stylesheet and script on every
pass, and hash every other file once. A file that references nothing comes
out of them as it went in, so the run names those itself, with Django's own
hashed_name(), and leaves Django only the files whose references it rewrites.
"""

import os
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles.utils import matches_patterns
from django.core.files.base import ContentFile

from sitefiles.pipeline import build
from sitefiles.pipeline.compression import Compression, write_copies
from sitefiles.pipeline.writing import read_if_there


class Run:
    """One collectstatic run: what it writes, and what it compresses."""

    def __init__(self, storage, plan, paths):
        self.storage = storage
        self.plan = plan
        self.paths = paths
        self.adjustable = [glob for glob, _ in storage.patterns]
        self.sources = {storage.key(name): name for name in plan.sources}
        # Hashed names given outside Django's passes: kept from the last run,
        # or given here to files that reference nothing.
        self.named = dict(plan.kept)
        # Stylesheets and scripts as Django's passes leave them, by hashed name;
        # each is written once Django gives its final name.
        self.outputs = {}
        self.compressor = storage.create_compressor(
            extensions=getattr(settings, "WHITENOISE_SKIP_COMPRESS_EXTENSIONS", None),
            quiet=True,
        )
        self.compression = Compression(self.compressor)
        self.copies = []  # (path, content digest, or None for no copies)
        for name, data in plan.final.items():
            if self.compressor.should_compress(name):
                self.compression.start(plan.sources[name], data)
        for name in plan.stale:
            self.refresh_unhashed_copy(name)

    def refresh_unhashed_copy(self, name):
        """collectstatic copies a source only when it is newer than the copy:
        where build tools fix modification times, an edit keeps its time."""
        target = self.storage.path(name)
        if os.path.islink(target):  # collectstatic --link
            return
        copy = read_if_there(target)
        if copy is None or build.digest(copy) != self.plan.sources[name]:
            self.storage.replace(name, ContentFile(self.read_source(name)))

    def hash_final_sources(self):
        """Name and write the changed files that reference nothing, as Django's
        post-processing would: (name, hashed name, processed) for each."""
        for name, data in self.plan.final.items():
            hashed_name = self.storage.clean_name(
                self.storage.hashed_name(name, ContentFile(data))
            )
            written = self.finished(name, hashed_name, data, self.plan.sources[name])
            self.named[name] = hashed_name
            # Django counts a stylesheet or script processed whatever it did.
            yield name, hashed_name, written or matches_patterns(name, self.adjustable)

    def django_sources(self):
        """The changed files whose references Django's passes rewrite."""
        return {
            name: self.paths[name]
            for name in self.plan.stale
            if name not in self.plan.final
        }

    def save(self, name, content):
        """Django's passes save a stylesheet or script on every pass: keep it
        until its name is final (built())."""
        name = self.storage.clean_name(name)
        self.outputs[name] = b"".join(content.chunks())
        return name

    def referenced(self, name, hash_from_file):
        """The hashed name of a file a stylesheet or script references, before
        Django has processed it in this run. A file named outside Django's passes
        keeps that name; a file that is no source of this run is missing, as in
        an empty STATIC_ROOT."""
        path = urlsplit(unquote(name)).path.strip()
        source = self.sources.get(self.storage.key(path))
        if source is None:
            raise ValueError(
                f"The file '{path}' could not be found with {self.storage!r}."
            )
        if source in self.named:  # hashed from its output, which is written
            return hash_from_file(name, filename=self.named[source])
        return hash_from_file(name)

    def built(self, name, hashed_name):
        """Django gave ``name``'s output its final name."""
        data = self.outputs.pop(hashed_name)
        self.finished(name, hashed_name, data, build.digest(data))

    def finished(self, name, hashed_name, data, key):
        """Write ``name``'s output (``data``, whose digest is ``key``) unless
        its hashed file holds it, and plan the compressed copies of it and of
        the unhashed copy. Whether it wrote the file."""
        written = read_if_there(self.storage.path(hashed_name)) != data
        if written:
            self.storage.replace(hashed_name, ContentFile(data))
        if not self.compressor.should_compress(hashed_name):
            key = None  # and no copies, even from a run with other settings
        if hashed_name not in self.plan.done:
            if key is not None:
                self.compression.start(key, data)
            self.copies.append((self.storage.path(hashed_name), key))
        if not self.storage.keep_only_hashed_files:
            same = key == self.plan.sources[name]
            self.copies.append((self.storage.path(name), key if same else None))
        return written

    def read_source(self, name):
        return build.read_source(*self.paths[name])

    def finish(self):
        """Write the compressed copies; with WHITENOISE_KEEP_ONLY_HASHED_FILES,
        delete the unhashed copies (and any copies of theirs), as WhiteNoise does."""
        for path, key in self.copies:
            write_copies(path, self.compression.copies(key) if key else {})
        if self.storage.keep_only_hashed_files:
            hashed = set(self.storage.hashed_files.values())
            self.storage.delete_files(
                f"{name}{suffix}"
                for name in self.paths
                if self.storage.clean_name(name) not in hashed
                for suffix in ("", ".br", ".gz")
            )

    def close(self):
        self.compression.close()
