"""The example's direct uploads (uploads/direct.py): what the site grants, and
what it records of what arrives in the media bucket. The bucket here is
django-sitefiles' stand-in in memory; django-sitefiles' own tests check the
grants and what is kept, and the template's upload through Chromium to S3, GCS
and Azure emulators."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from sitefiles.cloud import direct_uploads

from uploads.models import Upload

PDF = b"%PDF-1.7\n" + b"\x00\x01\x02" * 100
BUCKET = {"BACKEND": "sitefiles.testing.DirectUploadBucket"}


@pytest.fixture
def bucket(settings):
    settings.STORAGES = {**settings.STORAGES, "default": BUCKET}
    return default_storage


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
    bucket.arrive(name, PDF)

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
    bucket.arrive(name, PDF)
    assert complete(client, token).status_code == 201
    # The grant is still valid at the bucket: the same name arrives again.
    bucket.arrive(name, b"%PDF-1.7\nsomething else")

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
    bucket.arrive(name, PDF)
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
    bucket.arrive(direct_uploads.granted_name(token), PDF)

    response = complete(client, token[:-2] + "xx")

    assert response.status_code == 400
    assert "not granted" in response.json()["error"]
    assert not Upload.objects.exists()


@pytest.mark.django_db
def test_a_refused_upload_records_nothing(client, bucket, settings):
    settings.SITEFILES_DIRECT_UPLOAD_MAX_SIZE = len(PDF)
    token = ask_for_grant(client).json()["token"]
    name = direct_uploads.granted_name(token)
    bucket.arrive(name, PDF + b"more than the browser said")

    response = complete(client, token)

    assert response.status_code == 400
    assert "the largest accepted is" in response.json()["error"]
    assert not Upload.objects.exists()
    assert not bucket.exists(name)


@pytest.mark.django_db
def test_the_page_offers_the_form_only_with_a_bucket(client, settings):
    without = client.get(reverse("uploads:direct"))
    no_grant = ask_for_grant(client)
    settings.STORAGES = {**settings.STORAGES, "default": BUCKET}
    with_bucket = client.get(reverse("uploads:direct"))

    assert 'id="direct-upload"' not in without.content.decode()
    assert "the upload form" in without.content.decode()
    assert no_grant.status_code == 404
    assert ask_for_grant(client).status_code == 200
    assert 'id="direct-upload"' in with_bucket.content.decode()
    assert 'accept=".pdf,.txt"' in with_bucket.content.decode()
