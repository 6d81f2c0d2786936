"""The generated Dockerfile: the images' sizes over their base, and how long
the site's build takes from nothing and again after a one-line CSS change.

Built by podman on the stand-in for the official slim Python image that the
tests use (tests/container_runtime.py), with the synthetic static tree in the
project. The rebuild must take the dependency layers from the cache: only the
code, collectstatic and what follows run again. The web server's image (the
default answers' nginx target) is built on the same stand-in, which it uses as
Debian. Skipped, with the reason, where podman or root is missing.
"""

import sys
import time
import uuid

from benchmarks.table import Row

SECTION = "containers"
MB = 1_000_000


def seconds(action):
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(context):
    """One build of each kind: a build takes minutes, and the cache it leaves
    is what the second measures."""
    import container_runtime as runtime  # tests/, on sys.path (benchmarks.project)

    reason = runtime.missing("mmdebstrap")
    if reason:
        print(f"{SECTION}: skipped, {reason}", file=sys.stderr)
        return []
    work = context.work / SECTION
    work.mkdir(parents=True, exist_ok=True)
    base = runtime.python_image(work)
    tag = f"localhost/benchmark-image:{uuid.uuid4().hex[:8]}"
    web_tag = f"{tag}-nginx"
    stylesheet = context.project / "static" / "css" / "site.css"
    original = stylesheet.read_text()
    try:
        cold = seconds(lambda: runtime.build(context.project, tag, "--no-cache"))
        size = runtime.image_size(tag)
        stylesheet.write_text(original + ".rebuilt { color: teal; }\n")
        rebuilt = seconds(lambda: runtime.build(context.project, tag))
        web_server = ["--target", "nginx", "--build-arg", f"WEB_SERVER_IMAGE={base}"]
        runtime.build(context.project, web_tag, *web_server)
        web_size = runtime.image_size(web_tag)
    finally:
        stylesheet.write_text(original)
        runtime.run(["podman", "rmi", "--force", tag, web_tag])
    base_size = runtime.image_size(base)
    return [
        Row(SECTION, "build, no cache", cold, "s", 1.0),
        Row(SECTION, "rebuild, one CSS line changed", rebuilt, "s", rebuilt / cold),
        Row(SECTION, "base image (Debian 13's python3)", base_size / MB, "MB", 1.0),
        Row(SECTION, "image", size / MB, "MB", size / base_size),
        Row(SECTION, "image over its base", (size - base_size) / MB, "MB"),
        Row(SECTION, "nginx image", web_size / MB, "MB", web_size / base_size),
        Row(SECTION, "nginx image over its base", (web_size - base_size) / MB, "MB"),
    ]
