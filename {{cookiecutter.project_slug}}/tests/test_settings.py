{%- set static = cookiecutter.static_storage -%}
{%- set media = cookiecutter.media_storage -%}
"""What each environment's settings resolve to, checked in the running framework."""

import pytest

RESOLVE = """
import django
django.setup()
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string

def backend(alias):
    # The class Django builds the storage from (building a bucket's static
    # storage would read its manifest over the network).
    storage = import_string(settings.STORAGES[alias]["BACKEND"])
    return f"{storage.__module__}.{storage.__qualname__}"

def serves_media():
    try:
        resolve(settings.MEDIA_URL + "example.png")
    except Resolver404:
        return False
    return True

def whitenoise_position():
    middleware = settings.MIDDLEWARE
    whitenoise = "sitefiles.middleware.WhiteNoiseMiddleware"
    if whitenoise not in middleware:
        return None
    security = "django.middleware.security.SecurityMiddleware"
    return middleware.index(whitenoise) - middleware.index(security)

print(backend("default"))
print(backend("staticfiles"))
print(settings.DEBUG)
print(whitenoise_position())
print(serves_media())
print(settings.ALLOWED_HOSTS)
print(backend("private"))
print(settings.SITEFILES_PRIVATE_MEDIA_SENDER)
print(settings.MIDDLEWARE[0])
"""


FAIL_A_REQUEST = """
import django
django.setup()
from django.test import Client, override_settings
from django.urls import path

def fail(request):
    raise RuntimeError("a view that fails")

urlpatterns = [path("fail/", fail)]
with override_settings(ROOT_URLCONF=__name__):
    client = Client(raise_request_exception=False)
    print(client.get("/fail/", HTTP_HOST="example.com", secure=True).status_code)
"""


def resolved(run_with_settings, module, **variables):
    result = run_with_settings(module, "-c", RESOLVE, **variables)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_production_resolves_its_storages_and_never_serves_media(
    run_with_settings, production_variables
):
    lines = resolved(
        run_with_settings, "config.settings.production", **production_variables
    )

    assert lines == [
{%- if media == "local" %}
        "django.core.files.storage.filesystem.FileSystemStorage",
{%- else %}
        "sitefiles.cloud.{{ media }}.MediaStorage",
{%- endif %}
{%- if static == "whitenoise" %}
        "sitefiles.storage.CompressedManifestStorage",
        "False",
        "1",  # WhiteNoise right after SecurityMiddleware
{%- elif static == "web_server" %}
        "sitefiles.storage.CompressedManifestStorage",
        "False",
        "None",  # no WhiteNoise: the web server serves STATIC_ROOT
{%- else %}
        "sitefiles.cloud.{{ static }}.StaticStorage",
        "False",
        "None",  # no WhiteNoise: static files are served from the bucket
{%- endif %}
        "False",
        "['example.com']",
{%- if media == "local" %}
        "django.core.files.storage.filesystem.FileSystemStorage",
{%- if cookiecutter.web_server == "none" %}
        "django",  # gunicorn alone: Django sends private files itself
{%- else %}
        "{{ cookiecutter.web_server }}",
{%- endif %}
{%- else %}
        "sitefiles.cloud.{{ media }}.MediaStorage",
        "signed-url",
{%- endif %}
        "sitefiles.middleware.UncachedErrorsMiddleware",  # errors under file URLs
    ]


def test_local_serves_media_and_uses_plain_static_storage(run_with_settings):
    lines = resolved(run_with_settings, "config.settings.local")

    assert lines[:5] == [
        "django.core.files.storage.filesystem.FileSystemStorage",
        "django.contrib.staticfiles.storage.StaticFilesStorage",
        "True",
        "1",
        "True",
    ]
    assert lines[-3:] == [
        "django.core.files.storage.filesystem.FileSystemStorage",
        "django",
        "sitefiles.middleware.UncachedErrorsMiddleware",
    ]


def test_test_settings_keep_media_and_private_media_in_memory(run_with_settings):
    lines = resolved(run_with_settings, "config.settings.test")

    assert lines[:2] == [
        "django.core.files.storage.memory.InMemoryStorage",
        "django.contrib.staticfiles.storage.StaticFilesStorage",
    ]
    assert lines[-3:] == [
        "django.core.files.storage.memory.InMemoryStorage",
        "django",
        "sitefiles.middleware.UncachedErrorsMiddleware",
    ]


def test_production_keeps_debug_off_whatever_the_environment_says(
    run_with_settings, production_variables
):
    lines = resolved(
        run_with_settings,
        "config.settings.production",
        DJANGO_DEBUG="True",
        **production_variables,
    )

    assert lines[2] == "False"


# Variables production cannot run with, and how (None: missing): one of each
# kind, and every one these answers add. tests/test_environment.py checks each
# rule on its own.
REFUSED = [
    ("DJANGO_SECRET_KEY", None),
    ("DJANGO_ALLOWED_HOSTS", "*"),
    ("DJANGO_SECURE_HSTS_SECONDS", "abc"),
    ("DJANGO_SECURE_SSL_REDIRECT", "flase"),
    ("DATABASE_URL", "postgres//app@db/app"),
{%- if cookiecutter.database == "postgresql" %}
    ("DATABASE_URL", None),
    ("DJANGO_DB_CONN_MAX_AGE", "a minute"),
{%- endif %}
{%- if static in ["s3", "gcs", "azure"] %}
    ("DJANGO_STATIC_BUCKET", None),
{%- endif %}
{%- if media != "local" %}
    ("DJANGO_MEDIA_BUCKET", None),
{%- endif %}
]


@pytest.mark.parametrize(("name", "value"), REFUSED)
def test_production_stops_with_one_message_naming_the_variable(
    run_with_settings, production_variables, name, value
):
    """Through manage.py, which reads the settings a second time after a
    first failure: the message must still be the one about the variable."""
    production_variables.pop(name, None)
    if value is not None:
        production_variables[name] = value

    result = run_with_settings(
        "config.settings.production", "manage.py", "check", **production_variables
    )

    assert result.returncode != 0
    error = "django.core.exceptions.ImproperlyConfigured: "
    messages = [line for line in result.stderr.splitlines() if line.startswith(error)]
    assert len(messages) == 1, result.stderr
    assert name in messages[0], result.stderr


def test_production_logs_the_traceback_of_a_500(
    run_with_settings, production_variables
):
    """To standard error: the journal under systemd."""
    result = run_with_settings(
        "config.settings.production", "-c", FAIL_A_REQUEST, **production_variables
    )

    assert result.returncode == 0, result.stderr
    assert "500" in result.stdout
    assert "Traceback" in result.stderr
    assert "RuntimeError: a view that fails" in result.stderr


def test_allowed_hosts_are_stripped(run_with_settings, production_variables):
    production_variables["DJANGO_ALLOWED_HOSTS"] = " example.com , www.example.com ,"

    lines = resolved(
        run_with_settings, "config.settings.production", **production_variables
    )

    assert lines[5] == "['example.com', 'www.example.com']"


def test_production_passes_the_deployment_checklist(
    run_with_settings, production_variables, collected_static_root
):
    result = run_with_settings(
        "config.settings.production",
        *("manage.py", "check", "--deploy", "--fail-level", "WARNING"),
        # Deploy steps collect static files first (django-sitefiles' check looks).
        DJANGO_STATIC_ROOT=str(collected_static_root),
        **production_variables,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_a_weak_secret_key_fails_the_deployment_checklist(
    run_with_settings, production_variables
):
    """Django's own check (security.W009), which the deploy steps run with
    --fail-level WARNING: production settings load with any secret."""
    production_variables["DJANGO_SECRET_KEY"] = "django-insecure-" + "x" * 50

    result = run_with_settings(
        "config.settings.production",
        *("manage.py", "check", "--deploy", "--fail-level", "WARNING"),
        *("--tag", "security"),
        **production_variables,
    )

    assert result.returncode != 0
    assert "(security.W009)" in result.stderr
