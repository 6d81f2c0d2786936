"""Google Cloud Storage.

No class here sets an ACL: access comes from IAM, so buckets with uniform
bucket-level access work.
"""
{% if cookiecutter.static_storage == "gcs" %}
import base64

from django.contrib.staticfiles.storage import ManifestFilesMixin
{%- endif %}
from storages.backends.gcloud import GoogleCloudStorage
{% if cookiecutter.static_storage == "gcs" %}
from cloud_storage.cors import CORS_MAX_AGE, CORS_METHODS
from cloud_storage.publish import md5
from files.caching import cache_control
{%- endif %}
{%- if cookiecutter.media_storage == "gcs" %}
from files.media_types import media_headers
{%- endif %}
{%- if cookiecutter.media_storage == "gcs" %}


class MediaStorage(GoogleCloudStorage):
    """Uploads: typed by the server from the name; a taken name gets a new one."""

    def get_object_parameters(self, name):
        content_type, disposition = media_headers(name)
        return {
            **super().get_object_parameters(name),
            "content_type": content_type,
            "content_disposition": disposition,
        }
{%- endif %}
{%- if cookiecutter.static_storage == "gcs" %}


class StaticStorage(ManifestFilesMixin, GoogleCloudStorage):
    """collectstatic's output, linked through its manifest (staticfiles.json)."""

    def get_object_parameters(self, name):
        return {
            **super().get_object_parameters(name),
            "cache_control": cache_control(name),
        }

    def cors_rules(self, origins):
        """The bucket's `cors` field: GET and HEAD from the site's origins."""
        return [
            {
                "origin": list(origins),
                "method": list(CORS_METHODS),
                "maxAgeSeconds": CORS_MAX_AGE,
            }
        ]

    def set_cors(self, rules):
        """Replace the bucket's CORS rules (the static bucket is the site's own)."""
        self.bucket.cors = rules
        self.bucket.patch()

    def stored_checksums(self):
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

    def holds_file(self, name, path, stored_md5):
        """Whether the object holds the file's bytes. One without an MD5 is
        uploaded again, once: what this class uploads is never composite."""
        return stored_md5 is not None and stored_md5 == md5(path)
{%- endif %}
