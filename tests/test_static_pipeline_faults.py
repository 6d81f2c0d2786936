"""The static pipeline as an operator meets it in a generated project:
collectstatic killed at many moments while gunicorn + WhiteNoise and nginx
serve the site. (django-sitefiles' suite proves the pipeline itself: kills at
each phase, overlayfs, incremental runs equal to cold ones.)"""

import json
import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from support import HTTPS_PROXY, Booted
from web_stack import Stack

ANSWERS = {
    "django_version": "5.2",
    "use_upload_example": False,
    "web_server": "nginx",
    "static_storage": "whitenoise",
}
# Kills spread over a run's length (about a second for this project: Django's
# start, hashing, compression, the manifest), each signal a third of them.
KILLS = 12
SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)
KILL_AFTER = (0.2, 1.6)  # seconds, uniformly
# Workers recycle now and then, so some start while a run writes, and
# others serve pages of manifests newer than they are.
GUNICORN_OPTIONS = ("--max-requests", "40", "--max-requests-jitter", "10")
POLLS = 3000  # at most, so the poller's load stays bounded
LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')
PAGE_STATIC = ("css/site.css", "js/site.js", "images/logo.svg")  # home.html's
MANIFEST = "staticfiles.json"


def editable_copy(bake, tmp_path):
    """The generated project, copied so this test can edit its sources."""
    project = tmp_path / "project"
    shutil.copytree(bake(**ANSWERS), project, symlinks=True)
    return project


def edit(project, number):
    """Change the stylesheet, the script and, every third time, the image the
    stylesheet links: new hashed names for all three, and for what links them."""
    for name, comment in (("css/site.css", "/* {} */"), ("js/site.js", "// {}")):
        path = project / "static" / name
        path.write_text(path.read_text() + comment.format(f"edit {number}") + "\n")
    if number % 3 == 0:
        image = project / "static" / "images" / "pattern.svg"
        image.write_text(image.read_text() + f"<!-- edit {number} -->\n")


class Poller(threading.Thread):
    """Until stopped: load the home page through nginx, then every static URL
    it links and every one a page rendered from the current manifest links,
    through nginx and straight from gunicorn's workers (WhiteNoise), with and
    without brotli; keep every answer that is not a whole 200."""

    def __init__(self, stack):
        super().__init__(daemon=True)
        self.stack = stack
        self.direct = f"http://{stack.upstream}"
        self.stopping = threading.Event()
        self.failures = []
        self.checked = 0

    def run(self):
        session = requests.Session()
        while not self.stopping.is_set() and self.checked < POLLS:
            page = self.fetch(session, self.stack.base + "/")
            links = set(LINK.findall(page.text)) if page else set()
            for link in sorted(links | self.current_links()):
                for encoding in ("br", "identity"):
                    headers = {"Accept-Encoding": encoding}
                    self.fetch(session, self.stack.base + link, headers)
                    self.fetch(session, self.direct + link, {**headers, **HTTPS_PROXY})

    def current_links(self):
        """What a worker that read the manifest now puts in the page: a worker
        started before the run that wrote it must serve these too."""
        manifest = json.loads((self.stack.static_root / MANIFEST).read_text())
        return {f"/static/{manifest['paths'][name]}" for name in PAGE_STATIC}

    def fetch(self, session, url, headers=None):
        self.checked += 1
        try:
            response = session.get(
                url, headers=headers, verify=self.stack.certificate, timeout=10
            )
        except requests.RequestException as error:  # a cut or short body too
            self.failures.append((url, repr(error)))
            return None
        if response.status_code != 200:
            self.failures.append((url, response.status_code))
            return None
        return response

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exception):
        self.stopping.set()
        self.join(timeout=30)


def collectstatic_processes(project):
    """PIDs of processes running collectstatic in ``project`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            cwd = os.readlink(entry / "cwd")
        except (OSError, ValueError):
            continue
        if b"collectstatic" in command and cwd == str(project):
            found.append(int(entry.name))
    return found


def ended_within(run, sent, seconds, errors):
    """Wait for a run signalled with ``sent``; one still there after ``seconds``
    fails the test with the stacks it dumps on SIGABRT (PYTHONFAULTHANDLER)."""
    try:
        run.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        run.send_signal(signal.SIGABRT)
        try:
            run.wait(timeout=10)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait()
        pytest.fail(
            f"collectstatic ran on {seconds} s after {sent.name}:\n"
            + errors.read_text(errors="replace")[-6000:]
        )


@pytest.mark.web
def test_killed_runs_never_break_a_link_and_the_next_run_finishes(
    bake, project_python, shared_dir, certificate, tmp_path
):
    project = editable_copy(bake, tmp_path)
    booted = Booted("faults", ANSWERS, project, project_python("5.2"))
    root = shared_dir / "faults"
    root.mkdir()
    stack = Stack("nginx", booted, root, certificate, tcp=True)
    stack.prepare(certificate[1])
    environment = booted.environment("production", **stack.variables)
    # A run that outlives its signal dumps its threads' stacks (SIGABRT).
    environment["PYTHONFAULTHANDLER"] = "1"
    command = [str(booted.python), "manage.py", "collectstatic", "--noinput"]
    delays = random.Random(14)
    stack.start_gunicorn(*GUNICORN_OPTIONS)
    try:
        with stack.web_server(), Poller(stack) as poller:
            for number in range(KILLS):
                edit(project, number)
                errors = tmp_path / f"run-{number}.stderr"
                with errors.open("wb") as stderr:
                    run = subprocess.Popen(
                        command, cwd=project, env=environment, stderr=stderr
                    )
                time.sleep(delays.uniform(*KILL_AFTER))
                sent = SIGNALS[number % len(SIGNALS)]
                run.send_signal(sent)
                ended_within(run, sent, 60, errors)
                if number % 3 == 2:  # now and then a run ends: pages change
                    stack.manage("collectstatic", "--noinput")
            finished = stack.manage("collectstatic", "--noinput")
    finally:
        stack.stop_gunicorn()

    assert poller.failures == []
    assert poller.checked > 100, "the poller hardly ran"
    assert "static files copied" in finished.stdout
    assert collectstatic_processes(project) == []
    assert list(stack.static_root.rglob("*.partial")) == []
