"""Settings for development on your machine (manage.py uses these).

runserver serves static files through WhiteNoise straight from the app and
project static directories, as production serves the collected ones, and
config/urls.py serves uploaded media because DEBUG is on.
"""

from .base import *
from .environment import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="django-insecure-only-for-local-development"
)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"]
)

# Keep runserver's own static handler out of the way so WhiteNoise serves static
# files in development exactly as in production.
INSTALLED_APPS = ["whitenoise.runserver_nostatic", *INSTALLED_APPS]
