"""The READMEs, run as they are written, as root, in a fresh Debian system: a
podman container with systemd as its init, made from Debian's packages. The
template's command that generates a project, with nothing but Debian's own
Python; then the generated project's production steps, and the site checked as
its visitors and operator meet it: over HTTPS through the web server, with an
upload that outlives a restart, behind units that systemd accepts and that keep
the code read-only, and after the README's next deploy.

Stand-ins, only what a test must make: the host name (a loopback one), where
the template and the repository are (a copy and a bare clone here), a
self-signed certificate where the certificate step puts Let's Encrypt's, no
sudo (the shell is root's), and this machine's CA bundle for pip (its network
inspects TLS).
"""

import json
import re
import shlex
import shutil
import time
import uuid

import pytest

from container_runtime import HOST_CA_BUNDLE, LIMITS, PODMAN, debian_image, missing, run
from support import (
    PRIVATE_DOCUMENT,
    PRIVATE_TEXT,
    TEMPLATE_DIR,
    commit_all,
    git,
    skip_or_fail,
    tiny_png,
)

pytestmark = pytest.mark.deploy

SITE = "my-site.test"
SLUG = "my_site"
DEBIAN = "bookworm"  # Python 3.11: Django 5.2, the default answers
IMAGE = f"localhost/template-deploy-test:{DEBIAN}-1"  # -N: BASE_PACKAGES' version
# What any Debian server has beyond the minimal base (an init, procps's kill
# for units' ExecReload), and the tool the checks use.
BASE_PACKAGES = ["systemd", "systemd-sysv", "dbus", "procps", "curl"]
CA_INSIDE = "/etc/ssl/host-ca.crt"
BLOCK = re.compile(r"^```sh(?: (\w+))?\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SELF_SIGNED = """\
mkdir -p /etc/letsencrypt/live/"$SITE"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$SITE" \\
    -addext "subjectAltName=DNS:$SITE" \\
    -keyout /etc/letsencrypt/live/"$SITE"/privkey.pem \\
    -out /etc/letsencrypt/live/"$SITE"/fullchain.pem
"""
CHANGED_STYLE = ".deployed-again { color: rebeccapurple; }"


def generate_command(readme, template):
    """The template README's command that generates a project, as root runs it,
    answering every prompt with its default."""
    block = readme.split("<!-- generate -->")[1]
    (_, command), *_ = BLOCK.findall(block)
    command = re.sub(r"\bsudo ", "", command)
    assert "gh:<org>/cookiecutter-django-static-media" in command, command
    command = command.replace("gh:<org>/cookiecutter-django-static-media", template)
    return "set -euxo pipefail\n" + command.replace(template, f"{template} --no-input")


def production_steps(readme, repository):
    """The README's production steps, as one script, and its update step."""
    section = readme.split("<!-- production steps -->")[1]
    section = section.split("<!-- end of production steps -->")[0]
    steps, update = [], None
    for label, body in BLOCK.findall(section):
        if label == "certificate":
            body = SELF_SIGNED
        elif label == "update":
            update = body
            continue
        steps.append(body)
    first = steps[0]
    assert re.search(r"^SITE=\S+", first, re.MULTILINE), first
    assert re.search(r"^REPOSITORY=\S+", first, re.MULTILINE), first
    first = re.sub(r"^SITE=\S+", f"SITE={SITE}", first, flags=re.MULTILINE)
    steps[0] = re.sub(
        r"^REPOSITORY=\S+", f"REPOSITORY={repository}", first, flags=re.MULTILINE
    )
    assert update is not None, "the README has no update step"
    return "\n".join(["set -euxo pipefail", *steps]), update


@pytest.fixture(scope="session")
def debian_server_image(tmp_path_factory):
    """A Debian system that boots with systemd, as a podman image."""
    reason = missing("mmdebstrap")
    if reason:
        skip_or_fail(reason)
    work = tmp_path_factory.mktemp("debian")
    return debian_image(IMAGE, DEBIAN, BASE_PACKAGES, work)


@pytest.fixture
def server(debian_server_image, tmp_path):
    """A fresh server: the container, booted; removed after the test."""
    name = f"deploy-test-{uuid.uuid4().hex[:8]}"
    started = run(
        [*PODMAN, "run", "-d", "--name", name, *LIMITS]
        + ["--privileged", "--systemd=always"]  # systemd sandboxes the site
        + ["-v", f"{tmp_path}:/test:ro", "-v", f"{HOST_CA_BUNDLE}:{CA_INSIDE}:ro"]
        + [debian_server_image, "/sbin/init"]
    )
    assert started.returncode == 0, started.stderr
    server = Server(name)
    try:
        server.wait_until_booted()
        server.sh(f"echo '127.0.0.1 {SITE}' >> /etc/hosts")
        yield server
    finally:
        run(["podman", "rm", "--force", "--time", "5", name])


class Server:
    def __init__(self, name):
        self.name = name

    def sh(self, script, check=True, **variables):
        """Run a shell script as root on the server, as a person in a root shell."""
        environment = {
            # The stand-in for this machine's network: pip trusts its CA.
            "PIP_CERT": CA_INSIDE,
            "SSL_CERT_FILE": CA_INSIDE,
            **variables,
        }
        flags = [
            item
            for key, value in environment.items()
            for item in ("-e", f"{key}={value}")
        ]
        result = run(
            ["podman", "exec", "-i", *flags, self.name, "bash", "-s"], input=script
        )
        if check:
            assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
        return result

    def wait_until_booted(self, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            state = self.sh("systemctl is-system-running --wait", check=False)
            if state.stdout.strip() in ("running", "degraded"):
                return
            assert time.monotonic() < deadline, state.stdout + state.stderr
            time.sleep(0.5)  # systemd's bus is not there yet

    def fetch(self, path, *options, body=False):
        """curl over HTTPS through the web server: the status line and headers,
        and the body if asked for (as text)."""
        output = "" if body else "-o /dev/null"
        result = self.sh(
            f"curl -sS --cacert /etc/letsencrypt/live/{SITE}/fullchain.pem "
            f"-D /dev/stderr {output} {' '.join(options)} https://{SITE}{path}"
        )
        return result.stderr, result.stdout


UPLOAD = """
import http.cookiejar, json, re, ssl, sys, urllib.request, uuid
site, cafile, png = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
context = ssl.create_default_context(cafile=cafile)
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(
    urllib.request.HTTPSHandler(context=context),
    urllib.request.HTTPCookieProcessor(jar),
)
form = opener.open(f"https://{site}/uploads/").read().decode()
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
boundary = uuid.uuid4().hex
body = b"".join([
    f"--{boundary}\\r\\n".encode(),
    b'Content-Disposition: form-data; name="csrfmiddlewaretoken"\\r\\n\\r\\n',
    token.encode(), b"\\r\\n",
    f"--{boundary}\\r\\n".encode(),
    b'Content-Disposition: form-data; name="title"\\r\\n\\r\\nA dot\\r\\n',
    f"--{boundary}\\r\\n".encode(),
    b'Content-Disposition: form-data; name="file"; filename="dot.png"\\r\\n',
    b"Content-Type: image/png\\r\\n\\r\\n", png, b"\\r\\n",
    f"--{boundary}--\\r\\n".encode(),
])
request = urllib.request.Request(
    f"https://{site}/uploads/", data=body, method="POST",
    headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Referer": f"https://{site}/uploads/",
    },
)
page = opener.open(request).read().decode()
print(json.dumps(re.findall(r'(?:href|src)="(/media/[^"]+)"', page)))
"""


def upload(server):
    """Upload an image through the form, as a browser does: the media links of
    the page that follows."""
    script = shlex.join(
        ["python3", "-c", UPLOAD, SITE, f"/etc/letsencrypt/live/{SITE}/fullchain.pem"]
        + ["/test/dot.png"]
    )
    return set(json.loads(server.sh(script).stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "answers", [{}, {"database": "postgresql"}], ids=["sqlite", "postgresql"]
)
def test_the_readme_takes_a_fresh_debian_server_to_https_production(
    bake, answers, server, tmp_path
):
    """The default answers, and with PostgreSQL: Debian's server, the site's
    role signing in through the socket as the site's user."""
    project = tmp_path / "work" / SLUG
    shutil.copytree(bake(**answers), project)
    for data in ("staticfiles", "media", ".venv", "db.sqlite3", ".env"):
        path = project / data
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    commit_all(project, "The project")
    git(tmp_path, "clone", "--quiet", "--bare", project, tmp_path / "repository.git")
    (tmp_path / "dot.png").write_bytes(tiny_png(3))
    steps, update = production_steps(
        (project / "README.md").read_text(), "/test/repository.git"
    )

    server.sh(steps)

    if answers.get("database") == "postgresql":
        # migrate ran against the server's PostgreSQL, as the site's role.
        applied = server.sh(
            f"runuser -u postgres -- psql -tAc "
            f"'select count(*) from django_migrations' {SLUG}"
        )
        assert int(applied.stdout.strip()) > 0, applied.stdout
        assert server.sh(f"ls /var/lib/{SLUG}").stdout.split() == [
            "media",
            "private-media",
        ]
    # The home page, over HTTPS through nginx, links hashed, compressed,
    # immutable static files that nginx serves.
    headers, page = server.fetch("/", body=True)
    assert headers.startswith("HTTP/1.1 200"), headers
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, page
    headers, _ = server.fetch(stylesheet.group(1), "-H 'Accept-Encoding: br'")
    assert "content-encoding: br" in headers.lower(), headers
    assert "immutable" in headers, headers
    # An upload, through the form, served by nginx from /var/lib/my_site/media.
    (media,) = upload(server)
    headers, _ = server.fetch(media)
    assert headers.startswith("HTTP/1.1 200"), headers
    assert "content-type: image/png" in headers.lower(), headers
    # A private document: nginx sends it from /var/lib/my_site/private-media
    # to its owner alone, once Django has checked the session.
    made = server.sh(
        f"cd /srv/{SLUG} && runuser -u {SLUG} -- env "
        f"DJANGO_SETTINGS_MODULE=config.settings.production "
        f"DJANGO_ENV_FILE=/etc/{SLUG}.env .venv/bin/python -c "
        + shlex.quote(PRIVATE_DOCUMENT)
    )
    document = json.loads(made.stdout.strip().splitlines()[-1])
    owner = f"-H 'Cookie: sessionid={document['sessions'][0]}'"
    headers, body = server.fetch(document["link"], owner, body=True)
    assert headers.startswith("HTTP/1.1 200"), headers
    assert body == PRIVATE_TEXT.decode()
    assert server.fetch(document["link"])[0].startswith("HTTP/1.1 404")
    private = f"/private-media/{document['name']}"
    assert server.fetch(private, owner)[0].startswith("HTTP/1.1 404")
    # It outlives a restart of the app server.
    server.sh(f"systemctl restart {SLUG}.service")
    headers, page = server.fetch("/uploads/", body=True)
    assert media in page
    assert server.fetch(media)[0].startswith("HTTP/1.1 200")
    # systemd accepts the units; even root cannot change the site's code from
    # inside its sandbox, and the site writes its data directory.
    verified = server.sh(
        f"systemd-analyze verify /etc/systemd/system/{SLUG}.service "
        f"/etc/systemd/system/{SLUG}.socket",
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    inside = f"nsenter -t $(systemctl show -p MainPID --value {SLUG}.service) -m"
    written = server.sh(f"{inside} touch /srv/{SLUG}/manage.py", check=False)
    assert f"/srv/{SLUG}/manage.py': Read-only file system" in written.stderr
    server.sh(f"{inside} runuser -u {SLUG} -- touch /var/lib/{SLUG}/media/probe")
    # The next deploy: git pull is clean, the new style is served.
    style = project / "static" / "css" / "site.css"
    style.write_text(style.read_text() + CHANGED_STYLE + "\n")
    commit_all(project, "A change")
    git(project, "push", "--quiet", tmp_path / "repository.git", "HEAD:master")

    server.sh("set -euxo pipefail\n" + update)

    _, page = server.fetch("/", body=True)
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    assert CHANGED_STYLE in server.fetch(stylesheet.group(1), body=True)[1]
    assert server.sh(f"git -C /srv/{SLUG} status --porcelain").stdout == ""


def test_the_readme_generates_a_project_with_nothing_but_debian_s_python(
    server, tmp_path
):
    """pipx from Debian, cookiecutter from PyPI, and the generator's set-up:
    .venv built with Debian's Python, static files collected, the database."""
    template = tmp_path / "template"
    tracked = git(TEMPLATE_DIR, "ls-files", "-z").split("\0")
    for name in filter(None, tracked):
        if (TEMPLATE_DIR / name).exists():
            (template / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE_DIR / name, template / name)
    command = generate_command(
        (TEMPLATE_DIR / "README.md").read_text(), "/test/template"
    )

    generated = server.sh(f"cd /root\n{command}")

    assert "Interrupted" not in generated.stdout
    assert "FAILED" not in generated.stdout, generated.stdout
    server.sh(
        "cd /root/my_site && test -f staticfiles/staticfiles.json && test -f .env\n"
        ".venv/bin/python manage.py check --fail-level WARNING"
    )
