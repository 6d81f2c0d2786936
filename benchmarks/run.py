"""Benchmark the static pipeline of a generated project; print one table.

    python -m benchmarks.run [--files 2000] [--runs 3] [--keep DIR]

Renders a project with the default answers, gives it an environment with its
declared dependencies and a synthetic static tree (static_tree.py), then runs
each section (buckets only with --only buckets). Every figure is the median of
--runs runs; ratios compare cases measured side by side in this run. Nothing
here passes or fails.
"""

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks import (
    buckets,
    collectstatic,
    containers,
    frontend,
    private_downloads,
    project,
    rendering,
    replicas,
    serving,
    uploads,
    workers,
)
from benchmarks.static_tree import write_tree
from benchmarks.table import print_table

SECTIONS = (
    rendering,
    collectstatic,
    serving,
    workers,
    uploads,
    private_downloads,
    frontend,
    containers,
    replicas,
    buckets,
)
# Measured only when asked for (--only buckets): emulators, and collectfasta
# reading files back from them, take many minutes.
ON_REQUEST = (buckets,)
# Work in memory where there is a tmpfs: the figures compare CPU work side by
# side, and a shared virtual disk adds noise several times larger.
TMPFS = Path("/dev/shm")


@dataclass
class Context:
    work: Path  # a scratch directory, removed afterwards unless --keep
    project: Path  # the generated project, default answers
    python: Path  # an interpreter with the project's dependencies
    files: int  # synthetic files added to the project's static/
    runs: int


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work here and keep it")
    parser.add_argument(
        "--only", choices=[section.__name__.split(".")[-1] for section in SECTIONS]
    )
    return parser.parse_args(argv)


def main(argv=None):
    options = arguments(argv)
    scratch = TMPFS if TMPFS.is_dir() and os.access(TMPFS, os.W_OK) else None
    work = options.keep or Path(
        tempfile.mkdtemp(prefix="static-benchmark-", dir=scratch)
    )
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(f"rendering and installing in {work} ...", file=sys.stderr)
        generated = project.render(work / "project", hooks=False)
        python = project.project_environment(generated, work / "venv")
        size = write_tree(generated / "static", files=options.files)
        print(
            f"{options.files} synthetic files ({size:,} bytes) plus Django's admin",
            file=sys.stderr,
        )
        context = Context(work, generated, python, options.files, options.runs)
        rows = []
        for section in SECTIONS:
            name = section.__name__.split(".")[-1]
            if options.only == name or (
                options.only is None and section not in ON_REQUEST
            ):
                print(f"measuring {section.__name__} ...", file=sys.stderr)
                rows += section.measure(context)
        print_table(rows)
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
