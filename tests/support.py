"""Helpers the template's tests share: answer sets, interpreters, servers."""

import contextlib
import importlib.util
import io
import itertools
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from local_processes import running, uv

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"

# The answer values, as cookiecutter.json lists them.
QUESTIONS = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
DJANGO_LINES = tuple(QUESTIONS["django_version"])
WEB_SERVERS = tuple(QUESTIONS["web_server"])
STATIC_STORAGES = tuple(QUESTIONS["static_storage"])
MEDIA_STORAGES = tuple(QUESTIONS["media_storage"])


def answer_set(
    django,
    uploads,
    web_server,
    static="whitenoise",
    media="local",
    manager="pip",
    frontend="none",
    database="sqlite",
):
    name = f"django-{django}-{'uploads' if uploads else 'no-uploads'}-{web_server}"
    answers = {
        "django_version": django,
        "use_upload_example": uploads,
        "web_server": web_server,
    }
    if (static, media) != (STATIC_STORAGES[0], MEDIA_STORAGES[0]):
        name += f"-static-{static}-media-{media}"
        answers.update(static_storage=static, media_storage=media)
    if manager != "pip":
        name += f"-{manager}"
        answers.update(package_manager=manager)
    if frontend != "none":
        name += f"-{frontend}"
        answers.update(frontend=frontend)
    if database != "sqlite":
        name += f"-{database}"
        answers.update(database=database)
    return name, answers


# Every combination of the options that change the generated files, storage
# aside; then every pair of storages, with the web servers taking turns.
STORAGE_PAIRS = [
    pair
    for pair in itertools.product(STATIC_STORAGES, MEDIA_STORAGES)
    if pair != (STATIC_STORAGES[0], MEDIA_STORAGES[0])
]
STORAGE_SETS = dict(
    answer_set("5.2", True, server, static, media)
    for (static, media), server in zip(
        STORAGE_PAIRS, itertools.cycle(WEB_SERVERS), strict=False
    )
    if static != "web_server"
)
# Static files served by the web server only: no answer set without one.
STORAGE_SETS.update(
    answer_set("5.2", True, server, "web_server", media)
    for media, server in zip(MEDIA_STORAGES, itertools.cycle(WEB_SERVERS[:2]))
)
# uv instead of pip changes pyproject.toml, the README and the workflow only:
# each Django line once, and once with the storages that add dependencies.
UV_SETS = dict(
    [
        answer_set("5.2", True, "nginx", manager="uv"),
        answer_set("6.1", False, "none", manager="uv"),
        answer_set("5.2", True, "apache", "s3", "gcs", manager="uv"),
    ]
)
# A front-end build changes the templates, settings, bootstrap.py, the
# workflow and the README: with each package manager, and with static files in
# a bucket.
FRONTEND = "esbuild-tailwind"
FRONTEND_SETS = dict(
    [
        answer_set("5.2", True, "nginx", frontend=FRONTEND),
        answer_set("6.1", False, "none", manager="uv", frontend=FRONTEND),
        answer_set("5.2", True, "apache", "s3", "s3", frontend=FRONTEND),
    ]
)
# PostgreSQL changes the settings, dependencies, Dockerfile, compose.yaml, the
# workflow, bootstrap.py and the README: with each package manager and Django
# line, with and without a web server, with a front end, and with buckets.
DATABASE_SETS = dict(
    [
        answer_set("5.2", True, "nginx", database="postgresql"),
        answer_set(
            "6.1", False, "none", manager="uv", frontend=FRONTEND, database="postgresql"
        ),
        answer_set("5.2", True, "apache", "s3", "s3", database="postgresql"),
    ]
)
ANSWER_SETS = {
    **dict(
        answer_set(*values)
        for values in itertools.product(DJANGO_LINES, (True, False), WEB_SERVERS)
    ),
    **STORAGE_SETS,
    **UV_SETS,
    **FRONTEND_SETS,
    **DATABASE_SETS,
}
# Booting is slower: these cover every value of every option but storage, and
# every Django line with and without the upload app.
BOOT_SETS = [
    "django-5.2-uploads-nginx",
    "django-5.2-no-uploads-none",
    "django-6.1-uploads-apache",
    "django-6.1-no-uploads-nginx",
]
PYTHON_FLOORS = {"5.2": (3, 10), "6.1": (3, 12)}
# What .cruft.json tells cruft never to touch: secrets, data, build output and
# the web server config people edit.
CRUFT_SKIP = QUESTIONS["_cruft_skip"]


def skip_or_fail(reason):
    """Skip when something the test needs is missing here; under CI, fail."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: missing tools are failures)")
    pytest.skip(reason)


def python_version(executable):
    try:
        result = subprocess.run(
            [executable, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return None
    if result.returncode != 0:
        return None
    return tuple(int(part) for part in result.stdout.split())


def find_python(floor):
    """An interpreter at least ``floor``: this one, python3.X on PATH, or pyenv's."""
    if sys.version_info[:2] >= floor:
        return sys.executable
    names = [f"python3.{minor}" for minor in range(floor[1], 20)]
    candidates = [shutil.which(name) for name in names]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for name in names:
        candidates += sorted(pyenv_root.glob(f"versions/*/bin/{name}"))
    for candidate in filter(None, candidates):
        version = python_version(str(candidate))
        if version and version >= floor:
            return str(candidate)
    return None


def answers_at(url, verify=True):
    """Whether something answers at ``url`` (http(s):// or unix:); OSError if
    nothing listens yet."""
    if url.startswith("unix:"):
        with socket.socket(socket.AF_UNIX) as probe:
            probe.connect(url.removeprefix("unix:"))
    else:
        import requests  # not needed by the fast tier

        requests.get(url, timeout=2, allow_redirects=False, verify=verify)
    return True


def running_server(command, *, cwd, env, url, log_path, timeout=60, verify=True):
    """Start a server, wait until ``url`` answers, and stop it (by its PID) after."""
    return running(
        command,
        log_path=log_path,
        ready=lambda: answers_at(url, verify),
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


# Debian's Chromium, headless as root, kept off the internet.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@contextlib.contextmanager
def chromium(*flags):
    """A headless Chromium driven by Playwright, closed at the end; ``flags``
    are added to CHROMIUM_FLAGS."""
    executable = shutil.which("chromium")
    if executable is None:
        skip_or_fail("Chromium is not installed (Debian package: chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=[*CHROMIUM_FLAGS, *flags]
        )
        try:
            yield browser
        finally:
            browser.close()


def build_frontend(project):
    """npm ci and npm run build in a generated project, as its README says."""
    npm = shutil.which("npm")
    if npm is None:
        skip_or_fail("npm is not installed (Debian package: npm)")
    for arguments in (["ci", "--no-audit", "--no-fund"], ["run", "build"]):
        result = subprocess.run(
            [npm, *arguments],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    return project / "frontend" / "dist"


def first_match(pattern, text):
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not found in:\n{text}"
    return match.group(1)


SECRET = "boot-test-secret-7c1e9a2b5d8f4e6a0b3c9d2e8f1a7b4c6d0e5f9a3b8c2d7e"
HASHED_CSS = r'href="(/static/css/site\.[0-9a-f]{12}\.css)"'
HTTPS_PROXY = {"X-Forwarded-Proto": "https"}  # what the proxy in front would send


# A script for a generated project's Python (the example app): users "owner"
# and "other", a private document of the owner's, and a signed-in session for
# each; prints JSON {"link", "name", "sessions": [owner's, other's]}.
PRIVATE_TEXT = b"only for its owner"
PRIVATE_DOCUMENT = f"""
import json
import django
django.setup()
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import Client
from uploads.models import Document
owner, other = (User.objects.create_user(name) for name in ("owner", "other"))
document = Document(owner=owner, title="Notes")
document.file.save("notes.txt", ContentFile({PRIVATE_TEXT!r}))
sessions = []
for user in (owner, other):
    client = Client()
    client.force_login(user)
    sessions.append(client.cookies["sessionid"].value)
link, name = document.get_absolute_url(), document.file.name
print(json.dumps({{"link": link, "name": name, "sessions": sessions}}))
"""


class Booted:
    """A generated project and the interpreter that has its dependencies."""

    def __init__(self, name, answers, project, python):
        self.name = name
        self.answers = answers
        self.project = project
        self.python = python

    def environment(self, settings, **variables):
        """A clean environment: nothing from the caller's DJANGO_* or .env."""
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("DJANGO_") and key != "DATABASE_URL"
        }
        environment["DJANGO_SETTINGS_MODULE"] = f"config.settings.{settings}"
        environment["DJANGO_ENV_FILE"] = os.devnull
        if settings == "production":
            environment["DJANGO_SECRET_KEY"] = SECRET
            environment["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
        for key, value in variables.items():
            if value is None:
                environment.pop(key, None)  # let the .env file provide it
            else:
                environment[key] = str(value)
        return environment

    def run(self, *arguments, settings="local", **variables):
        return subprocess.run(
            [str(self.python), *arguments],
            cwd=self.project,
            env=self.environment(settings, **variables),
            capture_output=True,
            text=True,
            timeout=600,
        )

    def manage(self, *arguments, settings="local", **variables):
        result = self.run("manage.py", *arguments, settings=settings, **variables)
        assert result.returncode == 0, result.stdout + result.stderr
        return result


def answers_for(**overrides):
    """The answers cookiecutter builds from cookiecutter.json with ``--no-input``."""
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    context = generate_context(
        context_file=TEMPLATE_DIR / "cookiecutter.json", extra_context=overrides
    )
    return dict(prompt_for_config(context, no_input=True))


def tiny_font():
    """A valid TrueType font of one glyph (fontTools), built here so the tests
    ship no binary files."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef"])
    builder.setupCharacterMap({})
    pen = TTGlyphPen(None)
    pen.moveTo((0, 0))
    pen.lineTo((0, 500))
    pen.lineTo((500, 500))
    pen.closePath()
    builder.setupGlyf({".notdef": pen.glyph()})
    builder.setupHorizontalMetrics({".notdef": (500, 0)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Probe", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    output = io.BytesIO()
    builder.save(output)
    return output.getvalue()


def tiny_png(size=1):
    """A valid size x size PNG in the project's green, built here so the tests
    ship no binary files."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    pixels = zlib.compress((b"\x00" + b"\x0b\x6e\x4f" * size) * size)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def pixels(data):
    """What a picture shows: its size and pixels. Uploaded pictures are stored
    written again (uploads/images.py), so their bytes differ from what was sent."""
    from PIL import Image  # boot tiers only: the fast tier has no Pillow

    with Image.open(io.BytesIO(data)) as image:
        return image.size, image.convert("RGBA").tobytes()


# Git for throwaway repositories: a fixed identity, and none of the user's or the
# system's configuration (a global commit.gpgsign would stop every commit).
GIT_ENVIRONMENT = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(directory, *arguments):
    """Run git in ``directory``; its output, stripped. Fails the test on an error."""
    result = subprocess.run(
        ["git", "-C", str(directory), *map(str, arguments)],
        env={**os.environ, **GIT_ENVIRONMENT},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def commit_all(directory, message):
    """Commit everything in ``directory`` (a repository is made if need be)."""
    if not (Path(directory) / ".git").exists():
        git(directory, "init", "--quiet")
    git(directory, "add", "--all")
    git(directory, "commit", "--quiet", "--allow-empty", "-m", message)
    return git(directory, "rev-parse", "HEAD")


def install(python, pyproject, *options):
    """Install what ``pyproject`` declares into ``python``'s environment, with
    bytecode compiled once here rather than by every process the tests start
    (or by none of them, where PYTHONDONTWRITEBYTECODE is set); django-sitefiles
    from the wheel the project carries in vendor/, as its install commands do."""
    vendor = Path(pyproject).parent / "vendor"
    uv(
        "pip",
        "install",
        "--compile-bytecode",
        "--python",
        python,
        "-r",
        pyproject,
        *(["--find-links", vendor] if vendor.is_dir() else []),
        *options,
    )


def import_bootstrap(project):
    """A generated project's bootstrap.py, imported."""
    spec = importlib.util.spec_from_file_location("bootstrap", project / "bootstrap.py")
    bootstrap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bootstrap)
    return bootstrap
