"""The manifest that a bucket's static storage links pages through: the
release's own, from STATIC_ROOT.

collectstatic hashes the files in STATIC_ROOT and writes staticfiles.json there
before it uploads them (publish.py). The bucket keeps the files of every
release, and its staticfiles.json is the last release's. A site that read that
copy would link whatever release published last: during a rolling deploy, a
process of the old release that restarts would link the new release's
stylesheet from its old pages. Read from STATIC_ROOT (built by the release's
own collectstatic, in its image or on its server), each release links its own
files, which stay in the bucket.

publish() uploads the manifest under a name of the release's as well (its
hash in it, as in a hashed file's name), after every file it names: that
object is there once the release's files all are, which the readiness probe
asks with one request (sitefiles.readiness).
"""

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage


def release_manifest_name(manifest_name: str, manifest_hash: str) -> str:
    """staticfiles.json, with the hash of what it names: staticfiles.<hash>.json."""
    stem, dot, suffix = manifest_name.rpartition(".")
    if not dot:
        return f"{manifest_name}.{manifest_hash}"
    return f"{stem}.{manifest_hash}.{suffix}"


class ReleaseManifestMixin(ManifestFilesMixin):
    """Django's ManifestFilesMixin, its manifest read from STATIC_ROOT unless
    ``manifest_storage`` says where."""

    def __init__(self, *args, manifest_storage=None, **kwargs):
        if manifest_storage is None:
            if not settings.STATIC_ROOT:
                raise ImproperlyConfigured(
                    "STATIC_ROOT must be set: a bucket's static storage reads "
                    "the release's manifest (staticfiles.json) there."
                )
            manifest_storage = FileSystemStorage(location=settings.STATIC_ROOT)
        super().__init__(*args, manifest_storage=manifest_storage, **kwargs)

    @property
    def release_manifest_name(self) -> str:
        """The bucket's copy of this release's manifest, there once its files are."""
        return release_manifest_name(self.manifest_name, self.manifest_hash)
