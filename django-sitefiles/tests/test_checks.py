"""The project's own system checks (files/checks.py): each one speaks up for
the mistake it is for, and none of them does for this project as generated."""

import pytest
from django.core.checks import run_checks
from django.urls import re_path
from django.views.static import serve

from sitefiles import checks

SECURITY = "django.middleware.security.SecurityMiddleware"
WHITENOISE = "sitefiles.middleware.WhiteNoiseMiddleware"
# URL patterns of a project that serves media through Django whatever DEBUG says.
urlpatterns = [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": "media"})]


def ids(messages):
    return [message.id for message in messages]


def project_messages(**options):
    return [m for m in run_checks(**options) if m.id.startswith("sitefiles.")]


# All checks run, as `manage.py check` runs them: from Django 6.1 that includes
# asking each database about the models' fields (a JSONField's support).
@pytest.mark.django_db
def test_the_project_as_generated_passes_them_all():
    assert project_messages() == []


@pytest.mark.django_db
def test_collected_static_files_pass_the_deploy_only_check(collected_static):
    assert project_messages(include_deployment_checks=True) == []


@pytest.mark.parametrize(
    ("static_url", "media_url"),
    [("/static/", "/static/uploads/"), ("/files/", "/files/"), ("/a/b/", "/a/")],
)
def test_overlapping_urls_are_an_error(settings, static_url, media_url):
    settings.STATIC_URL, settings.MEDIA_URL = static_url, media_url

    assert ids(checks.static_and_media_urls_apart(None)) == ["sitefiles.E001"]


@pytest.mark.parametrize(
    ("static", "media"), [("s", "s/media"), ("m/s", "m"), ("x", "x")]
)
def test_overlapping_roots_are_an_error(settings, tmp_path, static, media):
    settings.STATIC_ROOT, settings.MEDIA_ROOT = tmp_path / static, tmp_path / media

    assert ids(checks.static_and_media_roots_apart(None)) == ["sitefiles.E002"]


def test_a_missing_or_empty_static_root_is_a_deploy_warning(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "missing"
    assert ids(checks.static_files_collected(None)) == ["sitefiles.W001"]

    (tmp_path / "missing").mkdir()
    assert ids(checks.static_files_collected(None)) == ["sitefiles.W001"]


def test_a_missing_manifest_is_a_deploy_warning(collected_static, settings, tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("body {}")
    settings.STATIC_ROOT = tmp_path

    assert ids(checks.static_files_collected(None)) == ["sitefiles.W002"]


@pytest.mark.parametrize(
    "whitenoise", [WHITENOISE, "whitenoise.middleware.WhiteNoiseMiddleware"]
)
def test_whitenoise_out_of_place_is_a_warning(settings, whitenoise):
    others = [
        name for name in settings.MIDDLEWARE if name not in (SECURITY, WHITENOISE)
    ]
    settings.MIDDLEWARE = [SECURITY, *others, whitenoise]

    assert ids(checks.whitenoise_after_security(None)) == ["sitefiles.W003"]


def test_media_served_by_django_without_debug_is_an_error(settings):
    settings.ROOT_URLCONF = __name__
    settings.MEDIA_URL = "/media/"

    assert ids(checks.media_not_served_by_django(None)) == ["sitefiles.E005"]
