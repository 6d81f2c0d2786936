from django.apps import AppConfig
from django.core.checks import Tags, register


class FilesConfig(AppConfig):
    """Static and media files: storage, serving policy and system checks."""

    name = "files"
    verbose_name = "Static and media files"

    def ready(self):
        from files import checks

        register(checks.static_and_media_urls_apart, Tags.staticfiles)
        register(checks.static_and_media_roots_apart, Tags.staticfiles)
        register(checks.private_media_kept_apart, Tags.security)
        register(checks.private_media_sender_fits_storage, Tags.security)
        register(checks.whitenoise_after_security, Tags.staticfiles)
        register(checks.media_not_served_by_django, Tags.urls, Tags.security)
        # Deploy only: a production server runs collectstatic before starting.
        register(checks.static_files_collected, Tags.staticfiles, deploy=True)
