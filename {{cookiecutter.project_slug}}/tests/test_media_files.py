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

    response = client.get(default_storage.url(name))

    assert response.status_code == 404
    # Nor kept by a cache: an upload missing here may be there a moment later
    # (django-sitefiles' UncachedErrorsMiddleware).
    assert response["Cache-Control"] == "no-store"


def test_the_development_server_sends_media_whole_even_for_a_range(
    client, media_on_disk, debug_urls
):
    """Django's static() view has no range support: a video seeks only once a
    web server or bucket serves it (README.md, "Media in production")."""
    name = default_storage.save("clips/clip.txt", ContentFile(b"0123456789"))

    response = client.get(default_storage.url(name), headers={"Range": "bytes=2-4"})

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"0123456789"
