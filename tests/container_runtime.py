"""Podman as these machines run it, for the tests and the benchmark that build
or boot containers.

No image registry is reachable here: base images are made from Debian's
packages (mmdebstrap) and kept under a tag whose -N names their package list,
so a later run reuses them. crun fails on this kernel's hybrid cgroups, and runc
without these limits.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PODMAN = ["podman", "--runtime", "runc"]
LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
# The same, for the podman that podman-compose runs (containers.conf).
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
"""
# This machine's network inspects TLS: pip and uv trust its CA with this bundle.
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# Stands in for the official slim Python image (PYTHON_IMAGE): Debian 13's own
# Python 3.13, for both Django lines, with what that image has and the
# Dockerfile uses (venv, CA certificates, useradd).
PYTHON_SUITE = "trixie"
PYTHON_IMAGE = f"localhost/template-container-python:{PYTHON_SUITE}-1"
PYTHON_PACKAGES = ["python3", "python3-venv", "ca-certificates", "passwd"]
# Stands in for the official Node.js image (NODE_IMAGE) of the front end's
# build stage: Debian 13's Node.js 20 with this machine's npm, as the official
# image bundles npm's own release (Debian's npm package brings some 400 more
# packages to unpack).
NODE_IMAGE = f"localhost/template-container-node:{PYTHON_SUITE}-2"
NODE_PACKAGES = ["nodejs", "ca-certificates"]
# Stands in for the official PostgreSQL image that compose.yaml's db service
# names: Debian 13's PostgreSQL 17, with an entrypoint that does what the
# official one does (on its first start, a cluster in PGDATA owned by
# POSTGRES_USER with POSTGRES_PASSWORD, the database POSTGRES_DB, password
# sign-in over TCP; then the server as the user postgres) and the server's
# programs (pg_isready) on PATH. The tag names the entrypoint's version
# (container_images/postgres-entrypoint.sh).
POSTGRES_PACKAGES = ["postgresql-17"]
POSTGRES_BIN = "/usr/lib/postgresql/17/bin"
POSTGRES_ENTRYPOINT = (
    Path(__file__).with_name("container_images") / "postgres-entrypoint.sh"
)
POSTGRES_TAG = hashlib.sha256(POSTGRES_ENTRYPOINT.read_bytes()).hexdigest()[:8]
POSTGRES_IMAGE = f"localhost/template-container-postgres:{PYTHON_SUITE}-{POSTGRES_TAG}"


def run(command, timeout=900, **options):
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, **options
    )


def missing(*tools):
    """Why containers cannot be built here, or None: podman, runc and ``tools``
    installed, and root (mmdebstrap, and the tests' runtime flags)."""
    for tool in ("podman", "runc", *tools):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian package: {tool})"
    if run(["id", "-u"]).stdout.strip() != "0":
        return "podman's images from mmdebstrap need root here"
    return None


def debian_image(tag, suite, packages, work, hooks=(), changes=()):
    """A minimal Debian ``suite`` with ``packages``, as the podman image ``tag``:
    made once, in ``work``, and kept. ``hooks``: mmdebstrap customize hooks;
    ``changes``: Dockerfile instructions for the image (ENV, ENTRYPOINT)."""
    if run(["podman", "image", "exists", tag]).returncode == 0:
        return tag
    rootfs = work / "rootfs.tar"
    built = run(
        ["mmdebstrap", "--variant=minbase", f"--include={','.join(packages)}"]
        + [f"--customize-hook={hook}" for hook in hooks]
        + ["--quiet", suite, str(rootfs)]
    )
    assert built.returncode == 0, built.stderr
    changed = [option for change in changes for option in ("--change", change)]
    imported = run(["podman", "import", *changed, str(rootfs), tag])
    assert imported.returncode == 0, imported.stderr
    rootfs.unlink()
    return tag


def python_image(work):
    return debian_image(PYTHON_IMAGE, PYTHON_SUITE, PYTHON_PACKAGES, work)


def node_image(work):
    npm = Path(shutil.which("npm")).resolve().parents[1]  # .../npm/bin/npm-cli.js
    hooks = (
        'mkdir -p "$1/usr/lib/node_modules"',
        f"copy-in {npm} /usr/lib/node_modules",
        'ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/bin/npm"',
    )
    return debian_image(NODE_IMAGE, PYTHON_SUITE, NODE_PACKAGES, work, hooks)


def postgres_image(work):
    hooks = (
        # The cluster Debian's package makes; the entrypoint makes its own.
        'rm -rf "$1/var/lib/postgresql/17/main" "$1/etc/postgresql/17/main"',
        f"upload {POSTGRES_ENTRYPOINT} /usr/local/bin/docker-entrypoint.sh",
        'chmod 755 "$1/usr/local/bin/docker-entrypoint.sh"',
    )
    changes = (
        f"ENV PATH={POSTGRES_BIN}:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
        "STOPSIGNAL SIGINT",
    )
    return debian_image(
        POSTGRES_IMAGE, PYTHON_SUITE, POSTGRES_PACKAGES, work, hooks, changes
    )


def wait_until_healthy(container, timeout=120):
    """Run the container's health check until it passes, as an engine runs it
    on its interval (podman schedules checks with systemd timers, which these
    machines lack); AssertionError with the container's log after ``timeout``."""
    deadline = time.monotonic() + timeout
    while run([*PODMAN, "healthcheck", "run", container]).returncode:
        logs = run(["podman", "logs", container]).stderr[-4000:]
        assert time.monotonic() < deadline, f"{container} is not healthy:\n{logs}"
        time.sleep(0.5)


def build(project, tag, *options):
    """podman build of the project's Dockerfile on the stand-in Python image,
    with this machine's CA bundle as the build secret the Dockerfile documents.
    Returns the output, which says which steps came from the cache."""
    result = run(
        [*PODMAN, "build", "--format", "docker", *LIMITS, *options]
        + ["--build-arg", f"PYTHON_IMAGE={PYTHON_IMAGE}"]
        + ["--secret", f"id=ca,src={HOST_CA_BUNDLE}", "--tag", tag, str(project)]
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    return result.stdout


def image_size(tag):
    """Bytes, as podman counts them (every layer, uncompressed)."""
    return int(run(["podman", "image", "inspect", "--format", "{{.Size}}", tag]).stdout)


def podman_compose(work):
    """podman-compose as this machine needs it: the command, and an environment
    whose containers.conf (written in ``work``) carries PODMAN's and LIMITS'
    settings to every podman it runs."""
    conf = Path(work) / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    command = [str(Path(sys.executable).with_name("podman-compose"))]
    return command, {**os.environ, "CONTAINERS_CONF": str(conf)}
