"""Google Cloud Storage.

No class here sets an ACL: access comes from IAM, so buckets with uniform
bucket-level access work. Needs the ``gcs`` extra.
"""

import base64
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.files.storage import Storage
from storages.backends.gcloud import GoogleCloudStorage
from storages.utils import clean_name

from sitefiles.caching import cache_control
from sitefiles.cloud.cors import CORS_MAX_AGE, CORS_METHODS
from sitefiles.cloud.direct_uploads import ReceivedUpload
from sitefiles.cloud.manifest import ReleaseManifestMixin
from sitefiles.cloud.publish import md5
from sitefiles.media_types import media_headers


class MediaStorage(GoogleCloudStorage):
    """Uploads: typed by the server from the name; a taken name gets a new one."""

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        content_type, disposition = media_headers(name)
        return {
            **super().get_object_parameters(name),
            "content_type": content_type,
            "content_disposition": disposition,
        }

    # Direct uploads (sitefiles.cloud.direct_uploads).

    def upload_grant(
        self, incoming_name: str, max_size: int, expires: int
    ) -> dict[str, Any]:
        """A signed PUT URL (V4) for this name only: GCS refuses a request
        without these headers, and more than max_size bytes
        (x-goog-content-length-range)."""
        content_type, disposition = media_headers(incoming_name)
        headers = {
            "Content-Disposition": disposition,
            "x-goog-content-length-range": f"1,{max_size}",
        }
        signing = {}
        if self.iam_sign_blob:  # as url() signs without a key file
            email, token = self._get_iam_sign_blob_params()
            signing = {"service_account_email": email, "access_token": token}
        url = self.bucket.blob(incoming_name).generate_signed_url(
            version="v4",
            method="PUT",
            expiration=timedelta(seconds=expires),
            content_type=content_type,
            headers=dict(headers),  # the SDK adds Host to it, which browsers refuse
            **signing,
        )
        return {
            "method": "PUT",
            "url": url,
            "headers": {"Content-Type": content_type, **headers},
        }

    def received_upload(self, incoming_name: str, length: int) -> ReceivedUpload | None:
        blob = self.bucket.get_blob(incoming_name)
        if blob is None:
            return None
        start = b""
        if blob.size:
            start = blob.download_as_bytes(
                start=0, end=length - 1, if_generation_match=blob.generation
            )
        return ReceivedUpload(incoming_name, blob.size, start, blob.generation)

    def keep_upload(self, received: ReceivedUpload, name: str) -> None:
        """Copy the checked generation to ``name``, in the bucket, then give it
        the headers every saved file gets (a copy keeps the upload's)."""
        kept = self.bucket.copy_blob(
            self.bucket.blob(received.incoming_name),
            self.bucket,
            self._normalize_name(clean_name(name)),
            source_generation=received.version,
        )
        parameters = self.get_object_parameters(name)
        parameters.pop("acl", None)  # none is set: IAM decides (see above)
        for field, value in parameters.items():
            setattr(kept, field, value)
        kept.patch(if_generation_match=kept.generation)

    def discard_upload(self, incoming_name: str) -> None:
        self.bucket.delete_blob(incoming_name)

    def cors_rules(self, origins: Iterable[str]) -> list[dict[str, Any]]:
        """The site's origins may PUT direct uploads (upload_grant), with the
        headers it names (GCS allows request headers by responseHeader)."""
        return [
            {
                "origin": list(origins),
                "method": ["PUT"],
                "responseHeader": [
                    "Content-Type",
                    "Content-Disposition",
                    "x-goog-content-length-range",
                ],
                "maxAgeSeconds": CORS_MAX_AGE,
            }
        ]

    def set_cors(self, rules: list[dict[str, Any]]) -> None:
        set_bucket_cors(self, rules)


class StaticStorage(ReleaseManifestMixin, GoogleCloudStorage):
    """collectstatic's output, linked through the release's manifest (manifest.py)."""

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        return {
            **super().get_object_parameters(name),
            "cache_control": cache_control(name),
        }

    def cors_rules(self, origins: Iterable[str]) -> list[dict[str, Any]]:
        """The bucket's `cors` field: GET and HEAD from the site's origins."""
        return [
            {
                "origin": list(origins),
                "method": list(CORS_METHODS),
                "maxAgeSeconds": CORS_MAX_AGE,
            }
        ]

    def set_cors(self, rules: list[dict[str, Any]]) -> None:
        set_bucket_cors(self, rules)

    def stored_checksums(self) -> dict[str, str | None]:
        """{name: MD5} of every object under the prefix, 1,000 per request.
        Composite objects (made by compose, or by gcloud's parallel composite
        uploads) have none: None."""
        prefix = f"{self.location}/" if self.location else ""
        return {
            blob.name.removeprefix(prefix): (
                base64.b64decode(blob.md5_hash).hex() if blob.md5_hash else None
            )
            for blob in self.bucket.list_blobs(prefix=prefix)
        }

    def holds_file(self, name: str, path: Path, stored_md5: str | None) -> bool:
        """Whether the object holds the file's bytes. One without an MD5 is
        uploaded again, once: what this class uploads is never composite."""
        return stored_md5 is not None and stored_md5 == md5(path)


def set_bucket_cors(storage: Storage, rules: list[dict[str, Any]]) -> None:
    """Replace the bucket's CORS rules: the buckets are the site's own
    (bucket_cors gives static and media files' rules together when they share
    one)."""
    storage.bucket.cors = rules
    storage.bucket.patch()
