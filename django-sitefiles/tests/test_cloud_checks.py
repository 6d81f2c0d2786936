"""Object storage credentials, endpoints and CDN domains: `manage.py check
--deploy` (sitefiles/cloud/checks.py) refuses a malformed one in a bucket
storage's OPTIONS by name, never repeating a secret; well-formed values pass."""

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.checks import run_checks
from storages.backends.s3 import S3Storage

from sitefiles.cloud import checks

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
# Whether a storage's links are signed, as each provider's options say it.
SIGNED = {
    "s3": {"querystring_auth": True},
    "gcs": {"querystring_auth": True},
    "azure": {"expiration_secs": 300},
}
UNSIGNED = {
    "s3": {"querystring_auth": False},
    "gcs": {"querystring_auth": False},
    "azure": {"expiration_secs": None},
}


class OwnS3Storage(S3Storage):
    """A project's own class on django-storages' backend."""


@pytest.fixture(autouse=True)
def no_cloud_credentials(monkeypatch):
    """Only what a test sets: none from the machine running the tests."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def deploy_errors(settings):
    """What the deploy checks say with these storages added to STORAGES."""

    def errors(**storages):
        settings.STORAGES = {**settings.STORAGES, **storages}
        return [error for check in checks.DEPLOY_CHECKS for error in check(None)]

    return errors


@pytest.fixture
def only_error(deploy_errors):
    def error(**storages):
        errors = deploy_errors(**storages)
        assert len(errors) == 1, errors
        return errors[0]

    return error


def storage(provider, kind="Media", **options):
    return {"BACKEND": f"sitefiles.cloud.{provider}.{kind}Storage", "OPTIONS": options}


def bucket(provider, name):
    return {("azure_container" if provider == "azure" else "bucket_name"): name}


def option(alias, name):
    return f'STORAGES["{alias}"]["OPTIONS"]["{name}"]'


# Django's check framework, as `check --deploy` runs it: every check registered.
@pytest.mark.django_db
def test_the_checks_run_with_check_deploy_only(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": storage("s3", bucket_name="media", endpoint_url="minio:9000"),
    }

    def bucket_errors(**options):
        return [m.id for m in run_checks(**options) if m.id.startswith("sitefiles.E1")]

    assert bucket_errors(include_deployment_checks=True) == ["sitefiles.E102"]
    assert bucket_errors() == []


@pytest.mark.parametrize(
    "backend",
    [
        "storages.backends.s3.S3Storage",
        "sitefiles.cloud.s3.MediaStorage",
        f"{__name__}.OwnS3Storage",
    ],
)
def test_any_storage_built_on_django_storages_backends_is_checked(only_error, backend):
    error = only_error(
        default={"BACKEND": backend, "OPTIONS": {"endpoint_url": "minio:9000"}}
    )

    assert error.id == "sitefiles.E102"


def test_a_backend_that_cannot_be_imported_is_left_to_its_own_check(deploy_errors):
    assert deploy_errors(default={"BACKEND": "nowhere.Storage"}) == []


# CDN domains (sitefiles.E101).


@pytest.mark.parametrize(
    "domain",
    ["https://cdn.example.net/", "cdn.example.net/static", "-cdn.example.net"],
)
@pytest.mark.parametrize(
    ("alias", "kind"), [("staticfiles", "Static"), ("default", "Media")]
)
@pytest.mark.parametrize("provider", ["s3", "azure"])
def test_a_cdn_domain_must_be_a_host_name(only_error, provider, alias, kind, domain):
    options = {**UNSIGNED[provider], "custom_domain": domain}

    error = only_error(**{alias: storage(provider, kind, **options)})

    assert error.id == "sitefiles.E101"
    assert error.msg.startswith(f"{option(alias, 'custom_domain')} must be a host name")


@pytest.mark.parametrize("domain", [None, "cdn.example.net", "cdn.example.net:8443"])
@pytest.mark.parametrize("provider", ["s3", "azure"])
def test_a_cdn_domain_is_a_host_name_with_a_port_if_need_be(
    deploy_errors, provider, domain
):
    options = {**UNSIGNED[provider], "custom_domain": domain}

    assert (
        deploy_errors(
            staticfiles=storage(provider, "Static", **options),
            default=storage(provider, **options),
        )
        == []
    )


@pytest.mark.parametrize(
    "endpoint",
    [
        "cdn.example.net",
        "https://https://cdn.example.net",
        "ftp://cdn.example.net",
        "https://cdn.example.net:99999",
    ],
)
@pytest.mark.parametrize(
    ("alias", "kind"), [("staticfiles", "Static"), ("default", "Media")]
)
def test_a_gcs_cdn_endpoint_must_be_a_url(only_error, alias, kind, endpoint):
    """GCS takes the CDN as a URL (custom_endpoint), S3 and Azure a host name."""
    error = only_error(**{alias: storage("gcs", kind, custom_endpoint=endpoint)})

    assert error.id == "sitefiles.E101"
    assert error.msg.startswith(f"{option(alias, 'custom_endpoint')} must be a URL")


@pytest.mark.parametrize(
    "endpoint", [None, "https://cdn.example.net", "https://cdn.example.net:8443/"]
)
def test_a_gcs_cdn_endpoint_with_https_passes(deploy_errors, endpoint):
    assert (
        deploy_errors(
            staticfiles=storage("gcs", "Static", custom_endpoint=endpoint),
            default=storage("gcs", custom_endpoint=endpoint),
        )
        == []
    )


# Private media (sitefiles.E108, sitefiles.E109).


def media_storages(provider, public, media_bucket, private_bucket):
    """Media and private media in the buckets named, private links signed."""
    options = UNSIGNED[provider] if public else SIGNED[provider]
    return {
        "default": storage(provider, **bucket(provider, media_bucket), **options),
        "private": storage(
            provider, **bucket(provider, private_bucket), **SIGNED[provider]
        ),
    }


@pytest.mark.parametrize("provider", ["s3", "gcs", "azure"])
def test_private_media_in_a_public_media_bucket_is_an_error(only_error, provider):
    error = only_error(**media_storages(provider, True, "media", "media"))

    assert error.id == "sitefiles.E109"
    assert "a private bucket of its own" in error.hint


@pytest.mark.parametrize(
    ("public", "private_bucket"), [(False, "media"), (True, "private")]
)
@pytest.mark.parametrize("provider", ["s3", "gcs", "azure"])
def test_private_media_shares_only_a_private_bucket(
    deploy_errors, provider, public, private_bucket
):
    storages = media_storages(provider, public, "media", private_bucket)

    assert deploy_errors(**storages) == []


@pytest.mark.parametrize("provider", ["s3", "gcs", "azure"])
def test_private_media_links_must_be_signed(only_error, provider):
    options = {**bucket(provider, "private"), **UNSIGNED[provider]}

    error = only_error(private=storage(provider, **options))

    assert error.id == "sitefiles.E108"
    assert error.msg.startswith('STORAGES["private"] makes unsigned links')


# The largest direct upload (sitefiles.E110).


@pytest.mark.parametrize(
    ("provider", "largest"), [("s3", 5 * 1024**3), ("azure", 5000 * 1024**2)]
)
def test_a_direct_upload_may_be_as_large_as_one_upload_can_be(
    settings, deploy_errors, provider, largest
):
    media = storage(provider)
    settings.SITEFILES_DIRECT_UPLOAD_MAX_SIZE = largest
    assert deploy_errors(default=media) == []

    settings.SITEFILES_DIRECT_UPLOAD_MAX_SIZE = largest + 1
    errors = deploy_errors(default=media)

    assert [error.id for error in errors] == ["sitefiles.E110"]
    assert errors[0].msg.startswith(
        f"SITEFILES_DIRECT_UPLOAD_MAX_SIZE is {largest + 1};"
    )


@pytest.mark.parametrize(
    "storages",
    [
        pytest.param({"default": storage("gcs")}, id="gcs-media"),
        # Direct uploads go to the media bucket only.
        pytest.param({"staticfiles": storage("s3", "Static")}, id="s3-static"),
    ],
)
def test_a_direct_upload_larger_than_s3_takes_is_for_other_buckets(
    settings, deploy_errors, storages
):
    settings.SITEFILES_DIRECT_UPLOAD_MAX_SIZE = 6 * 1024**3

    assert deploy_errors(**storages) == []


# S3: endpoints and keys (sitefiles.E102, sitefiles.E103).


def s3_storages(**options):
    return {"default": storage("s3", **options)}


@pytest.mark.parametrize(
    "url",
    [
        "minio:9000",
        "https://",
        "ftp://minio:9000",
        "http://minio:99999",
        "https://https://minio:9000",
    ],
)
def test_an_endpoint_must_be_an_http_url_with_a_host(only_error, url):
    error = only_error(**s3_storages(endpoint_url=url))

    assert error.id == "sitefiles.E102"
    assert error.msg.startswith(f"{option('default', 'endpoint_url')} must be a URL")


@pytest.mark.parametrize(
    "url", [None, "http://127.0.0.1:9000", "https://account.r2.cloudflarestorage.com"]
)
def test_endpoints_that_boto3_takes_pass(deploy_errors, url):
    assert deploy_errors(**s3_storages(endpoint_url=url)) == []


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
        ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"),
    ],
)
def test_an_aws_key_needs_its_other_half(only_error, monkeypatch, given, missing):
    monkeypatch.setenv(given, "test-secret-value")

    error = only_error(**s3_storages())

    assert error.id == "sitefiles.E103"
    assert error.msg.startswith(f"{missing} is not set but {given} is")
    assert "test-secret-value" not in error.msg


@pytest.mark.parametrize("keys", [(), ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")])
def test_both_aws_keys_or_neither_pass(deploy_errors, monkeypatch, keys):
    """Neither: boto3 uses the instance's or task's role."""
    for name in keys:
        monkeypatch.setenv(name, "test-value")

    assert deploy_errors(**s3_storages()) == []


def test_aws_keys_are_not_looked_at_without_an_s3_storage(deploy_errors, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-value")

    assert deploy_errors(default=storage("gcs")) == []


# S3 behind CloudFront (sitefiles.E104).


def pem(key, private=True):
    """A key as PEM text."""
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
    return data.decode()


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("not-a-key", id="not-pem"),
        pytest.param(pem(RSA_KEY, private=False), id="public-key"),
        pytest.param(pem(ec.generate_private_key(ec.SECP256R1())), id="not-rsa"),
    ],
)
def test_a_cloudfront_key_must_be_an_rsa_private_key(only_error, key):
    options = {"cloudfront_key_id": "K2JCJMDEHXQW5F", "cloudfront_key": key}

    error = only_error(**s3_storages(**options))

    assert error.id == "sitefiles.E104"
    assert error.msg.startswith(
        f"{option('default', 'cloudfront_key')} must be an unencrypted RSA"
    )
    assert "MII" not in error.msg  # no part of the key is repeated
    assert key not in error.msg


@pytest.mark.parametrize(
    ("options", "missing", "given"),
    [
        (
            {"cloudfront_key_id": "K2JCJMDEHXQW5F"},
            "cloudfront_key",
            "cloudfront_key_id",
        ),
        ({"cloudfront_key": "not-a-key"}, "cloudfront_key_id", "cloudfront_key"),
    ],
)
def test_a_cloudfront_key_needs_its_other_half(only_error, options, missing, given):
    error = only_error(**s3_storages(**options))

    assert error.id == "sitefiles.E104"
    assert error.msg.startswith(
        f"{option('default', missing)} is not set but {option('default', given)} is"
    )
    assert "not-a-key" not in error.msg


# Signed links are S3Storage's default (querystring_auth True).
@pytest.mark.parametrize("signed", [{"querystring_auth": True}, {}])
def test_private_media_behind_a_cdn_needs_cloudfront_keys(
    only_error, deploy_errors, signed
):
    private = {"custom_domain": "media.example.net", **signed}

    error = only_error(**s3_storages(**private))

    assert error.id == "sitefiles.E104"
    keys = f"{option('default', 'cloudfront_key_id')} and " + option(
        "default", "cloudfront_key"
    )
    assert keys in error.msg
    public = {**private, "querystring_auth": False}
    assert deploy_errors(**s3_storages(**public)) == []


def test_private_media_behind_a_cdn_is_signed_by_cloudfront(deploy_errors):
    """A key id with an RSA private key: CloudFront signs the links."""
    options = {
        "custom_domain": "media.example.net",
        "cloudfront_key_id": "K2JCJMDEHXQW5F",
        "cloudfront_key": pem(RSA_KEY),
    }

    assert deploy_errors(**s3_storages(**options)) == []


# GCS credentials (sitefiles.E105).


def service_account_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "type": "service_account",
        "project_id": "example",
        "private_key_id": "1",
        "private_key": pem(key),
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
            '"https://oauth2.googleapis.com/token", "private_key": "damaged-pem"}',
            id="damaged-key",
        ),
    ],
)
def test_google_credentials_must_be_a_credentials_file(
    only_error, monkeypatch, tmp_path, content
):
    key_file = tmp_path / "key.json"
    key_file.write_text(content)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))

    error = only_error(default=storage("gcs"))

    assert error.id == "sitefiles.E105"
    assert error.msg.startswith(f"GOOGLE_APPLICATION_CREDENTIALS names {key_file}")
    assert "damaged-pem" not in error.msg


def test_google_credentials_must_be_a_readable_file(only_error, monkeypatch, tmp_path):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path))

    assert "cannot be read" in only_error(default=storage("gcs")).msg


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
def test_a_google_credentials_file_passes_the_check(
    deploy_errors, monkeypatch, tmp_path, info
):
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(info))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))

    assert deploy_errors(default=storage("gcs")) == []


def test_google_credentials_are_not_looked_at_without_a_gcs_storage(
    deploy_errors, monkeypatch, tmp_path
):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing"))

    assert deploy_errors(default=storage("s3")) == []


# Azure connection strings (sitefiles.E106, sitefiles.E107).


def azure_storages(connection_string, private=False):
    options = {
        "connection_string": connection_string,
        "expiration_secs": 3600 if private else None,
    }
    return {"default": storage("azure", **options)}


@pytest.mark.parametrize(
    ("connection_string", "complaint"),
    [
        ("AccountName=example;AccountKey", "not a connection string"),
        ("https://example.blob.core.windows.net", "not a connection string"),
        ("AccountName=example", "has no credentials"),
        ("AccountKey=c2VjcmV0", "has an AccountKey but no AccountName"),
        ("AccountName=example;AccountKey=secret!", "AccountKey that is not base64"),
        # Base64 but for one character, which a lenient decoder would skip.
        ("AccountName=example;AccountKey=c2VjcmV0!", "AccountKey that is not base64"),
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
    only_error, connection_string, complaint
):
    error = only_error(**azure_storages(connection_string))

    assert error.id == "sitefiles.E106"
    assert error.msg.startswith(option("default", "connection_string"))
    assert complaint in error.msg
    assert "c2VjcmV0" not in error.msg
    assert "secret!" not in error.msg
    assert "c3RhbmQtaW4=" not in error.msg


@pytest.mark.parametrize(
    "connection_string",
    [STAND_IN, AZURITE, SAS_ONLY, "UseDevelopmentStorage=true"],
)
def test_azure_connection_strings_as_azure_writes_them_pass(
    deploy_errors, connection_string
):
    assert deploy_errors(**azure_storages(connection_string)) == []


def test_each_storage_with_a_malformed_connection_string_is_named(deploy_errors):
    """Static and media files may share one string: each storage says so."""
    errors = deploy_errors(
        staticfiles=storage("azure", "Static", connection_string="AccountName=a"),
        default=storage("azure", connection_string="AccountName=a"),
    )

    assert [error.id for error in errors] == ["sitefiles.E106"] * 2
    named = {error.msg.split(" has ")[0] for error in errors}
    assert named == {
        option("staticfiles", "connection_string"),
        option("default", "connection_string"),
    }


@pytest.mark.parametrize(
    "connection_string",
    [
        "UseDevelopmentStorage=true",
        SAS_ONLY,
        "AccountName=example;SharedAccessSignature=sv=2024-11-04&sig=c2lnbmVk",
    ],
)
def test_private_media_needs_the_account_key_to_sign_links(
    only_error, connection_string
):
    error = only_error(**azure_storages(connection_string, private=True))

    assert error.id == "sitefiles.E107"
    assert "needs AccountName and AccountKey to sign" in error.msg
    assert "c2lnbmVk" not in error.msg


@pytest.mark.parametrize("connection_string", [STAND_IN, AZURITE])
def test_signed_links_with_the_account_key_pass(deploy_errors, connection_string):
    assert deploy_errors(**azure_storages(connection_string, private=True)) == []
