"""sitefiles.E020: a database that cannot be reached stops `migrate` and
`check --database` with one line that says where it looked, never the password.
(The template's suite runs it against a real PostgreSQL server.)"""

import os
import subprocess
import sys
from pathlib import Path

from django.db import OperationalError

from sitefiles.readiness import unreachable

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def manage(*arguments, database):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
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
