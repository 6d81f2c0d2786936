"""The buckets' CORS rules (manage.py bucket_cors): the site's origins may read
fonts and module scripts from the static bucket and upload to the media bucket
directly. The template's own tests set them on emulators and use them from
Chromium."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sitefiles.cloud import azure, gcs, s3
from sitefiles.cloud.cors import CORS_MAX_AGE, site_origins

ORIGINS = ["https://example.com", "https://www.example.com"]
PROVIDERS = {"s3": s3, "gcs": gcs, "azure": azure}


def bucket_options(provider, name):
    if provider == "azure":
        return {"azure_container": name, "account_name": "test"}
    return {"bucket_name": name}


def bucket_storages(provider, static="static", media="media"):
    """A provider's bucket storages, offline: no request is made here."""
    return {
        "staticfiles": {
            "BACKEND": f"sitefiles.cloud.{provider}.StaticStorage",
            "OPTIONS": bucket_options(provider, static),
        },
        "default": {
            "BACKEND": f"sitefiles.cloud.{provider}.MediaStorage",
            "OPTIONS": bucket_options(provider, media),
        },
    }


@pytest.fixture(params=PROVIDERS)
def buckets(request, settings, tmp_path):
    """Static and media files in buckets of each provider in turn."""
    settings.STATIC_ROOT = tmp_path  # where the static storage reads its manifest
    settings.STORAGES = {**settings.STORAGES, **bucket_storages(request.param)}
    return request.param


def printed_rules(*arguments):
    out = StringIO()
    call_command("bucket_cors", "--dry-run", *arguments, stdout=out)
    return {bucket["bucket"]: bucket["rules"] for bucket in json.loads(out.getvalue())}


def test_origins_are_the_allowed_hosts_over_https():
    hosts = ["example.com", "www.example.com", ".example.org", "*", "example.com"]

    assert site_origins(hosts) == [
        "https://example.com",
        "https://www.example.com",
        "https://example.org",
    ]


STATIC_RULES = {
    "s3": [
        {
            "AllowedOrigins": ORIGINS,
            "AllowedMethods": ["GET", "HEAD"],
            "MaxAgeSeconds": CORS_MAX_AGE,
        }
    ],
    "gcs": [
        {"origin": ORIGINS, "method": ["GET", "HEAD"], "maxAgeSeconds": CORS_MAX_AGE}
    ],
    "azure": [
        {
            "allowed_origins": ORIGINS,
            "allowed_methods": ["GET", "HEAD"],
            "max_age_in_seconds": CORS_MAX_AGE,
        }
    ],
}
MEDIA_RULES = {
    # A presigned POST (sitefiles/cloud/s3.py).
    "s3": [
        {
            "AllowedOrigins": ORIGINS,
            "AllowedMethods": ["POST"],
            "MaxAgeSeconds": CORS_MAX_AGE,
        }
    ],
    # A signed PUT, with the headers it signs (sitefiles/cloud/gcs.py).
    "gcs": [
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
    ],
    # A SAS PUT, with the headers it sends (sitefiles/cloud/azure.py).
    "azure": [
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
    ],
}


def test_the_site_s_origins_may_get_and_head_static_files(settings, buckets):
    settings.ALLOWED_HOSTS = ["example.com", "www.example.com"]

    rules = printed_rules()["static"]

    assert rules == STATIC_RULES[buckets]


def test_the_site_s_origins_may_upload_to_the_media_bucket(settings, buckets):
    settings.ALLOWED_HOSTS = ["example.com", "www.example.com"]

    rules = printed_rules()["media"]

    assert rules == MEDIA_RULES[buckets]


# Azure's CORS rules are the storage account's, for all its containers: there
# is no bucket's set of rules to share.
@pytest.mark.parametrize("provider", ["s3", "gcs"])
def test_static_and_media_sharing_a_bucket_get_one_set_of_rules(
    settings, tmp_path, provider
):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        **bucket_storages(provider, static="site", media="site"),
    }

    rules = printed_rules("--origin", "https://example.com")

    # Both rules in one set: setting the second alone would drop the first.
    assert list(rules) == ["site"]
    assert len(rules["site"]) == 2


def test_origins_given_replace_the_allowed_hosts(buckets):
    rules = printed_rules("--origin", "https://cdn-test.example.net")

    assert "https://cdn-test.example.net" in json.dumps(rules)
    assert "example.com" not in json.dumps(rules)


def test_no_origin_is_refused_by_name(settings, buckets):
    settings.ALLOWED_HOSTS = ["*"]

    with pytest.raises(CommandError, match="--origin"):
        printed_rules()


def test_without_a_bucket_there_is_nothing_to_set():
    """The test settings keep static and media files in memory and on disk."""
    with pytest.raises(CommandError, match="Neither"):
        printed_rules("--origin", "https://example.com")


@pytest.mark.parametrize("shared", [False, True])
def test_the_rules_are_set_once_for_each_bucket(
    settings, tmp_path, monkeypatch, shared
):
    """Without --dry-run, each bucket's storage sets its bucket's rules."""
    settings.STATIC_ROOT = tmp_path
    names = {"static": "site", "media": "site"} if shared else {}
    settings.STORAGES = {**settings.STORAGES, **bucket_storages("s3", **names)}
    set_rules = []
    for storage_class in (s3.StaticStorage, s3.MediaStorage):
        monkeypatch.setattr(
            storage_class,
            "set_cors",
            lambda storage, rules: set_rules.append((storage.bucket_name, rules)),
        )

    call_command("bucket_cors", "--origin", "https://example.com", stdout=StringIO())

    allowed = [[rule["AllowedMethods"] for rule in rules] for _, rules in set_rules]
    if shared:
        assert [name for name, _ in set_rules] == ["site"]
        assert allowed == [[["GET", "HEAD"], ["POST"]]]
    else:
        assert [name for name, _ in set_rules] == ["static", "media"]
        assert allowed == [[["GET", "HEAD"]], [["POST"]]]
