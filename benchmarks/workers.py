"""What the static tree costs each gunicorn worker: start-up time and memory.

WhiteNoise on its own indexes STATIC_ROOT once, when a worker loads the
application: it stats every file and keeps a record of each (and of its .br
and .gz copies) in memory, so every worker, at every (re)start, pays for the
size of the tree; django-sitefiles' middleware looks files up when asked
instead. This measures what the generated project does. Two STATIC_ROOTs are
collected with production settings, one with the synthetic tree and one
without it (--ignore bench); for each, gunicorn runs deploy/gunicorn.conf.py
with 1 worker bound to a free loopback port (not the systemd socket), and this
measures the seconds from spawning gunicorn to the first 200 for a static
file, then the worker's resident memory (VmRSS of the master's child) right
after that response. Bytecode is cached, as in a deployed environment (an
unmeasured first start writes it). Runs alternate between the two roots;
ratios are with the tree over without.
"""

import statistics
import time
from pathlib import Path

from benchmarks import project
from benchmarks.serving import HTTPS_PROXY, free_port, hashed_name, running
from benchmarks.table import Row

SECTION = "workers"
PROBE = "admin/css/base.css"  # a static file both roots have


def collect(context, static_root, *options):
    environment = project.production_environment(
        context.project, DJANGO_STATIC_ROOT=str(static_root)
    )
    project.manage(
        context.project,
        context.python,
        "collectstatic",
        "--noinput",
        *options,
        env=environment,
    )
    return sum(1 for path in static_root.rglob("*") if path.is_file())


def children(pid):
    """PIDs whose parent is ``pid`` (gunicorn's master forks only workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def rss_mib(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    kilobytes = next(line for line in status.splitlines() if line.startswith("VmRSS"))
    return int(kilobytes.split()[1]) / 1024


def start_once(context, static_root, log_path):
    """Seconds from spawn to the first static response; the worker's RSS then."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/static/{hashed_name(static_root, PROBE)}"
    environment = project.production_environment(
        context.project,
        DJANGO_STATIC_ROOT=str(static_root),
        GUNICORN_BIND=f"127.0.0.1:{port}",
    )
    # Bytecode cached, as in a deployed environment: the first start writes it.
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [str(context.python), "-m", "gunicorn", "config.wsgi"]
    command += ["--config", "deploy/gunicorn.conf.py", "--workers", "1"]
    command += ["--bind", f"127.0.0.1:{port}"]
    started = time.perf_counter()
    with running(
        command,
        log_path,
        url,
        headers=HTTPS_PROXY,
        cwd=context.project,
        env=environment,
    ) as master:
        seconds = time.perf_counter() - started
        (worker,) = children(master.pid)
        return seconds, rss_mib(worker)


def measure(context):
    work = context.work / SECTION
    work.mkdir(parents=True, exist_ok=True)
    roots = {"without tree": work / "without-tree", "with tree": work / "with-tree"}
    counts = {
        "without tree": collect(context, roots["without tree"], "--ignore", "bench"),
        "with tree": collect(context, roots["with tree"]),
    }
    # Unmeasured: the first start compiles and caches the bytecode.
    start_once(context, roots["with tree"], work / "gunicorn-warm-up.log")
    results = {case: [] for case in roots}
    for run in range(context.runs):
        for case, static_root in roots.items():
            log_path = work / f"gunicorn-{case.replace(' ', '-')}-{run}.log"
            results[case].append(start_once(context, static_root, log_path))

    rows = []
    for index, (what, unit) in enumerate(
        (("worker start", "s"), ("worker RSS", "MiB"))
    ):
        medians = {
            case: statistics.median(result[index] for result in results[case])
            for case in roots
        }
        for case in roots:
            rows.append(
                Row(
                    SECTION,
                    f"{what}, {case} ({counts[case]:,} files in STATIC_ROOT)",
                    medians[case],
                    unit,
                    medians[case] / medians["without tree"],
                )
            )
    return rows
