"""Media files: stored in MEDIA_ROOT, served by Django only when DEBUG is on."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def test_media_is_saved_under_media_root(media_on_disk):
    name = default_storage.save("avatars/me.txt", ContentFile(b"hello"))

    assert (media_on_disk / name).read_bytes() == b"hello"
    assert default_storage.url(name) == f"/media/{name}"


def test_media_is_served_back_in_debug(client, media_on_disk, debug_urls):
    name = default_storage.save("avatars/me.txt", ContentFile(b"hello"))

    response = client.get(default_storage.url(name))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hello"


def test_media_is_not_served_by_django_without_debug(client, media_on_disk):
    name = default_storage.save("avatars/me.txt", ContentFile(b"hello"))

    assert client.get(default_storage.url(name)).status_code == 404
