"""Uploads in the bucket: the server, not the client, decides how they are served."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sitefiles.cloud import azure, gcs, s3


def stored_headers(provider, name, claimed_type):
    """(Content-Type, Content-Disposition) the backend stores with an upload."""
    upload = SimpleUploadedFile(name, b"data", content_type=claimed_type)
    if provider == "s3":
        storage = s3.MediaStorage(bucket_name="media")
        parameters = storage._get_write_parameters(name, upload)  # what _save sends
        return parameters["ContentType"], parameters["ContentDisposition"]
    if provider == "gcs":
        # GoogleCloudStorage._save takes these over the client's claim
        # (the upload's content_type, which it never reads).
        parameters = gcs.MediaStorage(bucket_name="media").get_object_parameters(name)
        return parameters["content_type"], parameters["content_disposition"]
    storage = azure.MediaStorage(azure_container="media", account_name="test")
    parameters = storage._get_content_settings_parameters(name, upload)
    return parameters["content_type"], parameters["content_disposition"]


@pytest.mark.parametrize("provider", ["s3", "gcs", "azure"])
@pytest.mark.parametrize(
    ("name", "claimed_type", "expected"),
    [
        ("me.png", "text/html", ("image/png", "inline")),
        ("ME.JPG", "image/jpeg", ("image/jpeg", "inline")),
        ("notes.txt", "text/html", ("text/plain", "attachment")),
        ("page.html", "text/html", ("application/octet-stream", "attachment")),
        ("drawing.svg", "image/svg+xml", ("application/octet-stream", "attachment")),
    ],
)
def test_the_stored_type_comes_from_the_name(provider, name, claimed_type, expected):
    assert stored_headers(provider, name, claimed_type) == expected
