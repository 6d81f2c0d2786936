"""Production serving for real: gunicorn behind nginx or Apache over HTTPS on
loopback, each configured by the file the generated project writes for itself
(manage.py webserver_config), and Chromium driving the result through nginx."""

import contextlib
import http.client
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from support import (
    TEMPLATE_DIR,
    Booted,
    first_match,
    free_port,
    running_server,
    skip_or_fail,
    tiny_png,
)

pytestmark = pytest.mark.web

SERVERS = ("nginx", "apache")
STATIC_STORAGE = {"nginx": "web_server", "apache": "whitenoise"}
EXECUTABLES = {"nginx": "nginx", "apache": "apache2"}
DJANGO_LINE = "5.2"
UPLOAD_LIMIT = 64 * 1024  # DJANGO_MAX_UPLOAD_SIZE in these tests
GUNICORN_WORKERS = 2
# Bounded load, a few seconds on loopback: fewer requests reach gunicorn than
# deploy/gunicorn.conf.py's max_requests (1000), after which it recycles a
# worker on purpose.
LOAD_REQUESTS, LOAD_CLIENTS = 1200, 4
SENTINEL = "this-file-is-outside-every-served-directory"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", TEMPLATE_DIR / "test-artifacts"))
APACHE_MODULES = (
    "mpm_event",
    "authz_core",
    "alias",
    "env",
    "headers",
    "mime",
    "proxy",
    "proxy_http",
    "rewrite",
    "socache_shmcb",
    "ssl",
)
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def executable(server):
    name = EXECUTABLES[server]
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        skip_or_fail(f"{name} is not installed (Debian package: {name})")
    return found


@pytest.fixture(scope="session")
def shared_dir():
    """A directory the web servers' www-data workers can read (pytest's is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="web-servers-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def certificate(shared_dir):
    """A self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        skip_or_fail("openssl is not installed")
    cert, key = shared_dir / "cert.pem", shared_dir / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    key.chmod(0o644)
    return cert, key


def main_config(server, root, site):
    """The smallest main config that includes the generated site file."""
    if server == "nginx":
        return f"""
user www-data;
pid {root}/nginx.pid;
error_log {root}/error.log;
include /etc/nginx/modules-enabled/*.conf;
worker_rlimit_nofile 1024;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {root}/access.log;
    include {site};
}}
"""
    modules = "\n".join(
        f"LoadModule {name}_module /usr/lib/apache2/modules/mod_{name}.so"
        for name in APACHE_MODULES
    )
    return f"""
ServerRoot /etc/apache2
{modules}
User www-data
Group www-data
ServerName 127.0.0.1
PidFile {root}/apache.pid
DefaultRuntimeDir {root}
Mutex file:{root} default
ErrorLog {root}/error.log
LogLevel warn
TypesConfig /etc/mime.types
Include {site}
"""


class Stack:
    """gunicorn (production settings) behind a web server, both on loopback."""

    def __init__(self, server, booted, root, certificate):
        self.server = server
        self.booted = booted
        self.root = root
        self.certificate = certificate[0]
        self.static_root = root / "staticfiles"
        self.media_root = root / "media"
        # nginx reaches gunicorn over a unix socket (the deploy default), Apache
        # over TCP: both forms of --upstream run for real.
        if server == "nginx":
            self.upstream = f"unix:{root / 'gunicorn.sock'}"
        else:
            self.upstream = f"127.0.0.1:{free_port()}"
        self.https_port = free_port()
        self.http_port = free_port()
        self.base = f"https://127.0.0.1:{self.https_port}"
        self.variables = {
            "DJANGO_STATIC_ROOT": self.static_root,
            "DJANGO_MEDIA_ROOT": self.media_root,
            "DJANGO_MAX_UPLOAD_SIZE": UPLOAD_LIMIT,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
        }
        self.site = root / "site.conf"
        self.main = root / "main.conf"
        self._gunicorn = None

    def prepare(self, key):
        self.media_root.mkdir(parents=True)
        (self.root / "secret.txt").write_text(SENTINEL)
        self.manage("collectstatic", "--noinput")
        self.manage("migrate", "--noinput")
        self.manage(
            "webserver_config",
            f"--server={self.server}",
            "--server-name=127.0.0.1",
            f"--listen=127.0.0.1:{self.https_port}",
            f"--http-listen=127.0.0.1:{self.http_port}",
            f"--upstream={self.upstream}",
            f"--certificate={self.certificate}",
            f"--certificate-key={key}",
            f"--output={self.site}",
        )
        self.main.write_text(main_config(self.server, self.root, self.site))

    def manage(self, *arguments):
        return self.booted.manage(*arguments, settings="production", **self.variables)

    def syntax_check(self):
        binary = executable(self.server)
        if self.server == "nginx":
            command = [binary, "-t", "-c", str(self.main)]
        else:
            command = [binary, "-t", "-f", str(self.main)]
        return subprocess.run(command, capture_output=True, text=True)

    def web_server_command(self):
        binary = executable(self.server)
        if self.server == "nginx":
            return [binary, "-c", str(self.main), "-g", "daemon off;"]
        return [binary, "-f", str(self.main), "-DFOREGROUND"]

    def start_gunicorn(self):
        python = str(self.booted.python)
        environment = self.booted.environment(
            "production",
            GUNICORN_BIND=self.upstream,
            GUNICORN_WORKERS=GUNICORN_WORKERS,
            **self.variables,
        )
        self._gunicorn = running_server(
            [python, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"]
            + ["config.wsgi"],
            cwd=self.booted.project,
            env=environment,
            url=self.upstream
            if self.upstream.startswith("unix:")
            else f"http://{self.upstream}/",
            log_path=self.root / "gunicorn.log",
        )
        self.gunicorn = self._gunicorn.__enter__()

    def gunicorn_workers(self):
        """PIDs of gunicorn's workers: the master's children (Linux /proc)."""
        pid = self.gunicorn.pid
        return sorted(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())

    def all_gunicorn_workers(self, timeout=15):
        """The workers once all have started: gunicorn answers as soon as the
        first is up, and the others follow."""
        deadline = time.monotonic() + timeout
        while len(workers := self.gunicorn_workers()) < GUNICORN_WORKERS:
            assert time.monotonic() < deadline, f"gunicorn started {workers} only"
            time.sleep(0.05)
        return workers

    def stop_gunicorn(self):
        self._gunicorn.__exit__(None, None, None)

    @contextlib.contextmanager
    def gunicorn_stopped(self):
        self.stop_gunicorn()
        try:
            yield
        finally:
            self.start_gunicorn()

    def get(self, path, **headers):
        return requests.get(
            self.base + path, headers=headers, verify=self.certificate, timeout=10
        )

    def raw_get(self, path):
        """GET exactly this path: requests would normalise ../ away."""
        context = ssl.create_default_context(cafile=self.certificate)
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.https_port, context=context, timeout=10
        )
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode(errors="replace")
        finally:
            connection.close()

    def hashed(self, name):
        manifest = (self.static_root / "staticfiles.json").read_text()
        return first_match(rf'"{re.escape(name)}": "([^"]+)"', manifest)


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
                }
                booted = Booted(
                    server, answers, bake(**answers), project_python(DJANGO_LINE)
                )
                root = shared_dir / server
                root.mkdir()
                stack = Stack(server, booted, root, certificate)
                stack.prepare(certificate[1])
                checked = stack.syntax_check()
                assert checked.returncode == 0, checked.stderr
                stack.start_gunicorn()
                cleanup.callback(stack.stop_gunicorn)
                cleanup.enter_context(
                    running_server(
                        stack.web_server_command(),
                        cwd=root,
                        env=dict(os.environ),
                        url=stack.base + "/static/",
                        log_path=root / "server.log",
                        verify=stack.certificate,
                    )
                )
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
    assert image.content == tiny_png()
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["Content-Disposition"] == "inline"


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
    stack = stacks("nginx")
    # $http_host keeps the port for CSRF's origin check; Django validates the
    # host against ALLOWED_HOSTS, so gixy's Host-spoofing check does not apply.
    result = subprocess.run(
        ["gixy", "--skips", "host_spoofing", str(stack.main)],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"High: 0", result.stdout)
    assert re.search(r"Medium: 0", result.stdout)


def test_the_home_page_and_an_upload_work_in_a_browser_through_nginx(stacks):
    stack = stacks("nginx")
    chromium = shutil.which("chromium")
    if chromium is None:
        skip_or_fail("Chromium is not installed (Debian package: chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "browser-nginx-uploads.png"
    picture = stack.root / "square.png"
    picture.write_bytes(tiny_png(96))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            page = browser.new_context(ignore_https_errors=True).new_page()
            page.goto(stack.base + "/")
            heading_color = page.eval_on_selector(
                "h1", "element => getComputedStyle(element).color"
            )
            script_ran = page.evaluate(
                "document.documentElement.classList.contains('js-ready')"
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
            page.wait_for_function(
                "() => document.querySelector('.uploads img').complete"
            )
            image_width = image.evaluate("image => image.naturalWidth")
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()

    assert heading_color == "rgb(11, 110, 79)"  # site.css was applied
    assert script_ran  # site.js ran
    assert logo_width == 40  # logo.svg loaded
    assert image_url.startswith("/media/uploads/")
    assert image_width == 96  # the uploaded PNG, served by nginx from MEDIA_ROOT
    print(f"\nscreenshot: {screenshot}")
