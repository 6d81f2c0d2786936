"""Run what each answer set generates: Django's checks, collectstatic, the project's
own tests, and real HTTP against gunicorn (production) and runserver (local)."""

import json
import shutil
import signal
import socket
import subprocess
import time

import pytest
import requests

from local_processes import free_port
from support import (
    BOOT_SETS,
    HASHED_CSS,
    HTTPS_PROXY,
    first_match,
    running_server,
    tiny_png,
)

pytestmark = pytest.mark.boot


@pytest.fixture(scope="session")
def collect(tmp_path_factory):
    """collectstatic with production settings, once per project, into its own root."""
    collected = {}

    def collect(booted):
        if booted.name not in collected:
            root = tmp_path_factory.mktemp(f"static-{booted.name}")
            booted.manage(
                "collectstatic",
                "--noinput",
                settings="production",
                DJANGO_STATIC_ROOT=root,
            )
            collected[booted.name] = root
        return collected[booted.name]

    return collect


@pytest.fixture(params=BOOT_SETS)
def booted(request, boot):
    return boot(request.param)


def test_system_checks_pass(booted, collect):
    booted.manage("check", "--fail-level", "WARNING")
    booted.manage(
        *("check", "--deploy", "--fail-level", "WARNING"),
        settings="production",
        DJANGO_STATIC_ROOT=collect(booted),  # deploy steps collect first
    )


def test_the_generated_secret_passes_the_deployment_checklist(
    booted, collect, tmp_path
):
    """The .env the set-up writes: its secret is one Django's check accepts."""
    shutil.copy(booted.project / ".env.example", tmp_path)
    written = booted.run(
        "-c",
        "import sys; from pathlib import Path;"
        " from sitefiles.project_setup import write_env_file;"
        " write_env_file(Path(sys.argv[1]), Path(sys.argv[2]), 'DJANGO_SECRET_KEY')",
        tmp_path / ".env",
        tmp_path / ".env.example",
    )
    assert written.returncode == 0, written.stderr
    booted.manage(
        *("check", "--deploy", "--fail-level", "WARNING"),
        settings="production",
        DJANGO_ENV_FILE=tmp_path / ".env",
        DJANGO_SECRET_KEY=None,
        DJANGO_STATIC_ROOT=collect(booted),
    )


def test_the_deployment_checklist_wants_static_files_collected(booted, tmp_path):
    result = booted.run(
        *("manage.py", "check", "--deploy", "--fail-level", "WARNING"),
        settings="production",
        DJANGO_STATIC_ROOT=tmp_path / "empty",
    )

    assert result.returncode != 0
    assert "sitefiles.W001" in result.stderr + result.stdout


def test_migrations_are_complete(booted):
    booted.manage("makemigrations", "--check", "--dry-run")


def test_collectstatic_writes_hashed_and_compressed_files(booted, collect):
    root = collect(booted)

    paths = json.loads((root / "staticfiles.json").read_text())["paths"]
    for name in ("css/site.css", "js/site.js", "images/logo.svg", "admin/css/base.css"):
        hashed = root / paths[name]
        assert hashed.is_file()
        assert hashed.name != name.rsplit("/", 1)[-1]
    css = root / paths["css/site.css"]
    assert css.with_name(css.name + ".br").is_file()
    assert css.with_name(css.name + ".gz").is_file()


def test_generated_test_suite_passes(booted):
    result = booted.run("-m", "pytest", "-q", "-p", "no:cacheprovider", settings="test")

    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout


def test_gunicorn_serves_hashed_static_and_never_media(booted, collect, tmp_path):
    media = tmp_path / "media"
    (media / "avatars").mkdir(parents=True)
    (media / "avatars" / "me.png").write_bytes(tiny_png())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(booted.python), "-m", "gunicorn", "config.wsgi"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2"]
    environment = booted.environment(
        "production", DJANGO_STATIC_ROOT=collect(booted), DJANGO_MEDIA_ROOT=media
    )
    with running_server(
        command,
        cwd=booted.project,
        env=environment,
        url=f"{base}/",
        log_path=tmp_path / "gunicorn.log",
    ):
        home = requests.get(f"{base}/", headers=HTTPS_PROXY, timeout=10)
        css_url = first_match(HASHED_CSS, home.text)
        css = requests.get(
            base + css_url,
            headers={**HTTPS_PROXY, "Accept-Encoding": "br"},
            timeout=10,
        )
        media_response = requests.get(
            f"{base}/media/avatars/me.png", headers=HTTPS_PROXY, timeout=10
        )
        plain_http = requests.get(f"{base}/", timeout=10, allow_redirects=False)
        # As a balancer probes: by address, over plain HTTP.
        ready = requests.get(f"{base}/readyz", timeout=10)

    assert (ready.status_code, ready.text) == (200, "ready\n")
    assert home.status_code == 200
    assert css.status_code == 200
    assert css.headers["Content-Encoding"] == "br"
    assert "immutable" in css.headers["Cache-Control"]
    assert "max-age=315360000" in css.headers["Cache-Control"]
    hashed_file = collect(booted) / css_url.removeprefix("/static/")
    assert css.content == hashed_file.read_bytes()
    assert media_response.status_code == 404
    assert plain_http.status_code == 301
    assert plain_http.headers["Location"].startswith("https://")


READINESS_SET = "django-5.2-uploads-nginx"


def healthcheck(booted, port):
    """deploy/healthcheck.py, as the image's HEALTHCHECK runs it."""
    return subprocess.run(
        [str(booted.python), "deploy/healthcheck.py"],
        cwd=booted.project,
        env={"GUNICORN_BIND": f"0.0.0.0:{port}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_site_without_its_static_files_is_live_but_not_ready(boot, tmp_path):
    """Before collectstatic (or with STATIC_ROOT lost), every page would be a
    500: the readiness probe says so, and the health check fails."""
    booted = boot(READINESS_SET)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(booted.python), "-m", "gunicorn", "config.wsgi"]
    command += ["--bind", f"127.0.0.1:{port}"]
    environment = booted.environment("production", DJANGO_STATIC_ROOT=tmp_path / "none")
    with running_server(
        command,
        cwd=booted.project,
        env=environment,
        url=f"{base}/livez",
        log_path=tmp_path / "gunicorn.log",
    ):
        live = requests.get(f"{base}/livez", timeout=10)
        ready = requests.get(f"{base}/readyz", timeout=10)
        checked = healthcheck(booted, port)

    log = (tmp_path / "gunicorn.log").read_text()
    assert (live.status_code, live.text) == (200, "live\n")
    assert (ready.status_code, ready.text) == (503, "not ready\n")
    assert "Not ready: the static manifest (staticfiles.json)" in log
    assert checked.returncode == 1
    assert checked.stderr.strip() == (
        "not ready: /readyz answered 503 (the site's log says why)"
    )


def test_gunicorn_finishes_the_request_it_has_on_sigterm(boot, collect, tmp_path):
    """Stopped as compose and systemd stop it, gunicorn (deploy/gunicorn.conf.py)
    answers the request it was reading before it exits."""
    booted = boot(READINESS_SET)
    port = free_port()
    command = [
        str(booted.python),
        "-m",
        "gunicorn",
        "--config",
        "deploy/gunicorn.conf.py",
    ]
    command += ["config.wsgi"]
    environment = booted.environment(
        "production",
        DJANGO_STATIC_ROOT=collect(booted),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
    )
    with running_server(
        command,
        cwd=booted.project,
        env=environment,
        url=f"http://127.0.0.1:{port}/livez",
        log_path=tmp_path / "gunicorn.log",
    ) as gunicorn:
        in_flight = socket.create_connection(("127.0.0.1", port), timeout=10)
        in_flight.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        # The worker takes a connection as soon as it is there (one select()).
        time.sleep(1)
        gunicorn.send_signal(signal.SIGTERM)
        time.sleep(1)
        still_draining = gunicorn.poll() is None
        in_flight.sendall(b"X-Forwarded-Proto: https\r\n\r\n")
        answer = in_flight.makefile("rb").read()
        in_flight.close()
        exited = gunicorn.wait(timeout=30)

    assert still_draining
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer[:300]
    assert exited == 0


WEB_SERVER_STATIC = "django-5.2-uploads-nginx-static-web_server-media-local"


def test_with_static_files_left_to_the_web_server_django_serves_none(
    boot, collect, tmp_path
):
    booted = boot(WEB_SERVER_STATIC)
    root = collect(booted)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(booted.python), "-m", "gunicorn", "config.wsgi"]
    command += ["--bind", f"127.0.0.1:{port}"]
    with running_server(
        command,
        cwd=booted.project,
        env=booted.environment("production", DJANGO_STATIC_ROOT=root),
        url=f"{base}/",
        log_path=tmp_path / "gunicorn.log",
    ):
        home = requests.get(f"{base}/", headers=HTTPS_PROXY, timeout=10)
        css_url = first_match(HASHED_CSS, home.text)
        css = requests.get(base + css_url, headers=HTTPS_PROXY, timeout=10)

    assert home.status_code == 200
    assert (root / css_url.removeprefix("/static/")).is_file()
    assert css.status_code == 404


def test_runserver_serves_static_and_uploaded_media(booted, tmp_path):
    media = tmp_path / "media"
    variables = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_MEDIA_ROOT": media,
    }
    booted.manage("migrate", "--noinput", **variables)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(booted.python), "manage.py", "runserver", f"127.0.0.1:{port}"]
    command.append("--noreload")
    with running_server(
        command,
        cwd=booted.project,
        env=booted.environment("local", **variables),
        url=f"{base}/",
        log_path=tmp_path / "runserver.log",
    ):
        home = requests.get(f"{base}/", timeout=10)
        css = requests.get(f"{base}/static/css/site.css", timeout=10)
        if booted.answers["use_upload_example"]:
            media_url = upload_through_the_example_app(base)
        else:
            (media / "avatars").mkdir(parents=True)
            (media / "avatars" / "me.png").write_bytes(tiny_png())
            media_url = f"{base}/media/avatars/me.png"
        served = requests.get(media_url, timeout=10)

    assert home.status_code == 200
    assert 'href="/static/css/site.css"' in home.text
    assert css.status_code == 200
    assert "--accent" in css.text
    assert served.status_code == 200
    assert served.content == tiny_png()
    stored = [path for path in media.rglob("*.png")]
    assert [path.read_bytes() for path in stored] == [tiny_png()]


def upload_through_the_example_app(base):
    """Post a picture through the upload form; return the media URL the page shows."""
    session = requests.Session()
    form = session.get(f"{base}/uploads/", timeout=10)
    token = first_match(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    posted = session.post(
        f"{base}/uploads/",
        data={"title": "My avatar", "csrfmiddlewaretoken": token},
        files={"file": ("avatar.png", tiny_png(), "image/png")},
        timeout=10,
    )
    assert posted.status_code == 200, posted.text  # after the redirect
    assert posted.history[0].status_code == 302
    path = first_match(r'<img src="(/media/uploads/[^"]+\.png)"', posted.text)
    return base + path
