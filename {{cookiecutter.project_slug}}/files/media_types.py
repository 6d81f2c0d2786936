"""The upload types, written once: what is accepted, and how it is served
wherever it is stored.

Uploads are untrusted: only these types are accepted and served with their own
Content-Type, only pictures are shown inline, and anything else is a download.
Whatever serves uploads, the web server or object storage, follows this list.
"""

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


def media_headers(name):
    """(Content-Type, Content-Disposition) for an uploaded file, from its name alone.

    What the uploading client claimed is never used: a .png sent as text/html
    is still served as image/png, and an .html file only ever as a download.
    """
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    disposition = "inline" if extension in INLINE_MEDIA else "attachment"
    return MEDIA_TYPES.get(extension, DOWNLOAD_TYPE), disposition
