"""Fixtures of the package's suite: collected static files, media on disk."""

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import override_settings

from tests.lines import LineEnvironments

PRODUCTION_STATIC_BACKEND = "sitefiles.storage.CompressedManifestStorage"


def production_static_storages():
    return {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": PRODUCTION_STATIC_BACKEND},
    }


@pytest.fixture(scope="session")
def collected_static_root(tmp_path_factory):
    """collectstatic of the test site with the package's storage, once."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, STORAGES=production_static_storages()):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def collected_static(settings, collected_static_root):
    """Settings that serve the collected files with the package's storage."""
    settings.STORAGES = production_static_storages()
    settings.STATIC_ROOT = collected_static_root
    return collected_static_root


@pytest.fixture
def media_on_disk(settings, tmp_path):
    """Media in a temporary MEDIA_ROOT, as a site's production settings keep it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def django_line_python(tmp_path_factory):
    """``line -> interpreter`` with the package and that Django line installed:
    this one for its own line, a virtual environment built once for another."""
    return LineEnvironments(tmp_path_factory.mktemp("django-lines"))
