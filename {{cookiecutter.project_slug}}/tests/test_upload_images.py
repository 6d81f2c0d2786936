"""The example app's pictures go through django-sitefiles' images: the form
and the admin store them without their metadata, held to
SITEFILES_MAX_IMAGE_PIXELS, with smaller copies made once for srcset. How
pictures are decoded and written again is the package's to test."""

import io
from pathlib import PurePosixPath

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from uploads.models import Upload

pytestmark = pytest.mark.django_db


def picture(size=(8, 4), image_format="JPEG"):
    """A picture with where it was taken in its EXIF, as phones write them."""
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    output = io.BytesIO()
    Image.new("RGB", size, "teal").save(output, image_format, exif=exif)
    return output.getvalue()


def upload(client, name, content):
    return client.post(
        reverse("uploads:list"),
        {"title": "A picture", "file": SimpleUploadedFile(name, content)},
    )


def stored_exif():
    """The EXIF of the picture as stored."""
    with default_storage.open(Upload.objects.get().file.name) as stored:
        return Image.open(io.BytesIO(stored.read())).getexif()


def test_a_photo_is_stored_without_its_metadata(client):
    response = upload(client, "holiday.jpg", picture())

    assert response.status_code == 302
    assert len(stored_exif()) == 0


def test_too_many_pixels_are_refused_by_the_form(client, settings):
    settings.SITEFILES_MAX_IMAGE_PIXELS = 10

    response = upload(client, "large.jpg", picture(size=(8, 4)))

    assert response.status_code == 200
    assert "more than 10 pixels" in response.content.decode()
    assert not Upload.objects.exists()


def test_the_admin_stores_pictures_without_metadata_too(client):
    admin = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(admin)

    response = client.post(
        reverse("admin:uploads_upload_add"),
        {"title": "From the admin", "file": SimpleUploadedFile("a.jpg", picture())},
    )

    assert response.status_code == 302, response.content.decode()
    assert len(stored_exif()) == 0


def test_a_wide_picture_gets_smaller_copies_for_srcset(client):
    upload(client, "wide.png", picture(size=(1600, 800), image_format="PNG"))

    saved = Upload.objects.get()
    assert sorted(saved.renditions, key=int) == ["320", "640", "1280"]
    page = client.get(reverse("uploads:list")).content.decode()
    srcset = ", ".join(
        f"{default_storage.url(saved.renditions[width])} {width}w"
        for width in ("320", "640", "1280")
    )
    assert f'srcset="{srcset}"' in page


def test_copies_are_made_once(client):
    upload(client, "wide.jpg", picture(size=(1000, 700)))
    saved = Upload.objects.get()
    folder = str(PurePosixPath(saved.file.name).parent)
    files = default_storage.listdir(folder)[1]

    saved.title = "Renamed"
    saved.save()

    assert default_storage.listdir(folder)[1] == files
    names = [saved.file.name, *saved.renditions.values()]
    assert {PurePosixPath(name).name for name in names} <= set(files)
