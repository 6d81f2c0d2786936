"""The example's private documents: only their owner may download them (the
test storages are in memory; tests/test_private_media.py sends from disk)."""

import io
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from sitefiles.private import SANDBOX

from tests.test_upload_images import picture
from uploads.models import Document

pytestmark = pytest.mark.django_db

TEXT = b"the owner's notes\n"
PRIVATE_NAME = re.compile(r"documents/\d{4}/\d{2}/[0-9a-f]{32}\.txt")


def signed_in(name):
    client = Client()
    client.force_login(User.objects.create_user(name, password="not-used-here"))
    return client


def add_document(client, name="notes.txt", content=TEXT):
    return client.post(
        reverse("uploads:documents"),
        {"title": "Notes", "file": SimpleUploadedFile(name, content)},
    )


@pytest.fixture
def owner():
    return signed_in("owner")


@pytest.fixture
def document(owner):
    response = add_document(owner)
    assert response.status_code == 302, response.content
    return Document.objects.get()


def test_the_page_asks_a_visitor_to_sign_in_first(client):
    response = client.get(reverse("uploads:documents"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_signing_in_leads_to_the_documents(client):
    User.objects.create_user("owner", password="a long passphrase")

    response = client.post(
        reverse("login"), {"username": "owner", "password": "a long passphrase"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("uploads:documents")


def test_a_document_is_stored_privately_under_a_name_the_site_chose(owner, document):
    assert PRIVATE_NAME.fullmatch(document.file.name)
    # The field's storage is built from STORAGES["private"] when models load.
    assert document.file.storage.base_url == settings.PRIVATE_MEDIA_URL
    assert document.file.storage.exists(document.file.name)
    assert not default_storage.exists(document.file.name)
    assert document.owner.username == "owner"
    page = owner.get(reverse("uploads:documents")).content.decode()
    assert f'href="{document.get_absolute_url()}"' in page
    assert document.file.name not in page


def test_the_owner_downloads_it_with_safe_headers(owner, document):
    response = owner.get(document.get_absolute_url())

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == TEXT
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == "attachment"
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_anyone_else_gets_a_404_as_for_a_missing_document(client, document):
    assert client.get(document.get_absolute_url()).status_code == 404
    assert signed_in("other").get(document.get_absolute_url()).status_code == 404
    missing = reverse("uploads:document", args=[document.pk + 1])
    assert client.get(missing).status_code == 404


def test_others_see_none_of_the_owner_s_documents(document):
    page = signed_in("other").get(reverse("uploads:documents")).content.decode()

    assert document.get_absolute_url() not in page
    assert "No documents yet." in page


def test_a_photo_document_loses_its_metadata_too(owner):
    assert add_document(owner, "photo.jpg", picture()).status_code == 302

    with Document.objects.get().file.open("rb") as stored:
        data = stored.read()
    with Image.open(io.BytesIO(data)) as image:
        assert len(image.getexif()) == 0


def test_a_page_renamed_as_a_document_is_refused(owner):
    response = add_document(owner, "notes.png", b"<html><script>alert(1)</script>")

    assert response.status_code == 200
    assert not Document.objects.exists()
