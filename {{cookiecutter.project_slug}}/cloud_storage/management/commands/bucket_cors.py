{%- set static = cookiecutter.static_storage -%}
{%- set media = cookiecutter.media_storage -%}
{%- set static_bucket = static in ["s3", "gcs", "azure"] -%}
{%- set buckets = [static if static_bucket else None, media if media != "local" else None] | reject("none") | list -%}
"""Let the site's pages use the buckets across origins:

    python manage.py bucket_cors --settings=config.settings.production

sets, and prints, the CORS rules the site's origins need:
{%- if static_bucket %}
- the static bucket: GET and HEAD (fonts and module scripts from it or its CDN);
{%- endif %}
{%- if media != "local" %}
- the media bucket: direct uploads (cloud_storage/direct_uploads.py).
{%- endif %}
--dry-run prints them only.
"""

import json

from django.conf import settings
{%- if media != "local" %}
from django.core.files.storage import storages
{%- endif %}
from django.core.management.base import BaseCommand, CommandError

from cloud_storage.cors import site_origins
{%- if static_bucket %}
from cloud_storage.publish import bucket_storage
{%- endif %}


def bucket_storages():
    """The storages of the buckets the site's pages reach."""
    return [
{%- if static_bucket %}
        bucket_storage(),
{%- endif %}
{%- if media != "local" %}
        storages["default"],
{%- endif %}
    ]


def bucket_of(storage):
{%- if "azure" not in buckets %}
    """Where a storage class writes: its provider and bucket."""
    return type(storage).__module__, storage.bucket_name
{%- elif buckets | unique | list == ["azure"] %}
    """Where a storage class writes: its provider and container."""
    return type(storage).__module__, storage.azure_container
{%- else %}
    """Where a storage class writes: its provider and bucket (Azure: container)."""
    name = getattr(storage, "bucket_name", None) or storage.azure_container
    return type(storage).__module__, name
{%- endif %}


class Command(BaseCommand):
    help = "Set the buckets' CORS rules for the site's origins."

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
        # One set of rules per bucket: static and media files may share one.
        buckets = {}
        for storage in bucket_storages():
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
