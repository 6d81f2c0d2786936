{%- set static = cookiecutter.static_storage -%}
"""Static files in the bucket: collectstatic uploads only what the bucket lacks,
hashed names are cached for good, and the manifest goes up last."""

import hashlib
import json

import pytest
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage
from django.core.management import call_command

{% if static != "s3" -%}
from cloud_storage.{{ static }} import StaticStorage
{% endif -%}
from cloud_storage.management.commands.collectstatic import Command as Collect
from cloud_storage.publish import publish
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

    def get_available_name(self, name, max_length=None):
        return name  # static buckets overwrite, as the settings configure them

    def _save(self, name, content):
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


class RenamingBucket(Bucket):
    def get_available_name(self, name, max_length=None):
        return f"renamed-{name}"  # a storage left to keep both copies


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

    assert bucket.uploads == [HASHED, "css/site.css", "staticfiles.json"]
    assert published.unchanged == []


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
    with pytest.raises(ImproperlyConfigured, match="overwrite files in place"):
        publish(built, RenamingBucket())


def test_collectstatic_hashes_on_disk_then_uploads_to_the_bucket(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": f"{__name__}.Bucket"},
    }
    command = Collect()

    call_command(command, interactive=False, verbosity=0)

    manifest = command.bucket.open("staticfiles.json").read().decode()
    hashed_css = command.storage.stored_name("css/site.css")
    assert hashed_css != "css/site.css"
    assert command.bucket.exists(hashed_css)
    assert (tmp_path / hashed_css).is_file()
    assert hashed_css in manifest
    assert command.bucket.uploads[-1] == "staticfiles.json"
