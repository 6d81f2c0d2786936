{%- set static = cookiecutter.static_storage -%}
"""The static bucket's CORS rules (cloud_storage/cors.py): the site's origins
may read fonts and module scripts from it. The template's own tests set them
on emulators and load a module script from one in Chromium."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cloud_storage.cors import CORS_MAX_AGE, site_origins
from cloud_storage.management.commands.bucket_cors import Command as BucketCors


@pytest.fixture
def static_bucket(settings, tmp_path):
    """Production's static storage, offline: no request is made here."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "cloud_storage.{{ static }}.StaticStorage",
{%- if static == "azure" %}
            "OPTIONS": {"azure_container": "static", "account_name": "test"},
{%- else %}
            "OPTIONS": {"bucket_name": "static"},
{%- endif %}
        },
    }


def printed_rules(*arguments):
    out = StringIO()
    # The command object: cloud_storage is an app of production's settings only.
    call_command(BucketCors(), "--dry-run", *arguments, stdout=out)
    return json.loads(out.getvalue())


def test_origins_are_the_allowed_hosts_over_https():
    hosts = ["example.com", "www.example.com", ".example.org", "*", "example.com"]

    assert site_origins(hosts) == [
        "https://example.com",
        "https://www.example.com",
        "https://example.org",
    ]


def test_the_rules_let_the_site_s_origins_get_and_head(settings, static_bucket):
    settings.ALLOWED_HOSTS = ["example.com", "www.example.com"]

    rules = printed_rules()

    origins = ["https://example.com", "https://www.example.com"]
{%- if static == "s3" %}
    assert rules == {
        "CORSRules": [
            {
                "AllowedOrigins": origins,
                "AllowedMethods": ["GET", "HEAD"],
                "MaxAgeSeconds": CORS_MAX_AGE,
            }
        ]
    }
{%- elif static == "gcs" %}
    assert rules == [
        {"origin": origins, "method": ["GET", "HEAD"], "maxAgeSeconds": CORS_MAX_AGE}
    ]
{%- else %}
    assert rules == [
        {
            "allowed_origins": origins,
            "allowed_methods": ["GET", "HEAD"],
            "max_age_in_seconds": CORS_MAX_AGE,
        }
    ]
{%- endif %}


def test_origins_given_replace_the_allowed_hosts(static_bucket):
    rules = printed_rules("--origin", "https://cdn-test.example.net")

    assert "https://cdn-test.example.net" in json.dumps(rules)
    assert "example.com" not in json.dumps(rules)


def test_no_origin_is_refused_by_name(settings, static_bucket):
    settings.ALLOWED_HOSTS = ["*"]

    with pytest.raises(CommandError, match="--origin"):
        printed_rules()
