"""A large upload through the example app: what it costs a gunicorn worker.

Django writes an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary
file as it arrives, and the app's validators read a file that is not a picture
no further than its size; so a 200 MB upload should leave the worker's memory
about where it was. gunicorn runs production settings (deploy/gunicorn.conf.py,
1 sync worker, on a free loopback port) with DJANGO_MAX_UPLOAD_SIZE above the
file, the database migrated, the static files collected (the synthetic tree
left out) and MEDIA_ROOT in the work directory. The client
gets the form (CSRF cookie and token), then posts it as the proxy in front would
pass it on, with the file (a .pdf by name) made chunk by chunk as it is sent,
never whole in the client's memory either. Measured: the worker's resident
memory before the upload (VmRSS, after the form was served) and its peak by the
end (VmHWM), and the request's seconds. One upload per run; the median is shown.
"""

import http.client
import re
import statistics
import time
import uuid
from pathlib import Path

from benchmarks import project
from benchmarks.serving import HTTPS_PROXY, free_port, running
from benchmarks.table import Row
from benchmarks.workers import children

SECTION = "uploads"
HEADERS = {**HTTPS_PROXY, "Host": "localhost"}  # as the proxy in front sends them
MB = 1_000_000
UPLOAD_BYTES = 200 * MB
# The file: a PDF's first bytes (the upload check reads them), then 1 MiB of
# content, repeated.
PDF_START = b"%PDF-1.7\n"
CHUNK = bytes(range(256)) * 4096


class MultipartBody:
    """The upload form's body, produced as http.client reads it: its length is
    known up front (Django needs Content-Length), its bytes are made on demand."""

    def __init__(self, token, size):
        boundary = uuid.uuid4().hex
        self.head = (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{token}\r\n--{boundary}\r\n"
            'Content-Disposition: form-data; name="title"\r\n\r\nA large file\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="large.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{boundary}--\r\n".encode()
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self.length = len(self.head) + size + len(self.tail)
        self.left = size - len(PDF_START)
        self.parts = [self.head, PDF_START]

    def read(self, size=-1):
        if not self.parts:
            if self.left > 0:
                piece = CHUNK[: min(len(CHUNK), self.left)]
                self.left -= len(piece)
                self.parts.append(piece)
            elif self.tail:
                self.parts.append(self.tail)
                self.tail = b""
            else:
                return b""
        return self.parts.pop(0)


def memory_kib(pid, field):
    """VmRSS (resident now) or VmHWM (the peak so far) of a process, in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.M).group(1))


def get_form(port):
    """The CSRF cookie and the form's token, as a browser gets them."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/uploads/", headers=HEADERS)
    answer = connection.getresponse()
    page = answer.read().decode()
    connection.close()
    cookie = answer.getheader("Set-Cookie").split(";")[0]
    return cookie, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]


def post_form(port, body, cookie):
    """Seconds for the upload, sent as the proxy in front would pass it on."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request(
        "POST",
        "/uploads/",
        body=body,
        headers={
            **HEADERS,
            "Content-Type": body.content_type,
            "Content-Length": str(body.length),
            "Cookie": cookie,
            "Origin": "https://localhost",
        },
    )
    answer = connection.getresponse()
    answer.read()
    seconds = time.perf_counter() - started
    connection.close()
    assert answer.status == 302, (answer.status, answer.getheaders())
    return seconds


def measure(context):
    work = context.work / SECTION
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    environment = project.production_environment(
        context.project,
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(work / "media"),
        DJANGO_MAX_UPLOAD_SIZE=str(2 * UPLOAD_BYTES),
        DJANGO_STATIC_ROOT=str(work / "staticfiles"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
    )
    project.manage(context.project, context.python, "migrate", env=environment)
    # The pages' static files, without the synthetic tree (no part of this).
    project.manage(
        context.project,
        context.python,
        *("collectstatic", "--noinput", "--ignore", "bench"),
        env=environment,
    )
    command = [str(context.python), "-m", "gunicorn", "config.wsgi"]
    command += ["--config", "deploy/gunicorn.conf.py", "--workers", "1"]
    command += ["--timeout", "600"]
    results = []
    for run in range(context.runs):
        with running(
            command,
            work / f"gunicorn-{run}.log",
            f"http://127.0.0.1:{port}/uploads/",  # served once: the worker is warm
            headers=HEADERS,
            cwd=context.project,
            env=environment,
        ) as master:
            (worker,) = children(master.pid)
            cookie, token = get_form(port)
            before = memory_kib(worker, "VmRSS")
            seconds = post_form(port, MultipartBody(token, UPLOAD_BYTES), cookie)
            peak = memory_kib(worker, "VmHWM")
        results.append((before / 1024, peak / 1024, seconds))
    sizes = [path.stat().st_size for path in (work / "media").rglob("*.pdf")]
    assert sizes == [UPLOAD_BYTES] * context.runs, sizes

    before, peak, seconds = (
        statistics.median(result[index] for result in results) for index in range(3)
    )
    size = f"{UPLOAD_BYTES // MB} MB upload"
    return [
        Row(SECTION, "worker RSS before the upload", before, "MiB", 1.0),
        Row(
            SECTION,
            f"worker peak RSS by the end of a {size}",
            peak,
            "MiB",
            peak / before,
        ),
        Row(SECTION, f"{size}, through the form to MEDIA_ROOT", seconds, "s"),
    ]
