"""Errors under STATIC_URL and MEDIA_URL are never cached (UncachedErrorsMiddleware):
a file missing on one replica, or for a moment, must not stay missing in a CDN."""

import pytest
from django.http import HttpResponse, HttpResponseNotFound
from django.test import RequestFactory, override_settings
from django.urls import set_script_prefix

from sitefiles.middleware import UncachedErrorsMiddleware

MIDDLEWARE = [
    "sitefiles.middleware.UncachedErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "sitefiles.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
]


@pytest.fixture
def site(settings, collected_static):
    """The test site as production runs it: DEBUG off, the collected files."""
    settings.MIDDLEWARE = MIDDLEWARE
    return collected_static


def hashed(root):
    return next(root.glob("css/site.*.css")).relative_to(root).as_posix()


@pytest.mark.parametrize(
    "path",
    [
        "/static/page.0123456789ab.css",  # a hashed name of another release
        "/static/missing.css",
        "/static/no/such/directory/",
        "/media/photos/missing.png",
    ],
)
def test_a_404_under_the_file_urls_is_not_stored(client, site, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"


def test_what_whitenoise_refuses_is_not_stored_either(client, site):
    path = f"/static/{hashed(site)}"
    assert "immutable" in client.get(path)["Cache-Control"]

    not_allowed = client.post(path)
    out_of_range = client.get(path, HTTP_RANGE="bytes=999999-")

    assert not_allowed.status_code == 405
    assert not_allowed["Cache-Control"] == "no-store"
    assert out_of_range.status_code == 416
    assert out_of_range["Cache-Control"] == "no-store"


def test_a_lifetime_set_for_the_file_never_reaches_the_error(rf_request):
    def failing(request):
        response = HttpResponse(status=503)
        response["Cache-Control"] = "public, max-age=315360000, immutable"
        response["Expires"] = "Thu, 01 Jan 2037 00:00:00 GMT"
        return response

    response = UncachedErrorsMiddleware(failing)(rf_request("/static/site.css"))

    assert response["Cache-Control"] == "no-store"
    assert "Expires" not in response


def test_files_found_and_pages_keep_their_headers(client, site):
    found = client.get(f"/static/{hashed(site)}")
    page_missing = client.get("/no-such-page/")

    assert found.status_code == 200
    assert found["Cache-Control"] == "max-age=315360000, public, immutable"
    assert page_missing.status_code == 404
    assert "Cache-Control" not in page_missing  # Django's page 404, as it was


@pytest.fixture
def rf_request():
    return RequestFactory().get


@pytest.mark.parametrize(
    ("static_url", "media_url", "path", "left_to_caches"),
    [
        # A CDN's URL is not answered here: this site's own /static/ is a page.
        ("https://cdn.example.com/static/", "/media/", "/static/x.css", True),
        ("/assets/", "/uploads/", "/assets/x.css", False),
        ("/assets/", "/uploads/", "/uploads/x.png", False),
        ("/assets/", "/uploads/", "/static/x.css", True),
    ],
)
def test_the_prefixes_are_the_settings(
    static_url, media_url, path, left_to_caches, rf_request
):
    with override_settings(STATIC_URL=static_url, MEDIA_URL=media_url):
        response = UncachedErrorsMiddleware(lambda request: HttpResponseNotFound())(
            rf_request(path)
        )

    assert ("Cache-Control" not in response) is left_to_caches


def test_a_relative_static_url_gets_the_script_prefix_as_links_do():
    """A site mounted at /site/ with STATIC_URL "static/" links /site/static/."""
    request = RequestFactory(SCRIPT_NAME="/site").get("/static/x.css")
    assert request.path == "/site/static/x.css"

    set_script_prefix("/site/")  # as Django's handler does for the request
    try:
        with override_settings(STATIC_URL="static/"):
            response = UncachedErrorsMiddleware(lambda r: HttpResponseNotFound())(
                request
            )
    finally:
        set_script_prefix("/")

    assert response["Cache-Control"] == "no-store"


def test_whitenoise_alone_would_leave_the_404_to_each_cache(client, site, settings):
    settings.MIDDLEWARE = [name for name in MIDDLEWARE if "Uncached" not in name]

    response = client.get("/static/page.0123456789ab.css")

    assert response.status_code == 404
    assert "Cache-Control" not in response
