"""collectstatic, which publishes to a bucket when STORAGES["staticfiles"] is one.

With any other storage it is Django's own command, unchanged. With a bucket
storage of sitefiles.cloud, Django's command would read every file back from
the bucket to hash it (about 1,500 requests for the admin alone, on every
deploy). Here the hashing happens on disk, in STATIC_ROOT, and only what the
bucket lacks is uploaded, on several threads, the manifest last
(sitefiles.cloud.publish). --clear clears STATIC_ROOT, never the bucket.

--no-publish stops after the hashing: an image build has STATIC_ROOT (and the
manifest the site links through) without the bucket, and publish_static
uploads it at deploy time, from the image.

It takes over from Django's when "sitefiles" comes before
"django.contrib.staticfiles" in INSTALLED_APPS (check sitefiles.E006).
"""

from django.conf import settings
from django.contrib.staticfiles.management.commands import collectstatic
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

from sitefiles.cloud.publish import bucket_storage, static_in_a_bucket
from sitefiles.management.commands.publish_static import publish_static_root


class Command(collectstatic.Command):
    help = (
        "Collect static files; with STORAGES['staticfiles'] in a bucket, in "
        "STATIC_ROOT first, then upload what the bucket lacks."
    )
    bucket = None

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-publish",
            action="store_false",
            dest="publish",
            help="With the static files in a bucket: hash them in STATIC_ROOT "
            "only; publish_static uploads them later.",
        )

    def set_options(self, **options):
        super().set_options(**options)
        if static_in_a_bucket():
            self.storage = ManifestStaticFilesStorage(location=settings.STATIC_ROOT)
            if options["publish"]:
                self.bucket = bucket_storage()

    def collect(self):
        collected = super().collect()
        if self.bucket is not None and not self.dry_run:
            publish_static_root(self.bucket, self.storage.manifest_name, self.log)
        return collected
