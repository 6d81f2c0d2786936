"""Uploaded pictures (sitefiles.images): decoded, held to
SITEFILES_MAX_IMAGE_PIXELS, and stored without their metadata, upright, with
their colour profile; smaller copies for srcset."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from sitefiles.images import RENDITION_WIDTHS, open_image, renditions, without_metadata
from sitefiles.validators import validate_image_content

from .pictures import (
    SRGB,
    WAV,
    XMP,
    animation,
    assert_no_metadata,
    camera_exif,
    encoded,
    opened,
    photo,
    pixels,
    png,
    png_claiming,
)


def stored(name, content):
    """What a site stores for an upload of a picture: written again."""
    written = without_metadata(SimpleUploadedFile(name, content))
    data = written.read()
    return opened(data), data, written


def test_the_test_photo_carries_what_must_be_removed():
    # Else the metadata tests below would pass whatever without_metadata does.
    data = photo()
    with opened(data) as image, pytest.raises(AssertionError):
        assert_no_metadata(image, data)


def test_a_photo_is_stored_without_its_metadata_and_at_its_quality():
    original = photo()

    image, data, written = stored("holiday.jpg", original)

    assert isinstance(written, ContentFile)
    assert written.name == "holiday.jpg"
    assert image.format == "JPEG"
    assert image.size == (8, 4)
    assert_no_metadata(image, data)
    assert image.info["icc_profile"] == SRGB
    with opened(original) as uploaded:
        assert image.quantization == uploaded.quantization  # not re-compressed


def test_only_the_base_name_is_kept():
    # The written copy carries no folder the client may have sent.
    *_, written = stored("../../holiday.JPG", photo())

    assert written.name == "holiday.JPG"


def test_a_turned_photo_is_stored_upright():
    # Orientation 6: the camera was turned; viewers rotate it 90 degrees.
    image, data, _ = stored("portrait.jpeg", photo(size=(8, 4), orientation=6))

    assert image.size == (4, 8)
    assert_no_metadata(image, data)


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_pngs_and_webps_are_stored_without_their_metadata(image_format):
    picture = Image.new("RGBA", (5, 3), (10, 20, 30, 128))
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "taken at home")
    if image_format == "PNG":
        extra = {"pnginfo": text}
    else:
        extra = {"xmp": XMP, "lossless": True}
    content = encoded(picture, image_format, exif=camera_exif(), **extra)

    image, data, _ = stored(f"drawing.{image_format.lower()}", content)

    assert image.format == image_format
    assert_no_metadata(image, data)
    assert "Comment" not in image.info
    assert image.convert("RGBA").getpixel((0, 0))[3] == 128  # transparency kept


def test_writing_again_keeps_the_pixels():
    original = png((1, 2, 3))

    _, data, _ = stored("avatar.png", original)

    assert pixels(data) == pixels(original)


def test_an_animation_keeps_its_frames_and_timing():
    image, data, _ = stored("wave.gif", animation())

    assert image.n_frames == 3
    assert image.info["duration"] == 120
    assert b"taken at home" not in data


@pytest.mark.parametrize(
    ("width", "height"),
    [(10_000, 6_000), (50_000, 50_000)],
    ids=["over the setting", "over Pillow's own limit"],
)
def test_too_many_pixels_are_refused_before_decoding(width, height):
    # The file holds a few bytes of pixel data: decoding it would fail as
    # bad_content, so too_many_pixels shows the header was judged first.
    upload = SimpleUploadedFile("bomb.png", png_claiming(width, height))

    with pytest.raises(ValidationError) as refused:
        validate_image_content(upload)

    assert refused.value.code == "too_many_pixels"
    assert refused.value.messages == ["The picture has more than 50,000,000 pixels."]


def test_the_limit_counts_every_frame(settings):
    # Three frames of 10 x 10: 100 pixels each, 300 in all.
    content = animation(size=(10, 10))
    settings.SITEFILES_MAX_IMAGE_PIXELS = 299

    with pytest.raises(ValidationError) as refused:
        validate_image_content(SimpleUploadedFile("frames.gif", content))

    assert refused.value.messages == ["The picture has more than 299 pixels."]

    settings.SITEFILES_MAX_IMAGE_PIXELS = 300  # exactly at the limit: accepted
    validate_image_content(SimpleUploadedFile("frames.gif", content))


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
def test_what_does_not_decode_as_its_extension_is_refused(name, content):
    for check in (validate_image_content, without_metadata, renditions):
        with pytest.raises(ValidationError) as refused:
            check(SimpleUploadedFile(name, content))

        assert refused.value.code == "bad_content"
        assert "does not match its extension" in refused.value.messages[0]


def test_closing_the_picture_leaves_the_upload_open():
    # Pillow reads a copy: the upload must still be there to be stored.
    content = png()
    upload = SimpleUploadedFile("avatar.png", content)

    image = open_image(upload, "PNG")
    assert image.size == (4, 4)
    image.close()

    assert not upload.closed
    upload.seek(0)
    assert upload.read() == content


def rendition_sizes(made):
    return {width: opened(copy.read()).size for width, copy in made.items()}


def test_a_wide_picture_gets_smaller_copies_for_srcset():
    wide = encoded(Image.new("RGB", (1600, 800), "teal"), "PNG", exif=camera_exif())

    made = renditions(SimpleUploadedFile("wide.png", wide))

    assert list(made) == list(RENDITION_WIDTHS) == [320, 640, 1280]
    assert rendition_sizes(made) == {
        320: (320, 160),
        640: (640, 320),
        1280: (1280, 640),
    }
    for copy in made.values():
        copy.seek(0)
        data = copy.read()
        with opened(data) as image:
            assert image.format == "PNG"
            assert_no_metadata(image, data)


def test_copies_follow_the_orientation_and_lose_the_metadata():
    made = renditions(
        SimpleUploadedFile("portrait.jpg", photo(size=(1000, 700), orientation=6))
    )

    # Upright, the photo is 700 x 1000: narrower than 1280, so no copy of it.
    assert rendition_sizes(made) == {320: (320, 457), 640: (640, 914)}
    for copy in made.values():
        copy.seek(0)
        data = copy.read()
        with opened(data) as image:
            assert image.format == "JPEG"
            assert_no_metadata(image, data)
            assert image.info["icc_profile"] == SRGB


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("small.png", png(size=(300, 300))),
        ("exact.png", png(size=(320, 100))),
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
    ids=[
        "narrower than the smallest copy",
        "as wide as the smallest copy",
        "an animation",
    ],
)
def test_small_pictures_and_animations_get_no_copies(name, content):
    assert renditions(SimpleUploadedFile(name, content)) == {}


def test_a_palette_picture_is_scaled_smoothly():
    # Pillow scales palette pictures by nearest pixel: they are converted
    # first, so a copy of black and white stripes shows greys between them.
    stripes = Image.new("P", (1000, 10))
    stripes.putpalette([0, 0, 0, 255, 255, 255])
    for x in range(0, 1000, 2):
        stripes.paste(1, (x, 0, x + 1, 10))

    made = renditions(SimpleUploadedFile("stripes.png", encoded(stripes, "PNG")))

    with opened(made[320].read()) as copy:
        colours = {value for _, value in copy.convert("L").getcolors()}
    assert colours - {0, 255}
