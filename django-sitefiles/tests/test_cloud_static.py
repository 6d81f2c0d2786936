"""Static files in the bucket: collectstatic uploads only what the bucket lacks,
on several threads, hashed names are cached for good, and the manifest goes up
last, only once everything else is there."""

import base64
import hashlib
import json
import threading
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from azure.storage.blob import BlobProperties
from botocore.stub import Stubber
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage
from django.core.management import call_command
from django.core.management.base import CommandError

from sitefiles.cloud import azure, gcs, s3
from sitefiles.cloud.publish import UploadError, md5, publish
from sitefiles.management.commands import publish_static
from sitefiles.management.commands.collectstatic import Command as Collect

HASHED = "css/site.0123456789ab.css"
MANIFEST_HASH = "abcdef012345"  # of the paths, as Django writes it in the manifest
RELEASE_MANIFEST = f"staticfiles.{MANIFEST_HASH}.json"
OFFLINE = {
    "s3": {"bucket_name": "static"},
    "gcs": {"bucket_name": "static"},
    "azure": {"azure_container": "static", "account_name": "test"},
}
PROVIDERS = {"s3": s3, "gcs": gcs, "azure": azure}


def static_storage(provider, **options):
    """A provider's StaticStorage that makes no request until one is asked of it."""
    return PROVIDERS[provider].StaticStorage(
        manifest_storage=InMemoryStorage(), **OFFLINE[provider], **options
    )


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
        if not name.startswith("staticfiles."):  # the manifest's two uploads
            self.meeting.wait()
        return super()._save(name, content)


class FailingBucket(Bucket):
    def _save(self, name, content):
        if name == "css/site.css":
            raise OSError("the network is down")
        return super()._save(name, content)


def cache_control(provider, name):
    """The Cache-Control header the backend stores with a static file."""
    storage = static_storage(provider)
    if provider == "s3":
        return storage._get_write_parameters(name)["CacheControl"]  # what _save sends
    if provider == "gcs":
        return storage.get_object_parameters(name)["cache_control"]
    return storage._get_content_settings_parameters(name)["cache_control"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_hashed_names_are_cached_for_good_and_others_briefly(provider):
    assert cache_control(provider, HASHED) == "public, max-age=315360000, immutable"
    assert cache_control(provider, "css/site.css") == "public, max-age=60"
    assert cache_control(provider, "staticfiles.json") == "public, max-age=60"


@pytest.fixture
def built(tmp_path):
    """A STATIC_ROOT as collectstatic leaves it."""
    for name, text in {
        "css/site.css": "body {}",
        HASHED: "body {}",
        "staticfiles.json": json.dumps(
            {"paths": {"css/site.css": HASHED}, "version": "1.1", "hash": MANIFEST_HASH}
        ),
        ".gitkeep": "",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_first_publish_uploads_everything_and_the_manifest_last(built):
    bucket = Bucket()

    published = publish(built, bucket)

    files = [HASHED, "css/site.css"]
    assert sorted(bucket.uploads[:2]) == files
    # The release's copy, there once every file it names is, then the latest.
    assert bucket.uploads[2:] == [RELEASE_MANIFEST, "staticfiles.json"]
    assert published.uploaded == [*files, RELEASE_MANIFEST, "staticfiles.json"]
    assert published.unchanged == []
    assert (
        bucket.open(RELEASE_MANIFEST).read()
        == (built / "staticfiles.json").read_bytes()
    )


def test_a_release_s_manifest_stays_beside_the_next_one_s(built):
    bucket = Bucket()
    publish(built, bucket)
    manifest = json.loads((built / "staticfiles.json").read_text())
    (built / "staticfiles.json").write_text(json.dumps({**manifest, "hash": "0" * 12}))

    publish(built, bucket)

    assert bucket.exists(RELEASE_MANIFEST)
    assert bucket.exists(f"staticfiles.{'0' * 12}.json")


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
    assert RELEASE_MANIFEST not in bucket.uploads
    assert bucket.open("staticfiles.json").read() == earlier


def test_a_publish_with_nothing_changed_uploads_nothing(built):
    bucket = Bucket()
    publish(built, bucket)
    bucket.uploads.clear()

    published = publish(built, bucket)

    assert bucket.uploads == []
    assert len(published.unchanged) == 4


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


# S3: an ETag is the content's MD5 only for an object uploaded in one request
# without SSE-KMS or SSE-C, so the MD5 also goes in the object's metadata.


@pytest.fixture
def offline_s3(monkeypatch):
    """A StaticStorage whose S3 client answers from a stub, not the network."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    storage = static_storage("s3", region_name="us-east-1")
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
    storage = static_storage("s3")

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


def test_an_object_gone_since_the_listing_is_uploaded_again(built, offline_s3):
    storage, stub = offline_s3
    stub.add_client_error("head_object", "404", http_status_code=404)

    assert not storage.holds_file("css/site.css", built / "css/site.css", "0-2")
    stub.assert_no_pending_responses()


def test_an_etag_that_is_the_md5_needs_no_request(built, offline_s3):
    storage, _ = offline_s3  # any request would find no stubbed answer

    assert storage.holds_file(
        "css/site.css", built / "css/site.css", md5(built / "css/site.css")
    )


def test_the_s3_listing_gives_etags_under_the_location(offline_s3):
    storage, stub = offline_s3
    storage.location = "static"
    stub.add_response(
        "list_objects",
        {
            "Contents": [
                {"Key": "static/css/site.css", "ETag": '"0a1b"'},
                {"Key": f"static/{HASHED}", "ETag": '"2c3d-2"'},
            ],
            "IsTruncated": False,
        },
        {"Bucket": "static", "Prefix": "static/"},
    )

    assert storage.stored_checksums() == {"css/site.css": "0a1b", HASHED: "2c3d-2"}
    stub.assert_no_pending_responses()


# GCS: objects made by compose have a CRC32C but no MD5.


def test_a_composite_object_has_no_md5_and_is_uploaded_again(built, monkeypatch):
    """Objects made by compose (gcloud's parallel composite uploads) have a
    CRC32C only: no MD5 to compare, and no error for the want of one."""
    listing = [
        SimpleNamespace(name="css/site.css", md5_hash=None, crc32c="AAAAAA=="),
        SimpleNamespace(name=HASHED, md5_hash=None, crc32c="AAAAAA=="),
    ]
    fake_bucket = SimpleNamespace(list_blobs=lambda prefix: iter(listing))
    monkeypatch.setattr(gcs.StaticStorage, "bucket", fake_bucket)
    storage = static_storage("gcs")

    stored = storage.stored_checksums()

    assert stored == {"css/site.css": None, HASHED: None}
    assert not storage.holds_file("css/site.css", built / "css/site.css", None)


def test_a_gcs_object_with_the_file_s_md5_is_not_uploaded_again(built, monkeypatch):
    """The listing gives MD5s in base64, under the storage's location."""
    digest = hashlib.md5(b"body {}").digest()
    listing = [
        SimpleNamespace(
            name="static/css/site.css", md5_hash=base64.b64encode(digest).decode()
        )
    ]
    asked = []

    def list_blobs(prefix):
        asked.append(prefix)
        return iter(listing)

    monkeypatch.setattr(
        gcs.StaticStorage, "bucket", SimpleNamespace(list_blobs=list_blobs)
    )
    storage = static_storage("gcs", location="static")

    stored = storage.stored_checksums()

    assert asked == ["static/"]
    assert stored == {"css/site.css": digest.hex()}
    assert storage.holds_file("css/site.css", built / "css/site.css", digest.hex())
    (built / "css/site.css").write_text("body { color: red }")
    assert not storage.holds_file("css/site.css", built / "css/site.css", digest.hex())


# Azure: a blob uploaded in blocks has no MD5 unless its uploader set one.


def test_uploads_carry_their_md5_for_blobs_uploaded_in_blocks():
    """Azure computes the MD5 of a blob uploaded in one request only."""
    storage = static_storage("azure")

    parameters = storage._get_content_settings_parameters(
        "css/site.css", ContentFile(b"body {}")
    )

    assert bytes(parameters["content_md5"]) == hashlib.md5(b"body {}").digest()


def fake_azure_client(blobs, asked):
    class Client:
        def list_blobs(self, **query):
            asked.append(query)
            return blobs

    return Client()


def test_a_blob_without_an_md5_is_uploaded_again(built, monkeypatch):
    blob = BlobProperties(name="css/site.css")  # content_md5 None
    monkeypatch.setattr(azure.StaticStorage, "client", fake_azure_client([blob], []))
    storage = static_storage("azure")

    stored = storage.stored_checksums()

    assert stored == {"css/site.css": None}
    assert not storage.holds_file("css/site.css", built / "css/site.css", None)


def test_a_blob_with_the_file_s_md5_is_not_uploaded_again(built, monkeypatch):
    """The listing gives MD5s as bytes, under the storage's location."""
    digest = hashlib.md5(b"body {}").digest()
    blob = BlobProperties(name="static/css/site.css")
    blob.content_settings.content_md5 = bytearray(digest)
    asked = []
    monkeypatch.setattr(azure.StaticStorage, "client", fake_azure_client([blob], asked))
    storage = static_storage("azure", location="static")

    stored = storage.stored_checksums()

    assert asked == [{"name_starts_with": "static/"}]
    assert stored == {"css/site.css": digest.hex()}
    assert storage.holds_file("css/site.css", built / "css/site.css", digest.hex())
    (built / "css/site.css").write_text("body { color: red }")
    assert not storage.holds_file("css/site.css", built / "css/site.css", digest.hex())


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


def test_collectstatic_with_a_storage_on_disk_is_django_s(settings, tmp_path):
    """Nothing is published unless STORAGES["staticfiles"] is a bucket."""
    settings.STATIC_ROOT = tmp_path
    command = Collect()

    call_command(command, interactive=False, verbosity=0)

    assert command.bucket is None
    assert (tmp_path / "css/site.css").is_file()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_pages_link_through_the_release_s_manifest_in_static_root(
    provider, settings, built
):
    """Not the bucket's (the last release's): made offline, the storage reads
    STATIC_ROOT's and asks the bucket nothing."""
    settings.STATIC_ROOT = built

    storage = PROVIDERS[provider].StaticStorage(**OFFLINE[provider])

    assert storage.stored_name("css/site.css") == HASHED
    assert storage.release_manifest_name == RELEASE_MANIFEST


def test_a_bucket_s_static_storage_needs_static_root(settings):
    settings.STATIC_ROOT = None

    with pytest.raises(ImproperlyConfigured, match="STATIC_ROOT must be set"):
        s3.StaticStorage(**OFFLINE["s3"])


def test_collectstatic_no_publish_hashes_on_disk_and_leaves_the_bucket(
    bucket_settings, tmp_path
):
    bucket_settings(FailingBucket)  # any upload would fail
    command = Collect()

    call_command(command, interactive=False, verbosity=0, publish=False)

    assert command.bucket is None
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    assert (tmp_path / manifest["paths"]["css/site.css"]).is_file()


def test_publish_static_uploads_what_collectstatic_built(
    bucket_settings, tmp_path, monkeypatch
):
    bucket_settings(Bucket)
    call_command("collectstatic", interactive=False, verbosity=0, publish=False)
    bucket = Bucket(manifest_storage=InMemoryStorage())
    monkeypatch.setattr(publish_static, "bucket_storage", lambda: bucket)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())

    call_command("publish_static", verbosity=0)

    assert bucket.exists(manifest["paths"]["css/site.css"])
    assert bucket.uploads[-2:] == [
        f"staticfiles.{manifest['hash']}.json",
        "staticfiles.json",
    ]


def test_publish_static_needs_collectstatic_first(bucket_settings):
    bucket_settings(Bucket)

    with pytest.raises(CommandError, match="no staticfiles.json: run collectstatic"):
        call_command("publish_static", verbosity=0)


def test_publish_static_without_a_bucket_says_collectstatic_is_enough():
    with pytest.raises(CommandError, match="not a bucket storage of sitefiles.cloud"):
        call_command("publish_static", verbosity=0)
