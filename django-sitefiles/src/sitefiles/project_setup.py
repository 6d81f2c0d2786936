"""Setting a project up on a machine, step by step: what ``manage.py
setup_project`` runs once the project's environment exists.

Each step keeps what is already there, so running them again is safe. Each
prints its timing; one that fails says why, the others still run, and the end
lists the commands that finish the job.
"""

import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

COMMAND_TIMEOUT = 900  # seconds: a front-end install on a slow network
# The front end's packages as package-lock.json pins them, then its build.
NPM_COMMANDS = (("ci", "--no-audit", "--no-fund"), ("run", "build"))
# npm ends with a short summary; a connection error is further up.
CONNECTION_TROUBLE = re.compile(
    r"connection (broken|refused|reset)|failed to establish a new connection"
    r"|name resolution|network is unreachable|ENOTFOUND|ECONNREFUSED",
    re.IGNORECASE,
)


class StepError(Exception):
    """A step that did not finish; ``fix`` holds the commands that finish it."""

    def __init__(self, message, fix=(), status="FAILED"):
        super().__init__(message)
        self.fix = list(fix)
        self.status = status


class SkippedStepError(StepError):
    def __init__(self, message, fix=()):
        super().__init__(message, fix, status="skipped")


class Steps:
    """Runs steps in order, prints each with its timing, and gathers fixes."""

    def __init__(self, out=sys.stdout, fixes=()):
        self.out = out
        self.fixes = list(fixes)
        self.failed = False
        self.started = time.monotonic()

    def run(self, title, step, *arguments):
        """Run one step, which returns a detail to print; None if it did not
        finish, else what it returned."""
        started = time.monotonic()
        try:
            detail = step(*arguments)
        except StepError as unfinished:
            self.say(unfinished.status, title, started, str(unfinished))
            self.fixes += [line for line in unfinished.fix if line not in self.fixes]
            self.failed |= unfinished.status == "FAILED"
            return None
        except Exception as error:  # a bug or an odd machine must not stop the rest
            self.say("FAILED", title, started, f"{type(error).__name__}: {error}")
            self.failed = True
            return None
        self.say("ok", title, started, detail)
        return detail

    def say(self, status, title, started, detail):
        seconds = time.monotonic() - started
        self.write([f"  [{status}] {title} ({seconds:.1f} s): {detail}"])

    def write(self, lines):
        """Lines to ``out``, a file or a management command's stdout."""
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()

    def interrupted(self, finishing):
        """Ctrl-C: one line, and every set-up command (each can run again)."""
        lines = [
            "",
            "Interrupted. The project is complete; run these in it to finish:",
            *(f"  {line}" for line in finishing),
        ]
        self.write(lines)

    def summary(self, next_commands):
        lines = [f"Finished in {time.monotonic() - self.started:.1f} s."]
        if self.fixes:
            lines += [
                "",
                "Not everything finished. The project is complete; run these in it:",
            ]
            lines += [f"  {line}" for line in self.fixes]
        if next_commands:
            lines += ["", "Next:", *(f"  {line}" for line in next_commands)]
        self.write(lines)


def run(command, cwd, fix, env=None):
    """Run a command quietly; on failure raise StepError with its output's last
    lines, after the last line above them about a connection that failed."""
    try:
        result = subprocess.run(
            [str(part) for part in command],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise StepError(
            f"could not run {Path(command[0]).name}: {error}", fix
        ) from error
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        cause = [line for line in output[:-12] if CONNECTION_TROUBLE.search(line)]
        tail = "\n".join(f"      {line}" for line in cause[-1:] + output[-12:])
        raise StepError(f"exited with status {result.returncode}:\n{tail}", fix)
    return result


@dataclass
class Project:
    """A project directory and what its set-up is asked to do."""

    root: Path
    python: str = sys.executable
    # The settings that production runs with, for collectstatic and the web
    # server config; values they require that a server sets (bucket names),
    # with stand-ins that never replace a value given.
    production_settings: str | None = None
    stand_ins: dict = field(default_factory=dict)

    def production_environment(self, environ=os.environ):
        return {**self.stand_ins, **environ}

    def shown(self, arguments, env=None):
        """A manage.py command as a person types it in the project directory,
        with the variables ``env`` sets that this process's environment lacks."""
        python = Path(self.python)
        if python.is_absolute() and python.is_relative_to(self.root):
            python = python.relative_to(self.root)
        missing = [
            (name, value)
            for name, value in (env or {}).items()
            if os.environ.get(name) != value
        ]
        if os.name == "nt":  # cmd.exe
            variables = [f'set "{name}={value}" &&' for name, value in missing]
        else:
            variables = [f"{name}={shlex.quote(value)}" for name, value in missing]
        return " ".join([*variables, str(python), "manage.py", *arguments])

    def manage(self, arguments, env=None):
        """Run manage.py in a process of its own (settings load once a process)."""
        run(
            [self.python, "manage.py", *arguments],
            self.root,
            [self.shown(arguments, env)],
            env=env,
        )


# --- The steps ----------------------------------------------------------------


def make_directories(root, directories):
    """Each directory, kept in git by an empty .gitkeep."""
    failed = {}
    for directory in directories:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            keep = directory / ".gitkeep"
            if not keep.exists():
                keep.write_text("")
        except OSError as error:  # e.g. a deployed media/ owned by the web server
            failed[directory] = error
    if failed:
        names = " ".join(str(shown_path(root, path)) for path in failed)
        keeps = " ".join(f"{shown_path(root, path)}/.gitkeep" for path in failed)
        raise StepError(
            "; ".join(str(error) for error in failed.values()),
            fix=[
                f"# as a user who may write to {names}:",
                f"mkdir -p {names} && touch {keeps}",
            ],
        )
    return listed(root, directories)


def listed(root, directories):
    """media/, staticfiles/ and frontend/dist/"""
    names = [f"{shown_path(root, path)}/" for path in directories]
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]]))


def shown_path(root, path):
    """``path`` relative to ``root`` where it lies inside it."""
    path = Path(path)
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path


def new_secret_key():
    """50+ random URL-safe characters: no "$" (django-environ expands it), no "#"."""
    return secrets.token_urlsafe(50)


def env_file_text(example, secrets_by_variable):
    """The example's text with each variable set to its secret."""
    lines = []
    for line in example.splitlines():
        variable = line.partition("=")[0]
        if "=" in line and variable in secrets_by_variable:
            line = f"{variable}={secrets_by_variable[variable]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def write_env_file(env_file, example, *variables):
    """Write ``env_file`` from ``example`` with a fresh secret in each of
    ``variables``; an existing one is kept."""
    if env_file.exists():
        return f"kept the existing {env_file.name}"
    names = " and ".join(variables)
    fix = [
        f"cp {example.name} {env_file.name}",
        f"# then set {names} in {env_file.name}, each to the output of:",
        'python -c "import secrets; print(secrets.token_urlsafe(50))"',
    ]
    try:
        secrets_by_variable = {variable: new_secret_key() for variable in variables}
        text = env_file_text(example.read_text(), secrets_by_variable)
        env_file.write_text(text)
        env_file.chmod(0o600)
    except FileNotFoundError as error:
        raise SkippedStepError(f"there is no {example.name}", fix) from error
    except OSError as error:
        raise StepError(f"could not write {env_file.name}: {error}", fix) from error
    return f"fresh {names}"


def npm_commands():
    return [" ".join(["npm", *arguments]) for arguments in NPM_COMMANDS]


def build_frontend(root):
    """What package.json's build script makes (npm ci, npm run build)."""
    fix = [*npm_commands(), "# with Node.js 20+ (https://nodejs.org/)"]
    npm = shutil.which("npm")
    if npm is None:
        raise SkippedStepError("npm is not installed (Node.js 20+)", fix)
    for arguments in NPM_COMMANDS:
        run([npm, *arguments], root, fix)
    return "npm ci, npm run build"


def collectstatic_arguments(project):
    return ("collectstatic", "--noinput", f"--settings={project.production_settings}")


def collect_static(project, static_root):
    """collectstatic with production's storage: hashed names, .br/.gz copies."""
    project.manage(collectstatic_arguments(project), project.production_environment())
    collected = sum(1 for path in Path(static_root).rglob("*") if path.is_file())
    return f"{collected} files in {Path(static_root).name}/"


def migrate(project, environ=os.environ):
    """The database of these settings, in this process: a local SQLite file is
    made. A database server may not be set up yet, and one that DATABASE_URL
    names may not be up yet: skipped, with the command for later."""
    from django.core.management import call_command
    from django.db import connections

    from sitefiles.readiness import database_problem

    if "DATABASE_URL" in environ:
        raise SkippedStepError(
            "DATABASE_URL is set in your environment: migrate once it is ready",
            [project.shown(("migrate", "--noinput"))],
        )
    fix = [project.shown(("migrate", "--noinput"))]
    engine = connections["default"].settings_dict["ENGINE"]
    problem = None if engine.endswith("sqlite3") else database_problem("default")
    if problem:  # a server not set up yet: README.md says how
        raise SkippedStepError(problem, ["# once the database answers:", *fix])
    try:
        call_command("migrate", interactive=False, verbosity=0)
    except Exception as error:
        raise StepError(f"{type(error).__name__}: {error}", fix) from error
    database = connections["default"].settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        return shown_path(project.root, database["NAME"])
    return database["NAME"]


def web_server_arguments(project, server, deploy_root, output):
    return (
        "webserver_config",
        f"--settings={project.production_settings}",
        f"--server={server}",
        "--server-name=example.com",
        f"--project-root={deploy_root}",
        # The brotli module is optional: this file loads on any server.
        "--brotli=off",
        f"--output={output}",
    )


def write_web_server_config(project, arguments):
    output = arguments[-1].removeprefix("--output=")
    if (project.root / output).exists():
        # Edited here, it stays yours; the server's own is written elsewhere.
        return f"kept the existing {output} (manage.py webserver_config rewrites it)"
    project.manage(arguments, project.production_environment())
    return output
