{%- set static = cookiecutter.static_storage -%}
"""Static files in the bucket: collectstatic uploads only what the bucket lacks,
on several threads, hashed names are cached for good, and the manifest goes up
last, only once everything else is there."""

import hashlib
import json
import threading
{%- if static == "s3" %}
from datetime import datetime, timezone
{%- endif %}
{%- if static == "gcs" %}
from types import SimpleNamespace
{%- endif %}

import pytest
{%- if static == "s3" %}
from botocore.stub import Stubber
{%- endif %}
{%- if static == "azure" %}
from azure.storage.blob import BlobProperties
{%- endif %}
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage
from django.core.management import call_command
from django.core.management.base import CommandError

{% if static != "s3" -%}
from cloud_storage.{{ static }} import StaticStorage
{% endif -%}
from cloud_storage.management.commands.collectstatic import Command as Collect
from cloud_storage.publish import UploadError, md5, publish
{%- if static == "s3" %}
from cloud_storage.s3 import StaticStorage
{%- endif %}

HASHED = "css/site.0123456789ab.css"
{%- if static == "azure" %}
OFFLINE = {"azure_container": "static", "account_name": "test"}
{%- else %}
OFFLINE = {"bucket_name": "static"}
{%- endif %}


class Bucket(ManifestFilesMixin, InMemoryStorage):
    """A bucket in memory that lists its checksums as the real ones do."""

    def __init__(self, **options):
        super().__init__(**options)
        self.uploads = []
        self.lock = threading.Lock()  # InMemoryStorage is not thread-safe

    def get_available_name(self, name, max_length=None):
        return name  # static buckets overwrite, as the settings configure them

    def _save(self, name, content):
        with self.lock:
            self.uploads.append(name)
            return super()._save(name, content)

    def names(self, directory=""):
        folders, files = self.listdir(directory)
        for folder in folders:
            yield from self.names(f"{directory}{folder}/")
        yield from (f"{directory}{name}" for name in files)

    def stored_checksums(self):
        return {
            name: hashlib.md5(self.open(name).read()).hexdigest()
            for name in self.names()
        }

    def holds_file(self, name, path, stored_md5):
        return stored_md5 == md5(path)


class RenamingBucket(Bucket):
    def get_available_name(self, name, max_length=None):
        return f"renamed-{name}"  # a storage left to keep both copies


class MeetingBucket(Bucket):
    """Each upload but the manifest's waits, for a while, until another one
    is under way: uploads one at a time would never meet."""

    def __init__(self, **options):
        super().__init__(**options)
        self.meeting = threading.Barrier(2, timeout=10)

    def _save(self, name, content):
        if name != "staticfiles.json":
            self.meeting.wait()
        return super()._save(name, content)


class FailingBucket(Bucket):
    def _save(self, name, content):
        if name == "css/site.css":
            raise OSError("the network is down")
        return super()._save(name, content)


def cache_control(name):
    """The Cache-Control header the backend stores with a static file."""
    storage = StaticStorage(manifest_storage=InMemoryStorage(), **OFFLINE)
{%- if static == "s3" %}
    return storage._get_write_parameters(name)["CacheControl"]  # what _save sends
{%- elif static == "gcs" %}
    return storage.get_object_parameters(name)["cache_control"]
{%- else %}
    return storage._get_content_settings_parameters(name)["cache_control"]
{%- endif %}


def test_hashed_names_are_cached_for_good_and_others_briefly():
    assert cache_control(HASHED) == "public, max-age=315360000, immutable"
    assert cache_control("css/site.css") == "public, max-age=60"
    assert cache_control("staticfiles.json") == "public, max-age=60"


@pytest.fixture
def built(tmp_path):
    """A STATIC_ROOT as collectstatic leaves it."""
    for name, text in {
        "css/site.css": "body {}",
        HASHED: "body {}",
        "staticfiles.json": json.dumps({"paths": {"css/site.css": HASHED}}),
        ".gitkeep": "",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_first_publish_uploads_everything_and_the_manifest_last(built):
    bucket = Bucket()

    published = publish(built, bucket)

    assert sorted(bucket.uploads) == [HASHED, "css/site.css", "staticfiles.json"]
    assert bucket.uploads[-1] == "staticfiles.json"
    assert published.uploaded == [HASHED, "css/site.css", "staticfiles.json"]
    assert published.unchanged == []


def test_uploads_run_side_by_side(built):
    bucket = MeetingBucket()

    publish(built, bucket)  # one upload at a time: BrokenBarrierError

    assert bucket.uploads[-1] == "staticfiles.json"


def test_a_failed_upload_leaves_the_previous_manifest_in_place(built):
    bucket = FailingBucket()
    earlier = b'{"paths": {"css/site.css": "css/site.earlier00000.css"}}'
    bucket.save("staticfiles.json", ContentFile(earlier))
    bucket.uploads.clear()

    with pytest.raises(UploadError, match="css/site.css failed .*network is down"):
        publish(built, bucket)

    assert "staticfiles.json" not in bucket.uploads
    assert bucket.open("staticfiles.json").read() == earlier


def test_a_publish_with_nothing_changed_uploads_nothing(built):
    bucket = Bucket()
    publish(built, bucket)
    bucket.uploads.clear()

    published = publish(built, bucket)

    assert bucket.uploads == []
    assert len(published.unchanged) == 3


def test_a_changed_file_is_uploaded_again(built):
    bucket = Bucket()
    publish(built, bucket)
    bucket.uploads.clear()
    (built / "css/site.css").write_text("body { color: red }")

    publish(built, bucket)

    assert bucket.uploads == ["css/site.css"]
    assert bucket.open("css/site.css").read() == b"body { color: red }"


def test_a_hashed_name_in_the_bucket_is_not_read_or_compared(built):
    """The manifest's names are their content's hash: there is up to date."""
    bucket = Bucket()
    bucket.save(HASHED, ContentFile(b"stored by an earlier release"))
    bucket.uploads.clear()

    publish(built, bucket)

    assert HASHED not in bucket.uploads


def test_a_storage_that_renames_instead_of_overwriting_is_refused(built):
    with pytest.raises(UploadError, match="overwrite files in place") as raised:
        publish(built, RenamingBucket())

    assert isinstance(raised.value.__cause__, ImproperlyConfigured)
{%- if static == "s3" %}


@pytest.fixture
def offline_s3(monkeypatch):
    """A StaticStorage whose S3 client answers from a stub, not the network."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    storage = StaticStorage(
        manifest_storage=InMemoryStorage(), region_name="us-east-1", **OFFLINE
    )
    with Stubber(storage.bucket.meta.client) as stub:
        yield storage, stub


def stored_object(stub, metadata):
    """The answer to one HEAD request: an SSE-KMS object, whose ETag is not
    an MD5, with ``metadata``."""
    stub.add_response(
        "head_object",
        {
            "ETag": '"8e1ab7a4dfb5c0a2d64a7cf0f9d9e3b1"',
            "ServerSideEncryption": "aws:kms",
            "LastModified": datetime(2025, 1, 1, tzinfo=timezone.utc),
            "Metadata": metadata,
        },
        {"Bucket": "static", "Key": "css/site.css"},
    )


def test_uploads_record_their_md5_in_the_object_metadata():
    storage = StaticStorage(manifest_storage=InMemoryStorage(), **OFFLINE)

    parameters = storage._get_write_parameters("css/site.css", ContentFile(b"body {}"))

    assert parameters["Metadata"] == {"md5": hashlib.md5(b"body {}").hexdigest()}


@pytest.mark.parametrize(
    "etag",
    [
        "0a1b2c3d4e5f60718293a4b5c6d7e8f9-2",  # a multipart upload
        "8e1ab7a4dfb5c0a2d64a7cf0f9d9e3b1",  # SSE-KMS: not the content's MD5
    ],
)
def test_an_etag_that_is_not_an_md5_is_checked_against_the_metadata(
    built, offline_s3, etag
):
    storage, stub = offline_s3
    stored_object(stub, {"md5": md5(built / "css/site.css")})

    assert storage.holds_file("css/site.css", built / "css/site.css", etag)
    stub.assert_no_pending_responses()


def test_an_object_without_the_md5_in_its_metadata_is_uploaded_again(built, offline_s3):
    storage, stub = offline_s3
    stored_object(stub, {})  # uploaded by another tool

    assert not storage.holds_file("css/site.css", built / "css/site.css", "0-2")


def test_an_etag_that_is_the_md5_needs_no_request(built, offline_s3):
    storage, _ = offline_s3  # any request would find no stubbed answer

    assert storage.holds_file(
        "css/site.css", built / "css/site.css", md5(built / "css/site.css")
    )
{%- elif static == "gcs" %}


def test_a_composite_object_has_no_md5_and_is_uploaded_again(built, monkeypatch):
    """Objects made by compose (gcloud's parallel composite uploads) have a
    CRC32C only: no MD5 to compare, and no error for the want of one."""
    listing = [
        SimpleNamespace(name="css/site.css", md5_hash=None, crc32c="AAAAAA=="),
        SimpleNamespace(name=HASHED, md5_hash=None, crc32c="AAAAAA=="),
    ]
    fake_bucket = SimpleNamespace(list_blobs=lambda prefix: iter(listing))
    monkeypatch.setattr(StaticStorage, "bucket", fake_bucket)
    storage = StaticStorage(manifest_storage=InMemoryStorage(), **OFFLINE)

    stored = storage.stored_checksums()

    assert stored == {"css/site.css": None, HASHED: None}
    assert not storage.holds_file("css/site.css", built / "css/site.css", None)
{%- else %}


def test_uploads_carry_their_md5_for_blobs_uploaded_in_blocks():
    """Azure computes the MD5 of a blob uploaded in one request only."""
    storage = StaticStorage(manifest_storage=InMemoryStorage(), **OFFLINE)

    parameters = storage._get_content_settings_parameters(
        "css/site.css", ContentFile(b"body {}")
    )

    assert bytes(parameters["content_md5"]) == hashlib.md5(b"body {}").digest()


def test_a_blob_without_an_md5_is_uploaded_again(built, monkeypatch):
    blob = BlobProperties(name="css/site.css")  # content_md5 None
    fake_client = type("Client", (), {"list_blobs": lambda self, **query: [blob]})
    monkeypatch.setattr(StaticStorage, "client", fake_client())
    storage = StaticStorage(manifest_storage=InMemoryStorage(), **OFFLINE)

    stored = storage.stored_checksums()

    assert stored == {"css/site.css": None}
    assert not storage.holds_file("css/site.css", built / "css/site.css", None)
{%- endif %}


@pytest.fixture
def bucket_settings(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path

    def use(bucket_class):
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": f"{__name__}.{bucket_class.__name__}"},
        }

    return use


def test_collectstatic_hashes_on_disk_then_uploads_to_the_bucket(
    bucket_settings, tmp_path
):
    bucket_settings(Bucket)
    command = Collect()

    call_command(command, interactive=False, verbosity=0)

    manifest = command.bucket.open("staticfiles.json").read().decode()
    hashed_css = command.storage.stored_name("css/site.css")
    assert hashed_css != "css/site.css"
    assert command.bucket.exists(hashed_css)
    assert (tmp_path / hashed_css).is_file()
    assert hashed_css in manifest
    assert command.bucket.uploads[-1] == "staticfiles.json"


def test_collectstatic_says_what_failed_and_that_the_manifest_stayed(
    bucket_settings,
):
    bucket_settings(FailingBucket)
    command = Collect()

    with pytest.raises(CommandError, match="keeps its previous manifest"):
        call_command(command, interactive=False, verbosity=0)

    assert not command.bucket.exists("staticfiles.json")
