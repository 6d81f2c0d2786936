"""collectstatic, cold, re-run with nothing changed, and after one change.

Four storages collect into STATIC_ROOTs of their own under the production
settings, with only STORAGES["staticfiles"] swapped (bench_settings.py, written
into the scratch project): plain StaticFilesStorage, Django's manifest storage,
WhiteNoise's compressed manifest storage (brotli quality 11) and the generated
project's own (django-sitefiles'). Cold runs start from an empty STATIC_ROOT;
re-runs follow a cold run. Ratios: cold runs over Django's manifest storage,
re-runs over plain copying, .br bytes over what WhiteNoise's quality 11 gives
for the same files (hashed names are the same in both). The last rows hold the
pipeline's targets; the project's storage reads every source on every run,
plain copying only compares modification times.
"""

import shutil

from benchmarks.project import manage, production_environment
from benchmarks.table import Row, median_seconds

SECTION = "collectstatic"
PLAIN = "plain StaticFilesStorage"
MANIFEST = "Django ManifestStaticFilesStorage"
WHITENOISE = "WhiteNoise compressed manifest, brotli"
PRODUCTION = "django-sitefiles' storage"
BACKENDS = {
    PLAIN: "django.contrib.staticfiles.storage.StaticFilesStorage",
    MANIFEST: "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    WHITENOISE: "whitenoise.storage.CompressedManifestStaticFilesStorage",
    PRODUCTION: "",  # production settings as generated
}
BENCH_SETTINGS = '''\
"""Production settings with the static storage the benchmark names."""

import os

from config.settings.production import *

if os.environ["BENCH_STATIC_BACKEND"]:
    STORAGES["staticfiles"] = {"BACKEND": os.environ["BENCH_STATIC_BACKEND"]}
'''
# A stylesheet that a tenth of the others @import.
CHANGED_FILE = "static/bench/css/base-00.css"


def collect(context, case):
    env = production_environment(
        context.project,
        DJANGO_SETTINGS_MODULE="bench_settings",
        DJANGO_STATIC_ROOT=str(static_root(context, case)),
        BENCH_STATIC_BACKEND=BACKENDS[case],
    )
    manage(context.project, context.python, "collectstatic", "--noinput", env=env)


def static_root(context, case):
    return context.work / "collected" / case.split()[0].lower()


def start_cold(root):
    shutil.rmtree(root, ignore_errors=True)


def compressed_sizes(root, suffix):
    """Size of each compressed copy, by the name of the file it compresses."""
    return {
        path.relative_to(root).as_posix().removesuffix(suffix): path.stat().st_size
        for path in root.rglob(f"*{suffix}")
    }


def measure(context):
    (context.project / "bench_settings.py").write_text(BENCH_SETTINGS)
    cold, rerun = {}, {}
    for case in BACKENDS:
        cold[case] = median_seconds(
            context.runs,
            lambda case=case: collect(context, case),
            before=lambda case=case: start_cold(static_root(context, case)),
        )
        rerun[case] = median_seconds(
            context.runs, lambda case=case: collect(context, case)
        )

    rows = [
        Row(SECTION, f"cold, {case}", cold[case], "s", cold[case] / cold[MANIFEST])
        for case in BACKENDS
    ]
    rows += [
        Row(SECTION, f"no change, {case}", rerun[case], "s", rerun[case] / rerun[PLAIN])
        for case in BACKENDS
    ]
    rows += output_rows(context)  # before the change below adds files
    changed = rerun_after_a_change(context)
    rows.append(
        Row(
            SECTION,
            f"{CHANGED_FILE.removeprefix('static/')} changed, {PRODUCTION}",
            changed,
            "s",
            changed / rerun[PLAIN],
        )
    )
    brotli = next(row for row in rows if row.case == f".br bytes, both, {PRODUCTION}")
    return rows + target_rows(
        cold[PRODUCTION] / cold[MANIFEST],
        rerun[PRODUCTION] / rerun[PLAIN],
        brotli.ratio,
    )


def target_rows(cold, no_change, brotli):
    """The pipeline's targets: each figure, with its limit as the unit."""
    return [
        Row("targets", "cold, over Django's manifest storage", cold, "x, <= 1.5"),
        Row("targets", "no change, over plain copying", no_change, "x, <= 1.2"),
        Row(
            "targets", ".br bytes, over WhiteNoise's (quality 11)", brotli, "x, <= 1.05"
        ),
    ]


def rerun_after_a_change(context):
    """Median seconds of production's re-run after CHANGED_FILE changed."""
    changed = context.project / CHANGED_FILE
    original = changed.read_text()
    edits = iter(range(context.runs))

    def edit():
        changed.write_text(f"{original}\n.edit-{next(edits)} {{ color: red; }}\n")

    try:
        return median_seconds(
            context.runs, lambda: collect(context, PRODUCTION), before=edit
        )
    finally:
        changed.write_text(original)


def output_rows(context):
    """Files collected, and compressed bytes over the names both storages
    compressed (WhiteNoise also compresses unhashed copies that differ)."""
    rows = []
    for case in (WHITENOISE, PRODUCTION):
        root = static_root(context, case)
        files = sum(1 for path in root.rglob("*") if path.is_file())
        rows.append(Row(SECTION, f"files in STATIC_ROOT, {case}", files, "files"))
    for suffix in (".br", ".gz"):
        ours = compressed_sizes(static_root(context, PRODUCTION), suffix)
        theirs = compressed_sizes(static_root(context, WHITENOISE), suffix)
        common = ours.keys() & theirs.keys()
        their_bytes = sum(theirs[name] for name in common)
        our_bytes = sum(ours[name] for name in common)
        rows += [
            Row(SECTION, f"{suffix} files, {WHITENOISE}", len(theirs), "files"),
            Row(SECTION, f"{suffix} files, {PRODUCTION}", len(ours), "files"),
            Row(SECTION, f"{suffix} bytes, both, {WHITENOISE}", their_bytes, "bytes"),
            Row(
                SECTION,
                f"{suffix} bytes, both, {PRODUCTION}",
                our_bytes,
                "bytes",
                our_bytes / their_bytes,
            ),
        ]
    return rows
