"""sitefiles.readiness: E020, a database that cannot be reached stops `migrate`
and `check --database` with one line that says where it looked, never the
password (the template's suite runs it against a real PostgreSQL server); and
the live and ready views, ready only with the database answering and the static
manifest loaded and naming files that exist."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, storages
from django.db import OperationalError

from sitefiles.cloud.manifest import ReleaseManifestMixin
from sitefiles.readiness import unreachable

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def manage(*arguments, database, settings="tests.settings"):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "TEST_SITE_DATABASE": str(database),
    }
    return subprocess.run(
        [sys.executable, "-m", "django", *arguments],
        cwd=PACKAGE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_stops_on_a_database_it_cannot_open(tmp_path):
    database = tmp_path / "no-such-directory" / "db.sqlite3"

    migrated = manage("migrate", "--noinput", database=database)

    assert migrated.returncode == 1
    assert "sitefiles.E020" in migrated.stderr
    assert f'DATABASES["default"] (database {database}) cannot be reached' in (
        migrated.stderr
    )
    assert "unable to open database file" in migrated.stderr
    assert "DATABASE_URL" in migrated.stderr  # the hint
    assert "Traceback" not in migrated.stderr


def test_only_commands_that_name_a_database_connect(tmp_path):
    database = tmp_path / "no-such-directory" / "db.sqlite3"

    plain = manage("check", database=database)
    with_database = manage("check", "--database", "default", database=database)

    assert plain.returncode == 0, plain.stderr
    assert with_database.returncode == 1
    assert "sitefiles.E020" in with_database.stderr


def test_a_database_that_answers_passes(tmp_path):
    checked = manage("check", "--database", "default", database=tmp_path / "db")

    assert checked.returncode == 0, checked.stderr


def test_the_password_never_reaches_the_message():
    settings_dict = {
        "HOST": "db.internal",
        "PORT": 5432,
        "NAME": "site",
        "USER": "app",
        "PASSWORD": "s3cret-pass",
    }
    error = OperationalError(
        "connection failed: FATAL:  password authentication failed for user "
        '"app" (s3cret-pass)\n'
    )

    message = unreachable("default", settings_dict, error)

    assert message == (
        'DATABASES["default"] (host db.internal, port 5432, database site, user app)'
        " cannot be reached: connection failed: FATAL: password authentication "
        'failed for user "app" (********)'
    )


NEVER_CACHED = "max-age=0, no-cache, no-store, must-revalidate, private"


def readiness_records(caplog):
    """What the views logged (django.request logs each 503 as well)."""
    return [record for record in caplog.records if record.name == "sitefiles.readiness"]


def test_live_answers_without_looking_at_anything(client):
    """No database access (pytest-django would refuse it) and no manifest."""
    answer = client.get("/livez")

    assert answer.status_code == 200
    assert answer.content == b"live\n"
    assert answer["Cache-Control"] == NEVER_CACHED


@pytest.mark.django_db
def test_ready_with_the_database_and_names_as_they_are(client, caplog):
    answer = client.get("/readyz")

    assert answer.status_code == 200
    assert answer.content == b"ready\n"
    assert answer["Cache-Control"] == NEVER_CACHED
    assert not readiness_records(caplog)


@pytest.mark.django_db
def test_ready_once_the_manifest_names_files_that_exist(client, collected_static):
    answer = client.get("/readyz")

    assert answer.status_code == 200


@pytest.mark.django_db
def test_not_ready_before_collectstatic(client, settings, tmp_path, caplog):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "sitefiles.storage.CompressedManifestStorage"},
    }
    settings.STATIC_ROOT = tmp_path / "empty"

    answer = client.get("/readyz")

    assert answer.status_code == 503
    assert answer.content == b"not ready\n"  # the reasons are for the log alone
    assert answer["Cache-Control"] == NEVER_CACHED
    (record,) = readiness_records(caplog)
    assert record.levelname == "ERROR"
    assert record.getMessage() == (
        "Not ready: the static manifest (staticfiles.json) this process loaded is "
        "missing or empty: run collectstatic, then restart the process"
    )


@pytest.mark.django_db
def test_not_ready_when_a_file_the_manifest_names_is_gone(
    client, settings, collected_static_root, tmp_path, caplog
):
    root = tmp_path / "staticfiles"
    shutil.copytree(collected_static_root, root)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "sitefiles.storage.CompressedManifestStorage"},
    }
    settings.STATIC_ROOT = root
    assert client.get("/readyz").status_code == 200
    (stylesheet,) = root.glob("css/site.*.css")
    stylesheet.unlink()  # after this process loaded the manifest

    answer = client.get("/readyz")

    assert answer.status_code == 503
    (record,) = readiness_records(caplog)
    assert record.getMessage() == (
        "Not ready: 1 of the files the static manifest names are missing "
        f"(first: css/{stylesheet.name}): run collectstatic"
    )


def test_not_ready_while_the_database_cannot_be_reached(tmp_path):
    """A real unreachable database, in a process of its own: the 503, and the
    reason in the log."""
    database = tmp_path / "no-such-directory" / "db.sqlite3"

    asked = manage(
        "shell",
        "-c",
        "from django.test import Client; answer = Client().get('/readyz'); "
        "print(answer.status_code, answer.content)",
        database=database,
    )

    assert asked.stdout.splitlines()[-1] == "503 b'not ready\\n'", asked.stderr
    assert (
        f'Not ready: DATABASES["default"] (database {database}) cannot be reached: '
        "unable to open database file"
    ) in asked.stderr


def test_ready_answers_only_safe_methods(client):
    assert client.post("/readyz").status_code == 405
    assert client.post("/livez").status_code == 405


@pytest.mark.django_db
def test_probes_by_address_over_http_are_answered(client, settings):
    """As a balancer probes a replica: Host is its address, plain HTTP. Any
    other path stays behind ALLOWED_HOSTS and the HTTPS redirect."""
    settings.SECURE_SSL_REDIRECT = True
    probe = {"headers": {"host": "10.0.0.7:8000"}}

    assert client.get("/livez", **probe).status_code == 200
    assert client.get("/readyz", **probe).status_code == 200
    assert client.get("/", **probe).status_code == 400
    assert client.get("/").status_code == 301


@pytest.mark.django_db
def test_the_probe_paths_are_settings(client, settings):
    settings.SITEFILES_LIVE_PATH = "/-/alive"
    settings.SITEFILES_READY_PATH = "/-/ready"

    assert client.get("/-/alive").content == b"live\n"
    assert client.get("/-/ready").content == b"ready\n"
    assert client.get("/readyz").status_code == 404


class UnreachableBucketStorage(ManifestFilesMixin, InMemoryStorage):
    """A bucket's manifest storage whose bucket stopped answering."""

    def load_manifest(self):  # the paths and their hash, as Django reads them
        return {"css/site.css": "css/site.0123456789ab.css"}, "0123456789ab"

    def exists(self, name):
        raise OSError("Could not connect to the endpoint URL")


@pytest.mark.django_db
def test_not_ready_while_the_static_bucket_does_not_answer(client, settings, caplog):
    """A 503 with the reason logged, never the 500 of an exception."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": f"{__name__}.UnreachableBucketStorage"},
    }

    answer = client.get("/readyz")

    assert answer.status_code == 503
    (record,) = readiness_records(caplog)
    assert record.getMessage() == (
        "Not ready: the static storage cannot be asked: "
        "OSError: Could not connect to the endpoint URL"
    )


class ReleaseBucketStorage(ReleaseManifestMixin, InMemoryStorage):
    """A bucket storage of sitefiles.cloud, in memory: the manifest from
    STATIC_ROOT, the release's copy of it looked for in the bucket."""


@pytest.mark.django_db
def test_ready_once_the_bucket_holds_the_release_s_manifest(
    client, settings, tmp_path, caplog
):
    """Not before publish_static (or collectstatic) of this release: its copy
    of the manifest goes up after every file it names."""
    manifest = {"paths": {"css/site.css": "css/site.0123456789ab.css"}}
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({**manifest, "version": "1.1", "hash": "abcdef012345"})
    )
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": f"{__name__}.ReleaseBucketStorage"},
    }
    bucket = storages["staticfiles"]
    bucket.save("css/site.0123456789ab.css", ContentFile(b"body {}"))  # the last
    bucket.save("staticfiles.json", ContentFile(b"{}"))  # release's, or this one's

    before = client.get("/readyz")
    bucket.save("staticfiles.abcdef012345.json", ContentFile(b"{}"))
    after = client.get("/readyz")

    assert before.status_code == 503
    (record,) = readiness_records(caplog)
    assert record.getMessage() == (
        "Not ready: the static bucket lacks staticfiles.abcdef012345.json, which "
        "goes up after every file this release links: run collectstatic (or "
        "publish_static) of this release"
    )
    assert after.status_code == 200
