"""What each environment's settings resolve to, checked in the running framework."""

RESOLVE = """
import django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
from django.urls import Resolver404, resolve

def backend(alias):
    storage = storages[alias]
    return f"{type(storage).__module__}.{type(storage).__qualname__}"

def serves_media():
    try:
        resolve(settings.MEDIA_URL + "example.png")
    except Resolver404:
        return False
    return True

middleware = settings.MIDDLEWARE
print(backend("default"))
print(backend("staticfiles"))
print(settings.DEBUG)
print(middleware.index("whitenoise.middleware.WhiteNoiseMiddleware")
      - middleware.index("django.middleware.security.SecurityMiddleware"))
print(serves_media())
print(settings.ALLOWED_HOSTS)
"""


def resolved(run_with_settings, module, **variables):
    result = run_with_settings(module, "-c", RESOLVE, **variables)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_production_resolves_whitenoise_and_never_serves_media(
    run_with_settings, production_variables
):
    lines = resolved(
        run_with_settings, "config.settings.production", **production_variables
    )

    assert lines == [
        "django.core.files.storage.filesystem.FileSystemStorage",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "False",
        "1",
        "False",
        "['example.com']",
    ]


def test_local_serves_media_and_uses_plain_static_storage(run_with_settings):
    lines = resolved(run_with_settings, "config.settings.local")

    assert lines[:5] == [
        "django.core.files.storage.filesystem.FileSystemStorage",
        "django.contrib.staticfiles.storage.StaticFilesStorage",
        "True",
        "1",
        "True",
    ]


def test_test_settings_keep_media_in_memory(run_with_settings):
    lines = resolved(run_with_settings, "config.settings.test")

    assert lines[:2] == [
        "django.core.files.storage.memory.InMemoryStorage",
        "django.contrib.staticfiles.storage.StaticFilesStorage",
    ]


def test_production_refuses_to_start_without_a_secret_key(
    run_with_settings, production_variables
):
    del production_variables["DJANGO_SECRET_KEY"]

    result = run_with_settings(
        "config.settings.production", "-c", RESOLVE, **production_variables
    )

    assert result.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(
    run_with_settings, production_variables
):
    production_variables["DJANGO_ALLOWED_HOSTS"] = " , "

    result = run_with_settings(
        "config.settings.production", "-c", RESOLVE, **production_variables
    )

    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_allowed_hosts_are_stripped(run_with_settings, production_variables):
    production_variables["DJANGO_ALLOWED_HOSTS"] = " example.com , www.example.com ,"

    lines = resolved(
        run_with_settings, "config.settings.production", **production_variables
    )

    assert lines[-1] == "['example.com', 'www.example.com']"


def test_production_passes_the_deployment_checklist(
    run_with_settings, production_variables
):
    result = run_with_settings(
        "config.settings.production",
        *("manage.py", "check", "--deploy", "--fail-level", "WARNING"),
        **production_variables,
    )

    assert result.returncode == 0, result.stdout + result.stderr
