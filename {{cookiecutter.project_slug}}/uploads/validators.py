"""Checks every upload passes before it is stored: uploads are untrusted."""

from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat

# The first bytes each image format must start with, so that a page or script
# renamed to .png is refused rather than stored.
IMAGE_SIGNATURES = {
    ".gif": (b"GIF87a", b"GIF89a"),
    ".jpeg": (b"\xff\xd8\xff",),
    ".jpg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".webp": (b"RIFF",),
}
ALLOWED_EXTENSIONS = sorted(suffix.lstrip(".") for suffix in IMAGE_SIGNATURES) + [
    "pdf",
    "txt",
]

validate_extension = FileExtensionValidator(allowed_extensions=ALLOWED_EXTENSIONS)


def validate_size(file):
    if file.size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            "The file is %(size)s; the largest accepted is %(limit)s.",
            code="file_too_large",
            params={
                "size": filesizeformat(file.size),
                "limit": filesizeformat(settings.MAX_UPLOAD_SIZE),
            },
        )


def validate_image_content(file):
    signatures = IMAGE_SIGNATURES.get(PurePosixPath(file.name).suffix.lower())
    if signatures is None:
        return
    position = file.tell()
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    if not head.startswith(signatures):
        raise ValidationError(
            "The file's content does not match its extension.", code="bad_content"
        )
