"""Production's static storage: WhiteNoise's compressed manifest storage, made
incremental and safe to run beside a site that is serving.

It is whitenoise.storage.CompressedManifestStaticFilesStorage, so every setting
WhiteNoise documents keeps its meaning (WHITENOISE_MANIFEST_STRICT,
WHITENOISE_KEEP_ONLY_HASHED_FILES, WHITENOISE_SKIP_COMPRESS_EXTENSIONS) and its
error naming the file that references a missing one stays. What it changes:

- Hashed files are content-addressed: site.3f2a1b9c0d4e.css always holds the
  same bytes, so a run writes only those that are missing, each under a
  temporary name renamed into place (sitefiles.pipeline.writing), and deletes none.
  Django's passes rewrite a stylesheet several times; here it is written once,
  when its name is final. The manifest, the one file that changes, is replaced
  the same way, as the very last step: a run killed at any moment leaves the
  previous manifest and every file it names; the next run finishes the job.
- Reuse: every source is read on every run, and only what changed is built,
  with what references it (sitefiles.pipeline.build decides, .run does). Files
  that reference nothing are hashed once, not by each of Django's passes. The
  result is what a run into an empty STATIC_ROOT gives.
- Compression: each distinct content once, at brotli quality 10, in threads
  (sitefiles.pipeline.compression), starting before Django has hashed the rest. An
  unhashed copy is compressed when it has its hashed file's bytes; one that
  differs (a stylesheet before its url()s were rewritten: pages link only the
  hashed name) is served uncompressed rather than cost a second compression.
"""

import json
import os
from contextlib import suppress
from typing import Any

from django.core.files.base import ContentFile, File
from whitenoise.storage import CompressedManifestStaticFilesStorage

from sitefiles.pipeline import build
from sitefiles.pipeline.compression import QualityCompressor
from sitefiles.pipeline.run import Run
from sitefiles.pipeline.writing import existing_files, partial_path, write_whole


class CompressedManifestStorage(CompressedManifestStaticFilesStorage):
    run = None  # the collectstatic run in progress (post_process), else None

    def __init__(self, *args, allow_overwrite=True, **kwargs):
        # collectstatic replaces the unhashed copies it collects: a name that a
        # concurrent run just took must not become site_AbC123.css.
        super().__init__(*args, allow_overwrite=allow_overwrite, **kwargs)

    def key(self, name: str) -> str:
        """The manifest's key for a source name."""
        return self.hash_key(self.clean_name(name))

    # --- Writing: whole, and never over a content-addressed file -------------

    def _save(self, name, content):
        if self.run is not None:
            return self.run.save(name, content)
        return self.replace(name, content)

    def replace(self, name: str, content: File) -> str:
        """Save ``content`` whole: FileSystemStorage writes a temporary file
        (directories, modes and group as configured), renamed over ``name``."""
        partial = partial_path(name)
        try:
            partial = super()._save(partial, content)
            os.replace(self.path(partial), self.path(name))
        except BaseException as error:
            with suppress(FileNotFoundError):
                os.remove(self.path(partial))
            if isinstance(error, PermissionError):
                raise PermissionError(
                    error.errno,
                    f"{self.location} is not writable by this user: run "
                    "collectstatic as the user who owns it",
                    error.filename,
                ) from error
            raise
        return self.clean_name(name)

    def delete(self, name):
        # Django's post-processing deletes a hashed file before saving it again;
        # a run only adds files, so a page being served never loses one.
        if self.run is None:
            super().delete(name)

    def hashed_name(self, name, content=None, filename=None):
        if content is None and self.run is not None:
            # A reference to a file Django has not processed in this run.
            return self.run.referenced(name, super().hashed_name)
        return super().hashed_name(name, content, filename)

    # --- A run ------------------------------------------------------------------

    def post_process(self, paths, dry_run=False, **options):
        if dry_run:
            return
        on_disk = existing_files(self.location)
        run = self.run = Run(self, build.plan(self, paths, on_disk), paths)
        try:
            yield from run.hash_final_sources()
            django_sources = run.django_sources()
            for name, hashed_name, processed in super().post_process(
                django_sources, **options
            ):
                if isinstance(processed, Exception):
                    # collectstatic raises it and leaves this generator as it
                    # is: end the run first. No manifest is written.
                    self.end(run)
                    yield name, hashed_name, processed
                    return
                yield name, hashed_name, processed
                if hashed_name:
                    run.built(name, hashed_name)
            for name, hashed_name in run.named.items():
                self.hashed_files[self.key(name)] = hashed_name
            for name, hashed_name in run.plan.kept.items():
                yield name, hashed_name, False
            run.finish()
            self.write_manifest(run.plan.record())
        finally:
            self.end(run)

    def end(self, run: Run) -> None:
        run.close()
        if self.run is run:  # and not a later run of this storage
            self.run = None

    def create_compressor(self, **kwargs):
        return QualityCompressor(**kwargs)

    def post_process_with_compression(self, files):
        return files  # WhiteNoise's step: the run compresses, once and in order

    def make_helpful_exception(self, exception, name):
        # WhiteNoise's clearer error, with the notes Django adds to the one it
        # replaces (Django 6.1: the line of the reference).
        helpful = super().make_helpful_exception(exception, name)
        if helpful is not exception:
            for note in getattr(exception, "__notes__", ()):
                helpful.add_note(note)
        return helpful

    def save_manifest(self):
        # Django's post-processing calls this before the files are compressed:
        # a run writes the manifest itself, last.
        if self.run is None:
            self.write_manifest(self.recorded_build(self.hashed_files))

    def recorded_build(self, paths: dict[str, str]) -> dict[str, Any]:
        """The record in the manifest on disk, if it has these paths: saving
        them again keeps what they were built from."""
        try:
            current = json.loads(self.read_manifest() or "{}")
        except ValueError:
            return {}
        if not isinstance(current, dict) or current.get("paths") != paths:
            return {}
        return {key: current[key] for key in build.RECORD if key in current}

    def write_manifest(self, record: dict[str, Any]) -> None:
        """Django's manifest (paths sorted), plus the record of what it was built
        from; written whole, and only when it changed."""
        self.hashed_files = dict(sorted(self.hashed_files.items()))
        self.manifest_hash = self.file_hash(
            None, ContentFile(json.dumps(sorted(self.hashed_files.items())).encode())
        )
        payload = {
            "paths": self.hashed_files,
            "version": self.manifest_version,
            "hash": self.manifest_hash,
            **record,
        }
        contents = json.dumps(payload).encode()
        path = self.manifest_storage.path(self.manifest_name)
        with suppress(FileNotFoundError), open(path, "rb") as current:
            if current.read() == contents:
                return
        write_whole(path, contents)
