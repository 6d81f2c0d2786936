from django.apps import AppConfig
from django.core.checks import Tags, register


class CloudStorageConfig(AppConfig):
    """Object storage: the storage classes and their deploy checks."""

    name = "cloud_storage"
    verbose_name = "Object storage"

    def ready(self):
        from cloud_storage import checks

        # Deploy only: settings read these values without checking them, so
        # that importing settings never needs a cloud account.
        for check in checks.DEPLOY_CHECKS:
            register(check, Tags.files, Tags.security, deploy=True)
