"""Direct uploads: the browser sends a file straight to the media bucket, never
through a gunicorn worker, and Django keeps it only once it has checked it.

1. ``grant(storage, name, max_size)``: Django has chosen the file's name; the
   storage class grants one upload of it, for GRANT_EXPIRY seconds, under
   INCOMING (outside MEDIA_LOCATION, so nothing unchecked is ever served): a
   presigned POST (S3: it also holds the size, Content-Type and
   Content-Disposition to what Django serves), a signed PUT URL (GCS: likewise),
   a create-only SAS URL (Azure: it cannot hold the size). The name goes back
   to the browser signed (django.core.signing), so a forged one is refused.
2. The browser uploads the file with the grant.
3. ``keep(storage, granted_name(token), max_size)``: what arrived under the
   granted name must exist, be at most ``max_size`` bytes, and begin as its
   type does (sitefiles.media_types); otherwise it is deleted and refused. The
   storage class then copies it, server-side and pinned to the version that
   was checked, to the name, served with Django's headers, and deletes the
   upload.

Only the granted name is ever looked at, and a client can never write to a
name that is served. An upload that is never completed, or that a service
ignoring a POST policy let a client put elsewhere, stays under INCOMING: a
lifecycle rule on that prefix deletes it (the package README shows one per
provider).

Pictures are not uploaded this way: Django decodes them and stores them again
without their metadata (sitefiles.images), so their bytes pass through it
anyway.

The media storage class (STORAGES["default"]) provides, besides Django's API:
``upload_grant(incoming_name, max_size, expires)``, {"method", "url",
"fields", "headers"}: what the browser sends; ``received_upload(incoming_name,
length)``, a ReceivedUpload, or None if nothing arrived;
``keep_upload(received, name)``, the copy; ``discard_upload(incoming_name)``;
and ``cors_rules(origins)``, what the browser's upload needs (manage.py
bucket_cors sets them).
"""

from dataclasses import dataclass
from typing import Any, Protocol

from django.core import signing
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from sitefiles.media_types import (
    CONTENT_SAMPLE_SIZE,
    IMAGE_FORMATS,
    MEDIA_TYPES,
    content_matches,
    extension,
)

# The types uploaded this way: all but pictures (see above).
EXTENSIONS = sorted(set(MEDIA_TYPES) - set(IMAGE_FORMATS))
# Where uploads arrive, at the top of the bucket: never served.
INCOMING = "incoming"
# A browser starts its upload within this many seconds of the grant...
GRANT_EXPIRY = 10 * 60
# ...and completes it within this many: large files on slow links take time.
COMPLETION_EXPIRY = 24 * 60 * 60
TOKEN_SALT = "sitefiles.cloud.direct_uploads"


@dataclass(frozen=True)
class ReceivedUpload:
    """What arrived under an incoming name, as the bucket describes it."""

    incoming_name: str
    size: int
    start: bytes  # the first bytes, up to the length asked for
    version: str | int  # what pins the copy to these bytes (an ETag, a generation)


class DirectUploadStorage(Protocol):
    """What the media storage class provides for direct uploads (see above)."""

    def upload_grant(
        self, incoming_name: str, max_size: int, expires: int
    ) -> dict[str, Any]: ...

    def received_upload(
        self, incoming_name: str, length: int
    ) -> ReceivedUpload | None: ...

    def keep_upload(self, received: ReceivedUpload, name: str) -> None: ...

    def discard_upload(self, incoming_name: str) -> None: ...


def incoming_name(name: str) -> str:
    return f"{INCOMING}/{name}"


def check_request(filename: str, size: int, max_size: int) -> None:
    """Refuse, before any grant, a file the browser says is of the wrong type,
    empty, or too large (the check after the upload does not trust it)."""
    if extension(filename) not in EXTENSIONS:
        raise ValidationError(
            "Files uploaded this way are: %(types)s.",
            code="bad_extension",
            params={"types": ", ".join(EXTENSIONS)},
        )
    if size < 1:
        raise ValidationError("The file is empty.", code="empty")
    if size > max_size:
        raise too_large(size, max_size)


def grant(storage: DirectUploadStorage, name: str, max_size: int) -> dict[str, Any]:
    """What the browser needs to upload ``name``: {"token", "upload"}."""
    return {
        "token": signing.dumps(name, salt=TOKEN_SALT),
        "upload": storage.upload_grant(incoming_name(name), max_size, GRANT_EXPIRY),
    }


def granted_name(token: str) -> str:
    """The name Django granted, from the browser's token."""
    try:
        return signing.loads(token, salt=TOKEN_SALT, max_age=COMPLETION_EXPIRY)
    except signing.BadSignature:  # its subclass SignatureExpired too
        raise ValidationError(
            "This upload was not granted here, or too long ago.", code="not_granted"
        ) from None


def keep(storage: DirectUploadStorage, name: str, max_size: int) -> None:
    """Check what arrived for ``name``, then store it as ``name``, or raise a
    ValidationError and delete the upload.

    What is copied is always the version that was checked. The caller refuses
    a name it has recorded already (the view that completes it): a grant used again,
    even after its upload was kept, then never replaces the kept file.
    """
    received = storage.received_upload(incoming_name(name), CONTENT_SAMPLE_SIZE)
    if received is None:
        raise ValidationError("The file did not arrive.", code="missing")
    try:
        refuse_unless_acceptable(name, received, max_size)
    except ValidationError:
        storage.discard_upload(received.incoming_name)
        raise
    storage.keep_upload(received, name)
    storage.discard_upload(received.incoming_name)


def refuse_unless_acceptable(
    name: str, received: ReceivedUpload, max_size: int
) -> None:
    if received.size > max_size:
        raise too_large(received.size, max_size)
    if received.size < 1:
        raise ValidationError("The file is empty.", code="empty")
    if not content_matches(name, received.start):
        raise ValidationError(
            "The file's content does not match its extension.", code="bad_content"
        )


def too_large(size: int, max_size: int) -> ValidationError:
    return ValidationError(
        "The file is %(size)s; the largest accepted is %(limit)s.",
        code="file_too_large",
        params={"size": filesizeformat(size), "limit": filesizeformat(max_size)},
    )
