"""publish_static: upload STATIC_ROOT, as collectstatic built it, to the bucket.

For a release whose static files were hashed without the bucket
(collectstatic --no-publish, in an image build): only what the bucket lacks is
uploaded, the manifest last (sitefiles.cloud.publish). Run it from the new
release, before its processes take traffic; until it has, their readiness
probe says the bucket lacks the release's files.
"""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.checks import Tags
from django.core.files.storage import Storage
from django.core.management.base import BaseCommand, CommandError

from sitefiles.cloud.publish import (
    UploadError,
    bucket_storage,
    publish,
    static_in_a_bucket,
)


def publish_static_root(
    bucket: Storage, manifest_name: str, log: Callable[..., None]
) -> None:
    """Upload STATIC_ROOT to ``bucket``; a failed upload is a CommandError
    that says the bucket kept its previous manifest."""
    try:
        published = publish(settings.STATIC_ROOT, bucket, manifest_name)
    except UploadError as error:
        raise CommandError(str(error)) from error
    log(
        f"Published to the bucket: {len(published.uploaded)} uploaded, "
        f"{len(published.unchanged)} already there.",
        level=1,
    )


class Command(BaseCommand):
    help = (
        "Upload STATIC_ROOT, as collectstatic built it, to the static bucket: "
        "what the bucket lacks, the manifest last."
    )
    requires_system_checks = [Tags.staticfiles]  # as collectstatic's

    def handle(self, **options):
        if not static_in_a_bucket():
            raise CommandError(
                "STORAGES['staticfiles'] is not a bucket storage of "
                "sitefiles.cloud: collectstatic alone puts the files where "
                "they are served."
            )
        bucket = bucket_storage()
        manifest_name = bucket.manifest_name
        if not (Path(settings.STATIC_ROOT) / manifest_name).is_file():
            raise CommandError(
                f"{settings.STATIC_ROOT} has no {manifest_name}: run "
                "collectstatic (--no-publish) first."
            )

        def log(message, level=1):
            if options["verbosity"] >= level:
                self.stdout.write(message)

        publish_static_root(bucket, manifest_name, log)
