"""Production serving for real: gunicorn behind nginx or Apache over HTTPS on
loopback, each configured by the file the generated project writes for itself
(manage.py webserver_config), and Chromium driving the result through nginx."""

import contextlib
import http.client
import os
import re
import ssl
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from support import (
    FRONTEND,
    TEMPLATE_DIR,
    Booted,
    build_frontend,
    chromium,
    first_match,
    pixels,
    tiny_png,
)
from web_stack import SENTINEL, UPLOAD_LIMIT, Stack, executable, main_config

pytestmark = pytest.mark.web

SERVERS = ("nginx", "apache")
STATIC_STORAGE = {"nginx": "web_server", "apache": "whitenoise"}
# nginx serves a project with a built front end (tests/test_frontend.py has
# WhiteNoise serve one).
FRONTEND_ANSWER = {"nginx": {"frontend": FRONTEND}, "apache": {}}
DJANGO_LINE = "5.2"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", TEMPLATE_DIR / "test-artifacts"))
# Bounded load, a few seconds on loopback: fewer requests reach gunicorn than
# deploy/gunicorn.conf.py's max_requests (1000), after which it recycles a
# worker on purpose.
LOAD_REQUESTS, LOAD_CLIENTS = 1200, 4


@pytest.fixture(scope="session")
def stacks(bake, project_python, shared_dir, certificate):
    """One running stack per web server, started on first use, stopped at the end."""
    started = {}
    with contextlib.ExitStack() as cleanup:

        def stack_for(server):
            if server not in started:
                executable(server)
                answers = {
                    "django_version": DJANGO_LINE,
                    "use_upload_example": True,
                    "web_server": server,
                    # Both ways the web server serves STATIC_ROOT: alone, and
                    # with WhiteNoise behind it for what reaches Django.
                    "static_storage": STATIC_STORAGE[server],
                    **FRONTEND_ANSWER[server],
                }
                booted = Booted(
                    server, answers, bake(**answers), project_python(DJANGO_LINE)
                )
                if answers.get("frontend"):
                    build_frontend(booted.project)
                root = shared_dir / server
                root.mkdir()
                stack = Stack(server, booted, root, certificate)
                stack.prepare(certificate[1])
                checked = stack.syntax_check()
                assert checked.returncode == 0, checked.stderr
                stack.start_gunicorn()
                cleanup.callback(stack.stop_gunicorn)
                cleanup.enter_context(stack.web_server())
                started[server] = stack
            return started[server]

        yield stack_for


@pytest.fixture(params=SERVERS)
def stack(request, stacks):
    return stacks(request.param)


def test_config_passes_the_servers_own_syntax_check(stack):
    checked = stack.syntax_check()

    assert checked.returncode == 0, checked.stderr
    assert re.search(r"syntax is ok|Syntax OK", checked.stdout + checked.stderr)


def test_static_files_are_served_by_the_web_server_itself(stack):
    hashed = "/static/" + stack.hashed("css/site.css")
    original = (stack.static_root / stack.hashed("css/site.css")).read_bytes()

    with stack.gunicorn_stopped():
        page = stack.get("/")
        brotli = stack.get(hashed, **{"Accept-Encoding": "br"})
        gzip = stack.get(hashed, **{"Accept-Encoding": "gzip"})
        identity = stack.get(hashed, **{"Accept-Encoding": "identity"})

    assert page.status_code in (502, 503)  # gunicorn is down: nothing proxied
    for response in (brotli, gzip, identity):
        assert response.status_code == 200
        assert response.content == original  # requests decodes br and gzip
        assert response.headers["Content-Type"].startswith("text/css")
        cache = response.headers["Cache-Control"]
        assert cache == "public, max-age=315360000, immutable"
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert brotli.headers["Content-Encoding"] == "br"
    assert gzip.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in identity.headers
    print(f"\n{stack.server} {hashed} (br): {dict(brotli.headers)}")


MISSING_FILES = (
    "/static/css/site.0123456789ab.css",  # a hashed name of another release
    "/static/css/never-collected.css",
    "/media/never-uploaded.png",
)


def test_a_missing_file_is_an_error_no_cache_keeps(stack):
    """The web server answers these itself (gunicorn is down): its 404 under
    STATIC_URL or MEDIA_URL says no-store, not the lifetime of the files."""
    with stack.gunicorn_stopped():
        responses = {path: stack.get(path) for path in MISSING_FILES}

    for path, response in responses.items():
        assert response.status_code == 404, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


def test_unhashed_static_files_are_cached_briefly(stack):
    response = stack.get("/static/css/site.css")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"


MEDIA_FILES = {
    "photo.png": (tiny_png(), "image/png", "inline"),
    "notes.txt": (b"<script>alert(1)</script>", "text/plain", "attachment"),
    "page.html": (b"<script>alert(1)</script>", "application/octet-stream", None),
    "drawing.svg": (b"<svg onload='alert(1)'/>", "application/octet-stream", None),
    "code.js": (b"alert(1)", "application/octet-stream", None),
    "data.xml": (b"<x/>", "application/octet-stream", None),
    "blob.unknown": (b"\x00\x01", "application/octet-stream", None),
}


@pytest.mark.parametrize("name", MEDIA_FILES)
def test_media_is_served_with_safe_headers(stack, name):
    content, content_type, disposition = MEDIA_FILES[name]
    (stack.media_root / "samples").mkdir(exist_ok=True)
    (stack.media_root / "samples" / name).write_bytes(content)

    response = stack.get(f"/media/samples/{name}")

    assert response.status_code == 200
    assert response.content == content
    assert response.headers["Content-Type"].split(";")[0] == content_type
    assert response.headers["Content-Disposition"] == (disposition or "attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    print(f"\n{stack.server} /media/samples/{name}: {dict(response.headers)}")


RANGES = [  # (Range header, first byte, last byte) of a 64 KiB file
    ("bytes=1000-1999", 1000, 1999),
    ("bytes=-100", 65436, 65535),
    ("bytes=65000-", 65000, 65535),
]


@pytest.mark.parametrize(("header", "first", "last"), RANGES)
def test_media_answers_range_requests(stack, header, first, last):
    """What a video player or PDF viewer asks for: parts of a file, by byte."""
    content = bytes(range(256)) * 256
    (stack.media_root / "samples").mkdir(exist_ok=True)
    (stack.media_root / "samples" / "manual.pdf").write_bytes(content)

    whole = stack.get("/media/samples/manual.pdf")
    part = stack.get("/media/samples/manual.pdf", Range=header)
    beyond = stack.get("/media/samples/manual.pdf", Range="bytes=70000-")

    assert whole.headers["Accept-Ranges"] == "bytes"
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes {first}-{last}/{len(content)}"
    assert part.content == content[first : last + 1]
    assert part.headers["X-Content-Type-Options"] == "nosniff"  # safe headers too
    assert part.headers["Content-Disposition"] == "attachment"
    assert beyond.status_code == 416


TRAVERSALS = [
    "/static/../secret.txt",
    "/static/..%2fsecret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/%2e%2e%2fsecret.txt",
    "/static../secret.txt",
    "/static..%2fsecret.txt",
    "/media/../secret.txt",
    "/media/..%2fsecret.txt",
    "/media/%2e%2e/secret.txt",
    "/media../secret.txt",
    "/media/..%5csecret.txt",
    "/media/%2e%2e%2f%2e%2e%2fsecret.txt",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_requests_never_escape_the_served_directories(stack, path):
    status, body = stack.raw_get(path)

    assert status in (400, 403, 404), (status, body[:200])
    assert SENTINEL not in body


def test_an_upload_over_the_limit_is_refused_by_the_web_server(stack):
    body = b"x" * (UPLOAD_LIMIT + 100 * 1024)

    response = requests.post(
        stack.base + "/uploads/",
        data=body,
        headers={"Content-Type": "application/octet-stream"},
        verify=stack.certificate,
        timeout=10,
    )

    assert response.status_code == 413


def test_an_oversized_body_without_a_length_is_refused_too(stack):
    chunks = iter([b"x" * 1024] * ((UPLOAD_LIMIT + 100 * 1024) // 1024))

    response = requests.post(
        stack.base + "/uploads/",
        data=chunks,  # sent chunked, with no Content-Length to check up front
        verify=stack.certificate,
        timeout=10,
    )

    # nginx counts the bytes (413); Apache refuses unmeasured bodies (411).
    assert response.status_code == {"nginx": 413, "apache": 411}[stack.server]


def upload_form(stack, name, content):
    """Post the upload form as a browser would over HTTPS: CSRF token and Referer."""
    session = requests.Session()
    # verify per request: a session's own is overridden by REQUESTS_CA_BUNDLE.
    form = session.get(stack.base + "/uploads/", verify=stack.certificate, timeout=10)
    token = first_match(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    return session.post(
        stack.base + "/uploads/",
        data={"title": name, "csrfmiddlewaretoken": token},
        files={"file": (name, content, "image/png")},
        headers={"Referer": stack.base + "/uploads/"},
        verify=stack.certificate,
        timeout=10,
    )


def test_a_form_post_through_the_proxy_passes_csrf_and_the_upload_is_served(stack):
    posted = upload_form(stack, "avatar.png", tiny_png())

    assert posted.history, posted.text
    assert posted.history[0].status_code == 302
    image_url = first_match(r'<img src="(/media/uploads/[^"]+\.png)"', posted.text)
    image = stack.get(image_url)
    assert image.status_code == 200
    assert pixels(image.content) == pixels(tiny_png())
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["Content-Disposition"] == "inline"


PASSWORD = "a passphrase for the web server tests"
CREATE_USERS = f"""
from django.contrib.auth.models import User
for name in ("owner", "other"):
    User.objects.create_user(name, password={PASSWORD!r})
"""
# 64 KiB of text (a .txt must be): room for a range request.
DOCUMENT = b"".join(b"line %05d of the document\n" % n for n in range(2521))[:65536]


@pytest.fixture(scope="session")
def signed_in():
    """A browser's session on a stack's site, signed in through the login form
    over HTTPS (the users are made once per stack)."""
    users_made = set()

    def signed_in(stack, username):
        if stack.server not in users_made:
            stack.manage("shell", "-c", CREATE_USERS)
            users_made.add(stack.server)
        session = requests.Session()
        login = stack.base + "/accounts/login/"
        form = session.get(login, verify=stack.certificate, timeout=10)
        token = first_match(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        response = session.post(
            login,
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": login},
            verify=stack.certificate,
            timeout=10,
        )
        assert response.url == stack.base + "/uploads/documents/", response.text
        return session

    return signed_in


@pytest.fixture
def document(stack, signed_in):
    """A document its owner added through the form: (owner's session, link,
    stored name)."""
    owner = signed_in(stack, "owner")
    page = stack.base + "/uploads/documents/"
    form = owner.get(page, verify=stack.certificate, timeout=10)
    token = first_match(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    before = set(stack.private_media_root.rglob("*.txt"))
    posted = owner.post(
        page,
        data={"title": "Notes", "csrfmiddlewaretoken": token},
        files={"file": ("notes.txt", DOCUMENT, "text/plain")},
        headers={"Referer": page},
        verify=stack.certificate,
        timeout=10,
    )
    assert posted.history, posted.text
    link = first_match(r'<a href="(/uploads/documents/\d+/)">Notes</a>', posted.text)
    (stored,) = set(stack.private_media_root.rglob("*.txt")) - before
    return owner, link, stored.relative_to(stack.private_media_root).as_posix()


def test_a_private_document_is_sent_by_the_web_server_to_its_owner(stack, document):
    owner, link, _ = document

    response = owner.get(stack.base + link, verify=stack.certificate, timeout=10)
    part = owner.get(
        stack.base + link,
        headers={"Range": "bytes=1000-1999"},
        verify=stack.certificate,
        timeout=10,
    )

    assert response.status_code == 200
    assert response.content == DOCUMENT
    # Each once: Django's response and the web server's own headers together.
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Content-Disposition"] == "attachment"
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "X-Accel-Redirect" not in response.headers
    assert "X-Sendfile" not in response.headers
    # The web server sent the bytes, so it answers ranges (Django would not).
    assert part.status_code == 206
    assert part.content == DOCUMENT[1000:2000]
    print(f"\n{stack.server} private document: {dict(response.headers)}")


def test_a_private_document_is_a_404_to_anyone_else(stack, document, signed_in):
    _, link, name = document
    other = signed_in(stack, "other")

    assert other.get(stack.base + link, verify=stack.certificate).status_code == 404
    assert stack.get(link).status_code == 404
    # By its stored name, under any prefix: nothing serves the directory.
    for prefix in ("/private-media/", "/media/", "/media/../private-media/"):
        status, body = stack.raw_get(prefix + name)
        assert status == 404, (prefix, status)
        assert DOCUMENT[:64].decode("latin-1") not in body


def test_django_refuses_a_file_over_its_limit_that_the_server_let_through(stack):
    content = tiny_png() + b"\x00" * (UPLOAD_LIMIT + 1024)

    posted = upload_form(stack, "large.png", content)

    assert posted.status_code == 200
    assert "the largest accepted is" in posted.text


def test_plain_http_redirects_to_https(stack):
    response = requests.get(
        f"http://127.0.0.1:{stack.http_port}/uploads/",
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://127.0.0.1")


def load(connect, paths, requests=LOAD_REQUESTS, headers=None):
    """``requests`` GETs cycling over ``paths``, from LOAD_CLIENTS keep-alive
    connections at once; how many answers came back with each status."""

    def client(number):
        statuses = Counter()
        connection = connect()
        try:
            for index in range(number, requests, LOAD_CLIENTS):
                path = paths[index % len(paths)]
                connection.request("GET", path, headers=headers or {})
                response = connection.getresponse()
                response.read()
                statuses[response.status] += 1
                if response.will_close:
                    connection.close()
                    connection = connect()
        finally:
            connection.close()
        return statuses

    with ThreadPoolExecutor(LOAD_CLIENTS) as pool:
        return sum(pool.map(client, range(LOAD_CLIENTS)), Counter())


def test_a_bounded_load_ends_without_errors_or_worker_restarts(stack):
    """Static files, a page (through gunicorn) and, where WhiteNoise runs,
    gunicorn directly: every answer a 200, the same workers before and after."""
    context = ssl.create_default_context(cafile=stack.certificate)
    paths = ["/static/" + stack.hashed("css/site.css"), "/", "/static/css/site.css"]
    with stack.gunicorn_stopped():
        pass  # fresh workers: none near max_requests from earlier tests
    workers = stack.all_gunicorn_workers()

    statuses = load(
        lambda: http.client.HTTPSConnection(
            "127.0.0.1", stack.https_port, context=context, timeout=10
        ),
        paths,
    )

    assert statuses == Counter({200: LOAD_REQUESTS})
    if STATIC_STORAGE[stack.server] == "whitenoise":  # gunicorn on TCP here
        host, port = stack.upstream.split(":")
        statuses = load(
            lambda: http.client.HTTPConnection(host, int(port), timeout=10),
            paths,
            requests=LOAD_REQUESTS // 3,  # with the pages above, under 1000
            headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1"},
        )
        assert statuses == Counter({200: LOAD_REQUESTS // 3})
    assert stack.gunicorn_workers() == workers


def test_the_nginx_config_passes_gixy(stacks):
    """The site config as deployed: on ports 443 and 80 (gixy-ng takes any
    listen address containing "443", such as a free loopback port, for TLS)."""
    stack = stacks("nginx")
    deployed = stack.root / "deployed-site.conf"
    stack.manage(
        "webserver_config",
        "--server=nginx",
        "--server-name=example.com",
        f"--upstream={stack.upstream}",
        f"--output={deployed}",
    )
    main = stack.root / "deployed-main.conf"
    main.write_text(main_config("nginx", stack.root, deployed))
    # $http_host keeps the port for CSRF's origin check; Django validates the
    # host against ALLOWED_HOSTS, so gixy's Host-spoofing check does not apply.
    result = subprocess.run(
        ["gixy", "--skips", "host_spoofing", str(main)],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"High: 0", result.stdout)
    assert re.search(r"Medium: 0", result.stdout)


def test_the_home_page_and_an_upload_work_in_a_browser_through_nginx(stacks):
    stack = stacks("nginx")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "browser-nginx-uploads.png"
    picture = stack.root / "square.png"
    picture.write_bytes(tiny_png(96))
    with chromium() as browser:
        page = browser.new_context(ignore_https_errors=True).new_page()
        failed = []  # any 4xx or 5xx the browser meets, a favicon.ico included
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and failed.append(f"{response.status} {response.url}")
            ),
        )
        page.goto(stack.base + "/")
        icon_url = page.eval_on_selector("link[rel=icon]", "link => link.href")
        icon_status = page.request.get(icon_url).status
        heading_color = page.eval_on_selector(
            "h1", "element => getComputedStyle(element).color"
        )
        script_ran = page.evaluate(
            "document.documentElement.classList.contains('js-ready')"
        )
        bundle_said = page.inner_text("#build-status")
        built_style = page.evaluate(
            "getComputedStyle(document.getElementById('build-status')).letterSpacing"
        )
        logo_width = page.eval_on_selector(
            ".brand-logo", "image => image.complete && image.naturalWidth"
        )
        page.click("text=Upload a file")
        page.fill("input[name=title]", "Uploaded in Chromium")
        page.set_input_files("input[name=file]", str(picture))
        page.click("button[type=submit]")
        page.wait_for_selector(".uploads img")
        image = page.locator(".uploads img").first
        image_url = image.get_attribute("src")
        page.wait_for_function("() => document.querySelector('.uploads img').complete")
        image_width = image.evaluate("image => image.naturalWidth")
        page.screenshot(path=str(screenshot), full_page=True)

    assert failed == []
    assert "/static/images/favicon." in icon_url  # hashed: cached for good
    assert icon_status == 200
    assert heading_color == "rgb(11, 110, 79)"  # site.css was applied
    assert script_ran  # site.js ran
    # frontend/app.js (esbuild's bundle) ran; frontend/app.css (Tailwind) styles.
    assert bundle_said == "JavaScript bundled by esbuild from frontend/src/ has run."
    assert built_style == "1.6px"
    assert logo_width == 40  # logo.svg loaded
    assert image_url.startswith("/media/uploads/")
    assert image_width == 96  # the uploaded PNG, served by nginx from MEDIA_ROOT
    print(f"\nscreenshot: {screenshot}")
