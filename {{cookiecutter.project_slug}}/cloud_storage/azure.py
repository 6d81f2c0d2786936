"""Azure Blob Storage."""
{% if cookiecutter.static_storage == "azure" %}
from azure.storage.blob import CorsRule
from django.contrib.staticfiles.storage import ManifestFilesMixin
{%- endif %}
from storages.backends.azure_storage import AzureStorage
{% if cookiecutter.static_storage == "azure" %}
from cloud_storage.cors import CORS_MAX_AGE, CORS_METHODS
from cloud_storage.publish import content_md5, md5
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

    def _get_content_settings_parameters(self, name, content=None):
        # Where django-storages has the content (get_object_parameters gets
        # the name only). Azure computes a blob's MD5 only when it arrives in
        # one request; one uploaded in blocks (over 64 MiB) keeps this one.
        parameters = super()._get_content_settings_parameters(name, content)
        if content is not None:
            parameters["content_md5"] = bytearray(content_md5(content).digest())
        return parameters

    def cors_rules(self, origins):
        """A Blob service CORS rule: GET and HEAD from the site's origins."""
        return [
            {
                "allowed_origins": list(origins),
                "allowed_methods": list(CORS_METHODS),
                "max_age_in_seconds": CORS_MAX_AGE,
            }
        ]

    def set_cors(self, rules):
        """Add the rules to the storage account's: Azure keeps CORS rules for
        all its containers together, so rules for other origins stay."""
        ours = {",".join(rule["allowed_origins"]) for rule in rules}
        kept = [
            rule
            for rule in self.service_client.get_service_properties()["cors"]
            if rule.allowed_origins not in ours
        ]
        self.service_client.set_service_properties(
            cors=kept + [CorsRule(**rule) for rule in rules]
        )

    def stored_checksums(self):
        """{name: MD5} of every blob under the prefix, 5,000 per request; None
        for a blob uploaded in blocks by a client that did not set one."""
        prefix = f"{self.location}/" if self.location else ""
        return {
            blob.name.removeprefix(prefix): (
                bytes(blob.content_settings.content_md5).hex()
                if blob.content_settings.content_md5
                else None
            )
            for blob in self.client.list_blobs(name_starts_with=prefix)
        }

    def holds_file(self, name, path, stored_md5):
        """Whether the blob holds the file's bytes. One without an MD5 is
        uploaded again, once: what this class uploads has one."""
        return stored_md5 is not None and stored_md5 == md5(path)
{%- endif %}
