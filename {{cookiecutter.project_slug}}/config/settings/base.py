"""Settings shared by every environment.

local.py, test.py and production.py start from these and change only what
differs. Names in capitals after DJANGO_ are environment variables, listed with
their meaning in .env.example.
"""

from .environment import BASE_DIR, env, env_path

DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Static and media files (django-sitefiles): production's storage,
    # WhiteNoise's middleware, upload checks, system checks and commands. Before
    # django.contrib.staticfiles, so that its collectstatic is the one that runs.
    "sitefiles",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
{%- if cookiecutter.use_upload_example %}
    "uploads",
{%- endif %}
]

MIDDLEWARE = [
    # A 404 or 5xx under STATIC_URL or MEDIA_URL says Cache-Control: no-store,
    # so no CDN keeps a file missing for a moment, as during a deploy
    # (django-sitefiles). First, to see what WhiteNoise answers too.
    "sitefiles.middleware.UncachedErrorsMiddleware",
    # /livez and /readyz for what stands in front (deploy/healthcheck.py, a
    # balancer), answered before the host check and the HTTPS redirect: probes
    # name a replica by its address, over plain HTTP (django-sitefiles).
    "sitefiles.middleware.ProbesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # WhiteNoise serves STATIC_ROOT, safely while collectstatic runs
    # (django-sitefiles); it belongs right after SecurityMiddleware.
    "sitefiles.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

{%- if cookiecutter.database == "postgresql" %}
# PostgreSQL at DATABASE_URL (postgres://user:password@host:5432/name). The
# default is the database named as the project on this machine's server,
# through its socket as your own user (README.md, "Develop"); production must
# set its own.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default="postgres:///{{ cookiecutter.project_slug }}",
    ),
}
{%- else %}
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
{%- endif %}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files: the CSS, JavaScript and images that ship with the code.
# URL prefix they are served under.
STATIC_URL = env.str("DJANGO_STATIC_URL", default="/static/")
# Where the project's own static files live (each app's static/ is found too).
STATICFILES_DIRS = [
    env_path("DJANGO_STATICFILES_DIR", BASE_DIR / "static"),
{%- if cookiecutter.frontend != "none" %}
    # What `npm run build` makes of frontend/src/ (package.json), under the
    # frontend/ prefix: templates link "frontend/app.css" with the static tag.
    ("frontend", BASE_DIR / "frontend" / "dist"),
{%- endif %}
]
# Where collectstatic gathers every static file for production to serve.
STATIC_ROOT = env_path("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles")

# Media files: what users upload. Untrusted; never collected, and never served
# by Django in production (config/urls.py serves them only when DEBUG is on).
MEDIA_URL = env.str("DJANGO_MEDIA_URL", default="/media/")
MEDIA_ROOT = env_path("DJANGO_MEDIA_ROOT", BASE_DIR / "media")
# Largest upload accepted, in bytes. Django's upload validation and the web
# server's request-body limit (see deploy/) both derive from this one number.
SITEFILES_MAX_UPLOAD_SIZE = env.int("DJANGO_MAX_UPLOAD_SIZE", default=10 * 1024 * 1024)
{%- if cookiecutter.use_upload_example %}
# Largest uploaded picture, in pixels (every frame of an animation together): a
# small file can decode into gigabytes (a "decompression bomb").
SITEFILES_MAX_IMAGE_PIXELS = env.int("DJANGO_MAX_IMAGE_PIXELS", default=50_000_000)
# The example's private documents belong to users: where signing in and out lead.
LOGIN_REDIRECT_URL = "uploads:documents"
LOGOUT_REDIRECT_URL = "home"
{%- if cookiecutter.media_storage != "local" %}
# Largest direct upload to the media bucket (uploads/direct.py), in bytes: its
# bytes never pass through Django or the web server. S3 takes up to 5 GB so.
SITEFILES_DIRECT_UPLOAD_MAX_SIZE = env.int(
    "DJANGO_DIRECT_UPLOAD_MAX_SIZE", default=1024**3
)
{%- endif %}
{%- endif %}

# Private media: uploads only some users may download. Kept apart from
# MEDIA_ROOT, so no URL reaches them by their path: a view checks permission,
# then the sender named here delivers the file (sitefiles.private).
PRIVATE_MEDIA_ROOT = env_path("DJANGO_PRIVATE_MEDIA_ROOT", BASE_DIR / "private-media")
# Where nginx's internal-only location answers X-Accel-Redirect; no request
# from outside reaches it.
PRIVATE_MEDIA_URL = "/private-media/"
SITEFILES_PRIVATE_MEDIA_SENDER = "django"

# One place that says where each kind of file is stored: "default" holds media,
# "private" private media, "staticfiles" is what collectstatic writes through.
# Environment modules change only the backend that differs.
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
    },
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": PRIVATE_MEDIA_URL},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
