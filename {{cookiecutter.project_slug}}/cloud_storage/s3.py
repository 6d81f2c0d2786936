"""Amazon S3 and S3-compatible services (MinIO, Cloudflare R2, DigitalOcean Spaces).

No class here sets an ACL: access comes from the bucket's policy, so buckets
with ACLs disabled (S3's default) work.
"""
{% if cookiecutter.static_storage == "s3" %}
from botocore.exceptions import ClientError
from django.contrib.staticfiles.storage import ManifestFilesMixin
{%- endif %}
from storages.backends.s3 import S3Storage
{% if cookiecutter.static_storage == "s3" %}
from cloud_storage.cors import CORS_MAX_AGE, CORS_METHODS
from cloud_storage.publish import content_md5, md5
from files.caching import cache_control
{%- endif %}
{%- if cookiecutter.media_storage == "s3" %}
from files.media_types import media_headers
{%- endif %}
{%- if cookiecutter.media_storage == "s3" %}


class MediaStorage(S3Storage):
    """Uploads: typed by the server from the name; a taken name gets a new one."""

    def get_object_parameters(self, name):
        content_type, disposition = media_headers(name)
        return {
            **super().get_object_parameters(name),
            "ContentType": content_type,
            "ContentDisposition": disposition,
        }
{%- endif %}
{%- if cookiecutter.static_storage == "s3" %}


class StaticStorage(ManifestFilesMixin, S3Storage):
    """collectstatic's output, linked through its manifest (staticfiles.json).

    The publisher's threads share django-storages' one Bucket, only to make an
    Object of their own for each upload or check, and so share its client,
    which boto3 documents as thread-safe. A resource per thread would need a
    boto3 session each, whose set-up costs more CPU than many small uploads.
    """

    def get_object_parameters(self, name):
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

    def cors_rules(self, origins):
        """What put_bucket_cors takes: GET and HEAD from the site's origins."""
        return {
            "CORSRules": [
                {
                    "AllowedOrigins": list(origins),
                    "AllowedMethods": list(CORS_METHODS),
                    "MaxAgeSeconds": CORS_MAX_AGE,
                }
            ]
        }

    def set_cors(self, rules):
        """Replace the bucket's CORS rules (the static bucket is the site's own)."""
        self.connection.meta.client.put_bucket_cors(
            Bucket=self.bucket_name, CORSConfiguration=rules
        )

    def stored_checksums(self):
        """{name: ETag} of every object under the prefix, 1,000 per request."""
        prefix = f"{self.location}/" if self.location else ""
        return {
            item.key.removeprefix(prefix): item.e_tag.strip('"')
            for item in self.bucket.objects.filter(Prefix=prefix)
        }

    def holds_file(self, name, path, etag):
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
{%- endif %}
