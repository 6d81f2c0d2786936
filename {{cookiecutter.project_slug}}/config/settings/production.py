{%- set static = cookiecutter.static_storage -%}
{%- set media = cookiecutter.media_storage -%}
{%- set providers = [static, media] -%}
{%- set cloud = static in ["s3", "gcs", "azure"] or media != "local" -%}
"""Settings for production: gunicorn behind a proxy (config/wsgi.py uses these).

{% if static == "whitenoise" -%}
Static files: collectstatic writes hashed, compressed (.br, .gz) copies to
STATIC_ROOT; WhiteNoise serves them with far-future, immutable caching.
{%- elif static == "web_server" -%}
Static files: collectstatic writes hashed, compressed (.br, .gz) copies to
STATIC_ROOT; the web server serves them with far-future, immutable caching.
{%- else -%}
Static files: collectstatic hashes them in STATIC_ROOT and uploads them to a
bucket, which a CDN serves with far-future, immutable caching.
{%- endif %}
{% if media == "local" and cookiecutter.web_server == "none" -%}
Media files: stored in MEDIA_ROOT and served by the web server, never by Django;
private media is sent by Django, once a view has checked permission.
{%- elif media == "local" -%}
Media files: stored in MEDIA_ROOT and served by the web server, never by Django;
private media too, once a view has checked permission.
{%- else -%}
Media files: stored in a private bucket, linked with signed URLs that expire;
never served by Django.
{%- endif %}
"""
{% if media == "gcs" %}
from datetime import timedelta
{% endif %}
from django.core.exceptions import ImproperlyConfigured

from .base import *
{%- if "s3" in providers or "gcs" in providers %}
from .environment import env, sdk_variable
{%- else %}
from .environment import env
{%- endif %}

# Django's deploy checks (security.W009) refuse a weak one: the deploy steps
# run `check --deploy --fail-level WARNING`.
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
# The web server in front passes any Host header on: Django checking it against
# these names is what turns the others away.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must name the site's hosts (example.com), not '*'."
    )
{%- if cookiecutter.database == "postgresql" %}

# PostgreSQL: production names its server, never the local default. Each
# gunicorn worker keeps its connection DJANGO_DB_CONN_MAX_AGE seconds and checks
# it before reuse, so a restarted database server costs no request an error.
DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
{%- endif %}
{%- if cloud %}

# Object storage. Values are read here as given; `manage.py check --deploy`
# checks their form (django-sitefiles names the option it refuses), so
# importing these settings needs no cloud account.
{%- endif %}
{%- if "s3" in providers %}

# Amazon S3 or an S3-compatible service (MinIO, R2, Spaces: set the endpoint).
# Credentials: AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY (both or neither),
# which boto3 reads from the environment itself, else the instance's or task's
# role. No ACLs are set; bucket policies decide access.
sdk_variable("AWS_ACCESS_KEY_ID")
sdk_variable("AWS_SECRET_ACCESS_KEY")
S3_CONNECTION = {
    "region_name": env.str("DJANGO_S3_REGION", default=None),
    "endpoint_url": env.str("DJANGO_S3_ENDPOINT_URL", default=None),
    "signature_version": "s3v4",  # what every region and S3-compatible accepts
}
{%- endif %}
{%- if "gcs" in providers %}

# Google Cloud Storage. Credentials: the key file GOOGLE_APPLICATION_CREDENTIALS
# names, else the machine's service account. No ACLs are set; IAM decides access.
sdk_variable("GOOGLE_APPLICATION_CREDENTIALS")
GCS_CONNECTION = {
    "project_id": env.str("DJANGO_GCS_PROJECT", default=None),
}
{%- endif %}
{%- if "azure" in providers %}

# Azure Blob Storage: account, key and endpoint in one connection string.
AZURE_CONNECTION = {
    "connection_string": env.str("DJANGO_AZURE_CONNECTION_STRING"),
}
{%- endif %}

{% if static == "whitenoise" -%}
# Hashed names (site.3f2a1b9c.css) that can be cached forever, plus brotli and
# gzip copies that WhiteNoise picks by the request's Accept-Encoding. A re-run
# rebuilds only what changed (django-sitefiles).
STORAGES["staticfiles"]["BACKEND"] = "sitefiles.storage.CompressedManifestStorage"
{%- elif static == "web_server" -%}
# Hashed names (site.3f2a1b9c.css) that can be cached forever, plus brotli and
# gzip copies that the web server picks by the request's Accept-Encoding. A
# re-run rebuilds only what changed (django-sitefiles).
STORAGES["staticfiles"]["BACKEND"] = "sitefiles.storage.CompressedManifestStorage"
# The web server answers STATIC_URL from STATIC_ROOT itself (deploy/), so no
# request for a static file reaches Django: WhiteNoise would have nothing to do.
MIDDLEWARE = [
    name for name in MIDDLEWARE if name != "sitefiles.middleware.WhiteNoiseMiddleware"
]
{%- else -%}
# Static files live in a bucket: collectstatic hashes them in STATIC_ROOT and
# uploads only what the bucket lacks (django-sitefiles' collectstatic), and pages
# link them at DJANGO_STATIC_DOMAIN (a CDN) or at the bucket. The bucket (or
# the CDN in front of it) must be readable by everyone; WhiteNoise has no part.
MIDDLEWARE = [
    name for name in MIDDLEWARE if name != "sitefiles.middleware.WhiteNoiseMiddleware"
]
STATIC_LOCATION = env.str("DJANGO_STATIC_LOCATION", default="static").strip("/")
STATIC_DOMAIN = env.str("DJANGO_STATIC_DOMAIN", default=None)
STORAGES["staticfiles"] = {
    "BACKEND": "sitefiles.cloud.{{ static }}.StaticStorage",
    "OPTIONS": {
{%- if static == "s3" %}
        **S3_CONNECTION,
        "bucket_name": env.str("DJANGO_STATIC_BUCKET"),
        "location": STATIC_LOCATION,
        "custom_domain": STATIC_DOMAIN,
        "querystring_auth": False,  # stable public URLs that a CDN can cache
        "file_overwrite": True,  # the manifest is replaced in place
{%- elif static == "gcs" %}
        **GCS_CONNECTION,
        "bucket_name": env.str("DJANGO_STATIC_BUCKET"),
        "location": STATIC_LOCATION,
        "custom_endpoint": STATIC_DOMAIN and f"https://{STATIC_DOMAIN}",
        "querystring_auth": False,  # stable public URLs that a CDN can cache
        "file_overwrite": True,  # the manifest is replaced in place
{%- else %}
        **AZURE_CONNECTION,
        "azure_container": env.str("DJANGO_STATIC_BUCKET"),
        "location": STATIC_LOCATION,
        "custom_domain": STATIC_DOMAIN,
        "expiration_secs": None,  # stable public URLs that a CDN can cache
        "overwrite_files": True,  # the manifest is replaced in place
{%- endif %}
    },
}
if STATIC_DOMAIN:
{%- if static == "azure" %}
    container = STORAGES["staticfiles"]["OPTIONS"]["azure_container"]
    STATIC_URL = f"https://{STATIC_DOMAIN}/{container}/{STATIC_LOCATION}/"
{%- else %}
    STATIC_URL = f"https://{STATIC_DOMAIN}/{STATIC_LOCATION}/"
{%- endif %}
{%- endif %}
{%- if media != "local" %}

# Media files live in a bucket, private unless DJANGO_MEDIA_PUBLIC: links are
# signed and expire after DJANGO_MEDIA_URL_EXPIRY seconds. A name that is taken
# gets a new one, and the stored Content-Type comes from the name, never from
# the client (sitefiles.media_types).
MEDIA_LOCATION = env.str("DJANGO_MEDIA_LOCATION", default="media").strip("/")
MEDIA_DOMAIN = env.str("DJANGO_MEDIA_DOMAIN", default=None)
MEDIA_PUBLIC = env.bool("DJANGO_MEDIA_PUBLIC", default=False)
MEDIA_URL_EXPIRY = env.int("DJANGO_MEDIA_URL_EXPIRY", default=3600)
{%- if media == "s3" %}
# Behind a CDN domain, private links are signed by CloudFront's key pair: a
# bucket signature is not valid there. The key is PEM, its line breaks written \n.
CLOUDFRONT_KEY_ID = env.str("DJANGO_CLOUDFRONT_KEY_ID", default=None)
CLOUDFRONT_KEY = env.str("DJANGO_CLOUDFRONT_KEY", default="", multiline=True) or None
{%- endif %}
STORAGES["default"] = {
    "BACKEND": "sitefiles.cloud.{{ media }}.MediaStorage",
    "OPTIONS": {
{%- if media == "s3" %}
        **S3_CONNECTION,
        "bucket_name": env.str("DJANGO_MEDIA_BUCKET"),
        "location": MEDIA_LOCATION,
        "custom_domain": MEDIA_DOMAIN,
        "querystring_auth": not MEDIA_PUBLIC,
        "querystring_expire": MEDIA_URL_EXPIRY,
        "cloudfront_key_id": CLOUDFRONT_KEY_ID,
        "cloudfront_key": CLOUDFRONT_KEY,
        "file_overwrite": False,
{%- elif media == "gcs" %}
        **GCS_CONNECTION,
        "bucket_name": env.str("DJANGO_MEDIA_BUCKET"),
        "location": MEDIA_LOCATION,
        # Signed URLs bound to the CDN's host name (a bucket-bound host name).
        "custom_endpoint": MEDIA_DOMAIN and f"https://{MEDIA_DOMAIN}",
        "querystring_auth": not MEDIA_PUBLIC,
        "expiration": timedelta(seconds=MEDIA_URL_EXPIRY),
        # Without a key file (Cloud Run, GCE), sign through IAM's signBlob.
        "iam_sign_blob": env.bool("DJANGO_GCS_IAM_SIGN_BLOB", default=False),
        "sa_email": env.str("DJANGO_GCS_SERVICE_ACCOUNT", default=None),
        "file_overwrite": False,
{%- else %}
        **AZURE_CONNECTION,
        "azure_container": env.str("DJANGO_MEDIA_BUCKET"),
        "location": MEDIA_LOCATION,
        # The CDN must pass the query string (the SAS signature) to the blob.
        "custom_domain": MEDIA_DOMAIN,
        "expiration_secs": None if MEDIA_PUBLIC else MEDIA_URL_EXPIRY,
        "overwrite_files": False,
{%- endif %}
    },
}
if MEDIA_DOMAIN:
{%- if media == "azure" %}
    container = STORAGES["default"]["OPTIONS"]["azure_container"]
    MEDIA_URL = f"https://{MEDIA_DOMAIN}/{container}/{MEDIA_LOCATION}/"
{%- else %}
    MEDIA_URL = f"https://{MEDIA_DOMAIN}/{MEDIA_LOCATION}/"
{%- endif %}
{%- endif %}

{%- if media == "local" and cookiecutter.web_server == "nginx" %}

# Private media: once a view has checked permission, nginx sends the file
# (X-Accel-Redirect to its internal location; see sitefiles.private).
SITEFILES_PRIVATE_MEDIA_SENDER = "nginx"
{%- elif media == "local" and cookiecutter.web_server == "apache" %}

# Private media: once a view has checked permission, Apache sends the file
# (X-Sendfile, with mod_xsendfile; see sitefiles.private).
SITEFILES_PRIVATE_MEDIA_SENDER = "apache"
{%- elif media != "local" %}

# Private media: in the media bucket (or DJANGO_PRIVATE_MEDIA_BUCKET) under a
# prefix of its own, always signed, never through the CDN (nothing to cache).
# Once a view has checked permission, it redirects to a link that expires after
# DJANGO_PRIVATE_MEDIA_URL_EXPIRY seconds.
PRIVATE_MEDIA_URL_EXPIRY = env.int("DJANGO_PRIVATE_MEDIA_URL_EXPIRY", default=300)
STORAGES["private"] = {
    "BACKEND": "sitefiles.cloud.{{ media }}.MediaStorage",
    "OPTIONS": {
        **STORAGES["default"]["OPTIONS"],
{%- if media == "azure" %}
        "azure_container": env.str(
            "DJANGO_PRIVATE_MEDIA_BUCKET",
            default=STORAGES["default"]["OPTIONS"]["azure_container"],
        ),
        "location": "private-media",
        "custom_domain": None,  # signed by the account, not through a CDN
        "expiration_secs": PRIVATE_MEDIA_URL_EXPIRY,
{%- else %}
        "bucket_name": env.str(
            "DJANGO_PRIVATE_MEDIA_BUCKET",
            default=STORAGES["default"]["OPTIONS"]["bucket_name"],
        ),
        "location": "private-media",
        "querystring_auth": True,
{%- if media == "s3" %}
        # Signed by the bucket, not through the CDN with CloudFront's key.
        "custom_domain": None,
        "cloudfront_key_id": None,
        "cloudfront_key": None,
        "querystring_expire": PRIVATE_MEDIA_URL_EXPIRY,
{%- else %}
        "custom_endpoint": None,  # signed for the bucket, not through a CDN
        "expiration": timedelta(seconds=PRIVATE_MEDIA_URL_EXPIRY),
{%- endif %}
{%- endif %}
    },
}
SITEFILES_PRIVATE_MEDIA_SENDER = "signed-url"
{%- endif %}

# Errors, a 500's traceback first, go to standard error: the journal under
# systemd, gunicorn's error log by hand. Django's own logging sends them
# nowhere when DEBUG is off (but to ADMINS by mail, when there are any).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}

# HTTPS is terminated by the proxy in front, which must set X-Forwarded-Proto
# (and strip it from what clients send).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
