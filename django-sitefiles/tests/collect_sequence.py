"""Run collectstatic over a sequence of source trees, with the package's storage.

    python tests/collect_sequence.py < job.json    (cwd: django-sitefiles/; prints JSON)

The job gives a sources directory, an incremental STATIC_ROOT, a scratch
directory and steps; each step is a whole tree of sources ({name: text}), the
names whose modification time must not change, and the settings in force. For
each step this writes the tree, runs collectstatic into the incremental root and
into an empty one, and reports whether they agree:

- both succeed, every file the cold run wrote, the manifest included, is in
  the incremental root with the same bytes, and none of those files has a
  compressed copy there that the cold run did not write;
- or both fail, and the incremental root still has the manifest of its last
  success and every file that manifest named, byte for byte.

Run by tests/test_static_pipeline_properties.py with each Django line's
interpreter, under the test site's settings; it imports the suite's helpers
(tests/static_sources.py).
"""

import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from sitefiles.pipeline import compression  # noqa: E402
from sitefiles.storage import CompressedManifestStorage  # noqa: E402
from tests.static_sources import PRODUCTION, collect, contents  # noqa: E402


class JSModuleStorage(CompressedManifestStorage):
    """The package's storage, rewriting JavaScript module imports too."""

    support_js_module_import_aggregation = True


BACKENDS = {"default": PRODUCTION, "js_modules": f"{__name__}.JSModuleStorage"}


def write_tree(directory, files, keep_times):
    """Make ``directory`` hold exactly ``files``; a name in ``keep_times``
    keeps the modification time it had."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in [p for p in directory.rglob("*") if p.is_file()]:
        if path.relative_to(directory).as_posix() not in files:
            path.unlink()
    for name, text in files.items():
        path = directory / name
        if path.is_file() and path.read_text() == text:
            continue
        times = os.stat(path) if name in keep_times and path.is_file() else None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if times:
            os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))


def run(sources, root, settings):
    """collectstatic; the manifest's paths, or the error's text."""
    options = dict(settings)
    backend = BACKENDS[options.pop("storage", "default")]
    compression.BROTLI_QUALITY = options.pop("brotli_quality", 10)
    try:
        return collect(sources, root, backend=backend, **options), None
    except Exception as error:  # what fails must fail both ways
        return None, f"{type(error).__name__}: {error}"


def named_files(root, names):
    """The files a manifest names, with their compressed copies: name -> bytes."""
    found = contents(root)
    return {
        name: found[name]
        for hashed in names.values()
        for name in (hashed, f"{hashed}.br", f"{hashed}.gz")
        if name in found
    }


def main():
    job = json.load(sys.stdin)
    sources, root, work = (Path(job[key]) for key in ("sources", "root", "work"))
    last = json.loads(job.get("last") or "null")  # the last success's names
    results = []
    for number, step in enumerate(job["steps"]):
        write_tree(sources, step["files"], set(step["keep_times"]))
        before = named_files(root, last) if last else {}
        manifest = root / "staticfiles.json"
        manifest_before = manifest.read_bytes() if manifest.exists() else None
        names, error = run(sources, root, step["settings"])
        cold_root = work / f"cold-{number}"
        shutil.rmtree(cold_root, ignore_errors=True)
        cold_names, cold_error = run(sources, cold_root, step["settings"])
        problems = []
        if (error is None) != (cold_error is None):
            problems.append(f"incremental: {error!r}; cold: {cold_error!r}")
        elif error is None:
            cold, incremental = contents(cold_root), contents(root)
            problems += [
                f"{name} differs from a cold run's"
                for name in sorted(cold)
                if incremental.get(name) != cold[name]
            ]
            problems += [
                f"{name}{suffix}: a compressed copy a cold run does not write"
                for name in sorted(cold)
                for suffix in (".br", ".gz")
                if f"{name}{suffix}" in incremental and f"{name}{suffix}" not in cold
            ]
            last = names
        else:
            if manifest.exists() and manifest.read_bytes() != manifest_before:
                problems.append("a failed run changed the manifest")
            after = named_files(root, last) if last else {}
            problems += [
                f"a failed run changed {name}"
                for name in sorted(before)
                if after.get(name) != before[name]
            ]
        shutil.rmtree(cold_root, ignore_errors=True)
        results.append({"error": error, "problems": problems})
    print(json.dumps({"results": results, "last": json.dumps(last)}))


if __name__ == "__main__":
    main()
