"""What the installed version is given: a setting it does not read, a name
from before the package, a value of the wrong kind, a backend that cannot be
imported, an option a backend does not take. Each is a check message that
names it, before the first upload or collectstatic would meet it."""

import pytest

from sitefiles import checks, configuration

S3_STATIC = "sitefiles.cloud.s3.StaticStorage"


def ids(messages):
    return [message.id for message in messages]


def test_the_test_site_passes_every_configuration_check():
    for check in (
        configuration.unknown_settings,
        configuration.former_settings,
        configuration.setting_values,
        configuration.storage_options,
    ):
        assert check(None) == [], check.__name__


def test_a_misspelt_setting_is_named_with_the_one_it_resembles(settings):
    settings.SITEFILES_MAX_UPLOAD_SIZES = 1024

    [error] = configuration.unknown_settings(None)

    assert error.id == "sitefiles.E010"
    assert "SITEFILES_MAX_UPLOAD_SIZES" in error.msg
    assert "did you mean SITEFILES_MAX_UPLOAD_SIZE?" in error.msg


def test_a_setting_no_version_reads_is_named_without_a_guess(settings):
    settings.SITEFILES_COMPRESSION_LEVEL = 9

    [error] = configuration.unknown_settings(None)

    assert "SITEFILES_COMPRESSION_LEVEL" in error.msg
    assert "did you mean" not in error.msg
    assert "SITEFILES_PRIVATE_MEDIA_SENDER" in error.hint  # what it does read


def test_a_template_era_name_warns_until_it_is_renamed(settings):
    settings.MAX_UPLOAD_SIZE = 2048

    [warning] = configuration.former_settings(None)
    assert warning.id == "sitefiles.W010"
    assert "MAX_UPLOAD_SIZE" in warning.msg
    assert "SITEFILES_MAX_UPLOAD_SIZE" in warning.hint

    settings.SITEFILES_MAX_UPLOAD_SIZE = 2048
    assert configuration.former_settings(None) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SITEFILES_MAX_UPLOAD_SIZE", "10MB"),
        ("SITEFILES_MAX_UPLOAD_SIZE", 0),
        ("SITEFILES_MAX_UPLOAD_SIZE", True),
        ("SITEFILES_MAX_IMAGE_PIXELS", -1),
        ("SITEFILES_DIRECT_UPLOAD_MAX_SIZE", 1.5),
        ("SITEFILES_PRIVATE_MEDIA_SENDER", "x-sendfile"),
        ("SITEFILES_LIVE_PATH", "livez"),
        ("SITEFILES_READY_PATH", "/readyz "),
    ],
)
def test_a_value_of_the_wrong_kind_is_named_with_what_it_must_be(settings, name, value):
    setattr(settings, name, value)

    [error] = configuration.setting_values(None)

    assert error.id == "sitefiles.E011"
    assert error.msg.startswith(f"{name} must be ")
    assert repr(value) in error.msg


def test_an_unknown_sender_is_one_error_not_two(settings):
    settings.SITEFILES_PRIVATE_MEDIA_SENDER = "x-sendfile"

    assert ids(configuration.setting_values(None)) == ["sitefiles.E011"]
    assert checks.private_media_sender_fits_storage(None) == []


def test_a_backend_that_cannot_be_imported_names_its_alias(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "sitefiles.storage.NoSuchStorage"},
    }

    [error] = configuration.storage_options(None)

    assert error.id == "sitefiles.E012"
    assert "STORAGES['default']['BACKEND']" in error.msg


def test_a_misspelt_option_is_named_before_the_first_upload(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"locaton": str(tmp_path)},
        },
    }

    [error] = configuration.storage_options(None)

    assert error.id == "sitefiles.E013"
    assert "STORAGES['default']['OPTIONS']" in error.msg
    assert "locaton" in error.msg


def test_a_bucket_option_django_storages_does_not_take_is_named(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": S3_STATIC,
            "OPTIONS": {"bucket_name": "static", "querystring_expires": 60},
        },
    }

    [error] = configuration.storage_options(None)

    assert error.id == "sitefiles.E013"
    assert "querystring_expires" in error.msg  # django-storages: querystring_expire


def test_options_are_checked_without_reading_a_manifest(settings, tmp_path):
    """A manifest storage reads staticfiles.json when made (and raises on a
    broken one); the check makes it without reading the one on disk."""
    (tmp_path / "staticfiles.json").write_text("{not json")
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "sitefiles.storage.CompressedManifestStorage"},
    }

    assert configuration.storage_options(None) == []


def test_static_files_in_a_bucket_need_the_package_s_collectstatic(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": S3_STATIC, "OPTIONS": {"bucket_name": "static"}},
    }
    assert checks.collectstatic_publishes_to_the_bucket(None) == []  # first: ours

    settings.INSTALLED_APPS = [
        *(app for app in settings.INSTALLED_APPS if app != "sitefiles"),
        "sitefiles",
    ]  # after django.contrib.staticfiles: Django's collectstatic runs

    [error] = checks.collectstatic_publishes_to_the_bucket(None)
    assert error.id == "sitefiles.E006"
