"""The example app's pictures go through django-sitefiles' images: the form
and the admin store them without their metadata, held to
SITEFILES_MAX_IMAGE_PIXELS, with smaller copies made once for srcset. How
pictures are decoded and written again is the package's to test."""

import io
import struct
import zlib
from pathlib import PurePosixPath

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image, ImageCms

from uploads.models import Upload

pytestmark = pytest.mark.django_db

PLACE = {  # where a phone says the photo was taken
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (2.0, 21.0, 7.0),
}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/'
    b'1999/02/22-rdf-syntax-ns#"><rdf:Description exif:GPSLatitude="48,51.4N" '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/"/></rdf:RDF></x:xmpmeta>'
)
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def camera_exif(orientation=1):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.BodySerialNumber] = "SN-0042"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(PLACE)
    return exif


def encoded(image, image_format, **options):
    output = io.BytesIO()
    image.save(output, image_format, **options)
    return output.getvalue()


def photo(size=(8, 4), orientation=1):
    """A JPEG as phones write them: EXIF with GPS, XMP, a comment, sRGB."""
    image = Image.new("RGB", size, (200, 120, 40))
    image.paste((20, 40, 200), (0, 0, size[0] // 2, size[1]))
    return encoded(
        image,
        "JPEG",
        quality=75,
        exif=camera_exif(orientation),
        xmp=XMP,
        comment=b"taken at home",
        icc_profile=SRGB,
    )


def upload(client, name, content):
    return client.post(
        reverse("uploads:list"),
        {"title": "A picture", "file": SimpleUploadedFile(name, content)},
    )


def stored_picture():
    """The picture as stored, opened with Pillow, and its bytes."""
    with default_storage.open(Upload.objects.get().file.name) as stored:
        data = stored.read()
    return Image.open(io.BytesIO(data)), data


def assert_no_metadata(image, data):
    assert len(image.getexif()) == 0
    assert "xmp" not in image.info
    assert "comment" not in image.info
    for marker in (b"Exif\x00", b"SN-0042", b"GPS", b"taken at home"):
        assert marker not in data


def test_a_photo_is_stored_without_its_metadata_and_at_its_quality(client):
    original = photo()

    response = upload(client, "holiday.jpg", original)

    assert response.status_code == 302
    image, data = stored_picture()
    assert image.format == "JPEG"
    assert image.size == (8, 4)
    assert_no_metadata(image, data)
    assert image.info["icc_profile"] == SRGB
    with Image.open(io.BytesIO(original)) as uploaded:
        assert image.quantization == uploaded.quantization  # not re-compressed


def png_claiming(width, height):
    """A tiny PNG file whose header claims width x height pixels."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_too_many_pixels_are_refused_by_the_form(client, settings):
    settings.SITEFILES_MAX_IMAGE_PIXELS = 1_000_000

    response = upload(client, "bomb.png", png_claiming(2_000, 1_000))

    assert response.status_code == 200
    assert "more than 1,000,000 pixels" in response.content.decode()
    assert not Upload.objects.exists()


def test_the_admin_stores_pictures_without_metadata_too(client):
    admin = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(admin)

    response = client.post(
        reverse("admin:uploads_upload_add"),
        {"title": "From the admin", "file": SimpleUploadedFile("a.jpg", photo())},
    )

    assert response.status_code == 302, response.content.decode()
    image, data = stored_picture()
    assert_no_metadata(image, data)


def stored_size(name):
    with default_storage.open(name) as stored, Image.open(stored) as image:
        return image.size


def test_a_wide_picture_gets_smaller_copies_for_srcset(client):
    wide = encoded(Image.new("RGB", (1600, 800), "teal"), "PNG", exif=camera_exif())

    upload(client, "wide.png", wide)

    saved = Upload.objects.get()
    assert sorted(saved.renditions, key=int) == ["320", "640", "1280"]
    for width, name in saved.renditions.items():
        assert name.endswith(f"-{width}w.png")
        assert stored_size(name) == (int(width), int(width) // 2)
        with default_storage.open(name) as stored:
            image = Image.open(stored)
            assert len(image.getexif()) == 0
    page = client.get(reverse("uploads:list")).content.decode()
    srcset = ", ".join(
        f"{default_storage.url(saved.renditions[width])} {width}w"
        for width in ("320", "640", "1280")
    )
    assert f'srcset="{srcset}"' in page


def test_copies_are_made_once_and_follow_the_orientation(client):
    upload(client, "portrait.jpg", photo(size=(1000, 700), orientation=6))
    saved = Upload.objects.get()
    files = default_storage.listdir(str(PurePosixPath(saved.file.name).parent))[1]

    saved.title = "Renamed"
    saved.save()

    assert sorted(saved.renditions, key=int) == ["320", "640"]
    assert stored_size(saved.renditions["320"]) == (320, 457)  # upright: 700 x 1000
    folder = str(PurePosixPath(saved.file.name).parent)
    assert default_storage.listdir(folder)[1] == files
    names = [saved.file.name, *saved.renditions.values()]
    assert {PurePosixPath(name).name for name in names} <= set(files)
