{%- set static = cookiecutter.static_storage -%}
{%- set media = cookiecutter.media_storage -%}
{%- set providers = [static, media] -%}
{%- set static_bucket = static in ["s3", "gcs", "azure"] -%}
{%- set test_settings = ["PRODUCTION"]
    + (["URLS"] if "s3" in providers else [])
    + (["urls"] if media == "s3" or "gcs" in providers or "azure" in providers else [])
-%}
"""Object storage credentials, endpoints and CDN domains: production settings
load them unchecked (importing settings needs no cloud account), and `manage.py
check --deploy` (cloud_storage/checks.py) refuses a malformed one by name,
never repeating a secret; well-formed values pass and make working links."""
{%- if "gcs" in providers %}

import json
{%- endif %}

import pytest
{%- if "gcs" in providers or media == "s3" %}
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import {% if media == "s3" %}ec, {% endif %}rsa
{%- endif %}
from django.test import override_settings

from cloud_storage import checks
from tests.test_cloud_settings import {{ test_settings | join(", ") }}

# Settings load, and nothing more: no link is built.
LOAD = "import django; django.setup()"
{%- if "s3" in providers %}
S3_BACKEND = "cloud_storage.s3.{{ 'MediaStorage' if media == 's3' else 'StaticStorage' }}"
{%- endif %}
{%- if "azure" in providers %}
AZURE_BACKEND = "cloud_storage.azure.{{ 'MediaStorage' if media == 'azure' else 'StaticStorage' }}"
# Azurite's fixed development account, as the template's emulator tests use it.
AZURITE = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
    "K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
)
# What the project generator prints for a bucket's stand-in.
STAND_IN = "AccountName=stand-in;AccountKey=c3RhbmQtaW4="
SAS_ONLY = (
    "BlobEndpoint=https://example.blob.core.windows.net;"
    "SharedAccessSignature=sv=2024-11-04&sig=c2lnbmVk"
)
{%- endif %}


@pytest.fixture(autouse=True)
def no_cloud_credentials(monkeypatch):
    """Only what a test sets: none from the machine running the tests."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ):
        monkeypatch.delenv(name, raising=False)


def deploy_errors(**settings):
    """What the deploy checks say under these settings."""
    with override_settings(**settings):
        return [error for check in checks.DEPLOY_CHECKS for error in check(None)]


def only_error(**settings):
    errors = deploy_errors(**settings)
    assert len(errors) == 1, errors
    return errors[0]


MALFORMED = [
{%- if static_bucket %}
    ("DJANGO_STATIC_DOMAIN", "https://static.example.net/", "cloud_storage.E001"),
{%- endif %}
{%- if media != "local" %}
    ("DJANGO_MEDIA_DOMAIN", "media.example.net/uploads", "cloud_storage.E001"),
    # Private media shares the media bucket unless given its own.
    ("DJANGO_MEDIA_PUBLIC", "True", "cloud_storage.E008"),
{%- endif %}
{%- if "s3" in providers %}
    ("DJANGO_S3_ENDPOINT_URL", "minio:9000", "cloud_storage.E002"),
    ("AWS_SECRET_ACCESS_KEY", "", "cloud_storage.E003"),
{%- endif %}
{%- if media == "s3" %}
    ("DJANGO_CLOUDFRONT_KEY_ID", "K2JCJMDEHXQW5F", "cloud_storage.E004"),
{%- endif %}
{%- if "gcs" in providers %}
    ("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json", "cloud_storage.E005"),
{%- endif %}
{%- if "azure" in providers %}
    ("DJANGO_AZURE_CONNECTION_STRING", "AccountName=example", "cloud_storage.E006"),
{%- endif %}
{%- if media in ["s3", "azure"] and cookiecutter.use_upload_example %}
    # More than one upload to the provider can be.
    ("DJANGO_DIRECT_UPLOAD_MAX_SIZE", str(6 * 1024**3), "cloud_storage.E009"),
{%- endif %}
]


def test_settings_load_malformed_values_and_check_deploy_names_each(
    run_with_settings, production_variables
):
    production_variables.update({name: value for name, value, _ in MALFORMED})

    loaded = run_with_settings(PRODUCTION, "-c", LOAD, **production_variables)
    checked = run_with_settings(
        PRODUCTION, "manage.py", "check", "--deploy", **production_variables
    )

    assert loaded.returncode == 0, loaded.stderr
    assert checked.returncode != 0
    lines = checked.stderr.splitlines()
    for name, _, check_id in MALFORMED:
        assert any(f"({check_id})" in line and name in line for line in lines), name


@pytest.mark.parametrize(
    "domain",
    ["https://cdn.example.net/", "cdn.example.net/static", "-cdn.example.net"],
)
@pytest.mark.parametrize("setting", ["STATIC_DOMAIN", "MEDIA_DOMAIN"])
def test_a_cdn_domain_must_be_a_host_name(setting, domain):
    error = only_error(**{setting: domain})

    assert error.id == "cloud_storage.E001"
    assert error.msg.startswith(f"DJANGO_{setting} must be a host name")


@pytest.mark.parametrize("domain", [None, "cdn.example.net", "cdn.example.net:8443"])
def test_a_cdn_domain_is_a_host_name_with_a_port_if_need_be(domain):
    assert deploy_errors(STATIC_DOMAIN=domain, MEDIA_DOMAIN=domain) == []
{%- if media != "local" %}
{%- set bucket = "azure_container" if media == "azure" else "bucket_name" %}


def media_storages(media_bucket, private_bucket):
    """Media and private media in the buckets named (no static bucket)."""
    backend = "cloud_storage.{{ media }}.MediaStorage"
    return {
        "default": {"BACKEND": backend, "OPTIONS": {"{{ bucket }}": media_bucket}},
        "private": {"BACKEND": backend, "OPTIONS": {"{{ bucket }}": private_bucket}},
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


def test_private_media_in_a_public_media_bucket_is_an_error():
    error = only_error(MEDIA_PUBLIC=True, STORAGES=media_storages("media", "media"))

    assert error.id == "cloud_storage.E008"
    assert "DJANGO_PRIVATE_MEDIA_BUCKET" in error.hint


@pytest.mark.parametrize(
    ("public", "private_bucket"), [(False, "media"), (True, "private")]
)
def test_private_media_shares_only_a_private_bucket(public, private_bucket):
    storages = media_storages("media", private_bucket)

    assert deploy_errors(MEDIA_PUBLIC=public, STORAGES=storages) == []
{%- endif %}
{%- if media in ["s3", "azure"] and cookiecutter.use_upload_example %}


def test_a_direct_upload_may_be_as_large_as_one_upload_can_be():
    largest = checks.LARGEST_DIRECT_UPLOAD

    assert deploy_errors(DIRECT_UPLOAD_MAX_SIZE=largest) == []
    assert only_error(DIRECT_UPLOAD_MAX_SIZE=largest + 1).id == "cloud_storage.E009"
{%- endif %}
{%- if "s3" in providers %}


def s3_storages(**options):
    return {"default": {"BACKEND": S3_BACKEND, "OPTIONS": options}}


@pytest.mark.parametrize(
    "url", ["minio:9000", "https://", "ftp://minio:9000", "http://minio:99999"]
)
def test_an_endpoint_must_be_an_http_url_with_a_host(url):
    error = only_error(STORAGES=s3_storages(endpoint_url=url))

    assert error.id == "cloud_storage.E002"
    assert error.msg.startswith("DJANGO_S3_ENDPOINT_URL must be a URL")


@pytest.mark.parametrize(
    "url", [None, "http://127.0.0.1:9000", "https://account.r2.cloudflarestorage.com"]
)
def test_endpoints_that_boto3_takes_pass(url):
    assert deploy_errors(STORAGES=s3_storages(endpoint_url=url)) == []


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
        ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"),
    ],
)
def test_an_aws_key_needs_its_other_half(monkeypatch, given, missing):
    monkeypatch.setenv(given, "test-secret-value")

    error = only_error(STORAGES=s3_storages())

    assert error.id == "cloud_storage.E003"
    assert error.msg.startswith(f"{missing} is not set but {given} is")
    assert "test-secret-value" not in error.msg


@pytest.mark.parametrize("keys", [(), ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")])
def test_both_aws_keys_or_neither_pass(monkeypatch, keys):
    """Neither: boto3 uses the instance's or task's role."""
    for name in keys:
        monkeypatch.setenv(name, "test-value")

    assert deploy_errors(STORAGES=s3_storages()) == []


def test_s3_values_are_stripped_where_boto3_reads_them(
    run_with_settings, production_variables
):
    production_variables.update(
        AWS_ACCESS_KEY_ID=" test-access-key ",
        AWS_SECRET_ACCESS_KEY="\ttest-secret-key ",
        DJANGO_S3_ENDPOINT_URL=" http://127.0.0.1:9000 ",
        DJANGO_S3_REGION="us-east-1",
    )
{%- if media == "gcs" %}
    production_variables["DJANGO_MEDIA_PUBLIC"] = "True"  # signing needs a key file
{%- endif %}
    script = URLS + (
        "import os\n"
        "print(os.environ['AWS_ACCESS_KEY_ID'], os.environ['AWS_SECRET_ACCESS_KEY'])\n"
    )

    result = run_with_settings(PRODUCTION, "-c", script, **production_variables)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "test-access-key test-secret-key"
{%- if media == "s3" %}
    assert lines[-2].startswith("http://127.0.0.1:9000/example-media/media/uploads/")
    assert "X-Amz-Credential=test-access-key" in lines[-2]
{%- endif %}
{%- endif %}
{%- if media == "s3" %}


def pem(key, private=True):
    """A key as PEM text, its line breaks written \\n as .env.example says."""
    if private:
        data = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    else:
        data = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return data.decode().replace("\n", "\\n")


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("not-a-key", id="not-pem"),
        pytest.param(pem(RSA_KEY, private=False), id="public-key"),
        pytest.param(pem(ec.generate_private_key(ec.SECP256R1())), id="not-rsa"),
    ],
)
def test_a_cloudfront_key_must_be_an_rsa_private_key(key):
    options = {"cloudfront_key_id": "K2JCJMDEHXQW5F", "cloudfront_key": key}

    error = only_error(STORAGES=s3_storages(**options))

    assert error.id == "cloud_storage.E004"
    assert error.msg.startswith("DJANGO_CLOUDFRONT_KEY must be an unencrypted RSA")
    assert "MII" not in error.msg  # no part of the key is repeated


@pytest.mark.parametrize(
    ("options", "missing"),
    [
        ({"cloudfront_key_id": "K2JCJMDEHXQW5F"}, "DJANGO_CLOUDFRONT_KEY"),
        ({"cloudfront_key": "not-a-key"}, "DJANGO_CLOUDFRONT_KEY_ID"),
    ],
)
def test_a_cloudfront_key_needs_its_other_half(options, missing):
    error = only_error(STORAGES=s3_storages(**options))

    assert error.msg.startswith(f"{missing} is not set but")


def test_private_media_behind_a_cdn_needs_cloudfront_keys():
    private = {"custom_domain": "media.example.net", "querystring_auth": True}

    error = only_error(STORAGES=s3_storages(**private))

    assert "DJANGO_CLOUDFRONT_KEY_ID and DJANGO_CLOUDFRONT_KEY" in error.msg
    public = {**private, "querystring_auth": False}
    assert deploy_errors(STORAGES=s3_storages(**public)) == []


def test_private_media_behind_a_cdn_is_signed_by_cloudfront(
    run_with_settings, production_variables
):
    production_variables.update(
        DJANGO_MEDIA_DOMAIN="media.example.net",
        DJANGO_CLOUDFRONT_KEY_ID="K2JCJMDEHXQW5F",
        DJANGO_CLOUDFRONT_KEY=pem(RSA_KEY),
    )

    url = urls(run_with_settings, production_variables)[-1]

    assert url.startswith("https://media.example.net/media/uploads/me.png?")
    assert "Key-Pair-Id=K2JCJMDEHXQW5F" in url
{%- endif %}
{%- if "gcs" in providers %}


def service_account_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "type": "service_account",
        "project_id": "example",
        "private_key_id": "1",
        "private_key": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        "client_email": "app@example.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("client_email = app@example", id="not-json"),
        pytest.param("[]", id="not-an-object"),
        pytest.param('{"client_email": "app@example"}', id="no-type"),
        pytest.param('{"type": "service_account"}', id="incomplete-key"),
        pytest.param(
            '{"type": "service_account", "client_email": "a@example", "token_uri": '
            '"https://oauth2.googleapis.com/token", "private_key": "damaged"}',
            id="damaged-key",
        ),
    ],
)
def test_google_credentials_must_be_a_credentials_file(monkeypatch, tmp_path, content):
    key_file = tmp_path / "key.json"
    key_file.write_text(content)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))

    error = only_error()

    assert error.id == "cloud_storage.E005"
    assert error.msg.startswith(f"GOOGLE_APPLICATION_CREDENTIALS names {key_file}")


def test_google_credentials_must_be_a_readable_file(monkeypatch, tmp_path):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path))

    assert "cannot be read" in only_error().msg


@pytest.mark.parametrize(
    "info",
    [
        pytest.param(service_account_key(), id="service-account"),
        pytest.param(
            {
                "type": "authorized_user",
                "client_id": "1",
                "client_secret": "s",
                "refresh_token": "r",
            },
            id="authorized-user",
        ),
    ],
)
def test_a_google_credentials_file_is_taken(
    run_with_settings, production_variables, tmp_path, info
):
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(info))
    production_variables.update(
        GOOGLE_APPLICATION_CREDENTIALS=f" {key_file} ", DJANGO_MEDIA_PUBLIC="True"
    )

    urls(run_with_settings, production_variables)


def test_a_google_credentials_file_passes_the_check(monkeypatch, tmp_path):
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(service_account_key()))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))

    assert deploy_errors() == []
{%- endif %}
{%- if "azure" in providers %}


def azure_storages(connection_string, private=False):
    options = {
        "connection_string": connection_string,
        "expiration_secs": 3600 if private else None,
    }
    return {"default": {"BACKEND": AZURE_BACKEND, "OPTIONS": options}}


@pytest.mark.parametrize(
    ("connection_string", "complaint"),
    [
        ("AccountName=example;AccountKey", "not a connection string"),
        ("https://example.blob.core.windows.net", "not a connection string"),
        ("AccountName=example", "has no credentials"),
        ("AccountKey=c2VjcmV0", "has an AccountKey but no AccountName"),
        ("AccountName=example;AccountKey=secret!", "AccountKey that is not base64"),
        ("AccountName=a;accountname=b;AccountKey=c2VjcmV0", "gives AccountName twice"),
        ("AccountName=example;accountkey=c2VjcmV0", "writes AccountKey as"),
        ("AccountName =example;AccountKey=c2VjcmV0", "writes AccountName as"),
        ("SharedAccessSignature=sv=2024&sig=c2ln", "no BlobEndpoint or AccountName"),
        (f"{STAND_IN};BlobEndpoint=127.0.0.1:10000", "BlobEndpoint that is not a URL"),
        (f"DefaultEndpointsProtocol=ftp;{STAND_IN}", "DefaultEndpointsProtocol"),
        ("UseDevelopmentStorage=yes", "UseDevelopmentStorage, which must be true"),
    ],
)
def test_a_malformed_azure_connection_string_is_refused_by_name(
    connection_string, complaint
):
    error = only_error(STORAGES=azure_storages(connection_string))

    assert error.id == "cloud_storage.E006"
    assert error.msg.startswith("DJANGO_AZURE_CONNECTION_STRING")
    assert complaint in error.msg
    assert "c2VjcmV0" not in error.msg
    assert "secret!" not in error.msg


@pytest.mark.parametrize(
    "connection_string",
    [STAND_IN, AZURITE, SAS_ONLY, "UseDevelopmentStorage=true"],
)
def test_azure_connection_strings_as_azure_writes_them_pass(connection_string):
    assert deploy_errors(STORAGES=azure_storages(connection_string)) == []


@pytest.mark.parametrize("connection_string", [STAND_IN, AZURITE])
def test_production_links_with_a_well_formed_connection_string(
    run_with_settings, production_variables, connection_string
):
    production_variables["DJANGO_AZURE_CONNECTION_STRING"] = connection_string
{%- if media == "gcs" %}
    production_variables["DJANGO_MEDIA_PUBLIC"] = "True"  # signing needs a key file
{%- endif %}

    lines = urls(run_with_settings, production_variables)
{%- if media == "azure" %}

    assert "sig=" in lines[-1]  # private media: signed with the account key
{%- else %}

    assert lines
{%- endif %}
{%- if media == "azure" %}


@pytest.mark.parametrize("connection_string", ["UseDevelopmentStorage=true", SAS_ONLY])
def test_private_media_needs_the_account_key_to_sign_links(connection_string):
    error = only_error(STORAGES=azure_storages(connection_string, private=True))

    assert error.id == "cloud_storage.E007"
    assert "needs AccountName and AccountKey to sign" in error.msg
    assert "c2lnbmVk" not in error.msg
{%- endif %}
{%- endif %}
