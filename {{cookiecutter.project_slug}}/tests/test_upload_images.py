"""Uploaded pictures (uploads/images.py): decoded, held to MAX_IMAGE_PIXELS, and
stored without their metadata, upright, with their colour profile."""

import io
import struct
import zlib
from pathlib import PurePosixPath

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

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


def test_a_turned_photo_is_stored_upright(client):
    # Orientation 6: the camera was turned; viewers rotate it 90 degrees.
    upload(client, "portrait.jpeg", photo(size=(8, 4), orientation=6))

    image, data = stored_picture()
    assert image.size == (4, 8)
    assert_no_metadata(image, data)


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_pngs_and_webps_are_stored_without_their_metadata(client, image_format):
    picture = Image.new("RGBA", (5, 3), (10, 20, 30, 128))
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "taken at home")
    if image_format == "PNG":
        extra = {"pnginfo": text}
    else:
        extra = {"xmp": XMP, "lossless": True}
    content = encoded(picture, image_format, exif=camera_exif(), **extra)

    upload(client, f"drawing.{image_format.lower()}", content)

    image, data = stored_picture()
    assert image.format == image_format
    assert_no_metadata(image, data)
    assert "Comment" not in image.info
    assert image.convert("RGBA").getpixel((0, 0))[3] == 128  # transparency kept


def animation():
    """A three-frame GIF with a comment."""
    frames = [Image.new("RGB", (6, 6), colour) for colour in ("red", "lime", "blue")]
    return encoded(
        frames[0],
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=120,
        loop=0,
        comment=b"taken at home",
    )


def test_an_animation_keeps_its_frames_and_timing(client):
    upload(client, "wave.gif", animation())

    image, data = stored_picture()
    assert image.n_frames == 3
    assert image.info["duration"] == 120
    assert b"taken at home" not in data


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


@pytest.mark.parametrize(
    ("width", "height"),
    [(10_000, 6_000), (50_000, 50_000)],
    ids=["over the setting", "over Pillow's own limit"],
)
def test_too_many_pixels_are_refused_before_decoding(client, width, height):
    response = upload(client, "bomb.png", png_claiming(width, height))

    assert response.status_code == 200
    assert "more than 50,000,000 pixels" in response.content.decode()
    assert not Upload.objects.exists()


def test_the_limit_counts_every_frame(client, settings):
    frames = [Image.new("RGB", (10, 10), colour) for colour in ("red", "lime", "blue")]
    content = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    settings.MAX_IMAGE_PIXELS = 299

    response = upload(client, "frames.gif", content)

    assert "more than 299 pixels" in response.content.decode()
    assert not Upload.objects.exists()


WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 28


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("sound.webp", WAV),  # RIFF, as WebP starts, but not a picture
        ("photo.png", photo()),  # a real picture, in another format
        ("cut.png", encoded(Image.new("RGB", (64, 64)), "PNG")[:60]),
        ("cut.gif", animation()[:-40]),  # the last frame cut short
    ],
    ids=["WAV named webp", "JPEG named png", "truncated", "truncated animation"],
)
def test_what_does_not_decode_as_its_extension_is_refused(client, name, content):
    response = upload(client, name, content)

    assert response.status_code == 200
    assert "does not match its extension" in response.content.decode()
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


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("small.png", encoded(Image.new("RGB", (300, 300)), "PNG")),
        (
            "wide.gif",
            encoded(
                Image.new("RGB", (800, 10), "red"),
                "GIF",
                save_all=True,
                append_images=[Image.new("RGB", (800, 10), "blue")],
            ),
        ),
    ],
    ids=["narrower than the smallest copy", "an animation"],
)
def test_small_pictures_and_animations_get_no_copies(client, name, content):
    upload(client, name, content)

    assert Upload.objects.get().renditions == {}
    assert "srcset" not in client.get(reverse("uploads:list")).content.decode()
