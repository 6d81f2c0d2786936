"""The upload types, written once: what is accepted, and how it is served
wherever it is stored.

Uploads are untrusted: only these types are accepted and served with their own
Content-Type, only pictures are shown inline, and anything else is a download.
Whatever serves uploads, the web server or object storage, follows this list.
"""

import codecs
from pathlib import PurePosixPath

MEDIA_TYPES = {
    "gif": "image/gif",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "pdf": "application/pdf",
    "png": "image/png",
    "txt": "text/plain",
    "webp": "image/webp",
}
# Pictures: each must decode as this format (Pillow's name for it) to be
# accepted, and only they are shown inline.
IMAGE_FORMATS = {
    "gif": "GIF",
    "jpeg": "JPEG",
    "jpg": "JPEG",
    "png": "PNG",
    "webp": "WEBP",
}
INLINE_MEDIA = tuple(IMAGE_FORMATS)
DOWNLOAD_TYPE = "application/octet-stream"
# How the other types begin: a file must, whatever its name says. (Pictures are
# decoded instead, which proves more than their first bytes.)
LEADING_BYTES = {"pdf": b"%PDF-"}
# Bytes of a file that content_matches() needs.
CONTENT_SAMPLE_SIZE = 8 * 1024
# Control characters no text file holds (tab, line feed, form feed and
# carriage return aside): a binary file renamed .txt has them early.
NOT_TEXT = set(range(32)) - {9, 10, 12, 13}


def extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")


def image_format(name: str) -> str | None:
    """Pillow's format name for a picture's file name, or None if not a picture."""
    return IMAGE_FORMATS.get(extension(name))


def media_headers(name: str) -> tuple[str, str]:
    """(Content-Type, Content-Disposition) for an uploaded file, from its name alone.

    What the uploading client claimed is never used: a .png sent as text/html
    is still served as image/png, and an .html file only ever as a download.
    """
    kind = extension(name)
    disposition = "inline" if kind in INLINE_MEDIA else "attachment"
    return MEDIA_TYPES.get(kind, DOWNLOAD_TYPE), disposition


def content_matches(name: str, start: bytes) -> bool:
    """Whether ``start``, a file's first CONTENT_SAMPLE_SIZE bytes (or all of
    them), is what a file of that name begins with: a .pdf starts as PDFs do; a
    .txt is UTF-8 text. Pictures always match here: Pillow decodes them."""
    kind = extension(name)
    if kind in LEADING_BYTES:
        return start.startswith(LEADING_BYTES[kind])
    if kind == "txt":
        try:
            # Not final: the sample may end inside a character.
            text = codecs.getincrementaldecoder("utf-8")().decode(start, final=False)
        except UnicodeDecodeError:
            return False
        return not NOT_TEXT.intersection(map(ord, text))
    return kind in IMAGE_FORMATS
