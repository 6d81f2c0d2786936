"""The test site as production runs it: hashed, compressed static files."""

from tests.settings import *  # noqa: F403
from tests.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "sitefiles.storage.CompressedManifestStorage"},
}
