from django.apps import AppConfig


class WebserverConfig(AppConfig):
    """The web server config, derived from settings: manage.py webserver_config."""

    name = "webserver"
