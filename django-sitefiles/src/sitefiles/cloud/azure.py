"""Azure Blob Storage. Needs the ``azure`` extra."""

import time
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import (
    BlobSasPermissions,
    ContentSettings,
    CorsRule,
    generate_blob_sas,
)
from django.core.files.storage import Storage
from storages.backends.azure_storage import AzureStorage

from sitefiles.caching import cache_control
from sitefiles.cloud.cors import CORS_MAX_AGE, CORS_METHODS
from sitefiles.cloud.direct_uploads import ReceivedUpload
from sitefiles.cloud.manifest import ReleaseManifestMixin
from sitefiles.cloud.publish import content_md5, md5
from sitefiles.media_types import media_headers

# A copy within the account is usually done when it is started; a large one
# is polled this often until it is.
COPY_POLL_SECONDS = 1


class MediaStorage(AzureStorage):
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
        """A SAS URL that may create this blob only (not replace it). A SAS
        cannot hold the size, or the headers the browser sends: the check
        after the upload refuses a blob too large, and keep_upload sets the
        headers."""
        content_type, disposition = media_headers(incoming_name)
        expiry = datetime.now(timezone.utc) + timedelta(seconds=expires)
        sas = generate_blob_sas(
            self.account_name,
            self.azure_container,
            incoming_name,
            account_key=self.account_key,
            user_delegation_key=self.get_user_delegation_key(expiry),
            permission=BlobSasPermissions(create=True),
            expiry=expiry,
        )
        return {
            "method": "PUT",
            "url": f"{self.client.get_blob_client(incoming_name).url}?{sas}",
            "headers": {
                "x-ms-blob-type": "BlockBlob",
                "x-ms-blob-content-type": content_type,
                "x-ms-blob-content-disposition": disposition,
            },
        }

    def received_upload(self, incoming_name: str, length: int) -> ReceivedUpload | None:
        blob = self.client.get_blob_client(incoming_name)
        try:
            properties = blob.get_blob_properties()
        except ResourceNotFoundError:
            return None
        start = b""
        if properties.size:
            start = blob.download_blob(
                offset=0,
                length=length,
                etag=properties.etag,
                match_condition=MatchConditions.IfNotModified,
            ).readall()
        return ReceivedUpload(incoming_name, properties.size, start, properties.etag)

    def keep_upload(self, received: ReceivedUpload, name: str) -> None:
        """Copy the checked bytes (their ETag) to ``name``, in the account,
        then give it the headers every saved file gets."""
        source = self.client.get_blob_client(received.incoming_name)
        kept = self.client.get_blob_client(self._get_valid_path(name))
        kept.start_copy_from_url(
            source.url,
            source_etag=received.version,
            source_match_condition=MatchConditions.IfNotModified,
        )
        while (copy := kept.get_blob_properties().copy).status == "pending":
            time.sleep(COPY_POLL_SECONDS)
        if copy.status != "success":
            raise OSError(f"Copying {received.incoming_name} ended {copy.status}.")
        parameters = self.get_object_parameters(name)
        kept.set_http_headers(ContentSettings(**parameters))

    def discard_upload(self, incoming_name: str) -> None:
        self.client.delete_blob(incoming_name)

    def cors_rules(self, origins: Iterable[str]) -> list[dict[str, Any]]:
        """The site's origins may PUT direct uploads (upload_grant), with the
        headers it names and the file's Content-Type, which browsers add."""
        return [
            {
                "allowed_origins": list(origins),
                "allowed_methods": ["PUT"],
                "allowed_headers": [
                    "content-type",
                    "x-ms-blob-type",
                    "x-ms-blob-content-type",
                    "x-ms-blob-content-disposition",
                ],
                "max_age_in_seconds": CORS_MAX_AGE,
            }
        ]

    def set_cors(self, rules: list[dict[str, Any]]) -> None:
        add_account_cors(self, rules)


class StaticStorage(ReleaseManifestMixin, AzureStorage):
    """collectstatic's output, linked through the release's manifest (manifest.py)."""

    def get_object_parameters(self, name: str) -> dict[str, Any]:
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

    def cors_rules(self, origins: Iterable[str]) -> list[dict[str, Any]]:
        """A Blob service CORS rule: GET and HEAD from the site's origins."""
        return [
            {
                "allowed_origins": list(origins),
                "allowed_methods": list(CORS_METHODS),
                "max_age_in_seconds": CORS_MAX_AGE,
            }
        ]

    def set_cors(self, rules: list[dict[str, Any]]) -> None:
        add_account_cors(self, rules)

    def stored_checksums(self) -> dict[str, str | None]:
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

    def holds_file(self, name: str, path: Path, stored_md5: str | None) -> bool:
        """Whether the blob holds the file's bytes. One without an MD5 is
        uploaded again, once: what this class uploads has one."""
        return stored_md5 is not None and stored_md5 == md5(path)


def add_account_cors(storage: Storage, rules: list[dict[str, Any]]) -> None:
    """Add the rules to the storage account's: Azure keeps CORS rules for all
    its containers together, so rules for other origins or methods stay."""
    ours = {
        (",".join(rule["allowed_origins"]), ",".join(rule["allowed_methods"]))
        for rule in rules
    }
    kept = [
        rule
        for rule in storage.service_client.get_service_properties()["cors"]
        if (rule.allowed_origins, rule.allowed_methods) not in ours
    ]
    storage.service_client.set_service_properties(
        cors=kept + [CorsRule(**rule) for rule in rules]
    )
