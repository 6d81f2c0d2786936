"""Direct uploads to the media bucket (sitefiles/cloud/direct_uploads.py): what
the site grants, and what it keeps of what arrives. The bucket here is a
stand-in in memory; the template's own tests upload through Chromium to S3,
GCS and Azure emulators."""

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from google.oauth2 import service_account

from sitefiles.cloud import azure, direct_uploads, gcs, s3
from sitefiles.media_types import content_matches

PDF = b"%PDF-1.7\n" + b"\x00\x01\x02" * 100
NAME = "uploads/2026/11/0123456789abcdef0123456789abcdef.pdf"


@pytest.fixture
def bucket(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "sitefiles.testing.DirectUploadBucket"},
    }
    return default_storage


def arrive(bucket, name, content):
    bucket.arrive(name, content)


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


def test_the_grant_is_for_the_incoming_name_only(bucket):
    """Unchecked bytes arrive outside the served names, never at ``NAME``."""
    grant = direct_uploads.grant(bucket, NAME, max_size=100)

    assert grant["upload"]["url"] == f"https://bucket.test/incoming/{NAME}"


def test_the_s3_grant_holds_the_key_size_and_headers():
    storage = s3.MediaStorage(
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


def service_account_credentials():
    """A service account's key, made here: GCS signs with it, offline."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return service_account.Credentials.from_service_account_info(
        {
            "type": "service_account",
            "project_id": "example",
            "private_key": pem.decode(),
            "client_email": "app@example.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )


def test_the_gcs_grant_signs_the_name_size_and_headers():
    storage = gcs.MediaStorage(
        bucket_name="media",
        project_id="example",
        credentials=service_account_credentials(),
    )

    grant = storage.upload_grant("incoming/" + NAME, 1000, 600)

    url = urlsplit(grant["url"])
    query = parse_qs(url.query)
    assert grant["method"] == "PUT"
    assert url.path == f"/media/incoming/{NAME}"
    assert query["X-Goog-Expires"] == ["600"]
    # GCS refuses the PUT unless these arrive as signed.
    signed = set(query["X-Goog-SignedHeaders"][0].split(";"))
    assert {"content-type", "content-disposition", "x-goog-content-length-range"} <= (
        signed
    )
    # What the browser sends: no Host, which it may not set (the URL gives it).
    assert grant["headers"] == {
        "Content-Type": "application/pdf",
        "Content-Disposition": "attachment",
        "x-goog-content-length-range": "1,1000",
    }


def test_the_azure_grant_may_create_that_blob_only():
    storage = azure.MediaStorage(
        azure_container="media", account_name="example", account_key="dGVzdA=="
    )

    grant = storage.upload_grant("incoming/" + NAME, 1000, 600)

    url = urlsplit(grant["url"])
    assert url.path == f"/media/incoming/{NAME}"
    assert parse_qs(url.query)["sp"] == ["c"]  # create, not write over
    assert grant["headers"]["x-ms-blob-content-type"] == "application/pdf"
    assert grant["headers"]["x-ms-blob-content-disposition"] == "attachment"
