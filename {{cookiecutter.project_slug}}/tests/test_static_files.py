"""Static files: found in development, hashed{% if cookiecutter.static_storage not in ["s3", "gcs", "azure"] %} and compressed{% endif %} for production."""

import re

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

SOURCES = ("css/site.css", "js/site.js", "images/logo.svg", "images/favicon.svg")
HASHED_CSS = re.compile(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"')


def test_project_static_files_are_found_without_collectstatic():
    for name in SOURCES:
        assert finders.find(name), name


def test_home_page_links_its_static_files(client):
    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    for name in SOURCES:
        assert f"/static/{name}" in page


def test_home_page_links_hashed_urls_under_production_storage(client, collected_static):
    page = client.get("/").content.decode()

    css_url = HASHED_CSS.search(page).group(1)
    assert (collected_static / css_url.removeprefix("/static/")).is_file()
    assert re.search(r'src="/static/js/site\.[0-9a-f]{12}\.js"', page)
    assert re.search(r'src="/static/images/logo\.[0-9a-f]{12}\.svg"', page)
    assert re.search(r'href="/static/images/favicon\.[0-9a-f]{12}\.svg"', page)


def test_a_hashed_name_this_release_lacks_is_a_404_no_cache_keeps(
    client, collected_static
):
    """What a page of the next release links, asked of this one mid-deploy."""
    response = client.get("/static/css/site.0123456789ab.css")

    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"


def test_css_url_references_point_at_hashed_names(collected_static):
    css = collected_static / staticfiles_storage.stored_name("css/site.css")

    pattern = staticfiles_storage.stored_name("images/pattern.svg").split("/")[-1]
    assert f'url("../images/{pattern}")' in css.read_text()
{%- if cookiecutter.static_storage not in ["s3", "gcs", "azure"] %}


def test_collectstatic_writes_compressed_copies(collected_static):
    css = collected_static / staticfiles_storage.stored_name("css/site.css")

    assert css.with_name(css.name + ".br").is_file()
    assert css.with_name(css.name + ".gz").is_file()

{%- endif %}
{%- if cookiecutter.static_storage == "whitenoise" %}


def test_whitenoise_serves_hashed_files_compressed_and_immutable(
    client, collected_static
):
    response = client.get(
        staticfiles_storage.url("css/site.css"), HTTP_ACCEPT_ENCODING="br, gzip"
    )

    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]
    assert "Accept-Encoding" in response["Vary"]
{%- endif %}
