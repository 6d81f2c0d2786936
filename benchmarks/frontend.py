"""The front-end build (frontend=esbuild-tailwind): what `npm ci` and
`npm run build` cost, and what they make.

A project rendered with the front end gets its packages from package-lock.json
(npm ci, with npm's cache as this machine has it), then is built --runs times:
the whole build, and each half (esbuild's bundle, Tailwind's CSS). The built
app.js and app.css are measured raw and as brotli at quality 11, what
collectstatic stores beside them; node_modules/ by the room its files take.
"""

import shutil
import subprocess
import time

import brotli

from benchmarks import project
from benchmarks.table import Row, median_seconds

SECTION = "front end"
ANSWERS = {"frontend": "esbuild-tailwind"}


def npm(directory, *arguments):
    subprocess.run(
        ["npm", *arguments],
        cwd=directory,
        check=True,
        capture_output=True,
        timeout=600,
    )


def measure(context):
    if shutil.which("npm") is None:
        return []  # nothing to measure without Node.js
    built = project.render(context.work / "frontend-project", hooks=False, **ANSWERS)
    started = time.perf_counter()
    npm(built, "ci", "--no-audit", "--no-fund")
    install = time.perf_counter() - started
    rows = [Row(SECTION, "npm ci (package-lock.json, npm's cache warm)", install, "s")]
    for case, script in (
        ("npm run build (both)", "build"),
        ("esbuild: bundle frontend/src/main.js", "build:js"),
        ("Tailwind CSS: build frontend/src/main.css", "build:css"),
    ):
        seconds = median_seconds(
            context.runs, lambda script=script: npm(built, "run", script)
        )
        rows.append(Row(SECTION, case, seconds, "s"))
    dist = built / "frontend" / "dist"
    for name in ("app.js", "app.js.map", "app.css"):
        data = (dist / name).read_bytes()
        rows.append(Row(SECTION, f"{name}, raw", len(data), "B"))
        if name != "app.js.map":
            compressed = len(brotli.compress(data, quality=11))
            rows.append(Row(SECTION, f"{name}, brotli 11", compressed, "B"))
    rows.append(Row(SECTION, "node_modules/", disk_size(built / "node_modules"), "MiB"))
    return rows


def disk_size(directory):
    """MiB of the files under ``directory``, each counted once: npm links
    executables (.bin/) and may hard-link a file into two packages."""
    sizes = {}
    for path in directory.rglob("*"):
        if path.is_file() and not path.is_symlink():
            status = path.stat()
            sizes[status.st_dev, status.st_ino] = status.st_size
    return sum(sizes.values()) / 1024 / 1024
