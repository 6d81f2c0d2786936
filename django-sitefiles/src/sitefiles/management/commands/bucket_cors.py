"""Let the site's pages use its buckets across origins:

    python manage.py bucket_cors --settings=mysite.settings.production

sets, and prints, the CORS rules the site's origins need of each bucket in
STORAGES whose storage class says which (``cors_rules``): the static bucket,
GET and HEAD (web fonts and module scripts from it or its CDN); the media
bucket, direct uploads (sitefiles.cloud.direct_uploads). --dry-run prints them
only.
"""

import json

from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from sitefiles.cloud.cors import site_origins
from sitefiles.cloud.publish import bucket_storage, static_in_a_bucket


def bucket_storages():
    """The storages of the buckets the site's pages reach."""
    found = [bucket_storage()] if static_in_a_bucket() else []
    if hasattr(storages["default"], "cors_rules"):
        found.append(storages["default"])
    return found


def bucket_of(storage):
    """Where a storage writes: its provider, and its bucket (Azure: container)."""
    name = getattr(storage, "bucket_name", None) or storage.azure_container
    return type(storage).__module__, name


class Command(BaseCommand):
    help = "Set the buckets' CORS rules for the site's origins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--origin",
            action="append",
            help="An origin such as https://example.com (repeatable)."
            " Default: https:// and each ALLOWED_HOSTS name.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the rules; change nothing."
        )

    def handle(self, *args, **options):
        origins = options["origin"] or site_origins(settings.ALLOWED_HOSTS)
        if not origins:
            raise CommandError(
                "No origin to allow: give --origin or set ALLOWED_HOSTS."
            )
        found = bucket_storages()
        if not found:
            raise CommandError(
                'Neither STORAGES["staticfiles"] nor STORAGES["default"] is a '
                "bucket of django-sitefiles' (sitefiles.cloud)."
            )
        # One set of rules per bucket: static and media files may share one.
        buckets = {}
        for storage in found:
            _, rules = buckets.setdefault(bucket_of(storage), (storage, []))
            rules.extend(storage.cors_rules(origins))
        printed = [
            {"bucket": name, "rules": rules}
            for (_, name), (_, rules) in buckets.items()
        ]
        self.stdout.write(json.dumps(printed, indent=2))
        if options["dry_run"]:
            return
        for (_, name), (storage, rules) in buckets.items():
            storage.set_cors(rules)
            self.stderr.write(f"Set the CORS rules of {name}.")
