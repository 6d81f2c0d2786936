"""Settings for production: gunicorn behind a proxy (config/wsgi.py uses these).

Static files: collectstatic writes hashed, compressed (.br, .gz) copies to
STATIC_ROOT; WhiteNoise serves them with far-future, immutable caching.
Media files: stored in MEDIA_ROOT and served by the web server, never by Django.
"""

from .base import *
from .environment import env, required, required_list

SECRET_KEY = required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = required_list("DJANGO_ALLOWED_HOSTS")

# Hashed names (site.3f2a1b9c.css) that can be cached forever, plus brotli and
# gzip copies that WhiteNoise picks by the request's Accept-Encoding.
STORAGES["staticfiles"]["BACKEND"] = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
)

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
