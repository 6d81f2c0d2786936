"""Azure Blob Storage."""
{% if cookiecutter.static_storage == "azure" %}
from django.contrib.staticfiles.storage import ManifestFilesMixin
{%- endif %}
from storages.backends.azure_storage import AzureStorage
{% if cookiecutter.static_storage == "azure" %}
from files.caching import cache_control
{%- endif %}
{%- if cookiecutter.media_storage == "azure" %}
from files.media_types import media_headers
{%- endif %}
{%- if cookiecutter.media_storage == "azure" %}


class MediaStorage(AzureStorage):
    """Uploads: typed by the server from the name; a taken name gets a new one."""

    def get_object_parameters(self, name):
        content_type, disposition = media_headers(name)
        return {
            **super().get_object_parameters(name),
            "content_type": content_type,
            "content_disposition": disposition,
        }
{%- endif %}
{%- if cookiecutter.static_storage == "azure" %}


class StaticStorage(ManifestFilesMixin, AzureStorage):
    """collectstatic's output, linked through its manifest (staticfiles.json)."""

    def get_object_parameters(self, name):
        return {
            **super().get_object_parameters(name),
            "cache_control": cache_control(name),
        }

    def stored_checksums(self):
        """{name: MD5} of every blob under the prefix, 5,000 per request."""
        prefix = f"{self.location}/" if self.location else ""
        checksums = {}
        for blob in self.client.list_blobs(name_starts_with=prefix):
            md5 = blob.content_settings.content_md5 or b""
            checksums[blob.name.removeprefix(prefix)] = bytes(md5).hex()
        return checksums
{%- endif %}
