"""Reading the environment (config/settings/environment.py): a value that is not
what it claims to be is refused with the variable's name, never guessed."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import environment

STRONG_SECRET = "k3J9-x7Qp2Lm8Vt4Rz6Wn1Bc5Hy0Fd7Gs3Ja9Ue2Ko6Pi4Mq8Nl1Tb5Xr7Cv0Dh"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), (" Off ", False), ("1", True), ("NO", False), ("", True)],
)
def test_booleans_take_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("DJANGO_FLAG", raw)

    assert environment.env_bool("DJANGO_FLAG", default=True) is expected


@pytest.mark.parametrize("raw", ["flase", "2", "enabled"])
def test_a_boolean_that_is_not_one_is_refused_by_name(monkeypatch, raw):
    monkeypatch.setenv("DJANGO_FLAG", raw)

    with pytest.raises(ImproperlyConfigured, match="DJANGO_FLAG must be true or false"):
        environment.env_bool("DJANGO_FLAG", default=False)


def test_whole_numbers_are_stripped(monkeypatch):
    monkeypatch.setenv("DJANGO_SIZE", " 42 ")

    assert environment.env_int("DJANGO_SIZE", default=1) == 42


@pytest.mark.parametrize("raw", ["10MB", "-1", "1e6", "4.5"])
def test_a_number_that_is_not_whole_is_refused_by_name(monkeypatch, raw):
    monkeypatch.setenv("DJANGO_SIZE", raw)

    with pytest.raises(ImproperlyConfigured, match="DJANGO_SIZE must be a whole"):
        environment.env_int("DJANGO_SIZE", default=1)


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        (" postgres://app:secret@db.example.com:5432/app ", "postgresql"),
        ("sqlite:////srv/site/db.sqlite3", "sqlite3"),
    ],
)
def test_database_urls_are_read(monkeypatch, url, engine):
    monkeypatch.setenv("DATABASE_URL", url)

    config = environment.database("DATABASE_URL", default="sqlite:///unused")

    assert config["ENGINE"] == f"django.db.backends.{engine}"


@pytest.mark.parametrize(
    "url", ["postgres//app@db/app", "nosuch://db/app", "postgres://db:port/app"]
)
def test_a_database_url_that_is_not_one_is_refused_by_name(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)

    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        environment.database("DATABASE_URL", default="sqlite:///unused")


@pytest.mark.parametrize(
    "secret",
    ["short", "a" * 60, "django-insecure-" + STRONG_SECRET],
)
def test_a_weak_secret_key_is_refused_by_name(monkeypatch, secret):
    monkeypatch.setenv("DJANGO_SECRET_KEY", secret)

    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY is too weak"):
        environment.secret_key("DJANGO_SECRET_KEY")


def test_a_strong_secret_key_is_taken_stripped(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", f" {STRONG_SECRET}\n")

    assert environment.secret_key("DJANGO_SECRET_KEY") == STRONG_SECRET


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_path_is_refused_by_name(monkeypatch, blank):
    """Blank would mean the project directory: STATIC_ROOT there, and the web
    server would serve the code and the database."""
    monkeypatch.setenv("DJANGO_STATIC_ROOT", blank)

    with pytest.raises(ImproperlyConfigured, match="DJANGO_STATIC_ROOT is set but"):
        environment.env_path("DJANGO_STATIC_ROOT", "staticfiles")


def test_an_env_file_that_is_not_there_is_refused_by_name(monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ENV_FILE", str(tmp_path / "site.env"))

    with pytest.raises(ImproperlyConfigured, match="site.env, which does not exist"):
        environment.read_env_file()


def test_any_host_is_refused_in_production(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "example.com, *")

    with pytest.raises(ImproperlyConfigured, match="not '\\*'"):
        environment.host_names("DJANGO_ALLOWED_HOSTS")
