"""The generated Dockerfile and compose.yaml, built and run by a real container
runtime: podman from Debian's packages, podman-compose from PyPI.

No image registry is reachable here, so Debian 13 (its own Python 3.13, what the
official slim image carries for both Django lines) stands in for both base
images, passed as the PYTHON_IMAGE and WEB_SERVER_IMAGE build arguments, and,
with Debian's PostgreSQL 17, for compose's database image; pip trusts this
machine's CA through the build secret the Dockerfile documents.
The images are built as the README's `docker build` lines build them, and the
README's compose steps run them, with an override file that only renames the
images (unique per run) and, for object storage, puts the site on the host's
network to reach moto on loopback. Everything else is the generated project as
a user builds and runs it.

Debian 12's podman (4.3) neither runs health checks (it schedules them with
systemd timers) nor starts a container whose dependency has dependencies of its
own (podman-compose#921, fixed in podman 5.6), and podman-compose ignores
`service_healthy` before podman 4.6. So `up` here starts one service at a time
in compose.yaml's dependency order, each once its `depends_on` conditions hold
(health checks run as an engine runs them), as Docker Compose does.
"""

import html
import json
import re
import shlex
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import yaml
from sitefiles.project_setup import write_env_file

from container_runtime import (
    LIMITS,
    NODE_IMAGE,
    PODMAN,
    POSTGRES_IMAGE,
    PYTHON_IMAGE,
    build,
    missing,
    node_image,
    podman_compose,
    postgres_image,
    python_image,
    run,
    wait_until_healthy,
)
from local_processes import free_port, uv
from storage_servers import s3_server
from support import (
    FRONTEND,
    PRIVATE_DOCUMENT,
    PRIVATE_TEXT,
    first_match,
    pixels,
    skip_or_fail,
    tiny_png,
)

pytestmark = pytest.mark.container

# Only on the machine that builds: each must stay out of every layer.
BUILD_SECRET = f"image-test-secret-{uuid.uuid4().hex}"
ANSWER_SETS = {
    # pip; nginx serves the static volume (compose's collectstatic) and the uploads one.
    "default": {},
    # uv; Apache serves static files (no WhiteNoise), the built front end
    # among them, and the uploads volume; the database is compose's PostgreSQL.
    "apache-uv-postgresql": {
        "web_server": "apache",
        "package_manager": "uv",
        "static_storage": "web_server",
        "frontend": FRONTEND,
        "database": "postgresql",
    },
    # gunicorn alone, behind a proxy; static files and uploads in S3 (moto).
    "none-s3": {"web_server": "none", "static_storage": "s3", "media_storage": "s3"},
}
REPLICAS = 3
STATIC_BUCKET = "site-static"
MEDIA_BUCKET = "site-media"
HASHED_CSS = r'href="([^"]*/static/css/site\.[0-9a-f]{12}\.css)"'
IMMUTABLE = re.compile(r"max-age=315360000\b.*\bimmutable|immutable.*max-age=315360000")


@pytest.fixture(scope="session")
def stand_in_base_image(tmp_path_factory):
    reason = missing("mmdebstrap")
    if reason:
        skip_or_fail(reason)
    return python_image(tmp_path_factory.mktemp("python-image"))


@dataclass
class Images:
    name: str  # the answer set's
    project: Path  # what they were built from
    site: str
    server: str  # the web server answer: nginx, apache or none
    web: str | None  # the web server's image


@pytest.fixture(scope="module")
def built_tags():
    """Every tag this file builds, removed once its last build is done: podman
    4.3 removing an image while the next build looks up its cache fails that
    build ("layer not known")."""
    tags = []
    yield tags
    run([*PODMAN, "rmi", *tags])


@pytest.fixture(scope="session")
def stand_in_node_image(tmp_path_factory):
    reason = missing("mmdebstrap", "npm")
    if reason:
        skip_or_fail(reason)
    return node_image(tmp_path_factory.mktemp("node-image"))


@pytest.fixture(scope="session")
def stand_in_postgres_image(tmp_path_factory):
    reason = missing("mmdebstrap")
    if reason:
        skip_or_fail(reason)
    return postgres_image(tmp_path_factory.mktemp("postgres-image"))


def uses_postgresql(name):
    return ANSWER_SETS[name].get("database") == "postgresql"


@pytest.fixture(scope="module", params=sorted(ANSWER_SETS))
def images(request, bake, stand_in_base_image, built_tags, tmp_path_factory):
    """The answer set's project, with a machine's secrets and data beside the
    code as a developer's checkout has them, built as the README builds it: the
    site, and the web server's target."""
    name = request.param
    answers = ANSWER_SETS[name]
    project = tmp_path_factory.mktemp(f"image-{name}") / "my_site"
    shutil.copytree(bake(**answers), project)
    # The .env the set-up writes, with a secret of this machine's in it.
    secrets = ["DJANGO_SECRET_KEY"]
    if uses_postgresql(name):
        secrets.append("POSTGRES_PASSWORD")
        request.getfixturevalue("stand_in_postgres_image")
    write_env_file(project / ".env", project / ".env.example", *secrets)
    with (project / ".env").open("a") as env_file:
        env_file.write(f"# {BUILD_SECRET}\n")
    (project / "db.sqlite3").write_text(BUILD_SECRET)
    (project / "media").mkdir(exist_ok=True)
    (project / "media" / "private.txt").write_text(BUILD_SECRET)
    if answers.get("package_manager") == "uv":
        uv("lock", "--quiet", "--directory", project)
    # The front end's stage builds on the Node.js stand-in.
    node = []
    if answers.get("frontend"):
        request.getfixturevalue("stand_in_node_image")
        node = ["--build-arg", f"NODE_IMAGE={NODE_IMAGE}"]
    run_id = uuid.uuid4().hex[:8]
    site = f"localhost/template-image-test-{name}:{run_id}"
    built_tags.append(site)
    build(project, site, *node)
    server = answers.get("web_server", "nginx")
    web = None
    if server != "none":
        web = f"localhost/template-image-test-{name}-{server}:{run_id}"
        built_tags.append(web)
        build(
            project,
            web,
            *("--target", server, "--build-arg", f"WEB_SERVER_IMAGE={PYTHON_IMAGE}"),
            *node,
        )
    return Images(name, project, site, server, web)


@dataclass
class Stack:
    """The project's compose.yaml, up on loopback ports with its named volumes;
    taken down, volumes too, by the fixture that brought it up."""

    images: Images
    work: Path
    environment: dict = field(default_factory=dict)  # set in the project's .env
    storage: object = None  # moto, when the answers keep files in S3
    site_port: int = field(default_factory=free_port)  # gunicorn's
    trusted: Path | None = None  # the web server's certificate
    name: str = field(default_factory=lambda: f"compose-test-{uuid.uuid4().hex[:8]}")
    site_image: str | None = None  # the site's services', when not images.site

    def __post_init__(self):
        self.command, self.process_environment = podman_compose(self.work)
        self.https_port, self.http_port = free_port(), free_port()
        self.process_environment.update(
            HTTPS_PORT=str(self.https_port),
            HTTP_PORT=str(self.http_port),
            SITE_PORT=str(self.site_port),
            SITE_REPLICAS=str(REPLICAS),  # nginx's answer balances over them
        )
        self.write_configuration()

    @property
    def web(self):
        return self.images.web is not None

    @property
    def base(self):
        if self.web:
            return f"https://127.0.0.1:{self.https_port}"
        return f"http://127.0.0.1:{self.site_port}"

    @property
    def headers(self):
        """What a browser sends through the web server, or what the proxy in
        front of gunicorn would add."""
        if self.web:
            return {"Host": f"localhost:{self.https_port}"}
        return {"Host": "localhost", "X-Forwarded-Proto": "https"}

    @property
    def origin(self):
        return f"https://{self.headers['Host']}"

    def write_configuration(self):
        """The .env the services read (the generator's, as the README says,
        with this run's variables), and an override that names this run's
        images (and, with S3, puts the site on the host's network)."""
        set_variables(
            self.images.project / ".env",
            # gunicorn's default follows the host's cores, not the container's.
            {"GUNICORN_WORKERS": "2", **self.environment},
        )
        site = self.site_image or self.images.site
        services = {name: {"image": site} for name in self.services() if name != "db"}
        if self.web:
            services[self.images.server] = {"image": self.images.web}
        if uses_postgresql(self.images.name):
            services["db"] = {"image": POSTGRES_IMAGE}
        if self.storage is not None:
            for service in ("migrate", "app"):
                services[service]["network_mode"] = "host"
        self.override = self.work / "compose.override.yaml"
        self.override.write_text(yaml.safe_dump({"services": services}))

    def up(self, *options):
        """`compose up -d`: each service once its dependencies' conditions hold."""
        services = self.services()
        for service in dependency_order(services):
            for dependency, condition in depends_on(services[service]).items():
                self.wait_for(dependency, condition)
            self.compose("up", "-d", "--no-deps", *options, service)

    def services(self):
        return yaml.safe_load((self.images.project / "compose.yaml").read_text())[
            "services"
        ]

    def wait_for(self, service, condition, timeout=120):
        """Until every container of ``service`` meets ``condition``."""
        for container in self.containers(service):
            if condition == "service_completed_successfully":
                waited = run(["podman", "wait", container], timeout=timeout)
                logs = run(["podman", "logs", container]).stderr[-4000:]
                assert waited.stdout.strip() == "0", f"{container} failed:\n{logs}"
            elif condition == "service_healthy":
                wait_until_healthy(container, timeout)
            else:
                assert condition == "service_started", condition

    def containers(self, service):
        """The containers of ``service`` (its replicas), by name."""
        listed = run(
            ["podman", "ps", "--all", "--format", "{{.Names}}"]
            + ["--filter", f"label=io.podman.compose.project={self.name}"]
            + ["--filter", f"label=io.podman.compose.service={service}"]
        )
        return sorted(listed.stdout.split())

    def compose(self, *arguments, check=True, timeout=300):
        result = run(
            [*self.command, "-p", self.name, "-f", "compose.yaml"]
            + ["-f", str(self.override), *arguments],
            cwd=self.images.project,
            env=self.process_environment,
            timeout=timeout,
        )
        if check:
            assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        return result

    def container(self, service):
        return f"{self.name}_{service}_1"

    def wait_until_up(self):
        """After `up -d`: the web server's certificate, and the site serving."""
        if self.web and self.trusted is None:
            self.trusted = self.read_certificate()
        self.wait_until_serving()

    def read_certificate(self, timeout=30):
        """The web server's certificate (self-signed on its first start, in
        the tls volume), which this client then trusts and nothing else."""
        deadline = time.monotonic() + timeout
        command = ["podman", "exec", self.container(self.images.server)]
        while True:
            read = run([*command, "cat", "/etc/site-tls/fullchain.pem"])
            if read.returncode == 0 and "BEGIN CERTIFICATE" in read.stdout:
                path = self.work / "trusted.pem"
                path.write_text(read.stdout)
                return path
            assert time.monotonic() < deadline, read.stderr
            time.sleep(0.3)

    def down(self, *options):
        self.compose("down", "--timeout", "5", *options, check=False)

    def wait_until_serving(self, timeout=90):
        deadline = time.monotonic() + timeout
        while True:
            try:
                answer = self.get("/")
                if answer.status_code < 500:
                    return
            except requests.RequestException:  # not listening, or still starting
                pass
            if time.monotonic() > deadline:
                logs = self.compose("logs", check=False)
                raise AssertionError(logs.stdout[-6000:] + logs.stderr[-2000:])
            time.sleep(0.5)

    def url(self, path_or_url):
        return path_or_url if "://" in path_or_url else self.base + path_or_url

    def get(self, path, **headers):
        url = self.url(path)
        ours = self.headers if url.startswith(self.base) else {}
        return requests.get(
            url, headers={**ours, **headers}, timeout=10, verify=self.verify
        )

    @property
    def verify(self):
        return str(self.trusted) if self.trusted else True


def depends_on(service):
    """A service's dependencies and their conditions (the list form is
    `service_started`)."""
    dependencies = service.get("depends_on", {})
    if isinstance(dependencies, list):
        return dict.fromkeys(dependencies, "service_started")
    return {name: spec["condition"] for name, spec in dependencies.items()}


def dependency_order(services):
    """The services, each after those it depends on."""
    ordered = []

    def visit(name):
        if name not in ordered:
            for dependency in depends_on(services[name]):
                visit(dependency)
            ordered.append(name)

    for name in services:
        visit(name)
    return ordered


def set_variables(env_file, variables):
    """Set ``variables`` in an env file: in place where it assigns them, at
    its end where it does not."""
    lines, left = [], dict(variables)
    for line in env_file.read_text().splitlines():
        key = line.partition("=")[0]
        lines.append(f"{key}={left.pop(key)}" if key in left else line)
    lines += [f"{key}={value}" for key, value in left.items()]
    env_file.write_text("\n".join(lines) + "\n")


def readme_compose_steps(project):
    """The generated README's compose commands, each as podman-compose's
    arguments. `build` is left out: the images fixture built both targets, and
    the override names them."""
    readme = (project / "README.md").read_text()
    section = readme.split("### With compose\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    steps = []
    for line in block.splitlines():
        assert line.startswith("docker compose "), line
        arguments = shlex.split(line.removeprefix("docker compose "))
        if arguments[0] != "build":
            steps.append(arguments)
    assert steps[-1][:2] == ["up", "-d"], steps
    return steps


@contextmanager
def moto_for(answers):
    """moto with the two buckets, and the variables the project then needs,
    when the answers keep files in S3; else nothing."""
    if answers.get("static_storage") != "s3":
        yield None, {}
        return
    with s3_server() as server:
        server.create_bucket(STATIC_BUCKET, public=True)
        server.create_bucket(MEDIA_BUCKET)
        yield (
            server,
            {
                "DJANGO_STATIC_BUCKET": STATIC_BUCKET,
                "DJANGO_MEDIA_BUCKET": MEDIA_BUCKET,
                **server.project_variables(),
            },
        )


@pytest.fixture(scope="module")
def stack(images, tmp_path_factory):
    """The README's compose steps, as written: (with a bucket) collectstatic
    from the new image, then `up`, which runs migrate before the site starts."""
    work = tmp_path_factory.mktemp(f"compose-{images.name}")
    with moto_for(ANSWER_SETS[images.name]) as (server, environment):
        port = free_port()
        if server is not None:
            # On the host's network, gunicorn binds a loopback port of its own.
            environment["GUNICORN_BIND"] = f"127.0.0.1:{port}"
        stack = Stack(images, work, environment, storage=server, site_port=port)
        try:
            for arguments in readme_compose_steps(images.project):
                if arguments[:2] == ["up", "-d"]:
                    stack.up("--no-build", *arguments[2:])
                else:
                    stack.compose(*arguments)
            stack.wait_until_up()
            yield stack
        finally:
            stack.down("--volumes")


def upload(stack):
    """Post a picture through the example app's form as a browser would, over
    HTTPS with the CSRF cookie and the Origin; returns the picture's URL."""
    form = stack.get("/uploads/")
    token = first_match(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    posted = requests.post(
        stack.base + "/uploads/",
        data={"title": "A dot", "csrfmiddlewaretoken": token},
        files={"file": ("dot.png", tiny_png(3), "image/png")},
        headers={
            **stack.headers,
            "Cookie": f"csrftoken={form.cookies['csrftoken']}",
            "Origin": stack.origin,
            "Referer": f"{stack.origin}/uploads/",
        },
        allow_redirects=False,
        timeout=10,
        verify=stack.verify,
    )
    assert posted.status_code == 302, posted.text
    page = stack.get("/uploads/").text
    return html.unescape(first_match(r'<img src="([^"]+\.png[^"]*)"', page))


def test_the_site_serves_pages_and_hashed_compressed_static_files(stack):
    home = stack.get("/")
    css = stack.get(first_match(HASHED_CSS, home.text), **{"Accept-Encoding": "br"})
    healthy = run([*PODMAN, "healthcheck", "run", stack.container("app")])
    plain = requests.get(
        f"http://127.0.0.1:{stack.http_port if stack.web else stack.site_port}/",
        headers={"Host": "localhost"},
        allow_redirects=False,
        timeout=10,
    )

    assert home.status_code == 200
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert css.status_code == 200
    assert IMMUTABLE.search(css.headers["Cache-Control"]), css.headers
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://localhost")
    if stack.storage is None:
        assert css.headers["Content-Encoding"] == "br"
        assert css.headers["X-Content-Type-Options"] == "nosniff"
    else:
        assert css.url.startswith(f"{stack.storage.endpoint}/{STATIC_BUCKET}/")


def test_node_stays_in_its_stage_and_the_built_front_end_is_served(stack, images):
    """No Node.js or node_modules/ in either image. With the front end,
    frontend/dist/ from the Node stage is collected, hashed and compressed with
    the other static files."""
    found = {
        image: run(
            [*PODMAN, "run", "--rm", *LIMITS, "--entrypoint", "sh", image, "-c"]
            + ["command -v node npm; ls -d /app/node_modules 2>/dev/null; true"]
        ).stdout
        for image in filter(None, (images.site, images.web))
    }

    assert set(found.values()) == {""}, found
    if "frontend" not in ANSWER_SETS[images.name]:
        return
    home = stack.get("/").text
    css = stack.get(
        first_match(r'href="(/static/frontend/app\.[0-9a-f]{12}\.css)"', home),
        **{"Accept-Encoding": "br"},
    )
    script = stack.get(
        first_match(r'src="(/static/frontend/app\.[0-9a-f]{12}\.js)"', home)
    )
    assert css.status_code == 200
    assert css.headers["Content-Encoding"] == "br"
    assert IMMUTABLE.search(css.headers["Cache-Control"]), css.headers
    assert ".tracking-widest{" in css.text
    assert "JavaScript bundled by esbuild" in script.text


def test_uploads_are_served_and_outlive_the_containers(stack):
    media_url = upload(stack)
    first = stack.get(media_url)

    stack.down()  # the containers go; the named volumes stay
    stack.up("--no-build")
    stack.wait_until_up()  # requests trust only the certificate made on the first start

    assert first.status_code == 200
    assert pixels(first.content) == pixels(tiny_png(3))
    if stack.storage is None:
        # The web server, never Django, serves uploads, with the safe headers.
        assert first.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in first.headers["Content-Security-Policy"]
        assert pixels(stack.get(media_url).content) == pixels(tiny_png(3))
    else:
        assert media_url.startswith(f"{stack.storage.endpoint}/{MEDIA_BUCKET}/")
        assert "X-Amz-Signature=" in media_url
    path = re.sub(r"\?.*", "", media_url)
    assert path.rpartition("/")[2] in stack.get("/uploads/").text


def test_a_private_document_reaches_its_owner_alone(stack):
    """Made in the site's container, on its volume (or in the bucket); sent by
    the web server (X-Accel-Redirect, X-Sendfile) or the bucket once Django has
    checked the session."""
    made = run(
        ["podman", "exec", stack.container("app"), "python", "-c", PRIVATE_DOCUMENT]
    )
    assert made.returncode == 0, made.stderr
    document = json.loads(made.stdout.strip().splitlines()[-1])
    owner, other = (f"sessionid={key}" for key in document["sessions"])

    sent = stack.get(document["link"], Cookie=owner)

    assert sent.status_code == 200, sent.text[:500]
    assert sent.content == PRIVATE_TEXT
    if stack.storage is None:
        assert sent.headers["Content-Disposition"] == "attachment"
        assert sent.headers["X-Content-Type-Options"] == "nosniff"
    else:
        assert sent.history[0].status_code == 302
        assert sent.url.startswith(f"{stack.storage.endpoint}/{MEDIA_BUCKET}/")
    assert stack.get(document["link"], Cookie=other).status_code == 404
    assert stack.get(document["link"]).status_code == 404
    if stack.web:
        private = f"/private-media/{document['name']}"
        assert stack.get(private, Cookie=owner).status_code == 404


def test_the_services_run_as_users_that_cannot_change_the_code(stack):
    site = run(["podman", "top", stack.container("app"), "user", "args"]).stdout
    touched = run(["podman", "exec", stack.container("app"), "touch", "manage.py"])

    assert all(line.split()[0] == "app" for line in site.splitlines()[1:]), site
    assert "gunicorn" in site
    assert touched.returncode != 0
    if stack.web:
        server = stack.container(stack.images.server)
        workers = run(["podman", "top", server, "user", "args"]).stdout
        # The master process binds the ports as root; the workers are not root.
        users = {line.split()[0] for line in workers.splitlines()[1:]}
        assert users - {"root"}, workers
        assert "www-data" in users, workers


# Inside the site's image: what its environment holds besides what runs.
ENVIRONMENT_PROBE = """
import importlib.util, json, os, pathlib, django
venv = pathlib.Path("/app/.venv")
print(json.dumps({
    "pip": importlib.util.find_spec("pip") is not None,
    "po": sorted(str(path) for path in venv.rglob("*.po"))[:3],
    "bytecode": os.path.exists(importlib.util.cache_from_source(django.__file__)),
}))
"""


def test_the_site_s_environment_is_compiled_and_holds_no_installer(images):
    """No pip and no translation sources (Django reads the .mo), and the
    bytecode compiled at build time: the site cannot write it, so each
    worker would compile what it imports at every start."""
    probe = run(
        [*PODMAN, "run", "--rm", *LIMITS, images.site]
        + ["python", "-c", ENVIRONMENT_PROBE]
    )

    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    assert found == {"pip": False, "po": [], "bytecode": True}


def test_gunicorn_starts_without_an_error(stack):
    logs = run(["podman", "logs", stack.container("app")])

    assert "Booting worker" in logs.stderr
    assert "[ERROR]" not in logs.stderr, logs.stderr


def test_the_images_hold_no_secret_database_or_upload(images, tmp_path):
    env_file = (images.project / ".env").read_text()
    secret_key = first_match(r"(?m)^DJANGO_SECRET_KEY=(.+)$", env_file)
    for tag in filter(None, (images.site, images.web)):
        archive = tmp_path / "image.tar"
        saved = run([*PODMAN, "save", "--format", "docker-archive", "-o", archive, tag])
        assert saved.returncode == 0, saved.stderr
        layers = archive.read_bytes()
        assert BUILD_SECRET.encode() not in layers, tag
        assert secret_key.encode() not in layers, tag
        archive.unlink()
    listing = run(
        [*PODMAN, "run", "--rm", *LIMITS, images.site, "ls", "-A", "/app", "/app/media"]
    ).stdout

    assert not re.search(r"^(\.env|db\.sqlite3|private\.txt|\.git)$", listing, re.M)
    assert "staticfiles" in listing


@dataclass
class Release:
    """The next release of an answer set's project, built as its site image."""

    project: Path
    site: str
    build_output: str


# What the next release changes: a stylesheet, a script and an image.
NEXT_RELEASE = {
    "css/site.css": ".next-release { color: teal; }\n",
    "js/site.js": "document.documentElement.dataset.release = 'next';\n",
    "images/logo.svg": "<!-- next release -->\n",
}


@pytest.fixture(scope="module")
def next_release(images, built_tags, tmp_path_factory):
    """The project with its stylesheet, script and logo changed, as the next
    commit has it, built on the first image's cached layers."""
    project = tmp_path_factory.mktemp(f"next-{images.name}") / images.project.name
    shutil.copytree(
        images.project, project, ignore=shutil.ignore_patterns(".venv", "node_modules")
    )
    for name, line in NEXT_RELEASE.items():
        path = project / "static" / name
        path.write_text(path.read_text() + line)
    tag = f"{images.site}-next"
    built_tags.append(tag)
    return Release(project, tag, build(project, tag))


@pytest.mark.parametrize("images", ["default"], indirect=True)
def test_a_static_change_rebuilds_on_the_cached_dependencies(next_release):
    collected = run(
        [*PODMAN, "run", "--rm", *LIMITS, next_release.site]
        + ["grep", "-rl", "--include=site.*.css", "next-release", "staticfiles/css"]
    )

    steps = re.split(r"^\[\d/\d\] STEP ", next_release.build_output, flags=re.M)
    (install,) = [step for step in steps if "install" in step.partition("\n")[0]]
    assert "Using cache" in install, install
    assert collected.stdout.strip(), collected


STATIC_LINK = re.compile(r'(?:href|src)="([^"]*/static/[^"]+)"')


def linked_static_files(page):
    """The static files a page links (stylesheets, scripts, icon, images)."""
    return sorted(set(STATIC_LINK.findall(html.unescape(page))))


def readme_publish_step(project):
    """The README's step that publishes a new release's static files before
    its containers start ("Rolling deploys"), as compose's arguments."""
    readme = (project / "README.md").read_text()
    section = readme.split("### Rolling deploys\n", 1)[1].split("\n### ", 1)[0]
    return shlex.split(first_match(r"(?m)^2\. `docker compose (run [^`]+)`", section))


@pytest.mark.parametrize("images", ["default", "none-s3"], indirect=True)
def test_a_rolling_deploy_loses_no_file_of_either_release(stack, next_release):
    """The next release beside the running one, as a rolling update has them:
    its static files published first (the README's step, from its image: to
    nginx's volume, or to the bucket), then two of its containers started
    beside the running ones (behind nginx, under the service's name; without a
    web server, on ports of their own that the loop takes turns with, as a
    balancer would), and one of the old containers restarted meanwhile. A
    bounded loop of pages, and every static file each links, gets only 200s,
    pages of both releases among them; the restarted old container still links
    its own release's files."""
    old_stylesheet = first_match(HASHED_CSS, stack.get("/").text)
    stack.site_image = next_release.site
    stack.write_configuration()
    try:
        stack.compose(*readme_publish_step(stack.images.project))
    finally:
        stack.site_image = None
        stack.write_configuration()
    volumes = [
        f"{stack.name}_{volume}" if not volume.startswith("/") else volume
        for volume in stack.services()["app"].get("volumes", [])
    ]
    if stack.web:  # nginx finds them under the service's name
        network = ["--network", f"{stack.name}_default", "--network-alias", "app"]
        ports = [None, None]
    else:  # beside the stack's, on the host's network (for moto)
        network = ["--network", "host"]
        ports = [free_port(), free_port()]
    started = [f"{stack.name}-next-{number}" for number in range(len(ports))]
    pages = [stack.url("/")] + [
        f"http://127.0.0.1:{port}/" for port in ports if port is not None
    ]
    old_container = stack.containers("app")[0]
    releases, failed, checked, done = set(), [], [0], threading.Event()

    def balanced(turn):
        """A page, asked as a balancer would: of the container whose turn it
        is, or of the next when one refuses the connection (restarting)."""
        order = pages[turn % len(pages) :] + pages[: turn % len(pages)]

        def get(url):
            return requests.get(
                url, headers=stack.headers, timeout=10, verify=stack.verify
            )

        for url in order[:-1]:
            try:
                return get(url)
            except requests.ConnectionError:
                continue
        return get(order[-1])

    def load():
        deadline = time.monotonic() + 120
        turn = 0
        while not done.is_set() and checked[0] < 3000:
            assert time.monotonic() < deadline, "the loop outlived its bound"
            turn += 1
            try:
                page = balanced(turn)
                files = linked_static_files(page.text)
                answers = [(name, stack.get(name).status_code) for name in files]
            except requests.RequestException as error:
                failed.append(("/", type(error).__name__))
                continue
            checked[0] += 1 + len(files)
            failed.extend(
                (name, status)
                for name, status in [(page.url, page.status_code), *answers]
                if status != 200
            )
            releases.add(first_match(HASHED_CSS, page.text))

    loop = threading.Thread(target=load)
    try:
        for name, port in zip(started, ports, strict=True):
            bind = ["--env", f"GUNICORN_BIND=127.0.0.1:{port}"] if port else []
            run(
                [*PODMAN, "run", "-d", *LIMITS, "--name", name, *network]
                + ["--env-file", str(stack.images.project / ".env"), *bind]
                + [argument for volume in volumes for argument in ("-v", volume)]
                + [next_release.site]
            )
        for name in started:
            wait_until_healthy(name)
        loop.start()
        while checked[0] < 50:
            time.sleep(0.05)
            assert loop.is_alive()
        restarted = run(
            [*PODMAN, "restart", "--time", "35", old_container], timeout=120
        )
        wait_until_healthy(old_container)
        while len(releases) < 2 and loop.is_alive():
            time.sleep(0.1)
        own_page = run(
            ["podman", "exec", old_container, "python", "-c", PAGE_FROM_INSIDE]
        ).stdout
    finally:
        done.set()
        if loop.ident is not None:
            loop.join(timeout=60)
        run(["podman", "rm", "--force", "--time", "5", *started])

    assert restarted.returncode == 0, restarted.stderr
    assert failed == [], f"{len(failed)} of {checked[0]} requests: {failed[:10]}"
    assert old_stylesheet in releases, releases
    assert len(releases) == 2, releases  # pages of the next release too
    assert first_match(HASHED_CSS, own_page) == old_stylesheet


# A page as the container's gunicorn renders it, asked from inside.
PAGE_FROM_INSIDE = """
import os, urllib.request
port = os.environ["GUNICORN_BIND"].rpartition(":")[2]
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/",
    headers={"Host": "localhost", "X-Forwarded-Proto": "https"},
)
print(urllib.request.urlopen(request, timeout=10).read().decode())
"""


@pytest.mark.parametrize("images", ["apache-uv-postgresql"], indirect=True)
def test_the_site_keeps_its_data_in_the_database_service(stack):
    """The site reaches compose's PostgreSQL (never a SQLite fallback), whose
    health check it waited for; the data lives in the volume "postgres"."""
    connected = run(
        ["podman", "exec", stack.container("app"), "python", "-c"]
        + [
            "from django.db import connection; connection.ensure_connection(); "
            "print(connection.vendor, connection.settings_dict['HOST'])"
        ]
    )
    healthy = run([*PODMAN, "healthcheck", "run", stack.container("db")])
    volumes = run(
        ["podman", "volume", "ls", "--format", "{{.Name}}"]
        + ["--filter", f"label=io.podman.compose.project={stack.name}"]
    ).stdout.split()

    assert connected.stdout.split() == ["postgresql", "db"], connected.stderr
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert f"{stack.name}_postgres" in volumes
    assert f"{stack.name}_data" not in volumes


def test_compose_refuses_to_start_without_the_database_password(bake, tmp_path):
    """The .env as .env.example has it, POSTGRES_PASSWORD blank: nothing
    starts, and the error names the variable."""
    reason = missing()
    if reason:
        skip_or_fail(reason)
    project = bake(**ANSWER_SETS["apache-uv-postgresql"])
    shutil.copy(project / "compose.yaml", tmp_path / "compose.yaml")
    shutil.copy(project / ".env.example", tmp_path / ".env")
    assert re.search(r"(?m)^POSTGRES_PASSWORD=$", (tmp_path / ".env").read_text())
    command, environment = podman_compose(tmp_path)
    name = f"compose-test-{uuid.uuid4().hex[:8]}"

    started = run(
        [*command, "-p", name, "up", "-d", "--no-build"],
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )

    output = started.stdout + started.stderr
    left = run(
        ["podman", "ps", "--all", "--format", "{{.Names}}"]
        + ["--filter", f"label=io.podman.compose.project={name}"]
    )
    assert started.returncode != 0, output
    assert "set POSTGRES_PASSWORD in .env" in output
    assert left.stdout.strip() == "", left.stdout


@pytest.mark.parametrize("images", ["default"], indirect=True)
def test_nginx_balances_over_replicas_that_share_logins_and_uploads(stack):
    """Three gunicorns behind nginx: a sign-in on one holds on every other,
    each form posted to another replica than the one that gave its CSRF token,
    and every replica lists the upload that one of them took."""
    replicas = stack.containers("app")
    user = run(
        ["podman", "exec", replicas[-1], "python", "manage.py", "shell", "-c"]
        + [
            "from django.contrib.auth.models import User; "
            "User.objects.create_user('replicas', password='replicas-test-password')"
        ]
    )
    assert user.returncode == 0, user.stderr
    session = requests.Session()
    session.headers.update({**stack.headers, "Origin": stack.origin})
    # Per request: REQUESTS_CA_BUNDLE, where set, overrides a session's verify.
    form = session.get(stack.url("/accounts/login/"), verify=stack.verify)
    signed_in = session.post(
        stack.url("/accounts/login/"),
        verify=stack.verify,
        data={
            "username": "replicas",
            "password": "replicas-test-password",
            "csrfmiddlewaretoken": first_match(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text
            ),
        },
        headers={"Referer": f"{stack.origin}/accounts/login/"},
        allow_redirects=False,
    )
    marker = uuid.uuid4().hex
    pages = [
        session.get(
            stack.url(f"/uploads/documents/?probe={marker}-{number}"),
            verify=stack.verify,
        )
        for number in range(4 * REPLICAS)
    ]
    media_url = upload(stack)
    listings = [
        stack.get(f"/uploads/?probe={marker}-listing-{number}")
        for number in range(2 * REPLICAS)
    ]
    served = {
        replica: run(["podman", "logs", replica]).stdout.count(marker)
        for replica in replicas
    }

    assert len(replicas) == REPLICAS
    assert signed_in.status_code == 302, signed_in.text[:500]
    assert [page.status_code for page in pages] == [200] * len(pages)
    assert all("Sign out" in page.text for page in pages)
    name = re.sub(r"\?.*", "", media_url).rpartition("/")[2]
    assert all(name in listing.text for listing in listings)
    # nginx sent each replica its share: every one answered signed in.
    assert sum(served.values()) == len(pages) + len(listings), served
    assert all(count >= 2 for count in served.values()), served


@pytest.mark.parametrize("images", ["default"], indirect=True)
def test_no_request_fails_while_a_replica_restarts(stack):
    """A bounded loop of pages and the assets they link, through nginx, while
    one replica is stopped (SIGTERM: gunicorn finishes what it has) and
    started again: nginx sends what that replica refuses to another."""
    home = stack.get("/")
    paths = ["/", "/uploads/", first_match(HASHED_CSS, home.text)]
    replica = stack.containers("app")[1]
    answers, done = [], threading.Event()

    def load():
        deadline = time.monotonic() + 120
        while not done.is_set() and len(answers) < 3000:
            assert time.monotonic() < deadline, "the loop outlived its bound"
            for path in paths:
                try:
                    answers.append((path, stack.get(path).status_code))
                except requests.RequestException as error:
                    answers.append((path, type(error).__name__))

    loop = threading.Thread(target=load)
    loop.start()
    try:
        while len(answers) < 30:
            time.sleep(0.05)
        restarted = run([*PODMAN, "restart", "--time", "35", replica], timeout=120)
        stack.wait_for("app", "service_healthy")
        back = wait_for_pages(replica, since=time.time())
    finally:
        done.set()
        loop.join(timeout=60)

    assert restarted.returncode == 0, restarted.stderr
    failed = [(path, status) for path, status in answers if status != 200]
    assert failed == [], f"{len(failed)} of {len(answers)}: {failed[:10]}"
    assert back, "the restarted replica took no page within 30 s"


def wait_for_pages(container, since, timeout=30):
    """Whether ``container``'s gunicorn logs a page asked through nginx after
    ``since`` (a Unix time), within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = run(["podman", "logs", "--since", str(int(since)), container]).stdout
        if '"GET / HTTP' in logs or '"GET /uploads/ HTTP' in logs:
            return True
        time.sleep(0.5)
    return False
