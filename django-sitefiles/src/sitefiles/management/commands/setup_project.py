"""Set this project up on this machine, once its environment exists:

    python manage.py setup_project --production-settings=mysite.settings.production \\
        --collectstatic --web-server=nginx

Each step keeps what is there, so it can run again (sitefiles.project_setup):
MEDIA_ROOT, STATIC_ROOT and missing STATICFILES_DIRS, each with a .gitkeep;
.env from .env.example with a fresh secret key; with --npm, the front end
(npm ci, npm run build); with --collectstatic, collectstatic under production
settings; migrate, for these settings' database; with --web-server, the web
server's config from production settings, for the deploy layout. It exits with
status 1 when a step failed, after listing the commands that finish the job.
"""

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sitefiles import project_setup
from sitefiles.project_setup import Project, Steps


def stand_in(text):
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise ValueError(text)
    return name, value


class Command(BaseCommand):
    help = "Set this project up here: directories, .env, static files, database."
    requires_system_checks = []  # a fresh checkout may fail one: the steps say why

    def add_arguments(self, parser):
        parser.add_argument(
            "--production-settings",
            help="The settings module production runs with, for --collectstatic"
            " and --web-server.",
        )
        parser.add_argument(
            "--stand-in",
            action="append",
            type=stand_in,
            default=[],
            metavar="NAME=VALUE",
            help="A variable production settings need in order to load (a bucket"
            " name), unless the environment sets it (repeatable).",
        )
        parser.add_argument(
            "--env-example",
            default=".env.example",
            help="Copied to .env beside it, with a fresh secret key.",
        )
        parser.add_argument(
            "--secret-variable",
            action="append",
            metavar="NAME",
            help="A variable .env gets a fresh secret in (repeatable: a database"
            " password too). Default: DJANGO_SECRET_KEY.",
        )
        parser.add_argument(
            "--npm", action="store_true", help="Build the front end with npm first."
        )
        parser.add_argument(
            "--collectstatic",
            action="store_true",
            help="Collect static files with production's storage.",
        )
        parser.add_argument(
            "--web-server",
            choices=["nginx", "apache"],
            help="Write deploy/<server>.conf from production settings.",
        )
        parser.add_argument(
            "--deploy-root",
            help="Where the project is deployed, for --web-server."
            " Default: /srv/<project directory's name>.",
        )
        parser.add_argument(
            "--unfinished",
            action="append",
            default=[],
            metavar="COMMAND",
            help="A command that a step before this one left to run: listed at"
            " the end with the others (repeatable).",
        )
        parser.add_argument(
            "--next",
            action="append",
            default=[],
            metavar="COMMAND",
            help="What to run once set up, listed at the end (repeatable).",
        )

    def handle(self, *args, **options):
        root = Path(getattr(settings, "BASE_DIR", None) or Path.cwd())
        production = options["production_settings"]
        if (options["collectstatic"] or options["web_server"]) and not production:
            raise CommandError(
                "--collectstatic and --web-server need --production-settings."
            )
        project = Project(
            root=root,
            production_settings=production,
            stand_ins=dict(options["stand_in"]),
        )
        steps = Steps(out=self.stdout, fixes=options["unfinished"])
        try:
            self.set_up(project, steps, options)
        except KeyboardInterrupt:
            steps.interrupted([*steps.fixes, *self.commands(project, options)])
            sys.exit(1)
        steps.summary(options["next"])
        if steps.failed:
            sys.exit(1)

    def secret_variables(self, options):
        return options["secret_variable"] or ["DJANGO_SECRET_KEY"]

    def directories(self, root):
        """What the project writes into and git keeps, empty: MEDIA_ROOT,
        STATIC_ROOT, and STATICFILES_DIRS that a build fills (frontend/dist)."""
        found = [Path(settings.MEDIA_ROOT), Path(settings.STATIC_ROOT)]
        for entry in settings.STATICFILES_DIRS:
            path = Path(entry[1] if isinstance(entry, (list, tuple)) else entry)
            if not path.exists():
                found.append(path)
        return [path if path.is_absolute() else root / path for path in found]

    def web_server_arguments(self, project, options):
        server = options["web_server"]
        deploy_root = options["deploy_root"] or f"/srv/{project.root.name}"
        output = f"deploy/{server}.conf"
        return project_setup.web_server_arguments(project, server, deploy_root, output)

    def set_up(self, project, steps, options):
        root = project.root
        directories = self.directories(root)
        steps.run(
            f"Create {project_setup.listed(root, directories)}",
            project_setup.make_directories,
            root,
            directories,
        )
        example = root / options["env_example"]
        steps.run(
            "Write .env",
            project_setup.write_env_file,
            example.with_name(".env"),
            example,
            *self.secret_variables(options),
        )
        if options["npm"]:
            steps.run("Build the front end", project_setup.build_frontend, root)
        if options["collectstatic"]:
            steps.run(
                "Collect static files",
                project_setup.collect_static,
                project,
                settings.STATIC_ROOT,
            )
        steps.run("Create the local database", project_setup.migrate, project)
        if options["web_server"]:
            steps.run(
                "Write the web server config",
                project_setup.write_web_server_config,
                project,
                self.web_server_arguments(project, options),
            )

    def commands(self, project, options):
        """What the steps run, in order, as a person types them."""
        commands = []
        if not (project.root / ".env").exists():
            names = " and ".join(self.secret_variables(options))
            commands.append(f"cp {options['env_example']} .env    # then set {names}")
        if options["npm"]:
            commands += project_setup.npm_commands()
        environment = project.production_environment()
        if options["collectstatic"]:
            arguments = project_setup.collectstatic_arguments(project)
            commands.append(project.shown(arguments, environment))
        commands.append(project.shown(("migrate", "--noinput")))
        if options["web_server"]:
            arguments = self.web_server_arguments(project, options)
            commands.append(project.shown(arguments, environment))
        return commands
