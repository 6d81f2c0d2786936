"""collectstatic, which publishes to a bucket when STORAGES["staticfiles"] is one.

With any other storage it is Django's own command, unchanged. With a bucket
storage of sitefiles.cloud, Django's command would read every file back from
the bucket to hash it (about 1,500 requests for the admin alone, on every
deploy). Here the hashing happens on disk, in STATIC_ROOT, and only what the
bucket lacks is uploaded, on several threads, the manifest last
(sitefiles.cloud.publish). --clear clears STATIC_ROOT, never the bucket.

It takes over from Django's when "sitefiles" comes before
"django.contrib.staticfiles" in INSTALLED_APPS (check sitefiles.E006).
"""

from django.conf import settings
from django.contrib.staticfiles.management.commands import collectstatic
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.management.base import CommandError

from sitefiles.cloud.publish import (
    UploadError,
    bucket_storage,
    publish,
    static_in_a_bucket,
)


class Command(collectstatic.Command):
    help = (
        "Collect static files; with STORAGES['staticfiles'] in a bucket, in "
        "STATIC_ROOT first, then upload what the bucket lacks."
    )
    bucket = None

    def set_options(self, **options):
        super().set_options(**options)
        if static_in_a_bucket():
            self.storage = ManifestStaticFilesStorage(location=settings.STATIC_ROOT)
            self.bucket = bucket_storage()

    def collect(self):
        collected = super().collect()
        if self.bucket is not None and not self.dry_run:
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
