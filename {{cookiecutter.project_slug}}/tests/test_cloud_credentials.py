{%- set static = cookiecutter.static_storage -%}
{%- set media = cookiecutter.media_storage -%}
{%- set providers = [static, media] -%}
{%- set static_bucket = static in ["s3", "gcs", "azure"] -%}
{%- set test_settings = ["PRODUCTION"]
    + (["URLS"] if "s3" in providers else [])
    + (["urls"] if media == "s3" or "gcs" in providers or "azure" in providers else [])
-%}
"""Object storage credentials, endpoints and CDN domains: production refuses a
malformed value as its settings load, naming the variable, instead of failing
at the first upload or link with an SDK's message; well-formed values pass."""
{%- if "gcs" in providers %}

import json
{%- endif %}

import pytest
{%- if "gcs" in providers or media == "s3" %}
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import {% if media == "s3" %}ec, {% endif %}rsa
{%- endif %}
from django.core.exceptions import ImproperlyConfigured

{% if "azure" in providers -%}
from cloud_storage import credentials
{% endif -%}
from config.settings import environment
from tests.test_cloud_settings import {{ test_settings | join(", ") }}

# Settings load, and nothing more: no link is built.
LOAD = "import django; django.setup()"
{%- if "azure" in providers %}
# Azurite's fixed development account, as the template's emulator tests use it.
AZURITE = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
    "K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
)
# What the project generator loads production settings with.
HOOK_STAND_IN = "AccountName=stand-in;AccountKey=c3RhbmQtaW4="
SAS_ONLY = (
    "BlobEndpoint=https://example.blob.core.windows.net;"
    "SharedAccessSignature=sv=2024-11-04&sig=c2lnbmVk"
)
{%- endif %}


def refused(run_with_settings, variables, name):
    """The stderr of production settings refusing ``name``'s value."""
    result = run_with_settings(PRODUCTION, "-c", LOAD, **variables)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name}" in result.stderr, result.stderr
    return result.stderr


MALFORMED = [
{%- if static_bucket %}
    ("DJANGO_STATIC_DOMAIN", "https://static.example.net/", "must be a host name"),
{%- endif %}
{%- if media != "local" %}
    ("DJANGO_MEDIA_DOMAIN", "media.example.net/uploads", "must be a host name"),
{%- endif %}
{%- if "s3" in providers %}
    ("DJANGO_S3_ENDPOINT_URL", "minio:9000", "must be a URL"),
{%- endif %}
{%- if "azure" in providers %}
    ("DJANGO_AZURE_CONNECTION_STRING", "AccountName=example", "has no credentials"),
{%- endif %}
{%- if "gcs" in providers %}
    ("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json", "cannot be read"),
{%- endif %}
]


@pytest.mark.parametrize(("name", "value", "complaint"), MALFORMED)
def test_production_refuses_a_malformed_value_by_name(
    run_with_settings, production_variables, name, value, complaint
):
    production_variables[name] = value

    stderr = refused(run_with_settings, production_variables, name)

    assert complaint in stderr


@pytest.mark.parametrize(
    "domain", ["https://cdn.example.net/", "cdn.example.net/static", "-cdn.example.net"]
)
def test_a_cdn_domain_must_be_a_host_name(monkeypatch, domain):
    monkeypatch.setenv("DJANGO_CDN_DOMAIN", domain)

    with pytest.raises(ImproperlyConfigured, match="DJANGO_CDN_DOMAIN must be a host"):
        environment.optional_host("DJANGO_CDN_DOMAIN")


@pytest.mark.parametrize(
    ("domain", "expected"),
    [(" cdn.example.net ", "cdn.example.net"), ("cdn.example.net:8443", None)],
)
def test_a_cdn_domain_is_a_host_name_with_a_port_if_need_be(
    monkeypatch, domain, expected
):
    monkeypatch.setenv("DJANGO_CDN_DOMAIN", domain)

    assert environment.optional_host("DJANGO_CDN_DOMAIN") == (expected or domain)
{%- if "s3" in providers %}


@pytest.mark.parametrize(
    "url", ["minio:9000", "https://", "ftp://minio:9000", "http://minio:99999"]
)
def test_an_endpoint_must_be_an_http_url_with_a_host(monkeypatch, url):
    monkeypatch.setenv("DJANGO_S3_ENDPOINT_URL", url)

    with pytest.raises(ImproperlyConfigured, match="DJANGO_S3_ENDPOINT_URL must be"):
        environment.optional_url("DJANGO_S3_ENDPOINT_URL")


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
        ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"),
    ],
)
def test_an_aws_key_needs_its_other_half(
    run_with_settings, production_variables, given, missing
):
    production_variables[missing] = " "  # blank counts as unset

    stderr = refused(run_with_settings, production_variables, missing)

    assert f"but {given} is" in stderr
    assert production_variables[given] not in stderr


def test_without_aws_keys_the_role_is_used(run_with_settings, production_variables):
    production_variables.update(AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="")

    result = run_with_settings(PRODUCTION, "-c", LOAD, **production_variables)

    assert result.returncode == 0, result.stderr


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
def test_a_cloudfront_key_must_be_an_rsa_private_key(
    run_with_settings, production_variables, key
):
    production_variables.update(
        DJANGO_CLOUDFRONT_KEY_ID="K2JCJMDEHXQW5F", DJANGO_CLOUDFRONT_KEY=key
    )

    stderr = refused(run_with_settings, production_variables, "DJANGO_CLOUDFRONT_KEY")

    assert "MII" not in stderr  # no part of the key is repeated


def test_a_cloudfront_key_id_needs_its_key(run_with_settings, production_variables):
    production_variables["DJANGO_CLOUDFRONT_KEY_ID"] = "K2JCJMDEHXQW5F"

    refused(run_with_settings, production_variables, "DJANGO_CLOUDFRONT_KEY")


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
def test_google_credentials_must_be_a_credentials_file(
    run_with_settings, production_variables, tmp_path, content
):
    key_file = tmp_path / "key.json"
    key_file.write_text(content)
    production_variables["GOOGLE_APPLICATION_CREDENTIALS"] = str(key_file)

    refused(run_with_settings, production_variables, "GOOGLE_APPLICATION_CREDENTIALS")


def test_google_credentials_must_be_a_readable_file(
    run_with_settings, production_variables, tmp_path
):
    production_variables["GOOGLE_APPLICATION_CREDENTIALS"] = str(tmp_path)

    stderr = refused(
        run_with_settings, production_variables, "GOOGLE_APPLICATION_CREDENTIALS"
    )

    assert "cannot be read" in stderr


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
{%- endif %}
{%- if "azure" in providers %}


@pytest.mark.parametrize(
    ("connection_string", "complaint"),
    [
        ("AccountName=example;AccountKey", "not a connection string"),
        ("https://example.blob.core.windows.net", "not a connection string"),
        ("AccountName=example", "has no credentials"),
        ("AccountKey=c2VjcmV0", "has an AccountKey but no AccountName"),
        ("AccountName=example;AccountKey=secret!", "AccountKey is not base64"),
        ("AccountName=a;accountname=b;AccountKey=c2VjcmV0", "gives AccountName twice"),
        ("SharedAccessSignature=sv=2024&sig=c2ln", "no BlobEndpoint or AccountName"),
        (f"{HOOK_STAND_IN};BlobEndpoint=127.0.0.1:10000", "BlobEndpoint must be"),
        (f"DefaultEndpointsProtocol=ftp;{HOOK_STAND_IN}", "DefaultEndpointsProtocol"),
        ("UseDevelopmentStorage=yes", "UseDevelopmentStorage must be true"),
    ],
)
def test_a_malformed_azure_connection_string_is_refused_by_name(
    monkeypatch, connection_string, complaint
):
    monkeypatch.setenv("DJANGO_AZURE_CONNECTION_STRING", connection_string)

    with pytest.raises(ImproperlyConfigured) as refusal:
        credentials.azure_connection_string("DJANGO_AZURE_CONNECTION_STRING")

    message = str(refusal.value)
    assert message.startswith("DJANGO_AZURE_CONNECTION_STRING")
    assert complaint in message
    assert "c2VjcmV0" not in message
    assert "secret!" not in message


@pytest.mark.parametrize(
    ("connection_string", "tidied"),
    [
        (HOOK_STAND_IN, HOOK_STAND_IN),
        (AZURITE, AZURITE.rstrip(";")),
        (SAS_ONLY, SAS_ONLY),
        ("UseDevelopmentStorage=True", "UseDevelopmentStorage=true"),
        (
            " accountname = example ; accountkey = c2VjcmV0 ; ",
            "AccountName=example;AccountKey=c2VjcmV0",
        ),
    ],
)
def test_azure_connection_strings_are_taken_tidied(
    monkeypatch, connection_string, tidied
):
    monkeypatch.setenv("DJANGO_AZURE_CONNECTION_STRING", connection_string)

    taken = credentials.azure_connection_string("DJANGO_AZURE_CONNECTION_STRING")

    assert taken == tidied


@pytest.mark.parametrize(
    "connection_string",
    [HOOK_STAND_IN, AZURITE, " accountname=example;accountkey=c2VjcmV0 "],
)
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
def test_private_media_needs_the_account_key_to_sign_links(
    run_with_settings, production_variables, connection_string
):
    production_variables["DJANGO_AZURE_CONNECTION_STRING"] = connection_string

    stderr = refused(
        run_with_settings, production_variables, "DJANGO_AZURE_CONNECTION_STRING"
    )

    assert "needs AccountName and AccountKey to sign" in stderr
    assert "c2lnbmVk" not in stderr

    production_variables["DJANGO_MEDIA_PUBLIC"] = "True"
    assert urls(run_with_settings, production_variables)
{%- else %}


@pytest.mark.parametrize("connection_string", ["UseDevelopmentStorage=true", SAS_ONLY])
def test_static_files_take_a_shared_access_signature_or_the_emulator(
    run_with_settings, production_variables, connection_string
):
    production_variables["DJANGO_AZURE_CONNECTION_STRING"] = connection_string
{%- if media == "gcs" %}
    production_variables["DJANGO_MEDIA_PUBLIC"] = "True"  # signing needs a key file
{%- endif %}

    assert urls(run_with_settings, production_variables)
{%- endif %}
{%- endif %}
