"""Podman as these machines run it, for the tests that build or boot containers.

No image registry is reachable here: base images are made from Debian's
packages (mmdebstrap) and kept under a tag whose -N names their package list,
so a later run reuses them. crun fails on this kernel's hybrid cgroups, and runc
without these limits.
"""

import shutil
import subprocess

from support import skip_or_fail

PODMAN = ["podman", "--runtime", "runc"]
LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
# This machine's network inspects TLS: pip and uv trust its CA with this bundle.
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def run(command, timeout=900, **options):
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, **options
    )


def require(*tools):
    """Skip (fail under CI) without the tools, or without root (mmdebstrap)."""
    for tool in ("podman", "runc", *tools):
        if shutil.which(tool) is None:
            skip_or_fail(f"{tool} is not installed (Debian package: {tool})")
    if run(["id", "-u"]).stdout.strip() != "0":
        skip_or_fail("podman's images from mmdebstrap need root here")


def debian_image(tag, suite, packages, work):
    """A minimal Debian ``suite`` with ``packages``, as the podman image ``tag``:
    made once, in ``work``, and kept."""
    require("mmdebstrap")
    if run(["podman", "image", "exists", tag]).returncode == 0:
        return tag
    rootfs = work / "rootfs.tar"
    built = run(
        ["mmdebstrap", "--variant=minbase", f"--include={','.join(packages)}"]
        + ["--quiet", suite, str(rootfs)]
    )
    assert built.returncode == 0, built.stderr
    imported = run(["podman", "import", str(rootfs), tag])
    assert imported.returncode == 0, imported.stderr
    rootfs.unlink()
    return tag
