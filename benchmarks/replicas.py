"""Requests per second through nginx in front of 1 and of 3 replicas of the site.

The default answers' images (the site, and its nginx target), run as
compose.yaml runs them: one network, the replicas under the name "app" that
nginx looks up, the static files that compose's collectstatic publishes in a
volume that nginx serves, nginx publishing HTTPS on a loopback port, with a
certificate made here. Each replica runs GUNICORN_WORKERS sync workers, so 3
replicas have 3 times the workers; on a machine with few CPUs they share them.
The cases: a page Django renders (the home page, no database query), and a
hashed static file that nginx serves itself, so the replicas should not change
it.

Load: serving.py's client (wrk if installed, else threads of http.client).
One stack runs at a time, so each takes its runs in turn; ratios are over 1
replica. Skipped, with the reason, where podman or root is missing.
"""

import re
import shutil
import ssl
import statistics
import sys
import time
import uuid
from contextlib import contextmanager

from benchmarks import serving
from benchmarks.project import local_processes
from benchmarks.table import Row

SECTION = "replicas"
REPLICAS = (1, 3)
GUNICORN_WORKERS = 2
LOAD_RUNS = 3
HASHED_CSS = r'href="(/static/css/site\.[0-9a-f]{12}\.css)"'


@contextmanager
def stack(runtime, site, web, replicas, tls_dir, port):
    """``replicas`` site containers and nginx on a network of their own,
    with the static files' volume; removed (by the names chosen here)
    afterwards."""
    name = f"benchmark-replicas-{uuid.uuid4().hex[:8]}"
    settings = ["--env", f"DJANGO_SECRET_KEY={uuid.uuid4().hex * 2}"]
    settings += ["--env", "DJANGO_ALLOWED_HOSTS=localhost"]
    static = ["--volume", f"{name}-static:/srv/site/static"]
    containers = []
    runtime.run(["podman", "network", "create", name])
    try:
        published = runtime.run(
            [*runtime.PODMAN, "run", "--rm", *runtime.LIMITS, *settings, *static]
            + ["--env", "DJANGO_STATIC_ROOT=/srv/site/static", site]
            + ["python", "manage.py", "collectstatic", "--noinput"]
        )
        assert published.returncode == 0, published.stderr
        for number in range(1, replicas + 1):
            container = f"{name}-app-{number}"
            started = runtime.run(
                [*runtime.PODMAN, "run", "-d", *runtime.LIMITS, "--name", container]
                + ["--network", name, "--network-alias", "app", *settings]
                + ["--env", f"GUNICORN_WORKERS={GUNICORN_WORKERS}", site]
            )
            assert started.returncode == 0, started.stderr
            containers.append(container)
        for container in containers:  # the image's check: /readyz
            runtime.wait_until_healthy(container, timeout=90)
        container = f"{name}-nginx"
        started = runtime.run(
            [*runtime.PODMAN, "run", "-d", *runtime.LIMITS, "--name", container]
            + ["--network", name, "--publish", f"127.0.0.1:{port}:443"]
            + ["--volume", f"{tls_dir}:/etc/site-tls:ro"]
            + ["--volume", f"{static[1]}:ro", web]
        )
        assert started.returncode == 0, started.stderr
        containers.append(container)
        yield
    finally:
        if containers:
            runtime.run(["podman", "rm", "--force", "--time", "0", *containers])
        runtime.run(["podman", "network", "rm", "--force", name])
        runtime.run(["podman", "volume", "rm", "--force", f"{name}-static"])


def wait_until_serving(url, headers, tls, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if serving.fetch(url, headers, tls)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} does not answer 200")
        time.sleep(0.3)


def measure(context):
    import container_runtime as runtime  # tests/, on sys.path (benchmarks.project)

    reason = runtime.missing("mmdebstrap")
    if reason:
        print(f"{SECTION}: skipped, {reason}", file=sys.stderr)
        return []
    work = context.work / SECTION
    work.mkdir(parents=True, exist_ok=True)
    base = runtime.python_image(work)
    tag = f"localhost/benchmark-replicas:{uuid.uuid4().hex[:8]}"
    web = f"{tag}-nginx"
    cert, key = local_processes.self_signed_certificate(work)
    tls_dir = work / "tls"
    tls_dir.mkdir(exist_ok=True)
    shutil.copy(cert, tls_dir / "fullchain.pem")
    shutil.copy(key, tls_dir / "privkey.pem")
    tls = ssl.create_default_context(cafile=cert)
    load, unit = (
        (serving.wrk, "req/s")
        if shutil.which("wrk")
        else (serving.python_client, "req/s (http.client)")
    )
    rates = {}
    try:
        runtime.build(context.project, tag)
        web_server = ["--target", "nginx", "--build-arg", f"WEB_SERVER_IMAGE={base}"]
        runtime.build(context.project, web, *web_server)
        for replicas in REPLICAS:
            port = serving.free_port()
            origin = f"https://127.0.0.1:{port}"
            headers = {"Host": f"localhost:{port}"}
            with stack(runtime, tag, web, replicas, tls_dir, port):
                wait_until_serving(f"{origin}/", headers, tls)
                page = serving.fetch(f"{origin}/", headers, tls)[2].decode()
                css = re.search(HASHED_CSS, page).group(1)
                for _ in range(min(context.runs, LOAD_RUNS)):
                    for case, path in (("page", "/"), ("static file", css)):
                        rate = load(origin + path, headers, tls)
                        rates.setdefault((case, replicas), []).append(rate)
    finally:
        runtime.run(["podman", "rmi", "--force", tag, web])
    rows = []
    for case in ("page", "static file"):
        one = statistics.median(rates[case, REPLICAS[0]])
        for replicas in REPLICAS:
            figure = statistics.median(rates[case, replicas])
            label = f"{case} through nginx, {replicas} replica{'s' * (replicas > 1)}"
            rows.append(Row(SECTION, label, figure, unit, figure / one))
    return rows
