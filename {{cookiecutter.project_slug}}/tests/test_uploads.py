"""The example upload app: form to storage to URL (the test storage is in memory;
tests that look at the disk store in a temporary MEDIA_ROOT with media_on_disk)."""

import io
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from PIL import Image

from uploads.models import Upload

pytestmark = pytest.mark.django_db


def png(colour=(11, 110, 79)):
    """A real 4 x 4 PNG in one colour: pictures are decoded, not sniffed."""
    output = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(output, "PNG")
    return output.getvalue()


def pixels(data):
    """What a picture shows: its size and its pixels (pictures are stored written
    again, so their bytes may differ from the upload's)."""
    with Image.open(io.BytesIO(data)) as image:
        return image.size, image.convert("RGBA").tobytes()


PNG_BYTES = png()
GENERATED_NAME = re.compile(r"uploads/\d{4}/\d{2}/[0-9a-f]{32}\.png")
BOUNDARY = "upload-test-boundary"


def upload(client, name, content=PNG_BYTES, title="A picture"):
    return client.post(
        reverse("uploads:list"),
        {"title": title, "file": SimpleUploadedFile(name, content)},
    )


def upload_as_sent(client, name, content=PNG_BYTES, title="A picture"):
    """Post the form with the file name byte for byte as given. The test client
    (like a browser) would strip folders from the name and cut it to 255
    characters first; a hostile client does neither."""
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="title"\r\n\r\n'
        f"{title}\r\n"
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: image/png\r\n\r\n"
    )
    body = head.encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()
    return client.post(
        reverse("uploads:list"),
        body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


def stored_files(media_root):
    """The storage names of every file under MEDIA_ROOT."""
    return sorted(
        path.relative_to(media_root).as_posix()
        for path in media_root.rglob("*")
        if path.is_file()
    )


def paths_outside(root, media_root):
    """Every file and folder under root, MEDIA_ROOT and what it holds aside, with
    when each file last changed: a file overwritten in place counts too."""
    return {
        path: path.is_file() and path.stat().st_mtime_ns
        for path in root.rglob("*")
        if path != media_root and media_root not in path.parents
    }


def test_upload_is_saved_in_media_storage_and_shown(client):
    response = upload(client, "avatar.png")

    assert response.status_code == 302
    saved = Upload.objects.get()
    assert GENERATED_NAME.fullmatch(saved.file.name)
    with default_storage.open(saved.file.name) as stored:
        assert pixels(stored.read()) == pixels(PNG_BYTES)
    page = client.get(reverse("uploads:list")).content.decode()
    assert f'<img src="{saved.file.url}"' in page
    assert saved.file.url.startswith("/media/uploads/")


def test_same_name_uploads_keep_both_files(client):
    first, second = png((1, 2, 3)), png((4, 5, 6))
    upload(client, "avatar.png", first)
    upload(client, "avatar.png", second)

    names = [item.file.name for item in Upload.objects.order_by("pk")]
    assert len(set(names)) == 2
    contents = [pixels(default_storage.open(name).read()) for name in names]
    assert contents == [pixels(first), pixels(second)]


def test_the_client_file_name_never_reaches_the_disk(client):
    upload(client, "../../../etc/passwd.PNG")

    assert GENERATED_NAME.fullmatch(Upload.objects.get().file.name)


# The model's fields carry django-sitefiles' validators (its suite tests each
# rule): one refusal of each kind shows they are wired to the form.
@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("page.html", b"<script>alert(1)</script>", "File extension"),
        ("fake.png", b"<html>not a picture</html>", "does not match its extension"),
    ],
)
def test_unsafe_uploads_are_refused(client, name, content, error):
    response = upload(client, name, content)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Upload.objects.exists()


def test_a_document_that_begins_as_its_type_does_is_kept(client):
    content = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

    response = upload(client, "manual.pdf", content, title="A file")

    assert response.status_code == 302
    assert Upload.objects.get().file.read() == content


def test_uploads_over_the_setting_s_limit_are_refused(client, settings, media_on_disk):
    settings.SITEFILES_MAX_UPLOAD_SIZE = len(PNG_BYTES) - 1

    response = upload(client, "avatar.png")

    assert response.status_code == 200
    assert "the largest accepted is" in response.content.decode()
    assert not Upload.objects.exists()
    assert stored_files(media_on_disk) == []


# The name a client sends is never trusted. Django drops folders, entities and
# control characters from it; with an accepted extension left, the file is
# stored under a generated name; without, the form says why. Never a crash.
HOSTILE_NAMES = [
    ("../../evil.png", None),
    ("..\\..\\evil.png", None),
    ("..&#47;..&#47;evil.png", None),
    ("/etc/passwd.png", None),
    ("C:evil.png", None),
    pytest.param("a\x00b.png", None, id="NUL"),
    ("CON.png", None),
    ("nul.png", None),
    ("my holiday photo.png", None),
    ("фото отпуск.png", None),
    ("\U0001f4f7 snapshot.PNG", None),
    # The form field keeps the model field's 100-character limit for the name.
    pytest.param("a" * 296 + ".png", "at most 100 characters", id="300 characters"),
    pytest.param("", "This field is required.", id="empty"),
    ("..", "This field is required."),
    (".png", "File extension “” is not allowed."),
]


@pytest.mark.parametrize(("name", "error"), HOSTILE_NAMES)
def test_hostile_file_names_never_escape_media_root(
    client, media_on_disk, tmp_path, name, error
):
    # Anything written outside MEDIA_ROOT (tmp_path/media) through "../" would
    # land under tmp_path or its parent, pytest's folder for this run.
    before = paths_outside(tmp_path.parent, media_on_disk)

    response = upload_as_sent(client, name)

    assert paths_outside(tmp_path.parent, media_on_disk) == before
    if error:
        assert response.status_code == 200
        assert error in response.content.decode()
        assert not Upload.objects.exists()
        assert stored_files(media_on_disk) == []
    else:
        assert response.status_code == 302
        saved = Upload.objects.get().file.name
        assert GENERATED_NAME.fullmatch(saved)
        assert stored_files(media_on_disk) == [saved]
        assert pixels((media_on_disk / saved).read_bytes()) == pixels(PNG_BYTES)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "allow_overwrite", [False, True], ids=["storage renames", "storage overwrites"]
)
def test_concurrent_uploads_of_one_name_keep_every_file(
    media_on_disk, settings, allow_overwrite
):
    """Eight requests at once, each with its own client and database connection,
    all sending photo.png: none is lost, even with a storage that overwrites a
    taken name rather than picking a free one."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"allow_overwrite": allow_overwrite},
        },
    }
    contents = [png((number, 0, 0)) for number in range(8)]
    start = threading.Barrier(len(contents), timeout=10)

    def wait_for_the_table(execute, sql, params, many, context):
        # SQLite takes one write at a time. With a database file the others wait
        # their turn (its busy timeout); the shared in-memory test database
        # refuses them at once ("database table is locked"), so they wait here.
        for _ in range(500):
            try:
                return execute(sql, params, many, context)
            except OperationalError as error:
                if "locked" not in str(error):
                    raise
                time.sleep(0.01)
        return execute(sql, params, many, context)

    def send(content):
        try:
            start.wait()
            with connection.execute_wrapper(wait_for_the_table):
                return upload(Client(), "photo.png", content).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(contents)) as pool:
        statuses = list(pool.map(send, contents))

    assert statuses == [302] * len(contents)
    names = [item.file.name for item in Upload.objects.all()]
    assert all(GENERATED_NAME.fullmatch(name) for name in names)
    assert stored_files(media_on_disk) == sorted(names)
    assert len(set(names)) == len(contents)
    stored = sorted(pixels((media_on_disk / name).read_bytes()) for name in names)
    assert stored == sorted(map(pixels, contents))


def test_form_without_a_file_is_refused(client):
    response = client.post(reverse("uploads:list"), {"title": "No file"})

    assert response.status_code == 200
    assert not Upload.objects.exists()
    assert "This field is required." in response.content.decode()
