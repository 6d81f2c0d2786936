"""Fixtures shared by the project's tests (tests/)."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import clear_url_caches

PROJECT_DIR = Path(__file__).resolve().parent
{%- if cookiecutter.static_storage not in ["s3", "gcs", "azure"] %}
PRODUCTION_STATIC_BACKEND = "sitefiles.storage.CompressedManifestStorage"
{%- else %}
# What production's collectstatic builds in STATIC_ROOT before it uploads.
PRODUCTION_STATIC_BACKEND = (
    "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
)
{%- endif %}
{%- if "azure" in (cookiecutter.static_storage, cookiecutter.media_storage) %}
AZURE_TEST_CONNECTION = (
    "DefaultEndpointsProtocol=https;AccountName=example;"
    "AccountKey=dGVzdC1vbmx5LWtleQ==;EndpointSuffix=core.windows.net"
)
{%- endif %}
# Long and random enough for Django's deployment check; used only by tests.
PRODUCTION_TEST_SECRET = "long-random-test-secret-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a"


def production_static_storages():
    return {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": PRODUCTION_STATIC_BACKEND},
    }


@pytest.fixture(scope="session")
def collected_static_root(tmp_path_factory):
    """collectstatic with production's static storage, once per test session."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, STORAGES=production_static_storages()):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def collected_static(settings, collected_static_root):
    """Settings that serve the collected files with production's static storage."""
    settings.STORAGES = production_static_storages()
    settings.STATIC_ROOT = collected_static_root
    return collected_static_root


def reload_urlconf():
    """Rebuild the URL patterns, which read DEBUG when config/urls.py is imported."""
    importlib.reload(importlib.import_module(django_settings.ROOT_URLCONF))
    clear_url_caches()


@pytest.fixture
def media_on_disk(settings, tmp_path):
    """Store media in a temporary MEDIA_ROOT, as local and production settings do."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT


@pytest.fixture
def debug_urls(settings):
    """URL patterns as runserver sees them with DEBUG on."""
    debug_before = settings.DEBUG
    settings.DEBUG = True
    reload_urlconf()
    yield
    settings.DEBUG = debug_before
    reload_urlconf()


@pytest.fixture
def run_with_settings():
    """Run the project's Python in a fresh process under the given settings module.

    Settings modules are read once per process, so checking what another
    environment really resolves to needs a process of its own. DJANGO_ENV_FILE
    points at an empty file, so only the variables given here count
    (DATABASE_URL too: CI sets one for the test run).
    """

    def run(module, *arguments, **variables):
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("DJANGO_") and key != "DATABASE_URL"
        }
        environment.update(
            DJANGO_SETTINGS_MODULE=module, DJANGO_ENV_FILE=os.devnull, **variables
        )
        return subprocess.run(
            [sys.executable, *arguments],
            cwd=PROJECT_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def production_variables():
    """The least production needs: a real secret and the hosts it answers for."""
    return {
        "DJANGO_SECRET_KEY": PRODUCTION_TEST_SECRET,
        "DJANGO_ALLOWED_HOSTS": "example.com",
{%- if cookiecutter.database == "postgresql" %}
        # Production names its database server; nothing here connects to it.
        "DATABASE_URL": "postgres://app@db.example.com/app",
{%- endif %}
{%- if cookiecutter.static_storage in ["s3", "gcs", "azure"] %}
        "DJANGO_STATIC_BUCKET": "example-static",
{%- endif %}
{%- if cookiecutter.media_storage != "local" %}
        "DJANGO_MEDIA_BUCKET": "example-media",
{%- endif %}
{%- if "s3" in (cookiecutter.static_storage, cookiecutter.media_storage) %}
        "AWS_ACCESS_KEY_ID": "test-access-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret-key",
{%- endif %}
{%- if "azure" in (cookiecutter.static_storage, cookiecutter.media_storage) %}
        "DJANGO_AZURE_CONNECTION_STRING": AZURE_TEST_CONNECTION,
{%- endif %}
{%- if "gcs" in (cookiecutter.static_storage, cookiecutter.media_storage) %}
        # The client wants credentials even to build a URL; pointed at an
        # emulator it uses anonymous ones. Nothing is requested from it.
        "STORAGE_EMULATOR_HOST": "http://127.0.0.1:9",
{%- endif %}
    }
