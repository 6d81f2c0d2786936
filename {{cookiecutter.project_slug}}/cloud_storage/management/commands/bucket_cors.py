"""Let pages use fonts and module scripts from the static bucket or its CDN:

    python manage.py bucket_cors --settings=config.settings.production

sets the bucket's CORS rules to let the site's origins GET and HEAD (see
cloud_storage/cors.py), and prints them. --dry-run prints them only.
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cloud_storage.cors import site_origins
from cloud_storage.publish import bucket_storage


class Command(BaseCommand):
    help = "Set the static bucket's CORS rules for the site's origins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--origin",
            action="append",
            help="An origin such as https://example.com (repeatable)."
            " Default: https:// and each DJANGO_ALLOWED_HOSTS name.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the rules; change nothing."
        )

    def handle(self, *args, **options):
        origins = options["origin"] or site_origins(settings.ALLOWED_HOSTS)
        if not origins:
            raise CommandError(
                "No origin to allow: give --origin or set DJANGO_ALLOWED_HOSTS."
            )
        storage = bucket_storage()
        rules = storage.cors_rules(origins)
        self.stdout.write(json.dumps(rules, indent=2))
        if not options["dry_run"]:
            storage.set_cors(rules)
            self.stderr.write("Set the static bucket's CORS rules.")
