{%- set static = cookiecutter.static_storage -%}
{%- set media = cookiecutter.media_storage -%}
"""Production's bucket settings, resolved in a process of their own, offline."""

URLS = """
import django
django.setup()
from django.conf import settings
{%- if static in ["s3", "gcs", "azure"] %}
from django.core.files.storage import InMemoryStorage
from django.utils.module_loading import import_string
{%- endif %}
{%- if media != "local" %}
from django.core.files.storage import storages
{%- endif %}
{%- if static in ["s3", "gcs", "azure"] %}

static = settings.STORAGES["staticfiles"]
# A manifest in memory: the real one is STATIC_ROOT's, once collected.
storage = import_string(static["BACKEND"])(
    manifest_storage=InMemoryStorage(), **static["OPTIONS"]
)
storage.hashed_files = {"css/site.css": "css/site.0123456789ab.css"}
print(settings.STATIC_URL)
print(storage.url("css/site.css"))
{%- endif %}
{%- if media != "local" %}
print(settings.MEDIA_URL)
print(storages["default"].url("uploads/me.png"))
{%- endif %}
"""
CHECK_DEPLOY = """
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "check", "--deploy"])
"""
PRODUCTION = "config.settings.production"


def urls(run_with_settings, variables):
    result = run_with_settings(PRODUCTION, "-c", URLS, **variables)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_urls_follow_the_cdn_domains(run_with_settings, production_variables):
    lines = urls(
        run_with_settings,
        {
            **production_variables,
{%- if static in ["s3", "gcs", "azure"] %}
            "DJANGO_STATIC_DOMAIN": "static.example.net",
{%- endif %}
{%- if media != "local" %}
            "DJANGO_MEDIA_DOMAIN": "media.example.net",
            "DJANGO_MEDIA_PUBLIC": "True",
{%- endif %}
        },
    )
{%- set container_static = "example-static/" if static == "azure" else "" %}
{%- set container_media = "example-media/" if media == "azure" else "" %}

    assert lines == [
{%- if static in ["s3", "gcs", "azure"] %}
        "https://static.example.net/{{ container_static }}static/",
        "https://static.example.net/{{ container_static }}static/css/site.0123456789ab.css",
{%- endif %}
{%- if media != "local" %}
        "https://media.example.net/{{ container_media }}media/",
        "https://media.example.net/{{ container_media }}media/uploads/me.png",
{%- endif %}
    ]


def test_a_malformed_cdn_domain_loads_and_check_deploy_names_it(
    run_with_settings, production_variables
):
    """Importing production settings needs no cloud account, so they take the
    value as it is; django-sitefiles' deploy checks refuse it by its option."""
{%- if static in ["s3", "gcs", "azure"] %}
    production_variables["DJANGO_STATIC_DOMAIN"] = "https://cdn.example.com/"
    alias = "staticfiles"
{%- if media == "gcs" %}
    # Private GCS links are signed with a service account key this test lacks.
    production_variables["DJANGO_MEDIA_PUBLIC"] = "True"
{%- endif %}
{%- else %}
    production_variables["DJANGO_MEDIA_DOMAIN"] = "https://cdn.example.com/"
    production_variables["DJANGO_MEDIA_PUBLIC"] = "True"
    alias = "default"
{%- endif %}
    assert urls(run_with_settings, production_variables)  # the settings load

    result = run_with_settings(PRODUCTION, "-c", CHECK_DEPLOY, **production_variables)

    assert result.returncode != 0
    assert "sitefiles.E101" in result.stderr
    assert f'STORAGES["{alias}"]' in result.stderr
{%- if static in ["s3", "gcs", "azure"] %}


def test_static_files_need_their_bucket(run_with_settings, production_variables):
    del production_variables["DJANGO_STATIC_BUCKET"]

    result = run_with_settings(PRODUCTION, "-c", URLS, **production_variables)

    assert result.returncode != 0
    assert "Set the DJANGO_STATIC_BUCKET environment variable" in result.stderr
{%- endif %}
{%- if media != "local" %}


def test_media_files_need_their_bucket(run_with_settings, production_variables):
    del production_variables["DJANGO_MEDIA_BUCKET"]

    result = run_with_settings(PRODUCTION, "-c", URLS, **production_variables)

    assert result.returncode != 0
    assert "Set the DJANGO_MEDIA_BUCKET environment variable" in result.stderr
{%- endif %}
{%- if media in ("s3", "azure") %}


def test_private_media_links_are_signed_and_expire(
    run_with_settings, production_variables
):
    production_variables["DJANGO_MEDIA_URL_EXPIRY"] = "600"

    url = urls(run_with_settings, production_variables)[-1]

{%- if media == "s3" %}
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=600" in url
{%- elif media == "azure" %}
    assert "sig=" in url
    assert "se=" in url
{%- endif %}
{%- endif %}
