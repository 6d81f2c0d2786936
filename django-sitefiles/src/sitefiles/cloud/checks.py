"""Deploy checks of the buckets' settings (`manage.py check --deploy`).

Settings can read bucket values without checking them, so that loading them
never needs a cloud account; a malformed value would otherwise fail at the
first upload or link, with an SDK's message that names no setting. Each check
looks at the storages in STORAGES built on one of django-storages' backends
and names the option it refuses; messages never repeat a secret. Registered
in sitefiles/apps.py.

The SDKs are imported by the checks that need them, when checks run: this
module loads with every process, and they take a good part of a second.
"""

import base64
import binascii
import ipaddress
import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error
from django.utils.module_loading import import_string

from sitefiles.conf import setting

S3 = "storages.backends.s3"
GCS = "storages.backends.gcloud"
AZURE = "storages.backends.azure_storage"

# Dot-separated labels of letters, digits and inner hyphens (RFC 1123).
HOST_NAME = r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*"
HOST_AND_PORT = re.compile(HOST_NAME + r"(:(?P<port>[0-9]+))?", re.IGNORECASE)

# What google-auth loads from a credentials file ("type" in the JSON).
GOOGLE_CREDENTIAL_TYPES = (
    "service_account",
    "authorized_user",
    "external_account",
    "external_account_authorized_user",
    "impersonated_service_account",
    "gdch_service_account",
)

# Connection string keys as Azure spells them: the SDK ignores case, but
# django-storages looks up AccountName and AccountKey as spelled.
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

# The largest direct upload each provider takes (sitefiles.cloud.direct_uploads):
# S3, one POST kept by one copy_object (5 GiB at most in either); Azure, one
# Put Blob (5,000 MiB). GCS takes a single PUT of up to 5 TiB.
LARGEST_DIRECT_UPLOAD = {S3: 5 * 1024**3, AZURE: 5000 * 1024**2}


def is_host(host):
    """A DNS name or an IP address (what urlsplit gives as hostname)."""
    if not host or len(host) > 253:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return re.fullmatch(HOST_NAME, host, re.IGNORECASE) is not None
    return True


def is_http_url(value):
    """http(s)://host[:port][/path], as an SDK takes an endpoint."""
    if not isinstance(value, str) or any(char.isspace() for char in value):
        return False
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:  # a port that is not a number up to 65535
        return False
    return (
        parts.scheme in ("http", "https")
        and is_host(parts.hostname)
        and port != 0
        and not parts.path.startswith("//")  # https://https://cdn.example.com
    )


def is_host_and_port(value):
    """cdn.example.com, with :port if need be."""
    if not isinstance(value, str):
        return False
    match = HOST_AND_PORT.fullmatch(value)
    return bool(match) and len(value) <= 253 and 0 < int(match["port"] or 443) <= 65535


def storages_on(provider):
    """[(alias, options)] of each storage in STORAGES whose backend is built on
    django-storages' backend in the module ``provider``: what is in effect,
    whatever the settings call it. Backends that cannot be imported are left to
    sitefiles.E012."""
    found = []
    for alias, config in settings.STORAGES.items():
        try:
            backend = import_string(config["BACKEND"])
        except (ImportError, KeyError):
            continue
        if isinstance(backend, type) and any(
            cls.__module__ == provider for cls in backend.__mro__
        ):
            found.append((alias, config.get("OPTIONS", {})))
    return found


def option(alias, name):
    """How an option is written in settings: STORAGES["default"]["OPTIONS"]["x"]."""
    return f'STORAGES["{alias}"]["OPTIONS"]["{name}"]'


def cdn_domains(app_configs, **kwargs):
    """The CDN's host name in front of a bucket: S3 and Azure take a host name
    (a URL here gives links like https://https://cdn.example.com/), GCS a URL."""
    errors = []
    for provider in (S3, AZURE):
        for alias, options in storages_on(provider):
            value = options.get("custom_domain")
            if value and not is_host_and_port(value):
                errors.append(
                    Error(
                        f"{option(alias, 'custom_domain')} must be a host name such"
                        f" as cdn.example.com, without https:// or a path, not"
                        f" {value!r}.",
                        id="sitefiles.E101",
                    )
                )
    for alias, options in storages_on(GCS):
        value = options.get("custom_endpoint")
        if value and not is_http_url(value):
            errors.append(
                Error(
                    f"{option(alias, 'custom_endpoint')} must be a URL such as "
                    f"https://cdn.example.com, not {value!r}.",
                    id="sitefiles.E101",
                )
            )
    return errors


def s3_endpoints(app_configs, **kwargs):
    """boto3 refuses a malformed endpoint only at the first request."""
    return [
        Error(
            f"{option(alias, 'endpoint_url')} must be a URL with http:// or "
            "https:// and a host, such as https://storage.example.com, not "
            f"{options['endpoint_url']!r}.",
            id="sitefiles.E102",
        )
        for alias, options in storages_on(S3)
        if options.get("endpoint_url") and not is_http_url(options["endpoint_url"])
    ]


def aws_keys(app_configs, **kwargs):
    """Both or neither: neither means the instance's or task's role; one alone
    fails only at the first request. boto3 reads them from os.environ."""
    if not storages_on(S3):
        return []
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    given = [name for name in names if os.environ.get(name)]
    if len(given) != 1:
        return []
    missing = next(name for name in names if name not in given)
    return [
        Error(
            f"{missing} is not set but {given[0]} is: set both, or neither.",
            id="sitefiles.E103",
        )
    ]


def is_rsa_private_key(pem):
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        return False
    return isinstance(key, rsa.RSAPrivateKey)


def cloudfront_problem(alias, options):
    """What keeps a storage from signing its links through CloudFront (behind a
    CDN, where the bucket's own signature is not valid), if anything."""
    key_id, key = options.get("cloudfront_key_id"), options.get("cloudfront_key")
    key_id_name = option(alias, "cloudfront_key_id")
    key_name = option(alias, "cloudfront_key")
    if key_id and not key:
        return f"{key_name} is not set but {key_id_name} is"
    if key and not key_id:
        return f"{key_id_name} is not set but {key_name} is"
    if key:
        try:
            valid = is_rsa_private_key(key)
        except ImportError:
            return f"{key_name} needs the cryptography package to sign links"
        if not valid:
            return (
                f"{key_name} must be an unencrypted RSA private key in PEM form "
                "(what CloudFront's key pair gives)"
            )
    elif options.get("custom_domain") and options.get("querystring_auth", True):
        return (
            f"Signed links behind {option(alias, 'custom_domain')} need CloudFront's "
            f"key pair: set {key_id_name} and {key_name}, or make the links "
            "unsigned (querystring_auth False), or link the bucket itself"
        )
    return None


def cloudfront_keys(app_configs, **kwargs):
    errors = []
    for alias, options in storages_on(S3):
        problem = cloudfront_problem(alias, options)
        if problem:
            errors.append(Error(f"{problem}.", id="sitefiles.E104"))
    return errors


def google_credentials_problem(path):
    """What is wrong with the credentials file google-auth would load, if
    anything."""
    try:
        info = json.loads(Path(path).read_text())
    except OSError as error:
        return f"names {path}, which cannot be read: {error.strerror}"
    except ValueError:  # not JSON, or not text
        info = None
    kind = info.get("type") if isinstance(info, dict) else None
    if kind not in GOOGLE_CREDENTIAL_TYPES:
        return (
            f"names {path}, which is not a Google credentials file: expected "
            "JSON with a type such as service_account (a service account's key "
            "file)"
        )
    if kind == "service_account":
        from google.oauth2 import service_account

        try:
            service_account.Credentials.from_service_account_info(info)
        except (ValueError, TypeError, KeyError):
            return (
                f"names {path}, a service account key file that is incomplete or "
                "damaged (client_email, token_uri and private_key are needed): "
                "download a new key"
            )
    return None


def google_credentials(app_configs, **kwargs):
    """The file GOOGLE_APPLICATION_CREDENTIALS names, when it is set; unset,
    the client uses the machine's service account."""
    if not storages_on(GCS):
        return []
    path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    problem = path and google_credentials_problem(path)
    if not problem:
        return []
    return [Error(f"GOOGLE_APPLICATION_CREDENTIALS {problem}.", id="sitefiles.E105")]


def azure_problem(connection_string):
    """What keeps the Azure SDK or django-storages from using a connection
    string, if anything: the account name with its key or a shared access
    signature, or the local emulator's UseDevelopmentStorage=true."""
    from azure.core.utils import parse_connection_string

    try:
        pairs = parse_connection_string(connection_string, case_sensitive_keys=True)
    except ValueError:
        return (
            "is not a connection string: expected Key=Value pairs joined by ';', "
            "e.g. AccountName=...;AccountKey=... (copy it from the storage "
            "account's Access keys)"
        )
    keys = [key.strip().lower() for key in pairs]
    for key in keys:
        if keys.count(key) > 1:
            return f"gives {AZURE_KEYS.get(key, key)} twice"
    for key in pairs:
        spelled = AZURE_KEYS.get(key.strip().lower(), key)
        if key != spelled:
            return (
                f"writes {spelled} as {key!r}: spell the keys as Azure does, "
                "without spaces around them"
            )
    if "UseDevelopmentStorage" in pairs:
        if pairs["UseDevelopmentStorage"].lower() != "true":
            return "has UseDevelopmentStorage, which must be true"
        return None
    if pairs.get("DefaultEndpointsProtocol", "https").lower() not in ("http", "https"):
        return "has a DefaultEndpointsProtocol other than https (or http)"
    if "BlobEndpoint" in pairs and not is_http_url(pairs["BlobEndpoint"]):
        return (
            "has a BlobEndpoint that is not a URL with http:// or https:// and a "
            "host, e.g. https://account.blob.core.windows.net"
        )
    if "AccountKey" in pairs:
        if "AccountName" not in pairs:
            return "has an AccountKey but no AccountName"
        try:
            base64.b64decode(pairs["AccountKey"], validate=True)
        except binascii.Error:
            return (
                "has an AccountKey that is not base64: copy the key from the "
                "storage account's Access keys"
            )
    elif "SharedAccessSignature" not in pairs:
        return (
            "has no credentials: give AccountName and AccountKey, or a "
            "SharedAccessSignature"
        )
    elif "BlobEndpoint" not in pairs and "AccountName" not in pairs:
        return (
            "has a SharedAccessSignature but no BlobEndpoint or AccountName to "
            "say where the blobs are"
        )
    return None


def azure_error(alias, options):
    connection_string = options.get("connection_string")
    name = option(alias, "connection_string")
    problem = connection_string and azure_problem(connection_string)
    if problem:
        return Error(f"{name} {problem}.", id="sitefiles.E106")
    if connection_string and options.get("expiration_secs") is not None:
        from azure.core.utils import parse_connection_string

        # Signed links carry a signature made with the account key.
        pairs = parse_connection_string(connection_string, case_sensitive_keys=True)
        if not {"AccountName", "AccountKey"} <= pairs.keys():
            return Error(
                f"{name} needs AccountName and AccountKey to sign the links of "
                f'STORAGES["{alias}"] (its expiration_secs is set).',
                id="sitefiles.E107",
            )
    return None


def azure_connection_strings(app_configs, **kwargs):
    errors = []
    for alias, options in storages_on(AZURE):
        error = azure_error(alias, options)
        if error:
            errors.append(error)
    return errors


def signed(provider, options):
    """Whether a bucket storage's links are signed."""
    if provider == AZURE:
        return options.get("expiration_secs") is not None
    return options.get("querystring_auth", True)


def bucket_of(provider, options):
    return options.get("azure_container" if provider == AZURE else "bucket_name")


def private_media_bucket(app_configs, **kwargs):
    """STORAGES["private"] in a bucket: its links must be signed, and it may
    share the media bucket only while that is private (a public bucket's
    objects are readable by anyone who has their URL)."""
    errors = []
    for provider in (S3, GCS, AZURE):
        by_alias = dict(storages_on(provider))
        private = by_alias.get("private")
        if private is None:
            continue
        if not signed(provider, private):
            errors.append(
                Error(
                    'STORAGES["private"] makes unsigned links: anyone with one '
                    "could download a private file.",
                    hint="Sign them: querystring_auth True (S3, GCS), "
                    "expiration_secs set (Azure).",
                    id="sitefiles.E108",
                )
            )
        media = by_alias.get("default")
        if (
            media is not None
            and not signed(provider, media)
            and bucket_of(provider, media) == bucket_of(provider, private)
        ):
            errors.append(
                Error(
                    'STORAGES["default"] makes unsigned links to its bucket, which '
                    'STORAGES["private"] shares: private files there are readable '
                    "by anyone who has their URL.",
                    hint="Give private media a private bucket of its own.",
                    id="sitefiles.E109",
                )
            )
    return errors


def direct_upload_size(app_configs, **kwargs):
    """A limit the provider cannot honour fails in the browser, late."""
    limit = setting("DIRECT_UPLOAD_MAX_SIZE")
    errors = []
    for provider, largest in LARGEST_DIRECT_UPLOAD.items():
        aliases = [alias for alias, _ in storages_on(provider)]
        if "default" in aliases and isinstance(limit, int) and limit > largest:
            errors.append(
                Error(
                    f"SITEFILES_DIRECT_UPLOAD_MAX_SIZE is {limit}; one direct upload "
                    f"to {'S3' if provider == S3 else 'Azure'} is at most "
                    f"{largest} bytes.",
                    id="sitefiles.E110",
                )
            )
    return errors


DEPLOY_CHECKS = (
    cdn_domains,
    s3_endpoints,
    aws_keys,
    cloudfront_keys,
    google_credentials,
    azure_connection_strings,
    private_media_bucket,
    direct_upload_size,
)
