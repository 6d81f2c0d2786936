"""A large private document downloaded by its owner: what it costs the site.

A private file leaves only after a view's permission check (sitefiles.private).
Two ways to send it, side by side on loopback, for one 200 MB document of the
example app's:

- Django sends it (SITEFILES_PRIVATE_MEDIA_SENDER "django": FileResponse), as
  with no web server in front: gunicorn, 1 sync worker, plain HTTP as behind a
  proxy;
- nginx sends it (SITEFILES_PRIVATE_MEDIA_SENDER "nginx", production's with
  nginx): the site config `manage.py webserver_config` writes, over TLS, in front of the
  same gunicorn; Django answers with X-Accel-Redirect.

The client reads at CLIENT_RATE, a fast home connection (on loopback a
download would take a fraction of a second and hide what a slow reader costs).
Measured per download: how long the gunicorn worker was held, from its access
log (a sync worker serves no one else meanwhile), its CPU seconds (utime +
stime from /proc) and peak resident memory (VmHWM) by the end, and the
download's seconds at the client, which reads and drops the bytes.
"""

import http.client
import json
import os
import shutil
import ssl
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks import project
from benchmarks.project import local_processes
from benchmarks.serving import HTTPS_PROXY, free_port, nginx_config, running
from benchmarks.table import Row
from benchmarks.uploads import memory_kib
from benchmarks.workers import children

SECTION = "private downloads"
MB = 1_000_000
DOCUMENT_BYTES = 200 * MB
READ = 1024 * 1024
CLIENT_RATE = 25 * MB  # bytes per second: 200 Mbit/s
# A user, their 200 MB document (written in place, then recorded) and a
# signed-in session: printed as JSON.
MAKE_DOCUMENT = f"""
import json
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import storages
from django.test import Client
from uploads.models import Document
name = "documents/benchmark/large.pdf"
path = storages["private"].path(name)
import os
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "wb") as file:
    for _ in range({DOCUMENT_BYTES // READ}):
        file.write(bytes(range(256)) * {READ // 256})
    file.write(b"x" * {DOCUMENT_BYTES % READ})
owner = User.objects.create_user("owner")
document = Document(owner=owner, title="Large")
document.file.name = name
document.save()
client = Client()
client.force_login(owner)
print(json.dumps({{"link": document.get_absolute_url(),
                  "session": client.cookies["sessionid"].value}}))
"""
# Production's settings with Django as the sender, for gunicorn alone.
DJANGO_SENDER_SETTINGS = """\
from config.settings.production import *  # noqa: F403

SITEFILES_PRIVATE_MEDIA_SENDER = "django"
"""


def cpu_seconds(pid):
    """utime + stime of a process so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def download(url, headers, tls=None):
    """Seconds to read the whole response at CLIENT_RATE, and its size."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("//")[1].split("/", 1)[1]
    if tls is None:
        connection = http.client.HTTPConnection(host, int(port), timeout=600)
    else:
        connection = http.client.HTTPSConnection(
            host, int(port), context=tls, timeout=600
        )
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    answer = connection.getresponse()
    size = 0
    while chunk := answer.read(READ):
        size += len(chunk)
        time.sleep(max(0.0, size / CLIENT_RATE - (time.perf_counter() - started)))
    seconds = time.perf_counter() - started
    connection.close()
    assert answer.status == 200, (answer.status, answer.getheaders())
    return seconds, size


def measured(worker, access_log, url, headers, tls=None):
    """(seconds the worker was held, its CPU seconds, its peak MiB, download
    seconds) for one download."""
    cpu = cpu_seconds(worker)
    seconds, size = download(url, headers, tls)
    assert size == DOCUMENT_BYTES, size
    cpu = cpu_seconds(worker) - cpu
    # The last request the worker logged (gunicorn logs a request once answered).
    held = float(access_log.read_text().split()[-1])
    return held, cpu, memory_kib(worker, "VmHWM") / 1024, seconds


def start_nginx(context, stack, work, upstream_port, environment):
    """The generated site config over TLS in front of gunicorn: (URL base, TLS
    context), or None without nginx or openssl."""
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if not (binary and shutil.which("openssl")):
        print(f"{SECTION}: nginx or openssl missing: Django only", file=sys.stderr)
        return None
    root = work / "nginx"
    root.mkdir(exist_ok=True)
    cert, key = local_processes.self_signed_certificate(root)
    port = free_port()
    site = root / "site.conf"
    project.manage(
        context.project,
        context.python,
        *("webserver_config", "--server=nginx", "--server-name=127.0.0.1"),
        f"--listen=127.0.0.1:{port}",
        f"--http-listen=127.0.0.1:{free_port()}",
        f"--upstream=127.0.0.1:{upstream_port}",
        *(f"--certificate={cert}", f"--certificate-key={key}", "--brotli=off"),
        f"--output={site}",
        env=environment,
    )
    main = nginx_config(root, site, brotli=False)
    tls = ssl.create_default_context(cafile=cert)
    base = f"https://127.0.0.1:{port}"
    command = [binary, "-e", str(root / "error.log"), "-c", str(main)]
    stack.enter_context(running(command, root / "server.log", base + "/", tls=tls))
    return base, tls


def gunicorn(context, work, name, port, environment):
    """1 sync worker, logging each request's seconds (%(L)s) to access-<name>.log."""
    command = [str(context.python), "-m", "gunicorn", "config.wsgi"]
    command += ["--config", "deploy/gunicorn.conf.py", "--workers", "1"]
    command += ["--timeout", "600", "--bind", f"127.0.0.1:{port}"]
    command += ["--access-logfile", str(work / f"access-{name}.log")]
    command += ["--access-logformat", "%(U)s %(s)s %(L)s"]
    return running(
        command,
        work / f"gunicorn-{name}.log",
        f"http://127.0.0.1:{port}/",
        headers={**HTTPS_PROXY, "Host": "localhost"},
        cwd=context.project,
        env=environment,
    )


def measure(context):
    work = context.work / SECTION.replace(" ", "-")
    work.mkdir(parents=True, exist_ok=True)
    (work / "django_sender.py").write_text(DJANGO_SENDER_SETTINGS)
    environment = project.production_environment(
        context.project,
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
        DJANGO_PRIVATE_MEDIA_ROOT=str(work / "private-media"),
        DJANGO_STATIC_ROOT=str(work / "staticfiles"),
    )
    project.manage(context.project, context.python, "migrate", env=environment)
    project.manage(
        context.project,
        context.python,
        *("collectstatic", "--noinput", "--ignore", "bench"),
        env=environment,
    )
    made = project.manage(
        context.project, context.python, "shell", "-c", MAKE_DOCUMENT, env=environment
    )
    document = json.loads(made.stdout.strip().splitlines()[-1])
    cookie = {"Cookie": f"sessionid={document['session']}"}
    headers = {**HTTPS_PROXY, "Host": "localhost", **cookie}
    django_environment = {
        **environment,
        "DJANGO_SETTINGS_MODULE": "django_sender",
        "PYTHONPATH": str(work),
    }
    results = {"django": [], "nginx": []}
    for _ in range(context.runs):
        port = free_port()
        with gunicorn(context, work, "django", port, django_environment) as master:
            (worker,) = children(master.pid)
            url = f"http://127.0.0.1:{port}{document['link']}"
            log = work / "access-django.log"
            results["django"].append(measured(worker, log, url, headers))
        port = free_port()
        with ExitStack() as stack:
            master = stack.enter_context(
                gunicorn(context, work, "nginx", port, environment)
            )
            (worker,) = children(master.pid)
            front = start_nginx(context, stack, work, port, environment)
            if front is None:
                continue
            base, tls = front
            log = work / "access-nginx.log"
            url = base + document["link"]
            results["nginx"].append(measured(worker, log, url, cookie, tls))

    rows = []
    size = f"{DOCUMENT_BYTES // MB} MB"
    for sender, label in (("django", "Django sends"), ("nginx", "nginx sends")):
        if not results[sender]:
            continue
        held, cpu, peak, seconds = (
            statistics.median(result[index] for result in results[sender])
            for index in range(4)
        )
        rows += [
            Row(SECTION, f"{label}: worker held for a {size} document", held, "s"),
            Row(SECTION, f"{label}: worker CPU", cpu, "s"),
            Row(SECTION, f"{label}: worker peak RSS", peak, "MiB"),
            Row(SECTION, f"{label}: download of {size}", seconds, "s"),
        ]
    return rows
