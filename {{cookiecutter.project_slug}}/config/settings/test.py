"""Settings for the test suite (pytest uses these; see pyproject.toml)."""

from .base import *

SECRET_KEY = "test-only-secret-key-that-never-leaves-the-test-suite"

# Uploads stay in memory: tests never write into MEDIA_ROOT or PRIVATE_MEDIA_ROOT.
STORAGES["default"]["BACKEND"] = "django.core.files.storage.InMemoryStorage"
STORAGES["private"]["BACKEND"] = "django.core.files.storage.InMemoryStorage"
# Static files keep base's plain storage (no manifest), so tests need no
# collectstatic; tests that check hashed names switch to production's storage.

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
