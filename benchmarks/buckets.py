"""Static files to a bucket: django-sitefiles' publisher against collectfasta.

On each emulator the tests use (moto for S3, gcp-storage-emulator for GCS,
Azurite for Azure: tests/storage_servers.py), behind the proxy that counts the
requests it receives, two commands publish the same static files (a new
project's: its own and Django's admin, about 130 sources and 260 files once
hashed) into buckets of their own:

- the generated project's collectstatic (django-sitefiles'): hashes in
  STATIC_ROOT, lists the bucket once, uploads what it lacks on threads, the
  manifest last;
- collectfasta's, set up as its README recommends: its own cache, kept on disk
  between runs, and as many threads as the publisher. Its strategy for S3 is
  the recommended two-pass one (hash in memory, then upload); for GCS and Azure
  it has only one-pass strategies, in which Django's manifest storage reads
  each file back from the bucket to hash it. Django's manifest storage cannot
  start on an empty Azure container (django-storages raises its SDK's error
  where Django expects FileNotFoundError), so there collectfasta's cold runs
  start from a container holding an empty manifest.

Cases: cold (an empty bucket, STATIC_ROOT and cache); no change (a re-run on
the same machine: STATIC_ROOT and collectfasta's cache kept); no change, fresh
machine (the bucket full, STATIC_ROOT and cache empty, as in a new container).
Figures are medians of --runs runs: wall time, and requests the bucket
received. Ratios: collectfasta over the publisher, same case. On loopback the
emulators' CPU, not a network, bounds the time: with a real network between,
each request costs a round trip, and the request counts weigh more.
"""

import json
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.project import (
    local_processes,
    manage,
    production_environment,
    project_environment,
    render,
)
from benchmarks.table import Row

SECTION = "buckets"
PROVIDERS = ("s3", "gcs", "azure")
PUBLISHER = "publisher"
COLLECTFASTA = "collectfasta"
COLD = "cold"
NO_CHANGE = "no change"
FRESH = "no change, fresh machine"
THREADS = 8  # the publisher's UPLOAD_THREADS
STRATEGIES = {
    "s3": "collectfasta.strategies.boto3.Boto3ManifestMemoryStrategy",
    "gcs": "collectfasta.strategies.gcloud.GoogleCloudStrategy",
    "azure": "collectfasta.strategies.azure.AzureBlobStrategy",
}
COLLECTFASTA_SETTINGS = '''\
"""Production settings with collectfasta's collectstatic instead of the project's."""

import os

from config.settings.production import *

# Before django-sitefiles, whose collectstatic it replaces (so its check that
# its own runs is silenced).
INSTALLED_APPS = ["collectfasta", *INSTALLED_APPS]
SILENCED_SYSTEM_CHECKS = ["sitefiles.E006"]
COLLECTFASTA_STRATEGY = os.environ["BENCH_STRATEGY"]
COLLECTFASTA_THREADS = int(os.environ["BENCH_THREADS"])
COLLECTFASTA_CACHE = "collectfasta"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "collectfasta": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ["BENCH_CACHE"],
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    },
}
'''
EMPTY_MANIFEST = json.dumps({"paths": {}, "version": "1.1", "hash": ""}).encode()


def storage_servers():
    """tests/storage_servers.py: the emulators and their counting proxies."""
    import storage_servers

    return storage_servers


@dataclass
class Publishing:
    """One tool publishing one project's static files into one emulator."""

    tool: str
    project: Path
    python: Path
    server: object  # a storage_servers server
    work: Path
    buckets: int = 0
    bucket: str | None = None

    @property
    def static_root(self):
        return self.work / f"{self.tool}-staticfiles"

    @property
    def cache(self):
        return self.work / f"{self.tool}-cache"

    def new_bucket(self):
        self.buckets += 1
        self.bucket = f"{self.tool}-{self.buckets}"
        self.server.create_bucket(self.bucket, public=True)
        if self.tool == COLLECTFASTA and self.server.backend == "azure":
            blob = self.server.client().get_blob_client(
                self.bucket, "static/staticfiles.json"
            )
            blob.upload_blob(EMPTY_MANIFEST)

    def forget(self):
        """What a fresh machine lacks: STATIC_ROOT and collectfasta's cache."""
        shutil.rmtree(self.static_root, ignore_errors=True)
        shutil.rmtree(self.cache, ignore_errors=True)

    def environment(self):
        variables = {
            "DJANGO_STATIC_BUCKET": self.bucket,
            "DJANGO_STATIC_ROOT": str(self.static_root),
            # Anonymous for GCS: no token requests to count.
            **self.server.project_variables(),
        }
        if self.tool == COLLECTFASTA:
            variables |= {
                "DJANGO_SETTINGS_MODULE": "bench_collectfasta",
                "BENCH_STRATEGY": STRATEGIES[self.server.backend],
                "BENCH_THREADS": str(THREADS),
                "BENCH_CACHE": str(self.cache),
            }
        return production_environment(self.project, **variables)

    def collectstatic(self):
        """Seconds and requests of one collectstatic."""
        with self.server.counting() as seen:
            started = time.perf_counter()
            manage(
                self.project,
                self.python,
                "collectstatic",
                "--noinput",
                env=self.environment(),
            )
            seconds = time.perf_counter() - started
        return seconds, len(seen)


def medians(runs, action, before=None):
    """Median (seconds, requests) of ``action()`` over ``runs`` runs."""
    results = []
    for _ in range(runs):
        if before:
            before()
        results.append(action())
    return tuple(statistics.median(values) for values in zip(*results, strict=True))


def measure_tool(publishing, runs):
    """{case: (seconds, requests)} for one tool on one emulator."""

    def start_cold():
        publishing.forget()
        publishing.new_bucket()

    figures = {COLD: medians(runs, publishing.collectstatic, before=start_cold)}
    figures[NO_CHANGE] = medians(runs, publishing.collectstatic)
    figures[FRESH] = medians(runs, publishing.collectstatic, before=publishing.forget)
    return figures


def projects(context):
    """{provider: project with static files in that provider's bucket}, and
    an interpreter with every provider's dependencies and collectfasta."""
    made = {}
    for provider in PROVIDERS:
        made[provider] = render(
            context.work / "buckets" / provider,
            hooks=False,
            static_storage=provider,
            media_storage="local",
        )
        (made[provider] / "bench_collectfasta.py").write_text(COLLECTFASTA_SETTINGS)
    python = project_environment(made["s3"], context.work / "buckets" / "venv")
    requirements = [f"{made[provider]}/pyproject.toml" for provider in PROVIDERS]
    options = [option for path in requirements for option in ("-r", path)]
    install = ("pip", "install", "--compile-bytecode", "--python", python)
    local_processes.uv(*install, *options, "--find-links", made["s3"] / "vendor")
    local_processes.uv(*install, COLLECTFASTA)
    return made, python


def version(python, distribution):
    code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
    return subprocess.run(
        [str(python), "-c", code],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def measure(context):
    import pytest  # what tests/storage_servers.py skips with: no emulator here

    servers = storage_servers()
    made, python = projects(context)
    label = f"{COLLECTFASTA} {version(python, COLLECTFASTA)}"
    rows = []
    for provider in PROVIDERS:
        start = getattr(servers, f"{provider}_server")
        try:
            with start() as server:
                work = context.work / "buckets" / f"{provider}-runs"
                work.mkdir(parents=True, exist_ok=True)
                figures = {
                    tool: measure_tool(
                        Publishing(tool, made[provider], python, server, work),
                        context.runs,
                    )
                    for tool in (PUBLISHER, COLLECTFASTA)
                }
        except pytest.skip.Exception as skipped:
            print(f"{provider}: skipped ({skipped})", file=sys.stderr)
            continue
        rows += provider_rows(provider, figures, label)
    return rows


def provider_rows(provider, figures, label):
    rows = []
    for case in (COLD, NO_CHANGE, FRESH):
        ours = figures[PUBLISHER][case]
        theirs = figures[COLLECTFASTA][case]
        for index, unit in ((0, "s"), (1, "requests")):
            rows.append(
                Row(SECTION, f"{provider} {case}, {PUBLISHER}", ours[index], unit)
            )
            ratio = theirs[index] / ours[index] if ours[index] else None
            rows.append(
                Row(SECTION, f"{provider} {case}, {label}", theirs[index], unit, ratio)
            )
    return rows
