{%- set static = cookiecutter.static_storage -%}
{%- set media = cookiecutter.media_storage -%}
{%- set providers = [static, media] -%}
{%- set modules = ["ipaddress", "re"]
    + (["base64", "binascii"] if "azure" in providers else [])
    + (["json"] if "gcs" in providers else [])
    + (["os"] if "s3" in providers or "gcs" in providers else []) -%}
{%- set from_imports = (["from pathlib import Path"] if "gcs" in providers else [])
    + ["from urllib.parse import urlsplit"] -%}
"""Deploy checks of the object storage settings (`manage.py check --deploy`).

Production settings read these values without checking them, so importing
settings never needs a cloud account. A malformed value would otherwise fail
at the first upload or link, with an SDK's message that names no variable.
Messages never repeat a secret. Registered in cloud_storage/apps.py.
"""
{% for module in modules | sort %}
import {{ module }}
{%- endfor %}
{{ from_imports | join("\n") }}

from django.conf import settings
from django.core.checks import Error
from django.utils.module_loading import import_string

# The SDKs and django-storages' backends are imported by the checks that need
# them, when checks run: this module loads with every production process
# (cloud_storage/apps.py), and they take a good part of a second to import.

# Dot-separated labels of letters, digits and inner hyphens (RFC 1123).
HOST_NAME = r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*"
HOST_AND_PORT = re.compile(HOST_NAME + r"(:(?P<port>[0-9]+))?", re.IGNORECASE)
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
{%- endif %}


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
    if any(character.isspace() for character in value):
        return False
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:  # a port that is not a number up to 65535
        return False
    return parts.scheme in ("http", "https") and is_host(parts.hostname) and port != 0


def is_host_and_port(value):
    """cdn.example.com, with :port if need be."""
    match = HOST_AND_PORT.fullmatch(value)
    return bool(match) and len(value) <= 253 and 0 < int(match["port"] or 443) <= 65535


def options_of_storages_built_on(backend_class):
    """The OPTIONS of each storage in STORAGES whose backend is, or extends,
    ``backend_class``: what is in effect, whatever the settings say."""
    for config in settings.STORAGES.values():
        try:
            backend = import_string(config["BACKEND"])
        except ImportError:
            continue  # Django says so when the storage is first used
        if isinstance(backend, type) and issubclass(backend, backend_class):
            yield config.get("OPTIONS", {})


def cdn_domains(app_configs, **kwargs):
    """Host names that settings put https:// in front of: a URL here would
    give links like https://https://cdn.example.com/."""
    errors = []
    for setting in ("STATIC_DOMAIN", "MEDIA_DOMAIN"):
        value = getattr(settings, setting, None)
        if value and not is_host_and_port(value):
            errors.append(
                Error(
                    f"DJANGO_{setting} must be a host name such as cdn.example.com, "
                    f"without https:// or a path, not {value!r}.",
                    id="cloud_storage.E001",
                )
            )
    return errors
{%- if "s3" in providers %}


def s3_endpoints(app_configs, **kwargs):
    """boto3 refuses a malformed endpoint only at the first request."""
    from storages.backends.s3 import S3Storage

    endpoints = {
        options.get("endpoint_url")
        for options in options_of_storages_built_on(S3Storage)
    }
    return [
        Error(
            "DJANGO_S3_ENDPOINT_URL must be a URL with http:// or https:// and a "
            f"host, such as https://storage.example.com, not {endpoint!r}.",
            id="cloud_storage.E002",
        )
        for endpoint in sorted(endpoints - {None})
        if not is_http_url(endpoint)
    ]


def aws_keys(app_configs, **kwargs):
    """Both or neither: neither means the instance's or task's role; one alone
    fails only at the first request. boto3 reads them from os.environ."""
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    given = [name for name in names if os.environ.get(name)]
    if len(given) != 1:
        return []
    missing = next(name for name in names if name not in given)
    return [
        Error(
            f"{missing} is not set but {given[0]} is: set both, or neither.",
            id="cloud_storage.E003",
        )
    ]
{%- endif %}
{%- if media == "s3" %}


def is_rsa_private_key(pem):
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        return False
    return isinstance(key, rsa.RSAPrivateKey)


def cloudfront_keys(app_configs, **kwargs):
    """The CloudFront key pair that signs private media links behind a CDN,
    where the bucket's own signature is not valid."""
    from storages.backends.s3 import S3Storage

    errors = []
    for options in options_of_storages_built_on(S3Storage):
        key_id, key = options.get("cloudfront_key_id"), options.get("cloudfront_key")
        if key_id and not key:
            problem = "DJANGO_CLOUDFRONT_KEY is not set but DJANGO_CLOUDFRONT_KEY_ID is"
        elif key and not key_id:
            problem = "DJANGO_CLOUDFRONT_KEY_ID is not set but DJANGO_CLOUDFRONT_KEY is"
        elif key and not is_rsa_private_key(key):
            problem = (
                "DJANGO_CLOUDFRONT_KEY must be an unencrypted RSA private key in PEM "
                "form (what CloudFront's key pair gives), with its line breaks "
                "written as \\n"
            )
        elif (
            options.get("custom_domain") and options.get("querystring_auth") and not key
        ):
            problem = (
                "Private media behind DJANGO_MEDIA_DOMAIN needs CloudFront signed "
                "URLs: set DJANGO_CLOUDFRONT_KEY_ID and DJANGO_CLOUDFRONT_KEY, or "
                "set DJANGO_MEDIA_PUBLIC=True, or unset DJANGO_MEDIA_DOMAIN to link "
                "the bucket"
            )
        else:
            continue
        errors.append(Error(f"{problem}.", id="cloud_storage.E004"))
    return errors
{%- endif %}
{%- if "gcs" in providers %}


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
    path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    problem = path and google_credentials_problem(path)
    if not problem:
        return []
    return [
        Error(f"GOOGLE_APPLICATION_CREDENTIALS {problem}.", id="cloud_storage.E005")
    ]
{%- endif %}
{%- if "azure" in providers %}


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


def azure_error(options):
    connection_string = options.get("connection_string")
    problem = connection_string and azure_problem(connection_string)
    if problem:
        return Error(
            f"DJANGO_AZURE_CONNECTION_STRING {problem}.", id="cloud_storage.E006"
        )
{%- if media == "azure" %}
    if connection_string and options.get("expiration_secs") is not None:
        from azure.core.utils import parse_connection_string

        # Private links carry a signature made with the account key.
        pairs = parse_connection_string(connection_string, case_sensitive_keys=True)
        if not {"AccountName", "AccountKey"} <= pairs.keys():
            return Error(
                "DJANGO_AZURE_CONNECTION_STRING needs AccountName and AccountKey "
                "to sign the links to private media (every private document, and "
                "all media unless DJANGO_MEDIA_PUBLIC=True).",
                id="cloud_storage.E007",
            )
{%- endif %}
    return None


def azure_connection_strings(app_configs, **kwargs):
    from storages.backends.azure_storage import AzureStorage

    errors = []
    for options in options_of_storages_built_on(AzureStorage):
        error = azure_error(options)
        if error and error not in errors:  # static and media share one string
            errors.append(error)
    return errors
{%- endif %}

{%- if media != "local" %}


def private_media_bucket(app_configs, **kwargs):
    """Private media may share the media bucket only while that is private: a
    public bucket's objects are readable by anyone who has their URL."""
    if not getattr(settings, "MEDIA_PUBLIC", False):
        return []
{%- if media == "azure" %}
    bucket = "azure_container"
{%- else %}
    bucket = "bucket_name"
{%- endif %}
    media = settings.STORAGES["default"].get("OPTIONS", {}).get(bucket)
    private = settings.STORAGES.get("private", {}).get("OPTIONS", {}).get(bucket)
    if media is None or media != private:
        return []
    return [
        Error(
            "DJANGO_MEDIA_PUBLIC=True makes the media bucket readable by anyone, "
            "private media in it too.",
            hint="Give private media a private bucket: DJANGO_PRIVATE_MEDIA_BUCKET.",
            id="cloud_storage.E008",
        )
    ]
{%- endif %}
{%- if media in ["s3", "azure"] and cookiecutter.use_upload_example %}


{% if media == "s3" -%}
# A direct upload is one POST, kept by one copy (copy_object): S3 takes 5 GiB
# at most in either.
LARGEST_DIRECT_UPLOAD = 5 * 1024**3
{%- else -%}
# A direct upload is one Put Blob: Azure takes 5,000 MiB at most in one.
LARGEST_DIRECT_UPLOAD = 5000 * 1024**2
{%- endif %}


def direct_upload_size(app_configs, **kwargs):
    """A limit the provider cannot honour fails in the browser, late."""
    if settings.DIRECT_UPLOAD_MAX_SIZE <= LARGEST_DIRECT_UPLOAD:
        return []
    return [
        Error(
            f"DJANGO_DIRECT_UPLOAD_MAX_SIZE is {settings.DIRECT_UPLOAD_MAX_SIZE}; "
            f"one upload to {{ "S3" if media == "s3" else "Azure" }} is at most "
            f"{LARGEST_DIRECT_UPLOAD} bytes.",
            id="cloud_storage.E009",
        )
    ]
{%- endif %}


DEPLOY_CHECKS = (
    cdn_domains,
{%- if "s3" in providers %}
    s3_endpoints,
    aws_keys,
{%- endif %}
{%- if media == "s3" %}
    cloudfront_keys,
{%- endif %}
{%- if "gcs" in providers %}
    google_credentials,
{%- endif %}
{%- if "azure" in providers %}
    azure_connection_strings,
{%- endif %}
{%- if media != "local" %}
    private_media_bucket,
{%- endif %}
{%- if media in ["s3", "azure"] and cookiecutter.use_upload_example %}
    direct_upload_size,
{%- endif %}
)
