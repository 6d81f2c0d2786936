{%- set providers = [cookiecutter.static_storage, cookiecutter.media_storage] -%}
{#- Values cloud SDKs read from os.environ themselves. -#}
{%- set sdk_variables = "s3" in providers or "gcs" in providers -%}
"""Reading the environment (config/settings/environment.py): django-environ's
API, stricter. A value that is not what it claims to be is refused with the
variable's name, never guessed; a blank one counts as unset."""

{%- if sdk_variables %}

import os
{%- endif %}

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import environment
from config.settings.environment import env


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), (" Off ", False), ("1", True), ("NO", False), ("", True)],
)
def test_booleans_take_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("DJANGO_FLAG", raw)

    assert env.bool("DJANGO_FLAG", default=True) is expected


@pytest.mark.parametrize("raw", ["flase", "2", "enabled"])
def test_a_boolean_that_is_not_one_is_refused_by_name(monkeypatch, raw):
    monkeypatch.setenv("DJANGO_FLAG", raw)

    with pytest.raises(ImproperlyConfigured, match="DJANGO_FLAG must be true or false"):
        env.bool("DJANGO_FLAG", default=False)


def test_whole_numbers_are_stripped(monkeypatch):
    monkeypatch.setenv("DJANGO_SIZE", " 42 ")

    assert env.int("DJANGO_SIZE", default=1) == 42


@pytest.mark.parametrize("raw", ["10MB", "-1", "1e6", "4.5"])
def test_a_number_that_is_not_whole_is_refused_by_name(monkeypatch, raw):
    monkeypatch.setenv("DJANGO_SIZE", raw)

    with pytest.raises(ImproperlyConfigured, match="DJANGO_SIZE must be a whole"):
        env.int("DJANGO_SIZE", default=1)


def test_list_items_are_stripped_and_blanks_dropped(monkeypatch):
    monkeypatch.setenv("DJANGO_HOSTS", " example.com , ,www.example.com,")

    assert env.list("DJANGO_HOSTS") == ["example.com", "www.example.com"]


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_value_counts_as_unset(monkeypatch, blank):
    """As .env.example's `DJANGO_MEDIA_BUCKET=` leaves it: a required value is
    asked for by name, an optional one takes its default."""
    monkeypatch.setenv("DJANGO_THING", blank)

    with pytest.raises(ImproperlyConfigured, match="Set the DJANGO_THING environment"):
        env.str("DJANGO_THING")
    assert env.str("DJANGO_THING", default=None) is None
    assert env.int("DJANGO_THING", default=7) == 7


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        (" postgres://app:secret@db.example.com:5432/app ", "postgresql"),
        ("sqlite:////srv/site/db.sqlite3", "sqlite3"),
    ],
)
def test_database_urls_are_read(monkeypatch, url, engine):
    monkeypatch.setenv("DATABASE_URL", url)

    config = env.db_url("DATABASE_URL", default="sqlite:///unused")

    assert config["ENGINE"] == f"django.db.backends.{engine}"


@pytest.mark.parametrize(
    "url", ["postgres//app@db/app", "nosuch://db/app", "postgres://db:port/app"]
)
def test_a_database_url_that_is_not_one_is_refused_by_name(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)

    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env.db_url("DATABASE_URL", default="sqlite:///unused")


def test_a_relative_path_is_taken_from_the_project_directory(monkeypatch, tmp_path):
    """Not from the directory the process started in (gunicorn's, systemd's)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DJANGO_STATIC_ROOT", "public/static")

    path = environment.env_path("DJANGO_STATIC_ROOT", "staticfiles")

    assert path == environment.BASE_DIR / "public" / "static"


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_path_is_the_default_never_the_project_directory(monkeypatch, blank):
    """Blank read as a path would be the project directory: STATIC_ROOT there,
    and the web server would serve the code and the database."""
    monkeypatch.setenv("DJANGO_STATIC_ROOT", blank)

    path = environment.env_path("DJANGO_STATIC_ROOT", "staticfiles")

    assert path == environment.BASE_DIR / "staticfiles"


def test_an_env_file_that_is_not_there_is_refused_by_name(monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ENV_FILE", str(tmp_path / "site.env"))

    with pytest.raises(ImproperlyConfigured, match="site.env, which does not exist"):
        environment.read_env_file()

{%- if sdk_variables %}


def test_sdk_variables_are_stripped_where_the_sdk_reads_them(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", " test-access-key\t")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", " ")

    assert environment.sdk_variable("AWS_ACCESS_KEY_ID") == "test-access-key"
    assert environment.sdk_variable("AWS_SECRET_ACCESS_KEY") is None

    assert os.environ["AWS_ACCESS_KEY_ID"] == "test-access-key"
    assert "AWS_SECRET_ACCESS_KEY" not in os.environ  # the SDK looks elsewhere
{%- endif %}
