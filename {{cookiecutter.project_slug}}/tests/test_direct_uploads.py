{%- set media = cookiecutter.media_storage -%}
"""Direct uploads to the media bucket (cloud_storage/direct_uploads.py): what
the site grants, and what it keeps of what arrives. The bucket here is a
stand-in in memory; the template's own tests upload through Chromium to S3,
GCS and Azure emulators."""
{%- if media == "s3" %}

import base64
import json
{%- endif %}
{%- if media == "azure" %}

from urllib.parse import parse_qs, urlsplit
{%- endif %}

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
{%- if cookiecutter.use_upload_example %}
from django.urls import reverse
{%- endif %}

from cloud_storage import direct_uploads
{%- if media == "azure" %}
from cloud_storage.azure import MediaStorage
{%- endif %}
from cloud_storage.direct_uploads import ReceivedUpload
{%- if media == "s3" %}
from cloud_storage.s3 import MediaStorage
{%- endif %}
from files.media_types import content_matches
{%- if cookiecutter.use_upload_example %}
from uploads.models import Upload
{%- endif %}

PDF = b"%PDF-1.7\n" + b"\x00\x01\x02" * 100
NAME = "uploads/2026/11/0123456789abcdef0123456789abcdef.pdf"


class BucketStandIn(InMemoryStorage):
    """The media storage's direct-upload methods, over memory: an upload
    "arrives" when a test saves it under its incoming name."""

    def upload_grant(self, incoming_name, max_size, expires):
        return {"method": "PUT", "url": f"https://bucket.test/{incoming_name}"}

    def received_upload(self, incoming_name, length):
        if not self.exists(incoming_name):
            return None
        with self.open(incoming_name) as file:
            start = file.read(length)
        return ReceivedUpload(incoming_name, self.size(incoming_name), start, "v1")

    def keep_upload(self, received, name):
        with self.open(received.incoming_name) as file:
            assert self.save(name, file) == name

    def discard_upload(self, incoming_name):
        self.delete(incoming_name)


@pytest.fixture
def bucket(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.test_direct_uploads.BucketStandIn"},
    }
    return default_storage


def arrive(bucket, name, content):
    bucket.save(direct_uploads.incoming_name(name), ContentFile(content))


@pytest.mark.parametrize(
    ("name", "start", "matches"),
    [
        ("manual.pdf", b"%PDF-1.4\n", True),
        ("sound.pdf", b"RIFF\x24\x08\x00\x00WAVEfmt ", False),
        ("notes.txt", "Grüße\n".encode(), True),
        # A sample may end inside a character.
        ("notes.txt", "Grüße".encode()[:3], True),
        ("notes.txt", b"\xff\xfeL\x00a\x00", False),  # UTF-16
        ("program.txt", b"MZ\x90\x00\x03\x00", False),
        ("page.html", b"<html>", False),
    ],
)
def test_a_file_must_begin_as_its_type_does(name, start, matches):
    assert content_matches(name, start) is matches


def test_what_arrived_is_kept_under_the_granted_name(bucket):
    arrive(bucket, NAME, PDF)

    direct_uploads.keep(bucket, NAME, max_size=len(PDF))

    assert bucket.open(NAME).read() == PDF
    assert not bucket.exists(direct_uploads.incoming_name(NAME))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (PDF + b"!", "the largest accepted is"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(100), "does not match its extension"),
        (b"", "empty"),
    ],
)
def test_what_should_not_be_kept_is_refused_and_deleted(bucket, content, message):
    arrive(bucket, NAME, content)

    with pytest.raises(ValidationError, match=message):
        direct_uploads.keep(bucket, NAME, max_size=len(PDF))

    assert not bucket.exists(NAME)
    assert not bucket.exists(direct_uploads.incoming_name(NAME))


def test_nothing_arrived_is_refused(bucket):
    with pytest.raises(ValidationError, match="did not arrive"):
        direct_uploads.keep(bucket, NAME, max_size=len(PDF))


def test_a_token_gives_back_only_the_name_it_was_granted_for(bucket):
    token = direct_uploads.grant(bucket, NAME, max_size=100)["token"]

    assert direct_uploads.granted_name(token) == NAME
    # Signed by this site, for something else (another salt); or altered.
    for forged in (signing.dumps(NAME), token[:-2] + "xx"):
        with pytest.raises(ValidationError, match="not granted"):
            direct_uploads.granted_name(forged)
{%- if media == "s3" %}


def test_the_s3_grant_holds_the_key_size_and_headers():
    storage = MediaStorage(
        bucket_name="media",
        region_name="eu-west-1",
        access_key="test-key",
        secret_key="test-secret",
        signature_version="s3v4",
    )

    grant = storage.upload_grant("incoming/" + NAME, 1000, 600)

    policy = json.loads(base64.b64decode(grant["fields"]["policy"]))
    assert grant["method"] == "POST"
    assert grant["fields"]["key"] == "incoming/" + NAME
    assert grant["fields"]["Content-Type"] == "application/pdf"
    assert grant["fields"]["Content-Disposition"] == "attachment"
    assert ["content-length-range", 1, 1000] in policy["conditions"]
    assert {"key": "incoming/" + NAME} in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert {"Content-Disposition": "attachment"} in policy["conditions"]
{%- elif media == "azure" %}


def test_the_azure_grant_may_create_that_blob_only():
    storage = MediaStorage(
        azure_container="media", account_name="example", account_key="dGVzdA=="
    )

    grant = storage.upload_grant("incoming/" + NAME, 1000, 600)

    url = urlsplit(grant["url"])
    assert url.path == f"/media/incoming/{NAME}"
    assert parse_qs(url.query)["sp"] == ["c"]  # create, not write over
    assert grant["headers"]["x-ms-blob-content-type"] == "application/pdf"
    assert grant["headers"]["x-ms-blob-content-disposition"] == "attachment"
{%- endif %}
{%- if cookiecutter.use_upload_example %}


def ask_for_grant(client, filename="manual.pdf", size=None):
    size = len(PDF) if size is None else size
    return client.post(
        reverse("uploads:direct-grant"), {"filename": filename, "size": size}
    )


def complete(client, token, title="A manual"):
    return client.post(
        reverse("uploads:direct-complete"), {"token": token, "title": title}
    )


@pytest.mark.django_db
def test_a_granted_upload_is_checked_then_recorded(client, bucket):
    granted = ask_for_grant(client).json()
    name = direct_uploads.granted_name(granted["token"])
    arrive(bucket, name, PDF)

    response = complete(client, granted["token"])

    assert response.status_code == 201
    upload = Upload.objects.get()
    assert upload.file.name == name
    assert upload.file.read() == PDF
    assert response.json() == {"title": "A manual", "url": upload.file.url}
    # Django chose the name; the browser's never reaches the bucket.
    assert name.startswith("uploads/")
    assert "manual" not in name
    assert granted["upload"]["url"].endswith(direct_uploads.incoming_name(name))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "size", "message"),
    [
        ("photo.png", 100, "Files uploaded this way are: pdf, txt."),
        ("page.html", 100, "Files uploaded this way are: pdf, txt."),
        ("manual.pdf", 0, "The file is empty."),
        ("manual.pdf", 10**12, "the largest accepted is"),
    ],
)
def test_grants_are_refused_for_what_would_be_refused_anyway(
    client, bucket, filename, size, message
):
    response = ask_for_grant(client, filename, size)

    assert response.status_code == 400
    assert message in response.json()["error"]


@pytest.mark.django_db
def test_a_grant_is_good_once(client, bucket):
    token = ask_for_grant(client).json()["token"]
    name = direct_uploads.granted_name(token)
    arrive(bucket, name, PDF)
    assert complete(client, token).status_code == 201
    # The grant is still valid at the bucket: the same name arrives again.
    arrive(bucket, name, b"%PDF-1.7\nsomething else")

    again = complete(client, token, title="Again")

    assert again.status_code == 409
    assert Upload.objects.get().title == "A manual"
    assert bucket.open(name).read() == PDF


@pytest.mark.django_db
def test_two_completions_of_one_grant_at_once_make_one_record(
    client, bucket, monkeypatch
):
    token = ask_for_grant(client).json()["token"]
    name = direct_uploads.granted_name(token)
    arrive(bucket, name, PDF)
    keep = direct_uploads.keep

    def kept_while_the_other_finishes(*args, **kwargs):
        keep(*args, **kwargs)
        Upload.objects.create(title="The other", file=name)

    monkeypatch.setattr(direct_uploads, "keep", kept_while_the_other_finishes)

    response = complete(client, token)

    assert response.status_code == 409
    assert Upload.objects.get().title == "The other"


@pytest.mark.django_db
def test_a_forged_token_records_nothing(client, bucket):
    token = ask_for_grant(client).json()["token"]
    arrive(bucket, direct_uploads.granted_name(token), PDF)

    response = complete(client, token[:-2] + "xx")

    assert response.status_code == 400
    assert "not granted" in response.json()["error"]
    assert not Upload.objects.exists()


@pytest.mark.django_db
def test_a_refused_upload_records_nothing(client, bucket, settings):
    settings.DIRECT_UPLOAD_MAX_SIZE = len(PDF)
    token = ask_for_grant(client).json()["token"]
    name = direct_uploads.granted_name(token)
    arrive(bucket, name, PDF + b"more than the browser said")

    response = complete(client, token)

    assert response.status_code == 400
    assert "the largest accepted is" in response.json()["error"]
    assert not Upload.objects.exists()
    assert not bucket.exists(name)


@pytest.mark.django_db
def test_the_page_offers_the_form_only_with_a_bucket(client, settings):
    without = client.get(reverse("uploads:direct"))
    no_grant = ask_for_grant(client)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.test_direct_uploads.BucketStandIn"},
    }
    with_bucket = client.get(reverse("uploads:direct"))

    assert 'id="direct-upload"' not in without.content.decode()
    assert "the upload form" in without.content.decode()
    assert no_grant.status_code == 404
    assert ask_for_grant(client).status_code == 200
    assert 'id="direct-upload"' in with_bucket.content.decode()
    assert 'accept=".pdf,.txt"' in with_bucket.content.decode()
{%- endif %}
