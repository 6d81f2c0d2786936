from django.apps import AppConfig
from django.core.checks import Tags, register


class ProjectConfig(AppConfig):
    """The project itself, as an app: it registers the project's system checks."""

    name = "config"
    verbose_name = "Project"

    def ready(self):
        from config import checks

        register(checks.static_and_media_urls_apart, Tags.staticfiles)
        register(checks.static_and_media_roots_apart, Tags.staticfiles)
        register(checks.whitenoise_after_security, Tags.staticfiles)
        register(checks.production_is_locked_down, Tags.security)
        register(checks.media_not_served_by_django, Tags.urls, Tags.security)
        # Deploy only: a production server runs collectstatic before starting.
        register(checks.static_files_collected, Tags.staticfiles, deploy=True)
