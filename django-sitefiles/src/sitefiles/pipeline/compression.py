"""The brotli and gzip copies WhiteNoise and the web server send to browsers
that accept them: site.3f2a1b9c0d4e.css.br beside site.3f2a1b9c0d4e.css.

Each distinct content is compressed once, in threads: brotli and zlib release
the GIL while they compress, so the threads use every core while Django goes on
hashing, and they end with the process that started them, however it ends.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import brotli
from whitenoise.compress import Compressor

from sitefiles.pipeline.writing import read_if_there, write_whole

# Brotli's quality 11 (WhiteNoise's) takes about 2.5 times as long as 10 for
# files a few percent smaller; python -m benchmarks.run measures both.
BROTLI_QUALITY = 10
SUFFIXES = (".br", ".gz")


class QualityCompressor(Compressor):
    """WhiteNoise's compressor (its extensions and its 5% rule) at BROTLI_QUALITY."""

    @staticmethod
    def compress_brotli(data):
        return brotli.compress(data, quality=BROTLI_QUALITY)


def compressed_copies(compressor, data):
    """{suffix: bytes} of the copies worth keeping, as WhiteNoise decides: none
    unless brotli saves 5%; gzip only if it saves 5% too."""
    copies, size = {}, len(data)
    if compressor.use_brotli:
        compressed = compressor.compress_brotli(data)
        if not compressor.is_compressed_effectively("Brotli", "", size, compressed):
            return copies
        copies[".br"] = compressed
    if compressor.use_gzip:
        compressed = compressor.compress_gzip(data)
        if compressor.is_compressed_effectively("Gzip", "", size, compressed):
            copies[".gz"] = compressed
    return copies


class Compression:
    """Compress contents in threads, each once. While Django hashes (one core,
    in this thread), compression takes the other cores; then all of them."""

    def __init__(self, compressor):
        self.compressor = compressor
        cores = os.cpu_count() or 1
        self.pool = ThreadPoolExecutor(max_workers=cores)
        self.cores = threading.Semaphore(max(cores - 1, 1))
        self.hashing = cores > 1
        self.jobs = {}  # content digest -> future of its copies

    def start(self, key, data):
        """Have ``data`` (whose digest is ``key``) compressed, unless it is already."""
        if key not in self.jobs:
            self.jobs[key] = self.pool.submit(self.compress, data)

    def compress(self, data):
        with self.cores:
            return compressed_copies(self.compressor, data)

    def hashed(self):
        """Django is done hashing: its core is free for compression too."""
        if self.hashing:
            self.hashing = False
            self.cores.release()

    def copies(self, key):
        """{suffix: bytes} for the content whose digest is ``key``, once done."""
        self.hashed()
        return self.jobs[key].result()

    def close(self):
        """Drop what has not started (after a failure, nothing is written);
        without waiting: a compression under way ends on its own, soon."""
        self.pool.shutdown(wait=False, cancel_futures=True)


def write_copies(path, copies):
    """Write each copy whole, unless those bytes are there already, and remove
    a copy of older content that no new copy replaces. As WhiteNoise does,
    copies are as old as their file."""
    modified = os.stat(path).st_mtime
    for suffix in SUFFIXES:
        if suffix not in copies:
            with suppress(FileNotFoundError):
                os.remove(path + suffix)
        elif read_if_there(path + suffix) != copies[suffix]:
            write_whole(path + suffix, copies[suffix], modified)
