"""Static files served per second: the generated nginx config against the best case.

Three servers answer for the same collected STATIC_ROOT, side by side on
loopback ports:

- generated nginx: the site config `manage.py webserver_config` writes (TLS,
  precompressed files, cache and security headers on every response);
- bare nginx: only what makes nginx fast at static files (sendfile, tcp_nopush,
  open_file_cache, gzip_static and brotli_static), on the same certificate
  and TLS versions (so both speak TLSv1.3: nginx 1.22 alone would not);
- gunicorn + WhiteNoise: production settings, plain HTTP as behind a proxy
  (X-Forwarded-Proto: https, so nothing redirects), 2 sync workers (one per
  nginx worker), which close the connection after each response. The
  generated config proxies to it, though no static request gets that far.

Both nginx share one main config: a worker per server CPU, no access log
(gunicorn runs without one too), brotli_static loaded or not as the template's tests
detect it, and the generated config is rendered with the same choice. Each
server first proves it answers 200 with the expected Content-Encoding and bytes.

With two CPUs or more (and taskset), the servers run on all but the first and
the load generator on the first, so client and server do not take turns on a
core. Load: wrk (-t1 -c16 -d3s) with and without `Accept-Encoding: br, gzip`, for a
small hashed CSS file of the synthetic tree and jQuery (about 280 KB); without
wrk, threads of http.client over keep-alive connections (another unit). Runs
are interleaved across servers; at most LOAD_RUNS runs, since each takes
seconds. Ratios are over bare nginx for the same file and Accept-Encoding: the
generated config should reach 0.95x. Figures compare servers on this machine,
not what a server can do elsewhere. Over TLS
(without kTLS) nginx encrypts every byte itself and sendfile does not apply:
the large file is bound by encryption in both nginx.
"""

import glob
import http.client
import json
import os
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks import project
from benchmarks.project import local_processes
from benchmarks.table import Row

free_port = local_processes.free_port
self_signed_certificate = local_processes.self_signed_certificate

SECTION = "serving"
FILES = {
    "base-00.css": "bench/css/base-00.css",
    "jquery.js": "admin/js/vendor/jquery/jquery.js",
}
ACCEPT = {"br": {"Accept-Encoding": "br, gzip"}, "none": {}}
HTTPS_PROXY = {"X-Forwarded-Proto": "https"}
WRK_LOAD = ("-t1", "-c16", "-d3s")
FALLBACK_SECONDS, FALLBACK_THREADS = 3, 4
LOAD_RUNS = 3
GUNICORN_WORKERS = 2
BROTLI_MODULES = "/etc/nginx/modules-enabled/*brotli*"

MAIN_CONFIG = """\
{user}daemon off;
master_process on;
worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/error.log;
{modules}events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {site};
}}
"""

BARE_SITE = """\
server {{
    listen 127.0.0.1:{port} ssl;
    server_name 127.0.0.1;
    ssl_certificate "{certificate}";
    ssl_certificate_key "{key}";
    # nginx before 1.23.4 leaves TLSv1.3 off: speak what the generated one does.
    ssl_protocols TLSv1.2 TLSv1.3;
    sendfile on;
    tcp_nopush on;
    open_file_cache max=10000 inactive=5m;
    open_file_cache_valid 1m;
    open_file_cache_errors on;
    location /static/ {{
        alias "{static_root}/";
        gzip_static on;
        {brotli}
    }}
}}
"""


def cpu_split():
    """(client prefix, server prefix, server CPU count): taskset commands that
    keep the load generator and the servers on separate CPUs, when possible."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) < 2 or not shutil.which("taskset"):
        return [], [], max(len(cpus), 1)
    servers = ",".join(map(str, cpus[1:]))
    return ["taskset", "-c", str(cpus[0])], ["taskset", "-c", servers], len(cpus) - 1


CLIENT_CPUS, SERVER_CPUS, SERVER_CPU_COUNT = cpu_split()


@dataclass
class Server:
    name: str
    base: str  # URL of STATIC_ROOT
    brotli: bool  # serves .br files (else gzip for "br, gzip")
    headers: dict
    tls: ssl.SSLContext | None = None

    def encoding(self, accept):
        if accept == "none":
            return None
        return "br" if self.brotli else "gzip"


def hashed_name(static_root, name):
    manifest = json.loads((Path(static_root) / "staticfiles.json").read_text())
    return manifest["paths"][name]


def connect(url, tls=None):
    parts = urlsplit(url)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(
            parts.hostname, parts.port, context=tls, timeout=10
        )
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def fetch(url, headers, tls=None):
    """GET ``url``: status, Content-Encoding and body (not decoded)."""
    connection = connect(url, tls)
    try:
        connection.request("GET", urlsplit(url).path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Encoding"), response.read()
    finally:
        connection.close()


def running(
    command, log_path, ready_url, *, tls=None, headers=None, cwd=None, env=None
):
    """Start a server, wait until ``ready_url`` answers 200, stop it by PID after
    (polling often: the workers benchmark times the start)."""
    return local_processes.running(
        command,
        log_path=log_path,
        ready=lambda: fetch(ready_url, headers or {}, tls)[0] == 200,
        cwd=cwd,
        env=env,
        poll_seconds=0.01,
    )


def nginx_config(root, site, brotli):
    """The main config both nginx share around their site config; its path."""
    main = root / "nginx.conf"
    main.write_text(
        MAIN_CONFIG.format(
            user="user root;\n" if os.geteuid() == 0 else "",
            workers=SERVER_CPU_COUNT,
            root=root,
            modules=f"include {BROTLI_MODULES}.conf;\n" if brotli else "",
            site=site,
        )
    )
    return main


def verify(server, path, static_root):
    """200, the expected Content-Encoding and the bytes of the expected file."""
    for accept, headers in ACCEPT.items():
        expected = server.encoding(accept)
        status, encoding, body = fetch(
            server.base + path, server.headers | headers, server.tls
        )
        suffix = {"br": ".br", "gzip": ".gz", None: ""}[expected]
        on_disk = (static_root / f"{path}{suffix}").read_bytes()
        if (status, encoding, body) != (200, expected, on_disk):
            raise RuntimeError(
                f"{server.name} {path} ({accept}): {status}, Content-Encoding"
                f" {encoding!r}, {len(body)} bytes; expected 200, {expected!r},"
                f" {len(on_disk)} bytes"
            )


def wrk(url, headers, tls):
    command = [*CLIENT_CPUS, "wrk", *WRK_LOAD]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if "Non-2xx" in output or rate is None:
        raise RuntimeError(f"wrk {url}:\n{output}")
    return float(rate.group(1))


def python_client(url, headers, tls):
    """Requests per second of a few threads over keep-alive connections."""
    path = urlsplit(url).path
    deadline = time.monotonic() + FALLBACK_SECONDS

    def client():
        done, connection = 0, connect(url, tls)
        while time.monotonic() < deadline:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url}: {response.status}")
            done += 1
            if response.will_close:  # gunicorn's sync workers close every time
                connection.close()
                connection = connect(url, tls)
        connection.close()
        return done

    started = time.monotonic()
    with ThreadPoolExecutor(FALLBACK_THREADS) as pool:
        done = sum(pool.map(lambda _: client(), range(FALLBACK_THREADS)))
    return done / (time.monotonic() - started)


def start_gunicorn(context, stack, work, path):
    port = free_port()
    server = Server(
        f"gunicorn+WhiteNoise ({GUNICORN_WORKERS} workers)",
        f"http://127.0.0.1:{port}/static/",
        brotli=True,
        headers=HTTPS_PROXY,
    )
    command = [*SERVER_CPUS, str(context.python), "-m", "gunicorn", "config.wsgi"]
    command += ["--workers", str(GUNICORN_WORKERS), "--bind", f"127.0.0.1:{port}"]
    stack.enter_context(
        running(
            command,
            work / "gunicorn.log",
            server.base + path,
            headers=HTTPS_PROXY,
            cwd=context.project,
            env=project.production_environment(context.project),
        )
    )
    return server, port


def start_nginx(context, stack, work, path, upstream_port):
    """Bare and generated nginx on one certificate; [] without nginx or openssl."""
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if not (binary and shutil.which("openssl")):
        print("serving: nginx or openssl missing: WhiteNoise only", file=sys.stderr)
        return []
    brotli = bool(glob.glob(BROTLI_MODULES))
    tls_files = cert, key = self_signed_certificate(work)
    tls = ssl.create_default_context(cafile=cert)
    servers = []
    for name, write_site in (
        ("bare nginx", write_bare_site),
        ("generated nginx", write_generated_site),
    ):
        root = work / name.replace(" ", "-")
        root.mkdir(parents=True, exist_ok=True)
        port = free_port()
        site = root / "site.conf"
        write_site(context, site, port, upstream_port, tls_files, brotli)
        main = nginx_config(root, site, brotli)
        server = Server(name, f"https://127.0.0.1:{port}/static/", brotli, {}, tls)
        command = [*SERVER_CPUS, binary, "-e", str(root / "error.log"), "-c", str(main)]
        ready = server.base + path
        stack.enter_context(running(command, root / "server.log", ready, tls=tls))
        servers.append(server)
    return servers


def write_bare_site(context, site, port, upstream_port, tls_files, brotli):
    cert, key = tls_files
    site.write_text(
        BARE_SITE.format(
            port=port,
            certificate=cert,
            key=key,
            static_root=context.project / "staticfiles",
            brotli="brotli_static on;" if brotli else "",
        )
    )


def write_generated_site(context, site, port, upstream_port, tls_files, brotli):
    cert, key = tls_files
    project.manage(
        context.project,
        context.python,
        "webserver_config",
        "--server=nginx",
        "--server-name=127.0.0.1",
        f"--listen=127.0.0.1:{port}",
        f"--http-listen=127.0.0.1:{free_port()}",
        f"--upstream=127.0.0.1:{upstream_port}",
        f"--certificate={cert}",
        f"--certificate-key={key}",
        f"--brotli={'on' if brotli else 'off'}",
        f"--output={site}",
    )


def measure(context):
    work = context.work / SECTION
    work.mkdir(parents=True, exist_ok=True)
    static_root = context.project / "staticfiles"
    project.manage(context.project, context.python, "collectstatic", "--noinput")
    paths = {label: hashed_name(static_root, name) for label, name in FILES.items()}
    if shutil.which("wrk"):
        load, unit = wrk, "req/s"
    else:
        load, unit = python_client, "req/s (http.client)"

    with ExitStack() as stack:
        first = paths["base-00.css"]
        gunicorn, port = start_gunicorn(context, stack, work, first)
        servers = [*start_nginx(context, stack, work, first, port), gunicorn]
        for server in servers:
            for path in paths.values():
                verify(server, path, static_root)
        figures = loaded(servers, paths, load, min(context.runs, LOAD_RUNS))

    rows = []
    for label in paths:
        for accept in ACCEPT:
            bare = figures.get((label, accept, "bare nginx"))
            for server in servers:
                figure = figures[label, accept, server.name]
                case = f"{server.name}, {label}, {server.encoding(accept) or 'none'}"
                rows.append(Row(SECTION, case, figure, unit, bare and figure / bare))
    return rows


def loaded(servers, paths, load, runs):
    """Median rate per (file, Accept-Encoding, server), runs interleaved so
    that drift on the machine touches every server alike."""
    rates = {}
    for _ in range(runs):
        for label, path in paths.items():
            for accept, headers in ACCEPT.items():
                for server in servers:
                    url, sent = server.base + path, server.headers | headers
                    rate = load(url, sent, server.tls)
                    rates.setdefault((label, accept, server.name), []).append(rate)
    return {key: statistics.median(values) for key, values in rates.items()}
