"""Private media: files that a view hands out only after a permission check.

They are stored through STORAGES["private"], apart from MEDIA_ROOT, so no URL
reaches them by their path. Once the view has checked the permission, the
sender SITEFILES_PRIVATE_MEDIA_SENDER names delivers the bytes:

- "django": Django streams the file (FileResponse). Development, tests, and
  gunicorn with no web server of ours in front.
- "nginx": X-Accel-Redirect to the file's URL under PRIVATE_MEDIA_URL, a
  location nginx keeps `internal` (see webserver_config), and nginx sends it.
- "apache": X-Sendfile with the file's path; mod_xsendfile sends it (Debian's
  libapache2-mod-xsendfile; see webserver_config).
- "signed-url": a redirect to a short-lived signed URL of the object in its
  private bucket, which sends it.

django-sendfile2 covers the first three, but its Django sender holds the whole
file in memory, and it has no bucket sender.
"""

from django.core.files.storage import Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect

from sitefiles.conf import setting
from sitefiles.media_types import media_headers

# As public media is served: never run as a page, whatever it holds.
SANDBOX = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def private_storage() -> Storage:
    """STORAGES["private"], for a FileField: FileField(storage=private_storage).
    A callable, so that migrations name it rather than copy the storage's
    settings of the day; Django calls it when models load."""
    return storages["private"]


def sent_by_django(file: FieldFile) -> HttpResponse:
    return FileResponse(file.open("rb"))


def sent_by_nginx(file: FieldFile) -> HttpResponse:
    return HttpResponse(headers={"X-Accel-Redirect": file.storage.url(file.name)})


def sent_by_apache(file: FieldFile) -> HttpResponse:
    return HttpResponse(headers={"X-Sendfile": file.storage.path(file.name)})


def sent_from_its_bucket(file: FieldFile) -> HttpResponse:
    return HttpResponseRedirect(file.storage.url(file.name))


SENDERS = {
    "django": sent_by_django,
    "nginx": sent_by_nginx,
    "apache": sent_by_apache,
    "signed-url": sent_from_its_bucket,
}


def private_file_response(file: FieldFile) -> HttpResponse:
    """The response that delivers ``file`` (a FieldFile in a private storage)
    through SITEFILES_PRIVATE_MEDIA_SENDER; call it only once the user may have it."""
    sender = setting("PRIVATE_MEDIA_SENDER")
    response = SENDERS[sender](file)
    if sender != "signed-url":  # the bucket stored these with the object
        content_type, disposition = media_headers(file.name)
        response["Content-Type"] = content_type
        response["Content-Disposition"] = disposition
        response["Content-Security-Policy"] = SANDBOX
    # Only this user's browser may keep it; a signed URL expires anyway.
    response["Cache-Control"] = "private, no-store"
    return response
