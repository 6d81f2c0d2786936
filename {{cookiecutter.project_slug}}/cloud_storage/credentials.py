{%- set static = cookiecutter.static_storage -%}
{%- set media = cookiecutter.media_storage -%}
{%- set providers = [static, media] -%}
{%- set stdlib = (["import base64", "import binascii"] if "azure" in providers else [])
    + (["import json", "from pathlib import Path"] if "gcs" in providers else []) -%}
{%- set third_party = (
    [
        "from cryptography.hazmat.primitives.asymmetric import rsa",
        "from cryptography.hazmat.primitives.serialization import load_pem_private_key",
    ] if media == "s3" else []
) + ["from django.core.exceptions import ImproperlyConfigured"] -%}
"""Object storage credentials, checked when production settings load.

A malformed value otherwise fails at the first upload or link, with an SDK's
message that does not name the variable. Messages never repeat a secret.
"""
{%- if stdlib %}

{{ stdlib | join("\n") }}
{%- endif %}

{{ third_party | join("\n") }}

from config.settings.environment import (
{%- if media == "s3" %}
    env,
{%- endif %}
{%- if "azure" in providers %}
    is_http_url,
{%- endif %}
{%- if media == "s3" %}
    optional,
{%- endif %}
{%- if "azure" in providers %}
    required,
{%- endif %}
{%- if "s3" in providers or "gcs" in providers %}
    sdk_variable,
{%- endif %}
)
{%- if "gcs" in providers %}

# What google-auth loads from a credentials file ("type" in the JSON).
GOOGLE_CREDENTIAL_TYPES = (
    "service_account",
    "authorized_user",
    "external_account",
    "external_account_authorized_user",
    "impersonated_service_account",
    "gdch_service_account",
)
{%- endif %}
{%- if "azure" in providers %}

# Spelled as django-storages reads them (it looks up AccountName and
# AccountKey case-sensitively; the Azure SDK ignores case).
AZURE_KEYS = {
    key.lower(): key
    for key in (
        "DefaultEndpointsProtocol",
        "AccountName",
        "AccountKey",
        "SharedAccessSignature",
        "BlobEndpoint",
        "EndpointSuffix",
        "UseDevelopmentStorage",
    )
}
{%- endif %}
{%- if "s3" in providers %}


def both_or_neither(values):
    """{name: value or None} for two values that only work together."""
    missing = [name for name, value in values.items() if value is None]
    if len(missing) == 1:
        given = next(name for name in values if name not in missing)
        raise ImproperlyConfigured(
            f"{missing[0]} is not set but {given} is: set both, or neither."
        )
    return tuple(values.values())


def aws_key_pair(key_id, secret):
    """The access key ID and its secret, both or neither: neither means the
    instance's or task's role. boto3 reads them from the environment itself;
    one alone fails only at the first request."""
    return both_or_neither({key_id: sdk_variable(key_id), secret: sdk_variable(secret)})
{%- endif %}
{%- if media == "s3" %}


def cloudfront_key_pair(key_id, key):
    """The CloudFront public key's ID and the RSA private key (PEM, line breaks
    written as \\n) that signs private media links, both or neither."""
    pem = env.str(key, default="", multiline=True).strip() or None
    pair = both_or_neither({key_id: optional(key_id), key: pem})
    if pem is None:
        return pair
    try:
        private_key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        private_key = None
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured(
            f"{key} must be an unencrypted RSA private key in PEM form "
            "(-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----), "
            "with its line breaks written as \\n."
        )
    return pair
{%- endif %}
{%- if "gcs" in providers %}


def google_credentials_file(name):
    """The JSON credentials file google-auth loads from this variable, when it
    is set; unset, the client uses the machine's service account."""
    path = sdk_variable(name)
    if path is None:
        return None
    try:
        info = json.loads(Path(path).read_text())
    except OSError as error:
        raise ImproperlyConfigured(
            f"{name} names {path}, which cannot be read: {error.strerror}."
        ) from None
    except ValueError:  # not JSON, or not text
        info = None
    kind = info.get("type") if isinstance(info, dict) else None
    if kind not in GOOGLE_CREDENTIAL_TYPES:
        raise ImproperlyConfigured(
            f"{name} names {path}, which is not a Google credentials file: "
            "expected JSON with a type such as service_account (a service "
            "account's key file)."
        )
    if kind == "service_account":
        # Imported only now: google-auth takes a tenth of a second to load.
        from google.oauth2 import service_account

        try:
            service_account.Credentials.from_service_account_info(info)
        except (ValueError, TypeError, KeyError):
            raise ImproperlyConfigured(
                f"{name} names {path}, a service account key file that is "
                "incomplete or damaged (client_email, token_uri and private_key "
                "are needed): download a new key."
            ) from None
    return path
{%- endif %}
{%- if "azure" in providers %}


def azure_pairs(name):
    """The connection string's Key=Value pairs, keys spelled as above and
    values stripped; refused when it is not such pairs joined by ";"."""
    pairs = {}
    for part in required(name).rstrip(";").split(";"):
        key, equals, value = (text.strip() for text in part.partition("="))
        if not (key and equals and value):
            raise ImproperlyConfigured(
                f"{name} is not a connection string: expected Key=Value pairs "
                "joined by ';', e.g. AccountName=...;AccountKey=... (copy it "
                "from the storage account's Access keys)."
            )
        key = AZURE_KEYS.get(key.lower(), key)
        if key in pairs:
            raise ImproperlyConfigured(f"{name} gives {key} twice.")
        pairs[key] = value
    return pairs


def azure_connection_string(name):
    """An account's connection string, as the Azure SDK reads it: the account
    name with its key or a shared access signature, or the local emulator's
    UseDevelopmentStorage=true. Returned with keys and values tidied."""
    pairs = azure_pairs(name)
    development = pairs.get("UseDevelopmentStorage", "false").lower()
    if development not in ("true", "false"):
        raise ImproperlyConfigured(f"{name}: UseDevelopmentStorage must be true.")
    if "UseDevelopmentStorage" in pairs:
        pairs["UseDevelopmentStorage"] = development
    if development == "false":
        check_azure_account(name, pairs)
    return ";".join(f"{key}={value}" for key, value in pairs.items())


def check_azure_account(name, pairs):
    protocol = pairs.get("DefaultEndpointsProtocol", "https").lower()
    if protocol not in ("http", "https"):
        raise ImproperlyConfigured(
            f"{name}: DefaultEndpointsProtocol must be https (or http)."
        )
    if "BlobEndpoint" in pairs and not is_http_url(pairs["BlobEndpoint"]):
        raise ImproperlyConfigured(
            f"{name}: BlobEndpoint must be a URL with http:// or https:// and a "
            "host, e.g. https://account.blob.core.windows.net."
        )
    if "AccountKey" in pairs:
        if "AccountName" not in pairs:
            raise ImproperlyConfigured(f"{name} has an AccountKey but no AccountName.")
        try:
            base64.b64decode(pairs["AccountKey"], validate=True)
        except binascii.Error:
            raise ImproperlyConfigured(
                f"{name}: AccountKey is not base64; copy the key from the "
                "storage account's Access keys."
            ) from None
    elif "SharedAccessSignature" not in pairs:
        raise ImproperlyConfigured(
            f"{name} has no credentials: give AccountName and AccountKey, or "
            "a SharedAccessSignature."
        )
    elif "BlobEndpoint" not in pairs and "AccountName" not in pairs:
        raise ImproperlyConfigured(
            f"{name} has a SharedAccessSignature but no BlobEndpoint or "
            "AccountName to say where the blobs are."
        )
{%- endif %}
{%- if media == "azure" %}


def azure_account_key(name):
    """The account key that signs private media links (SAS): a connection
    string with only a SharedAccessSignature, or the emulator's shortcut,
    leaves django-storages nothing to sign with."""
    pairs = azure_pairs(name)
    if "AccountName" not in pairs or "AccountKey" not in pairs:
        raise ImproperlyConfigured(
            f"{name} needs AccountName and AccountKey to sign private media "
            "links; set DJANGO_MEDIA_PUBLIC=True if the container is public."
        )
    return pairs["AccountKey"]
{%- endif %}
