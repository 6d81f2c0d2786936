from django.apps import AppConfig
from django.core.checks import Tags, register


class SitefilesConfig(AppConfig):
    """Static and media files: storage, serving policy, commands and system checks."""

    name = "sitefiles"
    verbose_name = "Static and media files"

    def ready(self):
        from sitefiles import checks, configuration, readiness
        from sitefiles.cloud import checks as cloud_checks

        register(configuration.unknown_settings)
        register(configuration.former_settings)
        register(configuration.setting_values)
        register(configuration.storage_options, Tags.staticfiles)
        register(checks.static_and_media_urls_apart, Tags.staticfiles)
        register(checks.static_and_media_roots_apart, Tags.staticfiles)
        register(checks.private_media_kept_apart, Tags.security)
        register(checks.private_media_sender_fits_storage, Tags.security)
        register(checks.whitenoise_after_security, Tags.staticfiles)
        register(checks.media_not_served_by_django, Tags.urls, Tags.security)
        register(checks.collectstatic_publishes_to_the_bucket, Tags.staticfiles)
        # With databases only (migrate, check --database): it connects.
        register(readiness.databases_reachable, Tags.database)
        # Deploy only: a production server runs collectstatic before starting.
        register(checks.static_files_collected, Tags.staticfiles, deploy=True)
        # Deploy only: settings may read bucket values without checking them,
        # so that loading them never needs a cloud account.
        for check in cloud_checks.DEPLOY_CHECKS:
            register(check, Tags.files, Tags.security, deploy=True)
