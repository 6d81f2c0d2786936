"""Amazon S3 and S3-compatible services (MinIO, Cloudflare R2, DigitalOcean Spaces).

No class here sets an ACL: access comes from the bucket's policy, so buckets
with ACLs disabled (S3's default) work. Needs the ``s3`` extra.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from django.core.files.storage import Storage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from sitefiles.caching import cache_control
from sitefiles.cloud.cors import CORS_MAX_AGE, CORS_METHODS
from sitefiles.cloud.direct_uploads import ReceivedUpload
from sitefiles.cloud.manifest import ReleaseManifestMixin
from sitefiles.cloud.publish import content_md5, md5
from sitefiles.media_types import media_headers


class MediaStorage(S3Storage):
    """Uploads: typed by the server from the name; a taken name gets a new one."""

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        content_type, disposition = media_headers(name)
        return {
            **super().get_object_parameters(name),
            "ContentType": content_type,
            "ContentDisposition": disposition,
        }

    # Direct uploads (sitefiles.cloud.direct_uploads).

    def upload_grant(
        self, incoming_name: str, max_size: int, expires: int
    ) -> dict[str, Any]:
        """A presigned POST: S3 takes this key only, with these Content-Type
        and Content-Disposition, and at most max_size bytes."""
        content_type, disposition = media_headers(incoming_name)
        fields = {"Content-Type": content_type, "Content-Disposition": disposition}
        post = self.connection.meta.client.generate_presigned_post(
            self.bucket_name,
            incoming_name,
            Fields=fields,
            Conditions=[
                *({field: value} for field, value in fields.items()),
                ["content-length-range", 1, max_size],
            ],
            ExpiresIn=expires,
        )
        return {"method": "POST", "url": post["url"], "fields": post["fields"]}

    def received_upload(self, incoming_name: str, length: int) -> ReceivedUpload | None:
        client = self.connection.meta.client
        try:
            head = client.head_object(Bucket=self.bucket_name, Key=incoming_name)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        start = b""
        if head["ContentLength"]:
            start = client.get_object(
                Bucket=self.bucket_name,
                Key=incoming_name,
                Range=f"bytes=0-{length - 1}",
                IfMatch=head["ETag"],
            )["Body"].read()
        return ReceivedUpload(incoming_name, head["ContentLength"], start, head["ETag"])

    def keep_upload(self, received: ReceivedUpload, name: str) -> None:
        """Copy the checked bytes (their ETag) to ``name``, in the bucket, with
        the object parameters every saved file gets."""
        self.connection.meta.client.copy_object(
            Bucket=self.bucket_name,
            Key=self._normalize_name(clean_name(name)),
            CopySource={"Bucket": self.bucket_name, "Key": received.incoming_name},
            CopySourceIfMatch=received.version,
            MetadataDirective="REPLACE",
            **self.get_object_parameters(name),
        )

    def discard_upload(self, incoming_name: str) -> None:
        self.connection.meta.client.delete_object(
            Bucket=self.bucket_name, Key=incoming_name
        )

    def cors_rules(self, origins: Iterable[str]) -> list[dict[str, Any]]:
        """The site's origins may POST direct uploads (upload_grant)."""
        return [
            {
                "AllowedOrigins": list(origins),
                "AllowedMethods": ["POST"],
                "MaxAgeSeconds": CORS_MAX_AGE,
            }
        ]

    def set_cors(self, rules: list[dict[str, Any]]) -> None:
        set_bucket_cors(self, rules)


class StaticStorage(ReleaseManifestMixin, S3Storage):
    """collectstatic's output, linked through the release's manifest (manifest.py).

    The publisher's threads share django-storages' one Bucket, only to make an
    Object of their own for each upload or check, and so share its client,
    which boto3 documents as thread-safe. A resource per thread would need a
    boto3 session each, whose set-up costs more CPU than many small uploads.
    """

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        return {
            **super().get_object_parameters(name),
            "CacheControl": cache_control(name),
        }

    def _get_write_parameters(self, name, content=None):
        # Where django-storages has the content (get_object_parameters gets
        # the name only): the MD5 goes in the object's metadata, for when its
        # ETag is not one (see holds_file).
        parameters = super()._get_write_parameters(name, content)
        if content is not None:
            parameters["Metadata"] = {
                **parameters.get("Metadata", {}),
                "md5": content_md5(content).hexdigest(),
            }
        return parameters

    def cors_rules(self, origins: Iterable[str]) -> list[dict[str, Any]]:
        """The site's origins may GET and HEAD static files."""
        return [
            {
                "AllowedOrigins": list(origins),
                "AllowedMethods": list(CORS_METHODS),
                "MaxAgeSeconds": CORS_MAX_AGE,
            }
        ]

    def set_cors(self, rules: list[dict[str, Any]]) -> None:
        set_bucket_cors(self, rules)

    def stored_checksums(self) -> dict[str, str | None]:
        """{name: ETag} of every object under the prefix, 1,000 per request."""
        prefix = f"{self.location}/" if self.location else ""
        return {
            item.key.removeprefix(prefix): item.e_tag.strip('"')
            for item in self.bucket.objects.filter(Prefix=prefix)
        }

    def holds_file(self, name: str, path: Path, etag: str | None) -> bool:
        """Whether the object holds the file's bytes: its ETag is their MD5,
        or, for the objects whose ETag is not an MD5 (multipart uploads,
        SSE-KMS and SSE-C encryption), the MD5 in its metadata is."""
        local = md5(path)
        if etag == local:
            return True
        # A HEAD request, for this object only: a listing has no metadata.
        stored = self.bucket.Object(self._normalize_name(name))
        try:
            stored.load()
        except ClientError:
            return False  # gone since the listing, or unreadable: upload it
        return (stored.metadata or {}).get("md5") == local


def set_bucket_cors(storage: Storage, rules: list[dict[str, Any]]) -> None:
    """Replace the bucket's CORS rules: the buckets are the site's own
    (bucket_cors gives static and media files' rules together when they share
    one)."""
    storage.connection.meta.client.put_bucket_cors(
        Bucket=storage.bucket_name, CORSConfiguration={"CORSRules": rules}
    )
