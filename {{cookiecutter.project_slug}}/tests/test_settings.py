{%- set static = cookiecutter.static_storage -%}
{%- set media = cookiecutter.media_storage -%}
"""What each environment's settings resolve to, checked in the running framework."""

import pytest

RESOLVE = """
import django
django.setup()
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string

def backend(alias):
    # The class Django builds the storage from (building a bucket's static
    # storage would read its manifest over the network).
    storage = import_string(settings.STORAGES[alias]["BACKEND"])
    return f"{storage.__module__}.{storage.__qualname__}"

def serves_media():
    try:
        resolve(settings.MEDIA_URL + "example.png")
    except Resolver404:
        return False
    return True

def whitenoise_position():
    middleware = settings.MIDDLEWARE
    whitenoise = "files.middleware.WhiteNoiseMiddleware"
    if whitenoise not in middleware:
        return None
    security = "django.middleware.security.SecurityMiddleware"
    return middleware.index(whitenoise) - middleware.index(security)

print(backend("default"))
print(backend("staticfiles"))
print(settings.DEBUG)
print(whitenoise_position())
print(serves_media())
print(settings.ALLOWED_HOSTS)
"""


def resolved(run_with_settings, module, **variables):
    result = run_with_settings(module, "-c", RESOLVE, **variables)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_production_resolves_its_storages_and_never_serves_media(
    run_with_settings, production_variables
):
    lines = resolved(
        run_with_settings, "config.settings.production", **production_variables
    )

    assert lines == [
{%- if media == "local" %}
        "django.core.files.storage.filesystem.FileSystemStorage",
{%- else %}
        "cloud_storage.{{ media }}.MediaStorage",
{%- endif %}
{%- if static == "whitenoise" %}
        "files.storage.CompressedManifestStorage",
        "False",
        "1",  # WhiteNoise right after SecurityMiddleware
{%- elif static == "web_server" %}
        "files.storage.CompressedManifestStorage",
        "False",
        "None",  # no WhiteNoise: the web server serves STATIC_ROOT
{%- else %}
        "cloud_storage.{{ static }}.StaticStorage",
        "False",
        "None",  # no WhiteNoise: static files are served from the bucket
{%- endif %}
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


def test_production_keeps_debug_off_whatever_the_environment_says(
    run_with_settings, production_variables
):
    lines = resolved(
        run_with_settings,
        "config.settings.production",
        DJANGO_DEBUG="True",
        **production_variables,
    )

    assert lines[2] == "False"


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


@pytest.mark.parametrize(
    ("name", "value"),
    [("DJANGO_SECRET_KEY", "too-short"), ("DJANGO_SECURE_SSL_REDIRECT", "flase")],
)
def test_production_refuses_a_malformed_value_by_name(
    run_with_settings, production_variables, name, value
):
    production_variables[name] = value

    result = run_with_settings(
        "config.settings.production", "-c", RESOLVE, **production_variables
    )

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name}" in result.stderr


def test_allowed_hosts_are_stripped(run_with_settings, production_variables):
    production_variables["DJANGO_ALLOWED_HOSTS"] = " example.com , www.example.com ,"

    lines = resolved(
        run_with_settings, "config.settings.production", **production_variables
    )

    assert lines[-1] == "['example.com', 'www.example.com']"


def test_production_passes_the_deployment_checklist(
    run_with_settings, production_variables, collected_static_root
):
    result = run_with_settings(
        "config.settings.production",
        *("manage.py", "check", "--deploy", "--fail-level", "WARNING"),
        # Deploy steps collect static files first (files/checks.py looks).
        DJANGO_STATIC_ROOT=str(collected_static_root),
        **production_variables,
    )

    assert result.returncode == 0, result.stdout + result.stderr
