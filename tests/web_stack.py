"""gunicorn (production settings) behind nginx or Apache on loopback, each
configured by the file the generated project writes for itself (manage.py
webserver_config): what the web server tests and the static pipeline's fault
tests run against."""

import contextlib
import http.client
import os
import re
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import requests

from local_processes import free_port
from support import first_match, running_server, skip_or_fail

EXECUTABLES = {"nginx": "nginx", "apache": "apache2"}
APACHE_MODULE_DIR = "/usr/lib/apache2/modules"
UPLOAD_LIMIT = 64 * 1024  # DJANGO_MAX_UPLOAD_SIZE in these tests
GUNICORN_WORKERS = 2
SENTINEL = "this-file-is-outside-every-served-directory"
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
    "xsendfile",  # Debian: libapache2-mod-xsendfile
)


def executable(server):
    name = EXECUTABLES[server]
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        skip_or_fail(f"{name} is not installed (Debian package: {name})")
    if server == "apache" and not Path(APACHE_MODULE_DIR, "mod_xsendfile.so").exists():
        skip_or_fail("mod_xsendfile is missing (libapache2-mod-xsendfile)")
    return found


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
        f"LoadModule {name}_module {APACHE_MODULE_DIR}/mod_{name}.so"
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

    def __init__(self, server, booted, root, certificate, tcp=False):
        self.server = server
        self.booted = booted
        self.root = root
        self.certificate = certificate[0]
        self.static_root = root / "staticfiles"
        self.media_root = root / "media"
        self.private_media_root = root / "private-media"
        # nginx reaches gunicorn over a unix socket (the deploy default), Apache
        # over TCP: both forms of --upstream run for real. With tcp, a test can
        # reach gunicorn directly too.
        if server == "nginx" and not tcp:
            self.upstream = f"unix:{root / 'gunicorn.sock'}"
        else:
            self.upstream = f"127.0.0.1:{free_port()}"
        self.https_port = free_port()
        self.http_port = free_port()
        self.base = f"https://127.0.0.1:{self.https_port}"
        self.variables = {
            "DJANGO_STATIC_ROOT": self.static_root,
            "DJANGO_MEDIA_ROOT": self.media_root,
            "DJANGO_PRIVATE_MEDIA_ROOT": self.private_media_root,
            "DJANGO_MAX_UPLOAD_SIZE": UPLOAD_LIMIT,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
        }
        self.site = root / "site.conf"
        self.main = root / "main.conf"
        self._gunicorn = None

    def prepare(self, key):
        self.media_root.mkdir(parents=True)
        self.private_media_root.mkdir()
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

    def web_server(self):
        """The web server, running until the context ends."""
        return running_server(
            self.web_server_command(),
            cwd=self.root,
            env=dict(os.environ),
            url=self.base + "/static/",
            log_path=self.root / "server.log",
            verify=self.certificate,
        )

    def web_server_command(self):
        binary = executable(self.server)
        if self.server == "nginx":
            return [binary, "-c", str(self.main), "-g", "daemon off;"]
        return [binary, "-f", str(self.main), "-DFOREGROUND"]

    def start_gunicorn(self, *options):
        python = str(self.booted.python)
        environment = self.booted.environment(
            "production",
            GUNICORN_BIND=self.upstream,
            GUNICORN_WORKERS=GUNICORN_WORKERS,
            **self.variables,
        )
        self._gunicorn = running_server(
            [python, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"]
            + [*options, "config.wsgi"],
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
