{%- set static = cookiecutter.static_storage -%}
{%- set media = cookiecutter.media_storage -%}
{%- set static_bucket = static in ["s3", "gcs", "azure"] -%}
"""The buckets' CORS rules (manage.py bucket_cors): the site's origins may
{%- if static_bucket %} read
fonts and module scripts from the static bucket
{%- endif %}
{%- if static_bucket and media != "local" %} and
{%- endif %}
{%- if media != "local" %} upload
to the media bucket directly
{%- endif %}. The template's own tests set them on
emulators and use them from Chromium."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cloud_storage.cors import CORS_MAX_AGE, site_origins
from cloud_storage.management.commands.bucket_cors import Command as BucketCors

ORIGINS = ["https://example.com", "https://www.example.com"]


@pytest.fixture
def buckets(settings, tmp_path):
    """Production's bucket storages, offline: no request is made here."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
{%- if static_bucket %}
        "staticfiles": {
            "BACKEND": "cloud_storage.{{ static }}.StaticStorage",
{%- if static == "azure" %}
            "OPTIONS": {"azure_container": "static", "account_name": "test"},
{%- else %}
            "OPTIONS": {"bucket_name": "static"},
{%- endif %}
        },
{%- endif %}
{%- if media != "local" %}
        "default": {
            "BACKEND": "cloud_storage.{{ media }}.MediaStorage",
{%- if media == "azure" %}
            "OPTIONS": {"azure_container": "media", "account_name": "test"},
{%- else %}
            "OPTIONS": {"bucket_name": "media"},
{%- endif %}
        },
{%- endif %}
    }


def printed_rules(*arguments):
    out = StringIO()
    # The command object: cloud_storage is an app of production's settings only.
    call_command(BucketCors(), "--dry-run", *arguments, stdout=out)
    return {bucket["bucket"]: bucket["rules"] for bucket in json.loads(out.getvalue())}


def test_origins_are_the_allowed_hosts_over_https():
    hosts = ["example.com", "www.example.com", ".example.org", "*", "example.com"]

    assert site_origins(hosts) == [
        "https://example.com",
        "https://www.example.com",
        "https://example.org",
    ]
{%- if static_bucket %}


def test_the_site_s_origins_may_get_and_head_static_files(settings, buckets):
    settings.ALLOWED_HOSTS = ["example.com", "www.example.com"]

    rules = printed_rules()["static"]

{%- if static == "s3" %}
    assert rules == [
        {
            "AllowedOrigins": ORIGINS,
            "AllowedMethods": ["GET", "HEAD"],
            "MaxAgeSeconds": CORS_MAX_AGE,
        }
    ]
{%- elif static == "gcs" %}
    assert rules == [
        {"origin": ORIGINS, "method": ["GET", "HEAD"], "maxAgeSeconds": CORS_MAX_AGE}
    ]
{%- else %}
    assert rules == [
        {
            "allowed_origins": ORIGINS,
            "allowed_methods": ["GET", "HEAD"],
            "max_age_in_seconds": CORS_MAX_AGE,
        }
    ]
{%- endif %}
{%- endif %}
{%- if media != "local" %}


def test_the_site_s_origins_may_upload_to_the_media_bucket(settings, buckets):
    settings.ALLOWED_HOSTS = ["example.com", "www.example.com"]

    rules = printed_rules()["media"]

{%- if media == "s3" %}
    # A presigned POST (cloud_storage/s3.py).
    assert rules == [
        {
            "AllowedOrigins": ORIGINS,
            "AllowedMethods": ["POST"],
            "MaxAgeSeconds": CORS_MAX_AGE,
        }
    ]
{%- elif media == "gcs" %}
    # A signed PUT, with the headers it signs (cloud_storage/gcs.py).
    assert rules == [
        {
            "origin": ORIGINS,
            "method": ["PUT"],
            "responseHeader": [
                "Content-Type",
                "Content-Disposition",
                "x-goog-content-length-range",
            ],
            "maxAgeSeconds": CORS_MAX_AGE,
        }
    ]
{%- else %}
    # A SAS PUT, with the headers it sends (cloud_storage/azure.py).
    assert rules == [
        {
            "allowed_origins": ORIGINS,
            "allowed_methods": ["PUT"],
            "allowed_headers": [
                "content-type",
                "x-ms-blob-type",
                "x-ms-blob-content-type",
                "x-ms-blob-content-disposition",
            ],
            "max_age_in_seconds": CORS_MAX_AGE,
        }
    ]
{%- endif %}
{%- endif %}
{%- if static_bucket and media != "local" and static != "azure" and static == media %}


def test_static_and_media_sharing_a_bucket_get_one_set_of_rules(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "cloud_storage.{{ static }}.StaticStorage",
            "OPTIONS": {"bucket_name": "site"},
        },
        "default": {
            "BACKEND": "cloud_storage.{{ media }}.MediaStorage",
            "OPTIONS": {"bucket_name": "site"},
        },
    }

    rules = printed_rules("--origin", "https://example.com")

    # Both rules in one set: setting the second alone would drop the first.
    assert list(rules) == ["site"]
    assert len(rules["site"]) == 2
{%- endif %}


def test_origins_given_replace_the_allowed_hosts(buckets):
    rules = printed_rules("--origin", "https://cdn-test.example.net")

    assert "https://cdn-test.example.net" in json.dumps(rules)
    assert "example.com" not in json.dumps(rules)


def test_no_origin_is_refused_by_name(settings, buckets):
    settings.ALLOWED_HOSTS = ["*"]

    with pytest.raises(CommandError, match="--origin"):
        printed_rules()
