"""Checks every upload passes before it is stored: uploads are untrusted.

Pictures are decoded by Pillow (the ``images`` extra), imported when one is checked.
"""

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat

from sitefiles.conf import setting
from sitefiles.media_types import (
    CONTENT_SAMPLE_SIZE,
    IMAGE_FORMATS,
    MEDIA_TYPES,
    content_matches,
    extension,
    image_format,
)

# Pictures first, as the form lists them.
OTHER_EXTENSIONS = sorted(set(MEDIA_TYPES) - set(IMAGE_FORMATS))
ALLOWED_EXTENSIONS = sorted(IMAGE_FORMATS) + OTHER_EXTENSIONS

validate_extension = FileExtensionValidator(allowed_extensions=ALLOWED_EXTENSIONS)


def validate_size(file: File) -> None:
    limit = setting("MAX_UPLOAD_SIZE")
    if file.size > limit:
        raise ValidationError(
            "The file is %(size)s; the largest accepted is %(limit)s.",
            code="file_too_large",
            params={
                "size": filesizeformat(file.size),
                "limit": filesizeformat(limit),
            },
        )


def validate_image_content(file: File) -> None:
    """A picture must decode as its extension's format, within
    SITEFILES_MAX_IMAGE_PIXELS: a page renamed .png, or a WAV renamed .webp,
    is refused."""
    expected_format = image_format(file.name)
    if expected_format is None:
        return
    from sitefiles.images import open_image

    position = file.tell()
    try:
        open_image(file, expected_format).close()
    finally:
        file.seek(position)


def validate_leading_bytes(file: File) -> None:
    """A file must begin as its type does: a WAV renamed .pdf, or a program
    renamed .txt, is refused (sitefiles.media_types says how each begins).
    Pictures are decoded instead (validate_image_content)."""
    if extension(file.name) not in OTHER_EXTENSIONS:
        return
    position = file.tell()
    try:
        file.seek(0)
        start = file.read(CONTENT_SAMPLE_SIZE)
    finally:
        file.seek(position)
    if not content_matches(file.name, start):
        raise ValidationError(
            "The file's content does not match its extension.", code="bad_content"
        )


# What every uploaded file passes, in this order (the models' file fields).
FILE_VALIDATORS = [
    validate_extension,
    validate_size,
    validate_leading_bytes,
    validate_image_content,
]
