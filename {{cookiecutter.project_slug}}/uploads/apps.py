from django.apps import AppConfig


class UploadsConfig(AppConfig):
    """Example app: a form that stores files in MEDIA_ROOT and links to MEDIA_URL."""

    name = "uploads"
