"""Uploaded pictures: decoded rather than trusted by their first bytes, held to
a pixel limit, and stored again without their metadata.

A photo's file can carry where it was taken (EXIF GPS), the camera's serial
number and free-text comments; a browser needs none of it. Decoding the file
(Pillow) proves it is the picture its extension says; writing it again keeps
the pixels, the colour profile and, for animations, the frames and their timing.
"""

import io
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from sitefiles.conf import setting
from sitefiles.media_types import image_format

# Lossy formats, written again with pixels that changed (turned upright, or
# scaled), or as WebP (Pillow cannot keep its original's settings).
QUALITY = {"JPEG": 90, "WEBP": 90}
# What Pillow raises on data that is cut short or corrupt.
UNDECODABLE = (EOFError, IndexError, OSError, SyntaxError, ValueError)
# The smaller copies pages offer in srcset, by width: browsers pick the one the
# layout and the screen need.
RENDITION_WIDTHS = (320, 640, 1280)


def open_image(file: File, expected_format: str) -> Image.Image:
    """The file as a decoded Pillow image, or a ValidationError: not that
    format, more pixels (all frames together) than SITEFILES_MAX_IMAGE_PIXELS,
    or data that does not decode. Pillow reads a copy (uploads are at most
    SITEFILES_MAX_UPLOAD_SIZE): closing the image must not close the upload."""
    file.seek(0)
    try:
        image = Image.open(io.BytesIO(file.read()), formats=[expected_format])
    except Image.DecompressionBombError as error:  # Pillow's own, far higher limit
        raise too_many_pixels() from error
    except (UnidentifiedImageError, OSError) as error:
        raise not_that_picture() from error
    try:
        frames = getattr(image, "n_frames", 1)  # read through the whole file
        if image.width * image.height * frames > setting("MAX_IMAGE_PIXELS"):
            raise too_many_pixels()
        for frame in range(frames):
            image.seek(frame)
            image.load()
        image.seek(0)
    except UNDECODABLE as error:
        image.close()
        raise not_that_picture() from error
    except ValidationError:
        image.close()
        raise
    return image


def too_many_pixels() -> ValidationError:
    return ValidationError(
        "The picture has more than %(limit)s pixels.",
        code="too_many_pixels",
        params={"limit": f"{setting('MAX_IMAGE_PIXELS'):,}"},
    )


def not_that_picture() -> ValidationError:
    return ValidationError(
        "The file's content does not match its extension.", code="bad_content"
    )


def without_metadata(file: File) -> ContentFile:
    """The picture ``file`` holds, written again: upright, with its colour
    profile, and without EXIF, XMP or comments. A ContentFile of the same name."""
    expected_format = image_format(file.name)
    with open_image(file, expected_format) as image:
        output = io.BytesIO()
        upright(image).save(output, expected_format, **save_options(image))
    return ContentFile(output.getvalue(), name=PurePosixPath(file.name).name)


def orientation(image: Image.Image) -> int:
    return image.getexif().get(ExifTags.Base.Orientation, 1)


def upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says (then dropped), or itself:
    browsers would otherwise show it as the camera held it."""
    return image if orientation(image) == 1 else ImageOps.exif_transpose(image)


def save_options(image: Image.Image) -> dict[str, Any]:
    """What Pillow writes besides the pixels: the colour profile, the frames,
    and what the format needs; never the metadata it read (said outright: which
    of it Pillow carries over by default has changed between its versions)."""
    options = {"exif": b"", "xmp": b""}
    if icc_profile := image.info.get("icc_profile"):
        options["icc_profile"] = icc_profile
    if getattr(image, "n_frames", 1) > 1:
        options["save_all"] = True
    if image.format in ("JPEG", "GIF"):
        options["comment"] = b""  # Pillow writes the original's by default
    if image.format in QUALITY:
        options["quality"] = QUALITY[image.format]
    if image.format == "JPEG" and orientation(image) == 1:
        # The original's quantization, so writing it again costs no quality;
        # possible only while the pixels are the decoded original.
        options["quality"] = "keep"
    return options


def renditions(file: File) -> dict[int, ContentFile]:
    """{width: ContentFile}: the picture ``file`` holds, upright, scaled down to
    each of RENDITION_WIDTHS it is wider than, without metadata; none for an
    animation (its frames would each need scaling)."""
    expected_format = image_format(file.name)
    with open_image(file, expected_format) as image:
        if getattr(image, "n_frames", 1) > 1:
            return {}
        picture = upright(image)
        if picture.mode in ("1", "P"):  # Pillow scales these by nearest pixel
            picture = picture.convert("RGBA" if expected_format != "JPEG" else "RGB")
        options = {
            key: value
            for key, value in save_options(image).items()
            if key in ("exif", "xmp", "icc_profile", "comment")
        }
        if expected_format in QUALITY:
            options["quality"] = QUALITY[expected_format]
        made = {}
        for width in RENDITION_WIDTHS:
            if width >= picture.width:
                break
            height = max(1, round(picture.height * width / picture.width))
            output = io.BytesIO()
            scaled = picture.resize((width, height), Image.Resampling.LANCZOS)
            scaled.save(output, expected_format, **options)
            made[width] = ContentFile(output.getvalue())
    return made
