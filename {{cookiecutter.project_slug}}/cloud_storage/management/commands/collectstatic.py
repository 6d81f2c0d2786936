"""collectstatic for static files in a bucket: build in STATIC_ROOT, then publish.

Django's own command, run against a bucket, reads every file back from it to
hash it: about 1,500 requests for the admin alone, on every deploy. Here the
hashing happens on disk, in STATIC_ROOT, and only what the bucket lacks is
uploaded, on several threads, the manifest last (cloud_storage/publish.py).
--clear clears STATIC_ROOT, never the bucket.
"""

from django.conf import settings
from django.contrib.staticfiles.management.commands import collectstatic
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.management.base import CommandError

from cloud_storage.publish import UploadError, bucket_storage, publish


class Command(collectstatic.Command):
    help = "Collect static files in STATIC_ROOT, then upload what the bucket lacks."

    def set_options(self, **options):
        super().set_options(**options)
        self.storage = ManifestStaticFilesStorage(location=settings.STATIC_ROOT)
        self.bucket = bucket_storage()

    def collect(self):
        collected = super().collect()
        if not self.dry_run:
            try:
                published = publish(
                    settings.STATIC_ROOT, self.bucket, self.storage.manifest_name
                )
            except UploadError as error:
                raise CommandError(str(error)) from error
            self.log(
                f"Published to the bucket: {len(published.uploaded)} uploaded, "
                f"{len(published.unchanged)} already there.",
                level=1,
            )
        return collected
