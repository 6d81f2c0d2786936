"""One collectstatic run of the project's static storage (files/storage.py):
the files it writes, each once, and the compressed copies it plans for them.
"""

import os
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles.utils import matches_patterns
from django.core.files.base import ContentFile

from files import build
from files.compression import Compression, write_copies
from files.writing import read_if_there


class Run:
    """One collectstatic run: what it writes, and what it compresses."""

    def __init__(self, storage, plan, paths):
        self.storage = storage
        self.plan = plan
        self.paths = paths
        self.adjustable = [glob for glob, _ in storage.patterns]
        self.sources = {storage.key(name): name for name in plan.sources}
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

    def save(self, name, content):
        name = self.storage.clean_name(name)
        if matches_patterns(name, self.adjustable):
            self.outputs[name] = b"".join(content.chunks())
            return name
        # Django saves a file that references nothing only if it is missing.
        return self.storage.replace(name, content)

    def referenced(self, name, hash_from_file):
        """The hashed name of a file a stylesheet or script references, before
        Django has processed it in this run. A kept file keeps its name; a file
        that is no source of this run is missing, as in an empty STATIC_ROOT."""
        path = urlsplit(unquote(name)).path.strip()
        source = self.sources.get(self.storage.key(path))
        if source is None:
            raise ValueError(
                f"The file '{path}' could not be found with {self.storage!r}."
            )
        if source in self.plan.kept:  # named after its output, as recorded
            return hash_from_file(name, filename=self.plan.kept[source])
        return hash_from_file(name)

    def built(self, name, hashed_name, processed):
        """Django gave ``name``'s output its final name: write it if it waited,
        and plan the compressed copies of it and of the unhashed copy."""
        data = self.outputs.pop(hashed_name, None)
        if data is not None:
            key = build.digest(data)
            if read_if_there(self.storage.path(hashed_name)) != data:
                self.storage.replace(hashed_name, ContentFile(data))
        else:  # a file that references nothing: the source's bytes
            key = self.plan.sources[name]
            if not processed and hashed_name not in self.plan.done:
                # There before this run, from no run on record: trust no one.
                data = read_if_there(self.storage.path(hashed_name))
                if data is None or build.digest(data) != key:
                    data = self.read_source(name)
                    self.storage.replace(hashed_name, ContentFile(data))
        if not self.compressor.should_compress(hashed_name):
            key = None  # and no copies, even from a run with other settings
        if hashed_name not in self.plan.done:
            if key is not None:
                if data is None:
                    data = self.read(hashed_name)
                self.compression.start(key, data)
            self.copies.append((self.storage.path(hashed_name), key))
        if not self.storage.keep_only_hashed_files:
            same = key == self.plan.sources[name]
            self.copies.append((self.storage.path(name), key if same else None))

    def read(self, name):
        with self.storage.open(name) as file:
            return file.read()

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
