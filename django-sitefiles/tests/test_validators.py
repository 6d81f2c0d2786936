"""What every upload passes before it is stored (sitefiles.validators): only the
listed types, each of them what its extension says, within
SITEFILES_MAX_UPLOAD_SIZE."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.template.defaultfilters import filesizeformat

from sitefiles.conf import DEFAULTS
from sitefiles.images import without_metadata
from sitefiles.validators import ALLOWED_EXTENSIONS, FILE_VALIDATORS

from .pictures import animation, photo, png

PNG_BYTES = png()


def refusals(file):
    """Every validator's messages for ``file``, as a model's file field collects
    them (it runs them all, in order)."""
    messages = []
    for validator in FILE_VALIDATORS:
        try:
            validator(file)
        except ValidationError as error:
            messages.extend(error.messages)
    return messages


def test_the_allowed_types_are_pictures_first():
    # The form lists them in this order; nothing that a browser runs is in it.
    assert ALLOWED_EXTENSIONS == ["gif", "jpeg", "jpg", "png", "webp", "pdf", "txt"]


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("page.html", b"<script>alert(1)</script>", "File extension"),
        ("drawing.svg", b"<svg onload='alert(1)'/>", "File extension"),
        ("fake.png", b"<html>not a picture</html>", "does not match its extension"),
        # Other types must begin as theirs do.
        ("sound.pdf", b"RIFF\x24\x08\x00\x00WAVEfmt ", "does not match its extension"),
        ("program.txt", b"MZ\x90\x00\x03\x00\x00\x00", "does not match its extension"),
    ],
)
def test_unsafe_uploads_are_refused(name, content, error):
    messages = refusals(SimpleUploadedFile(name, content))

    assert len(messages) == 1
    assert error in messages[0]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("manual.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
        ("notes.txt", "Crème brûlée\r\n\tfor two\n".encode()),
        ("avatar.png", PNG_BYTES),
        ("holiday.JPG", photo()),
        ("wave.gif", animation()),
    ],
)
def test_files_that_begin_as_their_type_does_are_kept(name, content):
    upload = SimpleUploadedFile(name, content)
    upload.seek(3)

    assert refusals(upload) == []
    # The storage saves from where the upload was: the checks read and put back.
    assert upload.tell() == 3
    upload.seek(0)
    assert upload.read() == content


def test_the_leading_bytes_are_read_from_the_start():
    # A file already read to its end is checked all the same.
    upload = SimpleUploadedFile("sound.pdf", b"RIFF\x24\x08\x00\x00WAVEfmt ")
    upload.read()

    assert refusals(upload) == ["The file's content does not match its extension."]


def test_a_stored_picture_passes_them_again():
    # What without_metadata writes (a ContentFile) is still what its name says.
    assert refusals(without_metadata(SimpleUploadedFile("a.jpg", photo()))) == []


def temporary_upload(name, content, tmp_path, settings):
    """An upload as Django streams a large one: to a file on disk."""
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    upload = TemporaryUploadedFile(name, "image/png", len(content), None)
    upload.write(content)
    upload.seek(0)
    return upload


@pytest.mark.parametrize("in_memory", [True, False], ids=["in memory", "temp file"])
def test_uploads_over_the_limit_are_refused(settings, tmp_path, in_memory):
    settings.SITEFILES_MAX_UPLOAD_SIZE = len(PNG_BYTES) - 1
    if in_memory:
        upload = SimpleUploadedFile("avatar.png", PNG_BYTES)
    else:
        upload = temporary_upload("avatar.png", PNG_BYTES, tmp_path, settings)

    with upload:
        assert refusals(upload) == [
            f"The file is {filesizeformat(len(PNG_BYTES))}; the largest accepted"
            f" is {filesizeformat(len(PNG_BYTES) - 1)}."
        ]


def test_uploads_at_the_limit_are_kept(settings):
    settings.SITEFILES_MAX_UPLOAD_SIZE = len(PNG_BYTES)

    assert refusals(SimpleUploadedFile("avatar.png", PNG_BYTES)) == []


def test_the_limit_is_10_mib_by_default(settings):
    # Only the package's name is read: the template-era name is not.
    settings.MAX_UPLOAD_SIZE = 1
    assert not hasattr(settings, "SITEFILES_MAX_UPLOAD_SIZE")
    upload = ContentFile(b"%PDF-1.7\n", name="manual.pdf")

    upload.size = DEFAULTS["MAX_UPLOAD_SIZE"]
    assert refusals(upload) == []
    upload.size = 10 * 1024 * 1024 + 1
    assert refusals(upload) == [
        "The file is 10.0\xa0MB; the largest accepted is 10.0\xa0MB."
    ]


# The name a client sends is never trusted: only its extension counts, in any
# case, and a name that is all extension has none.
@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("CON.png", None),
        ("nul.png", None),
        ("my holiday photo.png", None),
        ("фото отпуск.png", None),
        ("\U0001f4f7 snapshot.PNG", None),
        ("evil.html.png", None),
        ("evil.png.html", "File extension “html” is not allowed."),
        (".png", "File extension “” is not allowed."),
        ("png", "File extension “” is not allowed."),
    ],
)
def test_hostile_file_names_are_judged_by_their_extension(name, error):
    messages = refusals(SimpleUploadedFile(name, PNG_BYTES))

    if error:
        assert len(messages) == 1
        assert messages[0].startswith(error)
    else:
        assert messages == []
