{%- set on_disk = cookiecutter.static_storage not in ["s3", "gcs", "azure"] -%}
{%- set buckets = not on_disk or cookiecutter.media_storage != "local" -%}
{%- set production = on_disk or cookiecutter.web_server != "none" -%}
{%- set frontend = cookiecutter.frontend != "none" -%}
{%- set vendored = cookiecutter._sitefiles.source == "vendor" -%}
{%- set postgresql = cookiecutter.database == "postgresql" -%}
"""Set this project up on a machine: right after ``git clone``, or again at any time.

    python3 bootstrap.py

It builds the environment:

{% if cookiecutter.package_manager == "uv" -%}
- uv.lock, if there is none, then .venv synced with it (uv sync --locked);
{%- else -%}
- .venv, with the project installed by pip (through uv when it is on PATH);
{%- endif %}

then runs ``manage.py setup_project`` (django-sitefiles) with it, which makes

{% if frontend -%}
- media/, staticfiles/ and frontend/dist/, each kept in git by an empty .gitkeep;
{%- else -%}
- media/ and staticfiles/, each kept in git by an empty .gitkeep;
{%- endif %}
{%- if postgresql %}
- .env from .env.example, with a fresh secret key and compose's database
  password;
{%- else %}
- .env from .env.example, with a fresh secret key;
{%- endif %}
{%- if frontend %}
- frontend/dist/ from frontend/src/ (npm ci, npm run build), if npm is here;
{%- endif %}
{%- if on_disk %}
- staticfiles/ with production's storage (collectstatic);
{%- endif %}
{%- if postgresql %}
- the local PostgreSQL database's tables (migrate), once the database exists;
{%- else %}
- the local SQLite database (migrate);
{%- endif %}
{%- if cookiecutter.web_server != "none" %}
- deploy/{{ cookiecutter.web_server }}.conf from the settings (manage.py webserver_config).
{%- endif %}

Each step keeps what is already there, so running it again is safe; it prints
its timing, one that fails says why, and the end lists the commands that
finish the job. It needs the standard library only: it runs before any
environment exists. ``--python PATH`` uses an interpreter of yours that has the
project's dependencies instead of .venv.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

PYTHON_FLOOR = "{{ cookiecutter._django_lines[cookiecutter.django_version].python_floor }}"
VENV = ".venv"
{%- if cookiecutter.package_manager == "uv" %}
UV_INSTALL = "pipx install uv    # or see https://docs.astral.sh/uv/"
{%- else %}
INSTALL_TARGET = ".[dev]"
{%- if vendored %}
# django-sitefiles is not on PyPI yet: pip finds its wheel in vendor/.
FIND_LINKS = "vendor"
{%- endif %}
{%- endif %}
COMMAND_TIMEOUT = 900  # seconds; a dependency install on a slow network
# What the project's environment runs next: the steps that need Django.
{%- if production or frontend or postgresql %}
SETUP = (
    "setup_project",
{%- if postgresql %}
    # compose.yaml's database service takes its password from .env.
    "--secret-variable=DJANGO_SECRET_KEY",
    "--secret-variable=POSTGRES_PASSWORD",
{%- endif %}
{%- if production %}
    "--production-settings=config.settings.production",
{%- endif %}
{%- if production and postgresql %}
    # Production settings require DATABASE_URL; collectstatic and the web
    # server config never connect.
    "--stand-in=DATABASE_URL=postgres://stand-in/stand-in",
{%- endif %}
{%- if production and buckets %}
    # Production settings require bucket names; what runs here with them does
    # not depend on their values (files on disk, the web server config).
{%- if not on_disk %}
    "--stand-in=DJANGO_STATIC_BUCKET=static-bucket",
{%- endif %}
{%- if cookiecutter.media_storage != "local" %}
    "--stand-in=DJANGO_MEDIA_BUCKET=media-bucket",
{%- endif %}
{%- if "azure" in [cookiecutter.static_storage, cookiecutter.media_storage] %}
    (
        "--stand-in=DJANGO_AZURE_CONNECTION_STRING="
        "AccountName=stand-in;AccountKey=c3RhbmQtaW4="
    ),
{%- endif %}
{%- endif %}
{%- if frontend %}
    "--npm",
{%- endif %}
{%- if on_disk %}
    "--collectstatic",
{%- endif %}
{%- if cookiecutter.web_server != "none" %}
    # For the server layout that deploy/systemd/ and README.md's production
    # steps use: the project in /srv/{{ cookiecutter.project_slug }}.
    "--web-server={{ cookiecutter.web_server }}",
{%- endif %}
)
{%- else %}
SETUP = ("setup_project",)
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


class Steps:
    """Runs steps in order, prints each with its timing, and gathers fixes.

    manage.py setup_project prints its steps the same way, with django-sitefiles'
    own copy of this: bootstrap.py runs before the package is installed, so it
    has the standard library alone."""

    def __init__(self, out=sys.stdout):
        self.out = out
        self.fixes = []
        self.failed = False

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

    def stopped(self, heading, commands):
        """The set-up cannot go on: what to run to finish it."""
        lines = ["", heading, *(f"  {line}" for line in commands)]
        print("\n".join(lines), file=self.out, flush=True)


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
{%- if vendored %}
        f'{python} -m pip install -e "{INSTALL_TARGET}" --find-links {FIND_LINKS}',
{%- else %}
        f'{python} -m pip install -e "{INSTALL_TARGET}"',
{%- endif %}
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
{%- if vendored %}
    run([*install, "-e", INSTALL_TARGET, "--find-links", FIND_LINKS], project, fix)
{%- else %}
    run([*install, "-e", INSTALL_TARGET], project, fix)
{%- endif %}
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


# --- The rest: manage.py setup_project ----------------------------------------


def shown_python(project, python):
    """The interpreter as a person types it in the project directory."""
    python = Path(python) if python else venv_python(Path(VENV))
    if python.is_absolute() and python.is_relative_to(project):
        return python.relative_to(project)
    return python


def setup_command(project, python):
    return [str(shown_python(project, python)), "manage.py", *SETUP]


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
    """Build the environment, then have the project set itself up with it;
    True if no step failed."""
    steps = steps or Steps()
    setting_up = False
    try:
        uv = find_uv()
{%- if cookiecutter.package_manager == "uv" %}
        steps.run("Lock dependencies with uv", lock_dependencies, project, uv)
{%- endif %}
        if python:
            found = steps.run("Use your Python", given_python, python)
        else:
            found = steps.run("Build the environment", build_environment, project, uv)
        if found is None:
            steps.stopped(
                "Not everything finished. The project is complete; run these in it:",
                [*steps.fixes, " ".join(setup_command(project, python))],
            )
            return False
        python = found[0]
        command = [str(python), "manage.py", *SETUP]
        command += [f"--unfinished={line}" for line in steps.fixes]
        command += [f"--next={line}" for line in next_commands(project, python)]
        # It prints each of its steps as it goes, then what is left to do.
        setting_up = True
        child = subprocess.Popen(command, cwd=project)
        try:
            status = child.wait()
        except KeyboardInterrupt:  # it had the same Ctrl-C: it says what is left
            status = child.wait()
    except KeyboardInterrupt:
        if not setting_up:  # else setup_project says what is left
            commands = [] if python else install_commands()
            commands += [" ".join(setup_command(project, python))]
            steps.stopped(
                "Interrupted. The project is complete; run these in it to finish:",
                [*steps.fixes, *(line for line in commands if line not in steps.fixes)],
            )
        return False
    return status == 0 and not steps.failed


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
