"""The generated Dockerfile, built and run by a real container runtime: podman
from Debian's packages.

No image registry is reachable here, so Debian 13's own Python (3.13, what the
official slim image carries for both Django lines) stands in for the official
image, passed as the PYTHON_IMAGE build argument; pip trusts this machine's CA
through the build secret the Dockerfile documents. Everything else is the
generated project as a user builds and runs it.
"""

import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from container_runtime import (
    LIMITS,
    PODMAN,
    build,
    missing,
    python_image,
    run,
)
from local_processes import free_port, uv
from support import HASHED_CSS, HTTPS_PROXY, first_match, skip_or_fail, tiny_png

pytestmark = pytest.mark.container

SITE = {"Host": "localhost", **HTTPS_PROXY}
# Only on the machine that builds: each must stay out of every layer.
BUILD_SECRET = f"image-test-secret-{uuid.uuid4().hex}"
# pip and nginx; uv and no web server.
ANSWER_SETS = {
    "default": {},
    "uv-none": {"web_server": "none", "package_manager": "uv"},
}


@pytest.fixture(scope="session")
def stand_in_python_image(tmp_path_factory):
    reason = missing("mmdebstrap")
    if reason:
        skip_or_fail(reason)
    return python_image(tmp_path_factory.mktemp("python-image"))


@dataclass
class Image:
    tag: str
    project: Path  # what it was built from


@pytest.fixture(scope="module")
def built_tags():
    """Every tag this file builds, removed once its last build is done: podman
    4.3 removing an image while the next build looks up its cache fails that
    build ("layer not known")."""
    tags = []
    yield tags
    run([*PODMAN, "rmi", *tags])


@pytest.fixture(scope="module", params=sorted(ANSWER_SETS))
def image(request, bake, stand_in_python_image, built_tags, tmp_path_factory):
    """The answer set's project, with a machine's secrets and data beside the
    code as a developer's checkout has them, built into an image."""
    name = request.param
    project = tmp_path_factory.mktemp(f"image-{name}") / "my_site"
    shutil.copytree(bake(**ANSWER_SETS[name]), project)
    (project / ".env").write_text(f"DJANGO_SECRET_KEY={BUILD_SECRET}\n")
    (project / "db.sqlite3").write_text(BUILD_SECRET)
    (project / "media").mkdir(exist_ok=True)
    (project / "media" / "private.txt").write_text(BUILD_SECRET)
    if ANSWER_SETS[name].get("package_manager") == "uv":
        uv("lock", "--quiet", "--directory", project)
    tag = f"localhost/template-image-test-{name}:{uuid.uuid4().hex[:8]}"
    built_tags.append(tag)
    build(project, tag)
    return Image(tag, project)


class Container:
    """A container of the image, on a loopback port, with named volumes for
    its data and uploads; removed, volumes too, by the test that made it."""

    def __init__(self, image):
        self.image = image
        self.name = f"image-test-{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.volumes = [f"{self.name}-data:/app/data", f"{self.name}-media:/app/media"]
        self.environment = {
            "DJANGO_SECRET_KEY": f"container-test-secret-{uuid.uuid4().hex * 2}",
            "DJANGO_ALLOWED_HOSTS": "localhost",
            # gunicorn's default follows the host's cores, not the container's.
            "GUNICORN_WORKERS": "2",
        }

    def options(self):
        flags = [flag for volume in self.volumes for flag in ("-v", volume)]
        for key, value in self.environment.items():
            flags += ["-e", f"{key}={value}"]
        return [*LIMITS, *flags]

    def once(self, *command):
        """A one-off command in a container of its own, as a release step runs."""
        result = run([*PODMAN, "run", "--rm", *self.options(), self.image, *command])
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start(self):
        started = run(
            [*PODMAN, "run", "-d", "--name", self.name, *self.options()]
            + ["-p", f"127.0.0.1:{self.port}:8000", self.image]
        )
        assert started.returncode == 0, started.stderr
        self.wait_until_serving()

    def wait_until_serving(self, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                requests.get(self.base + "/", headers=SITE, timeout=5)
                return
            except requests.RequestException:  # not listening, or still starting
                logs = run(["podman", "logs", self.name]).stderr
                assert time.monotonic() < deadline, logs
                time.sleep(0.3)

    def exec(self, *command):
        result = run(["podman", "exec", self.name, *command])
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def get(self, path, **headers):
        return requests.get(self.base + path, headers={**SITE, **headers}, timeout=10)

    def remove(self):
        run(["podman", "rm", "--force", "--time", "5", self.name])
        for volume in self.volumes:
            run(["podman", "volume", "rm", "--force", volume.partition(":")[0]])


@pytest.fixture(scope="module")
def container(image):
    """The image running, after its release step (migrate) in a one-off."""
    container = Container(image.tag)
    try:
        container.once("python", "manage.py", "migrate", "--noinput")
        container.start()
        yield container
    finally:
        container.remove()


def upload(container):
    """Post a picture through the example app's form as the proxy in front
    would pass it on: over HTTPS, with the CSRF cookie and the Referer."""
    form = container.get("/uploads/")
    token = first_match(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    cookie = f"csrftoken={form.cookies['csrftoken']}"
    posted = requests.post(
        container.base + "/uploads/",
        data={"title": "A dot", "csrfmiddlewaretoken": token},
        files={"file": ("dot.png", tiny_png(3), "image/png")},
        headers={**SITE, "Cookie": cookie, "Referer": "https://localhost/uploads/"},
        allow_redirects=False,
        timeout=10,
    )
    assert posted.status_code == 302, posted.text
    page = container.get("/uploads/").text
    return first_match(r'<img src="(/media/uploads/[^"]+\.png)"', page)


def test_the_image_serves_the_site_from_its_own_static_files(container):
    home = container.get("/")
    css_url = first_match(HASHED_CSS, home.text)
    css = container.get(css_url, **{"Accept-Encoding": "br"})
    plain_http = requests.get(
        container.base + "/", headers={"Host": "localhost"}, allow_redirects=False
    )

    healthy = run([*PODMAN, "healthcheck", "run", container.name])

    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert home.status_code == 200
    assert css.status_code == 200
    assert css.headers["Content-Encoding"] == "br"
    assert css.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    assert plain_http.status_code == 301


def test_uploads_and_the_database_outlive_a_restart(container):
    media_url = upload(container)
    run([*PODMAN, "restart", "--time", "5", container.name])
    container.wait_until_serving()

    assert media_url in container.get("/uploads/").text
    stored = container.exec("find", "/app/media/uploads", "-name", "*.png")
    assert len(stored.split()) == 1
    # Django never serves media in production: the web server or bucket does.
    assert container.get(media_url).status_code == 404


def test_the_site_runs_as_a_user_that_cannot_change_its_code(container):
    processes = run(["podman", "top", container.name, "user", "args"]).stdout

    assert all(line.split()[0] == "app" for line in processes.splitlines()[1:]), (
        processes
    )
    assert "gunicorn" in processes
    owners = container.exec("stat", "-c", "%U %n", "manage.py", "staticfiles", "media")
    assert owners.split("\n")[:3] == [
        "root manage.py",
        "root staticfiles",
        "app media",
    ]
    touched = run(["podman", "exec", container.name, "touch", "manage.py"])
    assert touched.returncode != 0


def test_the_image_holds_no_secret_database_or_upload(image, tmp_path):
    archive = tmp_path / "image.tar"
    saved = run(
        [*PODMAN, "save", "--format", "docker-archive", "-o", archive, image.tag]
    )
    assert saved.returncode == 0, saved.stderr
    listing = run(
        [*PODMAN, "run", "--rm", *LIMITS, image.tag, "ls", "-A", "/app", "/app/media"]
    ).stdout

    assert BUILD_SECRET.encode() not in archive.read_bytes()
    assert not re.search(r"^(\.env|db\.sqlite3|private\.txt|\.git)$", listing, re.M)
    assert "staticfiles" in listing


def test_a_css_change_rebuilds_on_the_cached_dependencies(image, built_tags):
    stylesheet = image.project / "static" / "css" / "site.css"
    stylesheet.write_text(stylesheet.read_text() + ".rebuilt { color: teal; }\n")
    tag = f"{image.tag}-rebuilt"
    built_tags.append(tag)

    output = build(image.project, tag)
    collected = run(
        [*PODMAN, "run", "--rm", *LIMITS, tag]
        + ["grep", "-rl", "--include=site.*.css", "rebuilt", "staticfiles/css"]
    )

    steps = re.split(r"^\[\d/\d\] STEP ", output, flags=re.M)
    (install,) = [step for step in steps if "install" in step.partition("\n")[0]]
    assert "Using cache" in install, install
    assert collected.stdout.strip(), collected
