"""Write the web server's site config for the current settings.

    python manage.py webserver_config --settings=mysite.settings.production \
        --server nginx --server-name example.com \
        --output /etc/nginx/sites-available/example

Static, media and private media paths and URLs, the upload limit and cache
lifetimes come from the settings; the flags say what the settings cannot know.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.template import Context, Engine

from sitefiles.webserver import TEMPLATES, brotli_available, site_context


def available_servers():
    return sorted(path.stem for path in TEMPLATES.glob("*.conf"))


class Command(BaseCommand):
    help = "Write the nginx or Apache site config derived from the settings."

    def add_arguments(self, parser):
        parser.add_argument("--server", choices=available_servers(), required=True)
        parser.add_argument(
            "--server-name",
            action="append",
            help="Host name to answer to (repeatable). Default: ALLOWED_HOSTS.",
        )
        parser.add_argument(
            "--listen", default="443", help="HTTPS address: port or host:port."
        )
        parser.add_argument(
            "--http-listen",
            default="80",
            help="Plain HTTP address, which redirects to HTTPS.",
        )
        parser.add_argument(
            "--upstream",
            help="gunicorn: unix:/path/to.sock or host:port."
            " Default: unix:/run/<project>/gunicorn.sock.",
        )
        parser.add_argument(
            "--resolver-file",
            help="nginx: a file with a `resolver` directive, included; the"
            " upstream's host name is then looked up again as it says (replicas"
            " that come, go or restart), not once at start.",
        )
        parser.add_argument("--certificate", help="Default: Let's Encrypt's path.")
        parser.add_argument("--certificate-key", help="Default: Let's Encrypt's path.")
        parser.add_argument(
            "--project-root",
            type=Path,
            help="Where the project is deployed, if not here: paths under the"
            " project directory are moved there.",
        )
        parser.add_argument("--static-root", type=Path, help="Default: STATIC_ROOT.")
        parser.add_argument("--media-root", type=Path, help="Default: MEDIA_ROOT.")
        parser.add_argument(
            "--private-media-root",
            type=Path,
            help="Default: STORAGES['private']'s directory (PRIVATE_MEDIA_ROOT).",
        )
        parser.add_argument(
            "--brotli",
            choices=["auto", "on", "off"],
            default="auto",
            help="nginx brotli_static; auto: on where nginx loads the module.",
        )
        parser.add_argument("--output", type=Path, help="Default: standard output.")

    def handle(self, *args, **options):
        options["brotli"] = {"on": True, "off": False}.get(
            options["brotli"], brotli_available()
        )
        if options["resolver_file"] and options["server"] != "nginx":
            raise CommandError("--resolver-file is for nginx alone.")
        if options["resolver_file"] and (options["upstream"] or "unix:").startswith(
            "unix:"
        ):
            raise CommandError("--resolver-file needs --upstream host:port.")
        try:
            context = site_context(settings, options)
        except ImproperlyConfigured as error:
            raise CommandError(error) from error
        # An engine of its own: the project's TEMPLATES settings play no part.
        engine = Engine(dirs=[TEMPLATES], autoescape=False)
        config = engine.get_template(f"{options['server']}.conf").render(
            Context(context, autoescape=False)
        )
        # One final newline, as editors and pre-commit's end-of-file-fixer
        # leave a file (the template's closing tag adds a blank line).
        config = config.rstrip("\n") + "\n"
        if options["output"] is None:
            self.stdout.write(config, ending="")
            return
        options["output"].parent.mkdir(parents=True, exist_ok=True)
        options["output"].write_text(config)
        self.stderr.write(f"Wrote {options['output']}")
