"""Upload what collectstatic built in STATIC_ROOT to the bucket, skipping what is there.

One listing tells what the bucket holds. The hashed names the manifest lists
are content-addressed, so one that is there is up to date, whatever checksum
the bucket gives it; any other file is compared by checksum, which the storage
class reads from the listing (and, where the listing cannot tell, from the
object). A re-run with nothing changed therefore costs a request or two, not
one or more per file.

Uploads run on a few threads. The manifest goes last, and only once every other
upload has succeeded: first under the release's own name (manifest.py), whose
presence says the release's files are all there, then as staticfiles.json.
Files of earlier releases stay for pages that still link them.

The storage class (STORAGES["staticfiles"]) provides, besides Django's API:
``stored_checksums()``, {name: what the listing says of its content} for every
object under its location, and ``holds_file(name, path, listed)``, whether the
object ``name`` holds the bytes of the local file ``path``.

Why not collectfasta, the library for this job: measured side by side on
emulators (benchmarks/buckets.py in this package's repository), it
makes several times the requests, and more: on S3 its storage wrapper drops
the Cache-Control set here; on GCS and Azure Django's manifest storage reads
each file back from the bucket; an upload that fails on one of its threads goes
unreported, and the manifest goes up anyway.
"""

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.module_loading import import_string

from sitefiles.cloud.manifest import release_manifest_name

# Uploads wait on the network, not the CPU. The threads share the storage's
# SDK client, which boto3, google-cloud-storage and the Azure SDK each document
# as safe to share between threads (s3.py says how boto3's is used). Those
# clients keep 10 connections each: more threads would open and drop
# connections instead of reusing them.
UPLOAD_THREADS = 8


class UploadError(Exception):
    """An upload failed, so the manifest was not replaced."""


@dataclass
class Published:
    """What publish() did: names uploaded, and names the bucket had already."""

    uploaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


class BucketStorage(Protocol):
    """What the static storage class provides for publish() (see above)."""

    def save(self, name: str, content: File) -> str: ...

    def stored_checksums(self) -> dict[str, str | None]: ...

    def holds_file(self, name: str, path: Path, listed: str | None) -> bool: ...


def built_files(root: str | PathLike[str]) -> list[str]:
    """Relative names of the files under ``root``, dot-files (.gitkeep) left out."""
    root = Path(root)
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.parts)
    )


def content_md5(file):
    """The MD5 digest of a Django File's content, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    for chunk in file.chunks():
        digest.update(chunk)
    return digest


def md5(path: str | PathLike[str]) -> str:
    with Path(path).open("rb") as file:
        return content_md5(File(file)).hexdigest()


def read_manifest(manifest: Path) -> dict:
    """A manifest (staticfiles.json) as JSON, or {} where there is none."""
    if not manifest.is_file():
        return {}
    return json.loads(manifest.read_text())


def upload(bucket: BucketStorage, name: str, path: Path) -> None:
    with path.open("rb") as file:
        saved = bucket.save(name, File(file, name=name))
    if saved != name:  # the manifest would link the old content
        raise ImproperlyConfigured(
            f"{name} was stored as {saved}: the static storage must "
            "overwrite files in place."
        )


def publish(
    root: str | PathLike[str],
    bucket: BucketStorage,
    manifest_name: str = "staticfiles.json",
    threads: int = UPLOAD_THREADS,
) -> Published:
    """Upload new and changed files from ``root`` to ``bucket``, manifest last."""
    root = Path(root)
    # One request or a few, on this thread: the SDK client (and its token)
    # exists before the workers share it.
    stored = bucket.stored_checksums()
    manifest = read_manifest(root / manifest_name)
    hashed = set(manifest.get("paths", {}).values())
    release = None
    if manifest.get("hash"):
        release = release_manifest_name(manifest_name, manifest["hash"])
        hashed.add(release)

    def publish_file(name: str, path: Path | None = None) -> bool:
        """Upload ``path`` (``name`` in ``root``) as ``name`` unless the bucket
        has it; whether it uploaded."""
        path = path or root / name
        if name in stored and (
            name in hashed or bucket.holds_file(name, path, stored[name])
        ):
            return False
        upload(bucket, name, path)
        return True

    names = built_files(root)
    files = [name for name in names if name != manifest_name]
    results = upload_all(publish_file, files, threads)
    if manifest_name in names:
        if release:
            results[release] = publish_file(release, root / manifest_name)
        results[manifest_name] = publish_file(manifest_name)
    published = Published()
    for name, uploaded in results.items():
        (published.uploaded if uploaded else published.unchanged).append(name)
    return published


def upload_all(
    publish_file: Callable[[str], bool], names: list[str], threads: int
) -> dict[str, bool]:
    """{name: uploaded} for ``names``, on ``threads`` threads; at the first
    failure, files not started are dropped and UploadError is raised once the
    uploads under way have ended."""
    pool = ThreadPoolExecutor(threads, thread_name_prefix="publish")
    try:
        futures = {name: pool.submit(publish_file, name) for name in names}
        wait(futures.values(), return_when=FIRST_EXCEPTION)
    finally:
        pool.shutdown(cancel_futures=True)
    for name, future in futures.items():
        if not future.cancelled() and future.exception() is not None:
            error = future.exception()
            raise UploadError(
                f"Uploading {name} failed ({type(error).__name__}: {error}). "
                "The bucket keeps its previous manifest, so pages still link "
                "the files it names; run collectstatic again to finish."
            ) from error
    return {name: future.result() for name, future in futures.items()}


def static_in_a_bucket() -> bool:
    """Whether STORAGES["staticfiles"] is a bucket storage this module
    publishes to: one that provides stored_checksums() and holds_file()."""
    backend = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
    return hasattr(backend, "stored_checksums")


def bucket_storage() -> Storage:
    """STORAGES["staticfiles"], reading its manifest from STATIC_ROOT (as the
    storages of sitefiles.cloud do unless told otherwise): the copy in the
    bucket is about to be replaced, so fetching it would be a wasted request."""
    static = settings.STORAGES["staticfiles"]
    return import_string(static["BACKEND"])(
        manifest_storage=FileSystemStorage(location=settings.STATIC_ROOT),
        **static.get("OPTIONS", {}),
    )
