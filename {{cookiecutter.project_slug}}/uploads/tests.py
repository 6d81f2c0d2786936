"""The example upload app: form to storage to URL (the test storage is in memory)."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from .models import Upload

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
GENERATED_NAME = re.compile(r"uploads/\d{4}/\d{2}/[0-9a-f]{32}\.png")


def upload(client, name, content=PNG_BYTES, title="A picture"):
    return client.post(
        reverse("uploads:list"),
        {"title": title, "file": SimpleUploadedFile(name, content)},
    )


def test_upload_is_saved_in_media_storage_and_shown(client):
    response = upload(client, "avatar.png")

    assert response.status_code == 302
    saved = Upload.objects.get()
    assert GENERATED_NAME.fullmatch(saved.file.name)
    with default_storage.open(saved.file.name) as stored:
        assert stored.read() == PNG_BYTES
    page = client.get(reverse("uploads:list")).content.decode()
    assert f'<img src="{saved.file.url}"' in page
    assert saved.file.url.startswith("/media/uploads/")


def test_same_name_uploads_keep_both_files(client):
    upload(client, "avatar.png", PNG_BYTES + b"first")
    upload(client, "avatar.png", PNG_BYTES + b"second")

    names = [item.file.name for item in Upload.objects.order_by("pk")]
    assert len(set(names)) == 2
    contents = [default_storage.open(name).read() for name in names]
    assert contents == [PNG_BYTES + b"first", PNG_BYTES + b"second"]


def test_the_client_file_name_never_reaches_the_disk(client):
    upload(client, "../../../etc/passwd.PNG")

    assert GENERATED_NAME.fullmatch(Upload.objects.get().file.name)


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("page.html", b"<script>alert(1)</script>", "File extension"),
        ("drawing.svg", b"<svg onload='alert(1)'/>", "File extension"),
        ("fake.png", b"<html>not a picture</html>", "does not match its extension"),
    ],
)
def test_unsafe_uploads_are_refused(client, name, content, error):
    response = upload(client, name, content)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Upload.objects.exists()


def test_uploads_over_the_limit_are_refused(client, settings):
    settings.MAX_UPLOAD_SIZE = len(PNG_BYTES) - 1

    response = upload(client, "avatar.png")

    assert "the largest accepted is" in response.content.decode()
    assert not Upload.objects.exists()


def test_form_without_a_file_is_refused(client):
    response = client.post(reverse("uploads:list"), {"title": "No file"})

    assert response.status_code == 200
    assert not Upload.objects.exists()
    assert "This field is required." in response.content.decode()
