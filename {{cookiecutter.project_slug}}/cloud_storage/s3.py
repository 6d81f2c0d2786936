"""Amazon S3 and S3-compatible services (MinIO, Cloudflare R2, DigitalOcean Spaces).

No class here sets an ACL: access comes from the bucket's policy, so buckets
with ACLs disabled (S3's default) work.
"""
{% if cookiecutter.static_storage == "s3" %}
from django.contrib.staticfiles.storage import ManifestFilesMixin
{%- endif %}
from storages.backends.s3 import S3Storage
{% if cookiecutter.static_storage == "s3" %}
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
    """collectstatic's output, linked through its manifest (staticfiles.json)."""

    def get_object_parameters(self, name):
        return {
            **super().get_object_parameters(name),
            "CacheControl": cache_control(name),
        }

    def stored_checksums(self):
        """{name: MD5} of every object under the prefix, 1,000 per request."""
        prefix = f"{self.location}/" if self.location else ""
        return {
            item.key.removeprefix(prefix): item.e_tag.strip('"')
            for item in self.bucket.objects.filter(Prefix=prefix)
        }
{%- endif %}
