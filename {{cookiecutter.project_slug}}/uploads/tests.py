"""The example upload app: form to storage to URL (the test storage is in memory)."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from .models import Upload

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(client, name, content=PNG_BYTES, title="A picture"):
    return client.post(
        reverse("uploads:list"),
        {"title": title, "file": SimpleUploadedFile(name, content)},
    )


def test_upload_is_saved_in_media_storage_and_listed(client):
    response = upload(client, "avatar.png")

    assert response.status_code == 302
    saved = Upload.objects.get()
    assert saved.file.name.startswith("uploads/")
    with default_storage.open(saved.file.name) as stored:
        assert stored.read() == PNG_BYTES
    page = client.get(reverse("uploads:list")).content.decode()
    assert f'<img src="{saved.file.url}"' in page
    assert saved.file.url.startswith("/media/uploads/")


def test_same_name_uploads_keep_both_files(client):
    upload(client, "avatar.png", b"first")
    upload(client, "avatar.png", b"second")

    names = [item.file.name for item in Upload.objects.order_by("pk")]
    assert len(set(names)) == 2
    contents = [default_storage.open(name).read() for name in names]
    assert contents == [b"first", b"second"]


def test_form_without_a_file_is_refused(client):
    response = client.post(reverse("uploads:list"), {"title": "No file"})

    assert response.status_code == 200
    assert not Upload.objects.exists()
    assert "This field is required." in response.content.decode()
