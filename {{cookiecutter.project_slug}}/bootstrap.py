{%- set on_disk = cookiecutter.static_storage not in ["s3", "gcs", "azure"] -%}
{%- set buckets = not on_disk or cookiecutter.media_storage != "local" -%}
{%- set production = on_disk or cookiecutter.web_server != "none" -%}
{%- set frontend = cookiecutter.frontend != "none" -%}
"""Set this project up on a machine: right after ``git clone``, or again at any time.

    python3 bootstrap.py

Each step keeps what is already there, so running it again is safe:

{%- if frontend %}
- media/, staticfiles/ and frontend/dist/, each kept in git by an empty .gitkeep;
{%- else %}
- media/ and staticfiles/, each kept in git by an empty .gitkeep;
{%- endif %}
- .env from .env.example, with a fresh secret key;
{%- if cookiecutter.package_manager == "uv" %}
- uv.lock, if there is none, then .venv synced with it (uv sync --locked);
{%- else %}
- .venv, with the project installed by pip (through uv when it is on PATH);
{%- endif %}
{%- if frontend %}
- frontend/dist/ from frontend/src/ (npm ci, npm run build), if npm is here;
{%- endif %}
{%- if on_disk %}
- collectstatic with production's storage;
{%- endif %}
- migrate, for the local SQLite database;
{%- if cookiecutter.web_server != "none" %}
- deploy/{{ cookiecutter.web_server }}.conf from the settings (manage.py webserver_config).
{%- endif %}

It needs the standard library only: it runs before any environment exists. Each
step prints its timing; one that fails says why, the others still run, and the
end lists the commands that finish the job. ``--python PATH`` uses an
interpreter of yours that has the project's dependencies instead of .venv.
"""

import argparse
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

PYTHON_FLOOR = "{{ cookiecutter._django_lines[cookiecutter.django_version].python_floor }}"
VENV = ".venv"
{%- if frontend %}
DIRECTORIES = ("media", "staticfiles", "frontend/dist")
# The front end's packages as package-lock.json pins them, then its build.
NPM_COMMANDS = (("ci", "--no-audit", "--no-fund"), ("run", "build"))
{%- else %}
DIRECTORIES = ("media", "staticfiles")
{%- endif %}
{%- if cookiecutter.package_manager == "uv" %}
UV_INSTALL = "pipx install uv    # or see https://docs.astral.sh/uv/"
{%- else %}
INSTALL_TARGET = ".[dev]"
{%- endif %}
COMMAND_TIMEOUT = 900  # seconds; a dependency install on a slow network
{%- if production %}
PRODUCTION = "--settings=config.settings.production"
{%- endif %}
{%- if on_disk %}
COLLECTSTATIC = ("collectstatic", "--noinput", PRODUCTION)
{%- endif %}
MIGRATE = ("migrate", "--noinput", "--settings=config.settings.local")
{%- if production and buckets %}
# Production settings require bucket names; what runs here with them does not
# depend on their values (files on disk, the web server config), so these stand
# in for the ones a server sets.
STAND_INS = {
{%- if not on_disk %}
    "DJANGO_STATIC_BUCKET": "static-bucket",
{%- endif %}
{%- if cookiecutter.media_storage != "local" %}
    "DJANGO_MEDIA_BUCKET": "media-bucket",
{%- endif %}
{%- if "azure" in [cookiecutter.static_storage, cookiecutter.media_storage] %}
    "DJANGO_AZURE_CONNECTION_STRING": "AccountName=stand-in;AccountKey=c3RhbmQtaW4=",
{%- endif %}
}
{%- elif production %}
STAND_INS = {}  # production settings need nothing from a server to load
{%- endif %}
{%- if cookiecutter.web_server != "none" %}
# The server layout that deploy/systemd/ and README.md's production steps use.
WEB_SERVER_CONFIG = (
    "webserver_config",
    PRODUCTION,
    "--server={{ cookiecutter.web_server }}",
    "--server-name=example.com",
    "--project-root=/srv/{{ cookiecutter.project_slug }}",
    "--brotli=off",  # the module is optional: this file loads on any {{ "nginx" if cookiecutter.web_server == "nginx" else "Apache" }}
    "--output=deploy/{{ cookiecutter.web_server }}.conf",
)
{%- endif %}


class StepError(Exception):
    """A step that did not finish; ``fix`` holds the commands that finish it."""

    def __init__(self, message, fix=(), status="FAILED"):
        super().__init__(message)
        self.fix = list(fix)
        self.status = status


class SkippedStepError(StepError):
    def __init__(self, message, fix=()):
        super().__init__(message, fix, status="skipped")


# --- Running commands ----------------------------------------------------------


def run_quietly(command, cwd=None, env=None):
    return subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


# pip ends with "No matching distribution found" when no index answers: the
# cause, a connection error, is in a warning further up.
CONNECTION_TROUBLE = re.compile(
    r"connection (broken|refused|reset)|failed to establish a new connection"
    r"|name resolution|network is unreachable",
    re.IGNORECASE,
)


def run(command, cwd, fix, env=None):
    """Run a command; on failure raise StepError with its output's last lines,
    after the last line above them about a connection that failed."""
    try:
        result = run_quietly([str(part) for part in command], cwd=cwd, env=env)
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


def venv_python(venv):
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def shown(project, python, arguments, env=None):
    """A manage.py command as a person types it in the project directory, with
    the variables ``env`` sets that this process's environment lacks."""
    python = Path(python) if python else venv_python(Path(VENV))
    if python.is_absolute() and python.is_relative_to(project):
        python = python.relative_to(project)
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


# --- directories and .env ------------------------------------------------------


def make_directories(project):
    """{{ "media/, staticfiles/, frontend/dist/" if frontend else "media/ and staticfiles/" }}, each kept in git by an empty .gitkeep."""
    failed = {}
    for name in DIRECTORIES:
        directory = project / name
        try:
            directory.mkdir(parents=True, exist_ok=True)
            keep = directory / ".gitkeep"
            if not keep.exists():
                keep.write_text("")
        except OSError as error:  # e.g. a deployed media/ owned by the web server
            failed[name] = error
    if failed:
        keeps = " ".join(f"{name}/.gitkeep" for name in failed)
        raise StepError(
            "; ".join(str(error) for error in failed.values()),
            fix=[
                f"# as a user who may write to {' and '.join(failed)}:",
                f"mkdir -p {' '.join(failed)} && touch {keeps}",
            ],
        )
    return ", ".join(f"{name}/" for name in DIRECTORIES)


{%- if frontend %}


def npm_commands():
    return [" ".join(["npm", *arguments]) for arguments in NPM_COMMANDS]


def build_frontend(project):
    """frontend/dist/ from frontend/src/: what collectstatic collects of it."""
    fix = [*npm_commands(), "# with Node.js 20+ (https://nodejs.org/)"]
    npm = shutil.which("npm")
    if npm is None:
        raise SkippedStepError("npm is not installed (Node.js 20+)", fix)
    for arguments in NPM_COMMANDS:
        run([npm, *arguments], project, fix)
    return "frontend/dist/app.js, frontend/dist/app.css"
{%- endif %}


def new_secret_key():
    """50+ random URL-safe characters: no "$" (django-environ expands it), no "#"."""
    return secrets.token_urlsafe(50)


def env_file_text(example, secret_key):
    """The .env.example text with DJANGO_SECRET_KEY filled in."""
    lines = [
        f"DJANGO_SECRET_KEY={secret_key}"
        if line.startswith("DJANGO_SECRET_KEY=")
        else line
        for line in example.splitlines()
    ]
    return "\n".join(lines) + "\n"


def write_env_file(project):
    """Write .env from .env.example with a fresh secret; an existing .env is kept."""
    env_file = project / ".env"
    if env_file.exists():
        return "kept the existing .env"
    try:
        text = env_file_text((project / ".env.example").read_text(), new_secret_key())
        env_file.write_text(text)
        env_file.chmod(0o600)
    except OSError as error:
        raise StepError(
            f"could not write .env: {error}",
            fix=[
                "cp .env.example .env",
                "# then set DJANGO_SECRET_KEY in .env to the output of:",
                'python -c "import secrets; print(secrets.token_urlsafe(50))"',
            ],
        ) from error
    return "fresh DJANGO_SECRET_KEY"


# --- The environment -----------------------------------------------------------


def find_python(floor, uv=None):
    """An interpreter at least ``floor`` that runs: this one, else a python3.X
    on PATH, one that pyenv installed (its python3.X shim runs only where pyenv
    selects that version, so the copy under its root is tried too), or one uv
    found or installed."""
    wanted = tuple(int(part) for part in floor.split("."))
    if sys.version_info[:2] >= wanted:
        return sys.executable
    names = [f"python3.{minor}" for minor in range(20, wanted[1] - 1, -1)]
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates = [shutil.which(name) for name in names]
    for name in names:
        candidates += sorted(map(str, pyenv.glob(f"versions/*/bin/{name}")))[::-1]
    if uv:
        candidates.append(uv_python(uv, floor))
    for candidate in filter(None, candidates):
        if run_quietly([candidate, "-c", "pass"]).returncode == 0:
            return candidate
    return None


def uv_python(uv, floor):
    """The interpreter uv finds for ``floor`` or newer, without downloading one."""
    found = run_quietly(
        [uv, "python", "find", f">={floor}"],
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )
    return found.stdout.strip() if found.returncode == 0 else None


def find_uv(environ=os.environ):
    """uv's executable: the one running us (uv run and uvx set UV), or on PATH."""
    running = environ.get("UV")
    if running and Path(running).is_file():
        return running
    return shutil.which("uv")
{%- if cookiecutter.package_manager == "uv" %}


def install_commands():
    """What a person runs to build the environment, shown when a step fails."""
    return ["uv sync    # writes uv.lock if it is missing, creates .venv"]


def lock_dependencies(project, uv):
    """uv.lock, if there is none: every dependency pinned, for every platform."""
    lock = project / "uv.lock"
    if lock.exists():
        return "kept the existing uv.lock"
    if uv is None:
        raise StepError("uv is not installed here", [UV_INSTALL, "uv lock"])
    # Without an interpreter new enough at hand, uv fetches one (with network).
    base = find_python(PYTHON_FLOOR, uv)
    request = ["--python", base] if base else []
    run([uv, "lock", "--quiet", *request], project, ["uv lock"])
    packages = lock.read_text().count("\n[[package]]")
    return f"uv.lock pins {packages} packages"


def build_environment(project, uv):
    """.venv, synced with uv.lock."""
    fix = install_commands()
    if uv is None:
        raise StepError("uv is not installed here", [UV_INSTALL, *fix])
    # uv also finds (or, with network, fetches) a Python new enough itself.
    base = find_python(PYTHON_FLOOR, uv)
    request = ["--python", base] if base else []
    run([uv, "sync", "--locked", "--quiet", *request], project, fix)
    return venv_python(project / VENV), f"{VENV} synced with uv.lock"
{%- else %}


def install_commands():
    """What a person runs to build the environment, shown when a step fails."""
    python = venv_python(Path(VENV))
    return [
        f"python{PYTHON_FLOOR} -m venv {VENV}",
        f'{python} -m pip install -e "{INSTALL_TARGET}"',
    ]


def build_environment(project, uv):
    """.venv with the project installed: through uv when it is on PATH (faster),
    else venv and pip."""
    fix = install_commands()
    venv = project / VENV
    python = venv_python(venv)
    if not python.exists():
        base = find_python(PYTHON_FLOOR, uv)
        if uv:
            request = base or f">={PYTHON_FLOOR}"
            run([uv, "venv", "--quiet", "--python", request, venv], project, fix)
        elif base:
            run([base, "-m", "venv", venv], project, fix)
        else:
            raise StepError(
                f"the project needs Python {PYTHON_FLOOR} or newer, and none was"
                " found on PATH",
                fix,
            )
    if uv:
        install = [uv, "pip", "install", "--python", python]
    else:
        install = [python, "-m", "pip", "install"]
    run([*install, "-e", INSTALL_TARGET], project, fix)
    return python, f"the project installed into {VENV}"
{%- endif %}


def given_python(python):
    """An interpreter of yours, used as it is: it must import Django."""
    try:
        found = run_quietly([python, "-c", "import django"])
    except OSError as error:
        raise StepError(f"could not run {python}: {error}") from error
    if found.returncode != 0:
        raise StepError(
            f"{python} cannot import Django: install the project into its"
            " environment, or leave out --python to build .venv"
        )
    return Path(python), f"{python} imports Django"


# --- manage.py -----------------------------------------------------------------
{%- if production %}


def production_environment(environ=os.environ):
    """The environment for production settings, with the stand-ins they need."""
    return {**STAND_INS, **environ}
{%- endif %}


def run_manage(project, python, arguments, env=None):
    fix = [shown(project, python, arguments, env)]
    if python is None:
        raise SkippedStepError("needs the project's dependencies (see above)", fix)
    run([python, "manage.py", *arguments], project, fix, env=env)
{%- if on_disk %}


def collect_static(project, python):
    """collectstatic with production's storage: hashed names, .br/.gz copies."""
    run_manage(project, python, COLLECTSTATIC, env=production_environment())
    collected = sum(
        1 for path in (project / "staticfiles").rglob("*") if path.is_file()
    )
    return f"{collected} files in staticfiles/"
{%- endif %}


def migrate(project, python, environ=os.environ):
    """Create the local SQLite database, so runserver takes uploads at once."""
    if "DATABASE_URL" in environ:
        raise SkippedStepError(
            "DATABASE_URL is set in your environment: migrate once it is ready",
            [shown(project, python, MIGRATE)],
        )
    run_manage(project, python, MIGRATE)
    return "db.sqlite3"
{%- if cookiecutter.web_server != "none" %}


def write_web_server_config(project, python):
    output = WEB_SERVER_CONFIG[-1].removeprefix("--output=")
    if (project / output).exists():
        # README.md has people write the real one elsewhere; one edited here
        # stays yours.
        return f"kept the existing {output} (manage.py webserver_config rewrites it)"
    run_manage(project, python, WEB_SERVER_CONFIG, env=production_environment())
    return output
{%- endif %}


# --- Reporting -----------------------------------------------------------------


class Steps:
    """Runs steps in order, prints each with its timing, and gathers fixes."""

    def __init__(self, out=sys.stdout):
        self.out = out
        self.fixes = []
        self.failed = False
        self.started = time.monotonic()

    def run(self, title, step, *arguments):
        """Run one step; it returns a detail to print, or a (value, detail) pair.

        Returns what the step returned, or None if it did not finish.
        """
        started = time.monotonic()
        try:
            result = step(*arguments)
        except StepError as unfinished:
            self.say(unfinished.status, title, started, str(unfinished))
            self.fixes += [line for line in unfinished.fix if line not in self.fixes]
            self.failed |= unfinished.status == "FAILED"
            return None
        except Exception as error:  # a bug or an odd machine must not lose the work
            self.say("FAILED", title, started, f"{type(error).__name__}: {error}")
            self.failed = True
            return None
        detail = result[1] if isinstance(result, tuple) else result
        self.say("ok", title, started, detail)
        return result

    def say(self, status, title, started, detail):
        seconds = time.monotonic() - started
        print(
            f"  [{status}] {title} ({seconds:.1f} s): {detail}",
            file=self.out,
            flush=True,
        )

    def interrupted(self, finishing):
        """Ctrl-C: one line, and every set-up command (each can run again)."""
        lines = [
            "",
            "Interrupted. The project is complete; run these in it to finish:",
            *(f"  {line}" for line in finishing),
        ]
        print("\n".join(lines), file=self.out, flush=True)

    def summary(self, next_commands):
        lines = [f"Finished in {time.monotonic() - self.started:.1f} s."]
        if self.fixes:
            lines += [
                "",
                "Not everything finished. The project is complete; run these in it:",
            ]
            lines += [f"  {line}" for line in self.fixes]
        lines += ["", "Next:"] + [f"  {line}" for line in next_commands]
        print("\n".join(lines), file=self.out, flush=True)


def finishing_commands(project, python):
    """What the steps run, in order, as a person types them."""
    commands = []
    if not (project / ".env").exists():
        commands.append("cp .env.example .env    # then set DJANGO_SECRET_KEY in it")
    if python is None:
        commands += install_commands()
{%- if frontend %}
    commands += npm_commands()
{%- endif %}
{%- if on_disk %}
    commands.append(shown(project, python, COLLECTSTATIC, production_environment()))
{%- endif %}
    commands.append(shown(project, python, MIGRATE))
{%- if cookiecutter.web_server != "none" %}
    commands.append(shown(project, python, WEB_SERVER_CONFIG, production_environment()))
{%- endif %}
    return commands


def next_commands(project, python):
{%- if cookiecutter.package_manager == "uv" %}
    # uv run syncs .venv with uv.lock first, creating it if need be.
    return [
        "uv run python manage.py runserver    # then open http://127.0.0.1:8000/",
        "uv run pytest",
    ]
{%- else %}
    commands = []
    if python is None or Path(python).is_relative_to(project / VENV):
        commands.append(
            r".venv\Scripts\activate"
            if os.name == "nt"
            else "source .venv/bin/activate"
        )
    return commands + [
        "python manage.py runserver    # then open http://127.0.0.1:8000/",
        "pytest",
    ]
{%- endif %}


def set_up(project, python=None, steps=None):
    """Every step, in order; True if none failed."""
    steps = steps or Steps()
    try:
{%- if frontend %}
        steps.run(
            "Create media/, staticfiles/ and frontend/dist/", make_directories, project
        )
{%- else %}
        steps.run("Create media/ and staticfiles/", make_directories, project)
{%- endif %}
        steps.run("Write .env", write_env_file, project)
        uv = find_uv()
{%- if cookiecutter.package_manager == "uv" %}
        steps.run("Lock dependencies with uv", lock_dependencies, project, uv)
{%- endif %}
        if python:
            found = steps.run("Use your Python", given_python, python)
        else:
            found = steps.run("Build the environment", build_environment, project, uv)
        python = found[0] if found else None
{%- if frontend %}
        steps.run("Build the front end", build_frontend, project)
{%- endif %}
{%- if on_disk %}
        steps.run("Collect static files", collect_static, project, python)
{%- endif %}
        steps.run("Create the local database", migrate, project, python)
{%- if cookiecutter.web_server != "none" %}
        steps.run(
            "Write the web server config", write_web_server_config, project, python
        )
{%- endif %}
    except KeyboardInterrupt:
        steps.interrupted(finishing_commands(project, python))
        return False
    steps.summary(next_commands(project, python))
    return not steps.failed


def main(arguments=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--python",
        help="an interpreter that has the project's dependencies (instead of .venv)",
    )
    options = parser.parse_args(arguments)
    project = Path(__file__).resolve().parent
    print(f"Setting up {project.name}:", flush=True)
    return 0 if set_up(project, options.python) else 1


if __name__ == "__main__":
    sys.exit(main())
