"""Finish the generated project: prune, create directories, record the template for
cruft, write .env, lock the dependencies (uv projects), then with a Python that has
the project's dependencies, collect static files, create the local database and
write the web server config.

When cruft runs this hook to render the template in a temporary directory (for
``cruft update`` or ``cruft diff``, which compare two renders), only pruning and
the directories happen: the rest is the project's own, never part of the diff.

A step that fails never makes this hook exit with an error, because cookiecutter
would then delete the whole project: the step says what failed, and the summary
lists the commands that finish the job. Answers arrive as JSON data and are never
pasted into Python source.
"""

import importlib.metadata
import importlib.util
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ANSWERS = r"""{{ cookiecutter | tojson }}"""

SKIP_SETUP_VARIABLE = "COOKIECUTTER_SKIP_SETUP"
# What the project imports (brotli: WhiteNoise's .br files); all present means
# this interpreter can run it.
PROJECT_MODULES = ("django", "environ", "whitenoise", "brotli")
UPLOAD_EXAMPLE_PATHS = ("uploads",)
WEB_SERVER_APP = "webserver"
WEB_SERVERS = ("nginx", "apache")
CLOUD_STORAGE_APP = "cloud_storage"
BUCKET_PROVIDERS = ("s3", "gcs", "azure")
# What publishes collectstatic's output to a bucket; media needs none of it.
STATIC_PUBLISHING_PATHS = (
    "cloud_storage/management",
    "cloud_storage/publish.py",
    "cloud_storage/test_static.py",
)
MEDIA_IN_BUCKET_PATHS = ("cloud_storage/test_media.py",)
# What builds hashed, compressed static files in STATIC_ROOT for serving from
# there (files/storage.py and what it uses), and its tests and WhiteNoise's
# beside it.
STATIC_ON_DISK_PATHS = (
    "files/build.py",
    "files/compression.py",
    "files/run.py",
    "files/storage.py",
    "files/writing.py",
    "tests/static_sources.py",
    "tests/test_static_serving.py",
    "tests/test_static_storage.py",
)
WEB_SERVER_TEMPLATES = "webserver/templates/webserver"
# Where the deploy files (deploy/systemd/) expect the project on the server.
SERVER_PROJECT_ROOT = "/srv/{slug}"
EMPTY_DIRECTORIES = ("media", "staticfiles")
# Production settings require bucket names; what the hook runs with them does
# not depend on their values, so these stand in at generation time.
BUCKET_PLACEHOLDERS = {
    "DJANGO_STATIC_BUCKET": "static-bucket",
    "DJANGO_MEDIA_BUCKET": "media-bucket",
    "DJANGO_AZURE_CONNECTION_STRING": "AccountName=stand-in;AccountKey=c3RhbmQtaW4=",
}
VENV = ".venv"
CRUFT_FILE = ".cruft.json"
# What cruft update and cruft diff never touch: secrets, data, build output and
# the web server config people edit (README.md, Deploy). cruft deletes each path,
# a file or a whole directory (globs only with "*"), from both renders it
# compares, so no change to them is ever applied to the project.
CRUFT_SKIP = (
    ".env",
    VENV,
    "db.sqlite3",
    "deploy/apache.conf",
    "deploy/nginx.conf",
    "media",
    "staticfiles",
)
# What cookiecutter adds to the context that names places on this machine;
# cruft's own .cruft.json has none of them.
MACHINE_CONTEXT_KEYS = ("_output_dir", "_repo_dir", "_checkout")
# cruft adds the template's commit to the context; cookiecutter never does.
CRUFT_COMMIT_KEY = "_commit"
# The name of a tempfile.TemporaryDirectory(): where cruft renders to compare.
TEMPORARY_DIRECTORY_NAME = re.compile(r"tmp[a-z0-9_]{8}")
# Variables that would point git elsewhere than the template checkout.
GIT_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")
INSTALL_TARGET = ".[dev]"
LOCK_FILE = "uv.lock"
UV_LOCK = "uv lock"
UV_SYNC = "uv sync    # writes uv.lock if it is missing, creates .venv"
UV_INSTALL = "pipx install uv    # or see https://docs.astral.sh/uv/"
COMMAND_TIMEOUT = 900  # seconds; a dependency install on a slow network


class Unfinished(Exception):
    """A step that did not finish; ``fix`` holds the commands that finish it."""

    def __init__(self, message, fix=(), status="FAILED"):
        super().__init__(message)
        self.fix = list(fix)
        self.status = status


class Skipped(Unfinished):
    def __init__(self, message, fix=()):
        super().__init__(message, fix, status="skipped")


# --- Steps -------------------------------------------------------------------


def prune(project, answers):
    """Remove the files of options the answers did not ask for."""
    removed = []
    if not answers["use_upload_example"]:
        removed += UPLOAD_EXAMPLE_PATHS
    server = answers["web_server"]
    if server == "none":
        removed.append(WEB_SERVER_APP)
    else:
        # The other servers' files only: an include of yours beside the chosen
        # server's templates stays when the hook runs again.
        others = tuple(
            f"{other}{separator}"
            for other in WEB_SERVERS
            if other != server
            for separator in ".-"
        )
        templates = project / WEB_SERVER_TEMPLATES
        removed += [
            path.relative_to(project).as_posix()
            for path in sorted(templates.glob("*"))
            if path.name.startswith(others)
        ]
    removed += unused_cloud_storage(answers)
    if answers["static_storage"] in BUCKET_PROVIDERS:
        removed += STATIC_ON_DISK_PATHS
    removed = [name for name in removed if (project / name).exists()]
    for name in removed:
        path = project / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return f"removed {', '.join(removed)}" if removed else "nothing to remove"


def buckets(answers):
    """The object storage providers the answers chose, for static or media."""
    chosen = (answers["static_storage"], answers["media_storage"])
    return [provider for provider in BUCKET_PROVIDERS if provider in chosen]


def unused_cloud_storage(answers):
    """cloud_storage/ files for providers (or for static files) not chosen."""
    chosen = buckets(answers)
    if not chosen:
        return [CLOUD_STORAGE_APP]
    unused = [
        f"{CLOUD_STORAGE_APP}/{provider}.py"
        for provider in BUCKET_PROVIDERS
        if provider not in chosen
    ]
    if answers["static_storage"] not in BUCKET_PROVIDERS:
        unused += STATIC_PUBLISHING_PATHS
    if answers["media_storage"] not in BUCKET_PROVIDERS:
        unused += MEDIA_IN_BUCKET_PATHS
    return unused


def make_manage_executable(project):
    """./manage.py runs: a template from a zip arrives without file modes
    (Python's zipfile drops them), so add execute wherever read is set."""
    manage = project / "manage.py"
    mode = manage.stat().st_mode
    executable = mode | (mode & 0o444) >> 2
    if executable == mode:
        return "it was"
    manage.chmod(executable)
    return "it was not (a template from a zip)"


def make_directories(project):
    """Create media/ and staticfiles/, each kept in git by an empty .gitkeep."""
    failed = {}
    for name in EMPTY_DIRECTORIES:
        directory = project / name
        try:
            directory.mkdir(exist_ok=True)
            keep = directory / ".gitkeep"
            if not keep.exists():
                keep.write_text("")
        except OSError as error:  # e.g. a deployed media/ owned by the web server
            failed[name] = error
    if failed:
        keeps = " ".join(f"{name}/.gitkeep" for name in failed)
        raise Unfinished(
            "; ".join(str(error) for error in failed.values()),
            fix=[
                f"# as a user who may write to {' and '.join(failed)}:",
                f"mkdir -p {' '.join(failed)} && touch {keeps}",
            ],
        )
    return ", ".join(f"{name}/" for name in EMPTY_DIRECTORIES)


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
        raise Unfinished(
            f"could not write .env: {error}",
            fix=[
                "cp .env.example .env",
                "# then set DJANGO_SECRET_KEY in .env to the output of:",
                'python -c "import secrets; print(secrets.token_urlsafe(50))"',
            ],
        ) from error
    return "fresh DJANGO_SECRET_KEY"


def why_not_here(answers):
    """Why this interpreter cannot run the project, or None if it can."""
    missing = [
        name for name in PROJECT_MODULES if importlib.util.find_spec(name) is None
    ]
    if missing:
        return f"{', '.join(missing)} not importable by {sys.executable}"
    installed = importlib.metadata.version("django")
    wanted = answers["django_version"]
    if installed.split(".")[:2] != wanted.split("."):
        return f"Django {installed} is installed here; the project uses {wanted}"
    return None


def setup_enabled(answers, environ=os.environ):
    skip = environ.get(SKIP_SETUP_VARIABLE, "").strip().lower()
    return answers["set_up_environment"] and skip in ("", "0", "false", "no")


def venv_python(venv):
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def python_floor(answers):
    return answers["_django_lines"][answers["django_version"]]["python_floor"]


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
    """Run a command; on failure raise Unfinished with its output's last lines,
    after the last line above them about a connection that failed."""
    try:
        result = run_quietly([str(part) for part in command], cwd=cwd, env=env)
    except (OSError, subprocess.SubprocessError) as error:
        raise Unfinished(
            f"could not run {Path(command[0]).name}: {error}", fix
        ) from error
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        cause = [line for line in output[:-12] if CONNECTION_TROUBLE.search(line)]
        tail = "\n".join(f"      {line}" for line in cause[-1:] + output[-12:])
        raise Unfinished(f"exited with status {result.returncode}:\n{tail}", fix)
    return result


def find_uv(environ=os.environ):
    """uv's executable: the one running us (uv run and uvx set UV), or on PATH."""
    running = environ.get("UV")
    if running and Path(running).is_file():
        return running
    return shutil.which("uv")


def uses_uv(answers):
    return answers["package_manager"] == "uv"


def install_commands(answers):
    """What a person runs to build the environment, shown when a step fails."""
    if uses_uv(answers):
        return [UV_SYNC]
    python = venv_python(Path(VENV))
    return [
        f"python{python_floor(answers)} -m venv {VENV}",
        f'{python} -m pip install -e "{INSTALL_TARGET}"',
    ]


def lock_dependencies(project, answers):
    """uv.lock for a uv project: every dependency pinned, for every platform."""
    if not setup_enabled(answers):
        raise Skipped("environment set-up is off", [UV_LOCK])
    uv = find_uv()
    if uv is None:
        raise Unfinished("uv is not installed here", [UV_INSTALL, UV_LOCK])
    # Without an interpreter new enough at hand, uv fetches one (with network).
    base = find_python(python_floor(answers), uv)
    request = ["--python", base] if base else []
    run([uv, "lock", "--quiet", *request], project, [UV_LOCK])
    packages = (project / LOCK_FILE).read_text().count("\n[[package]]")
    return f"{LOCK_FILE} pins {packages} packages"


def create_environment(project, answers, uv=None):
    """Create .venv and install the project into it: uv sync for a uv project,
    else pip (through uv when it is on PATH, for speed)."""
    fix = install_commands(answers)
    venv = project / VENV
    python = venv_python(venv)
    floor = python_floor(answers)
    base = find_python(floor, uv)
    if uses_uv(answers):
        if uv is None:
            raise Unfinished("uv is not installed here", [UV_INSTALL, *fix])
        # uv also finds (or, with network, fetches) a Python new enough itself.
        request = ["--python", base] if base else []
        run([uv, "sync", "--locked", "--quiet", *request], project, fix)
        return python
    if not python.exists():
        if uv:
            request = base or f">={floor}"
            run([uv, "venv", "--quiet", "--python", request, venv], project, fix)
        elif base:
            run([base, "-m", "venv", venv], project, fix)
        else:
            raise Unfinished(
                f"Django {answers['django_version']} needs Python {floor} or newer,"
                " and none was found on PATH",
                fix,
            )
    if uv:
        run(
            [uv, "pip", "install", "--python", python, "-e", INSTALL_TARGET],
            project,
            fix,
        )
    else:
        run([python, "-m", "pip", "install", "-e", INSTALL_TARGET], project, fix)
    return python


def project_python(project, answers):
    """The interpreter that runs manage.py: this one if it can, else .venv's."""
    reason = why_not_here(answers)
    if reason is None:
        return Path(sys.executable), "this Python already has Django"
    if not setup_enabled(answers):
        raise Skipped(
            f"{reason}, and environment set-up is off", install_commands(answers)
        )
    print(f"      {reason}: installing the project into {VENV}...", flush=True)
    python = create_environment(project, answers, uv=find_uv())
    return python, f"installed into {VENV}"


PRODUCTION = "--settings=config.settings.production"
COLLECTSTATIC = ("collectstatic", "--noinput", PRODUCTION)
MIGRATE = ("migrate", "--noinput", "--settings=config.settings.local")


def shown(project, python, arguments, env=None):
    """A manage.py command as a person types it in the project directory, with
    the variables ``env`` sets that this process's environment lacks (the
    stand-in bucket names production settings need here)."""
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


def run_manage(project, python, arguments, env=None):
    fix = [shown(project, python, arguments, env)]
    if python is None:
        raise Skipped("needs the project's dependencies (see above)", fix)
    run([python, "manage.py", *arguments], project, fix, env=env)


def collect_static(project, python, answers):
    """collectstatic with production's storage: hashed names and .br/.gz copies.

    Static files bound for a bucket are published when deploying, with the
    bucket's settings: generating a project never talks to the cloud.
    """
    if answers["static_storage"] in BUCKET_PROVIDERS:
        raise Skipped(
            "static files go to the bucket when you deploy: collectstatic there "
            "hashes them in STATIC_ROOT and uploads what the bucket lacks "
            "(see Deploy in README.md)"
        )
    run_manage(project, python, COLLECTSTATIC, env=production_environment(answers))
    collected = sum(
        1 for path in (project / "staticfiles").rglob("*") if path.is_file()
    )
    return f"{collected} files in staticfiles/"


def migrate(project, python, environ=os.environ):
    """Create the default SQLite database so runserver can take uploads at once."""
    if "DATABASE_URL" in environ:
        raise Skipped(
            "DATABASE_URL is set in your environment: migrate once it is ready",
            [shown(project, python, MIGRATE)],
        )
    run_manage(project, python, MIGRATE)
    return "db.sqlite3"


def web_server_config_command(answers):
    """manage.py arguments that write deploy/<server>.conf for the server layout
    that deploy/systemd/ describes.

    brotli_static stays off: the module is optional, and the file must load on
    any nginx; regenerating on the server with --brotli on adds it.
    """
    server = answers["web_server"]
    return (
        "webserver_config",
        PRODUCTION,
        f"--server={server}",
        "--server-name=example.com",
        f"--project-root={SERVER_PROJECT_ROOT.format(slug=answers['project_slug'])}",
        "--brotli=off",
        f"--output=deploy/{server}.conf",
    )


def production_environment(answers, environ=os.environ):
    """The environment for production settings, with stand-ins for buckets.

    Collecting static files on disk and writing the web server config depend
    on where files live, not on which bucket holds them.
    """
    environment = dict(environ)
    if buckets(answers):
        for name, value in BUCKET_PLACEHOLDERS.items():
            environment.setdefault(name, value)
    return environment


def write_web_server_config(project, python, answers):
    if answers["web_server"] == "none":
        raise Skipped("no web server chosen")
    output = f"deploy/{answers['web_server']}.conf"
    if (project / output).exists():
        # README.md has people write the real one there (their server name):
        # running the hook again must not put the default back.
        return f"kept the existing {output} (manage.py webserver_config rewrites it)"
    run_manage(
        project,
        python,
        web_server_config_command(answers),
        env=production_environment(answers),
    )
    return output


# --- Updates with cruft ------------------------------------------------------


def cruft_render(answers, project, temporary_root=None):
    """Whether cruft runs this hook only to render the template for a comparison.

    ``cruft update`` and ``cruft diff`` render the project's commit of the
    template and the newest one, each into a fresh ``tempfile`` directory that
    holds nothing but the project, and then delete it. cruft, and only cruft,
    puts ``_commit`` in the context; ``cruft create`` writes where it is told
    (told to write into a fresh ``tempfile`` directory, it gets a render's
    treatment: the pruned files, and no .env or environment).
    """
    if CRUFT_COMMIT_KEY not in answers:
        return False
    project = Path(project).absolute()
    parent = project.parent
    if not TEMPORARY_DIRECTORY_NAME.fullmatch(parent.name):
        return False
    try:
        in_temporary_root = os.path.samefile(
            parent.parent, temporary_root or tempfile.gettempdir()
        )
        alone = [entry.name for entry in parent.iterdir()] == [project.name]
    except OSError:
        return False
    return in_temporary_root and alone


def git(directory, *arguments):
    """Run git in ``directory``, whatever GIT_DIR the caller had set."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in GIT_LOCATION_VARIABLES
    }
    command = ["git", "-C", str(directory), *arguments]
    try:
        return run_quietly(command, env=environment)
    except (OSError, subprocess.SubprocessError) as error:
        raise Skipped(
            f"could not run git ({error}): no {CRUFT_FILE}, so cruft cannot "
            "update this project"
        ) from error


def parent_directory():
    """The working directory of the process that runs this hook, where the OS
    tells (Linux): cookiecutter's is the template directory while hooks run."""
    try:
        return Path(os.readlink(f"/proc/{os.getppid()}/cwd"))
    except OSError:
        return None


def template_directory(answers, environ=os.environ):
    """The template directory cookiecutter rendered, as an absolute path."""
    given = answers.get("_repo_dir")
    if not given:
        raise Skipped(
            f"this cookiecutter does not tell hooks where the template is (2.2 and "
            f"newer do): no {CRUFT_FILE}, so cruft cannot update this project"
        )
    if Path(given).is_absolute():
        return Path(given)
    # A relative path is relative to where cookiecutter was started.
    candidates = [parent_directory()]
    candidates += [
        Path(base, given)
        for base in (environ.get("PWD"), answers.get("_output_dir"))
        if base
    ]
    for candidate in candidates:
        if candidate and (candidate / "cookiecutter.json").is_file():
            return Path(os.path.abspath(candidate))
    raise Skipped(
        f"could not find the template directory {given!r} (a relative path): no "
        f"{CRUFT_FILE}; give the template's absolute path or URL to get one"
    )


def given_locally(answers):
    """Whether the template was given as a directory on this machine (else
    cookiecutter cloned a URL or an abbreviation such as gh:)."""
    template = Path(str(answers.get("_template", "")))
    repo_dir = Path(answers["_repo_dir"])
    return repo_dir == template or template in repo_dir.parents


def template_source(answers, environ=os.environ):
    """Where cruft finds the template again: its git location, the commit, the
    directory of cookiecutter.json inside the repository, and whether the
    checkout had changes no commit holds."""
    directory = template_directory(answers, environ)
    top = git(directory, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        reason = (top.stderr.strip().splitlines() or ["git said nothing"])[0]
        raise Skipped(
            f"the template at {directory} is not a git checkout ({reason}): no "
            f"{CRUFT_FILE}, as cruft updates from the template's git history. "
            "Generate from the template's git URL or a clone of it to get one."
        )
    head = git(directory, "rev-parse", "--verify", "HEAD")
    if head.returncode != 0:
        raise Skipped(f"the template at {directory} has no commit: no {CRUFT_FILE}")
    top_level = Path(top.stdout.strip())
    inside = os.path.relpath(os.path.realpath(directory), os.path.realpath(top_level))
    inside = None if inside == "." else Path(inside).as_posix()
    if given_locally(answers):
        location = str(directory) if inside is None else str(top_level)
    else:
        origin = git(top_level, "remote", "get-url", "origin")
        location = origin.stdout.strip() if origin.returncode == 0 else ""
        location = location or str(answers["_template"])
    status = git(directory, "status", "--porcelain", "--", ".")
    return {
        "template": location,
        "commit": head.stdout.strip(),
        "directory": inside,
        "uncommitted": status.returncode != 0 or bool(status.stdout.strip()),
        "questions": questions(directory),
    }


def questions(directory):
    """cookiecutter.json as written: its order is the one cruft keeps (answers
    arrive here with their keys sorted)."""
    try:
        questions = json.loads((directory / "cookiecutter.json").read_text())
    except (OSError, ValueError):
        return {}
    return questions if isinstance(questions, dict) else {}


def cruft_state(answers, source):
    """What ``cruft create`` writes to .cruft.json, plus the paths to skip."""
    questions = source.get("questions", {})
    order = list(questions)
    keys = sorted(
        (key for key in answers if key not in MACHINE_CONTEXT_KEYS),
        key=lambda key: order.index(key) if key in order else len(order),
    )
    # A value as cookiecutter.json has it (nested keys in its order) if equal.
    context = {
        key: questions[key] if questions.get(key) == answers[key] else answers[key]
        for key in keys
    }
    context["_template"] = source["template"]
    context[CRUFT_COMMIT_KEY] = source["commit"]
    return {
        "template": source["template"],
        "commit": source["commit"],
        "checkout": answers.get("_checkout"),
        "context": {"cookiecutter": context},
        "directory": source["directory"],
        "skip": list(CRUFT_SKIP),
    }


def record_template(project, answers, environ=os.environ):
    """Write .cruft.json, which cruft check, update and diff read."""
    if CRUFT_COMMIT_KEY in answers:
        return f"cruft create writes {CRUFT_FILE} itself, after this hook"
    cruft_file = project / CRUFT_FILE
    if cruft_file.exists():
        return f"kept the existing {CRUFT_FILE}"
    source = template_source(answers, environ)
    text = json.dumps(
        cruft_state(answers, source),
        ensure_ascii=False,
        indent=2,
        separators=(",", ": "),
    )
    cruft_file.write_text(text + "\n")
    detail = f"{CRUFT_FILE}: {source['template']} at {source['commit'][:12]}"
    if source["uncommitted"]:
        detail += (
            " (the template checkout has uncommitted changes: cruft will take"
            " the project as made from that commit)"
        )
    return detail


def render_for_cruft(project, answers):
    """What a render for cruft's comparison needs: the files a fresh generation
    would track. .env, the environment, static files, the database and the web
    server config are the project's own, so cruft never sees them."""
    print(
        f"Rendering {project.name} for cruft to compare template versions"
        " (options pruned; no .env, environment, collectstatic, database or web"
        " server config):",
        flush=True,
    )
    steps = Steps()
    steps.run("Remove options you did not choose", prune, project, answers)
    steps.run("Create empty directories", make_directories, project)


# --- Reporting ---------------------------------------------------------------


class Steps:
    """Runs steps in order, prints each with its timing, and gathers fixes."""

    def __init__(self, out=sys.stdout):
        self.out = out
        self.fixes = []
        self.started = time.monotonic()

    def run(self, title, step, *arguments):
        """Run one step; it returns a detail to print, or a (value, detail) pair.

        Returns what the step returned, or None if it did not finish.
        """
        started = time.monotonic()
        try:
            result = step(*arguments)
        except Unfinished as unfinished:
            self.say(unfinished.status, title, started, str(unfinished))
            self.fixes += [line for line in unfinished.fix if line not in self.fixes]
            return None
        except Exception as error:  # a bug or an odd machine must not lose the project
            self.say("FAILED", title, started, f"{type(error).__name__}: {error}")
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


def finishing_commands(project, python, answers):
    """What the set-up steps run, in order, as a person types them."""
    commands = []
    if not (project / ".env").exists():
        commands.append("cp .env.example .env    # then set DJANGO_SECRET_KEY in it")
    if uses_uv(answers):
        commands.append(UV_LOCK)
    if python is None:
        commands += install_commands(answers)
    environment = production_environment(answers)
    if answers["static_storage"] not in BUCKET_PROVIDERS:
        commands.append(shown(project, python, COLLECTSTATIC, environment))
    commands.append(shown(project, python, MIGRATE))
    if answers["web_server"] != "none":
        arguments = web_server_config_command(answers)
        commands.append(shown(project, python, arguments, environment))
    return commands


def next_commands(project, python, answers):
    commands = [f"cd {project.name}"]
    if uses_uv(answers):
        # uv run syncs .venv with uv.lock first, creating it if need be.
        return commands + [
            "uv run python manage.py runserver    # then open http://127.0.0.1:8000/",
            "uv run pytest",
        ]
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


def main():
    answers = json.loads(ANSWERS)
    project = Path.cwd()
    if cruft_render(answers, project):
        render_for_cruft(project, answers)
        return
    print(f"Finishing {project.name}:", flush=True)
    steps = Steps()
    python = None
    try:
        steps.run("Remove options you did not choose", prune, project, answers)
        steps.run("Create empty directories", make_directories, project)
        steps.run("Make manage.py executable", make_manage_executable, project)
        steps.run(
            "Record the template for cruft updates", record_template, project, answers
        )
        steps.run("Write .env", write_env_file, project)
        if uses_uv(answers):
            steps.run("Lock dependencies with uv", lock_dependencies, project, answers)
        found = steps.run(
            "Find a Python that runs the project", project_python, project, answers
        )
        python = found[0] if found else None
        steps.run("Collect static files", collect_static, project, python, answers)
        steps.run("Create the local database", migrate, project, python)
        steps.run(
            "Write the web server config",
            write_web_server_config,
            project,
            python,
            answers,
        )
    except KeyboardInterrupt:
        steps.interrupted(finishing_commands(project, python, answers))
        return
    steps.summary(next_commands(project, python, answers))


if __name__ == "__main__":
    main()
