{%- set media = cookiecutter.media_storage -%}
"""Uploads in the bucket: the server, not the client, decides how they are served."""

import pytest
{%- if media != "gcs" %}
from django.core.files.uploadedfile import SimpleUploadedFile
{%- endif %}

from cloud_storage.{{ media }} import MediaStorage


def stored_headers(name, claimed_type):
    """(Content-Type, Content-Disposition) the backend stores with an upload."""
{%- if media == "s3" %}
    upload = SimpleUploadedFile(name, b"data", content_type=claimed_type)
    storage = MediaStorage(bucket_name="media")
    parameters = storage._get_write_parameters(name, upload)  # what _save sends
    return parameters["ContentType"], parameters["ContentDisposition"]
{%- elif media == "gcs" %}
    # GoogleCloudStorage._save takes these over the client's claim
    # (claimed_type, which it never reads).
    parameters = MediaStorage(bucket_name="media").get_object_parameters(name)
    return parameters["content_type"], parameters["content_disposition"]
{%- else %}
    upload = SimpleUploadedFile(name, b"data", content_type=claimed_type)
    storage = MediaStorage(azure_container="media", account_name="test")
    parameters = storage._get_content_settings_parameters(name, upload)
    return parameters["content_type"], parameters["content_disposition"]
{%- endif %}


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
def test_the_stored_type_comes_from_the_name(name, claimed_type, expected):
    assert stored_headers(name, claimed_type) == expected
