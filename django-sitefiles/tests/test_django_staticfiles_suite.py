"""Django's own staticfiles tests, run with the package's storage in place of
ManifestStaticFilesStorage.

For each Django line: the exact Django version in that line's environment,
its sdist from PyPI (downloaded here, once per session, never kept in the
repository), the few directories of its tests/ that `runtests.py
staticfiles_tests` needs, and a settings module that is Django's own test
settings plus the substitution. The tests that fail must be exactly those that
docs/django-staticfiles-tests.md lists for that line, each with its reason.
"""

import hashlib
import os
import re
import subprocess
import tarfile
import textwrap
from pathlib import Path

import pytest
import requests

import sitefiles
from tests.lines import DJANGO_LINES, PACKAGE_DIR
from tests.processes import skip_or_fail

DOC = PACKAGE_DIR / "docs" / "django-staticfiles-tests.md"
INDEX = "https://pypi.org/simple/django/"
# What `runtests.py staticfiles_tests` needs of the sdist's tests/.
NEEDED = {
    "runtests.py",
    "test_sqlite.py",  # Django's default test settings
    "urls.py",  # the ROOT_URLCONF runtests.py sets
    "staticfiles_tests",
    "admin_scripts",  # staticfiles_tests.test_management imports from it,
    "user_commands",  # and it from this
}

# Django's test settings, plus the substitution. runtests.py imports the
# settings module in every process it runs tests in (parallel workers too,
# whatever the start method) before any test module: so the dotted path in
# STORAGES and the subclasses in staticfiles_tests/storage.py both get the
# package's class, and runtests.py itself runs unchanged.
SETTINGS = '''\
"""Django's test settings; the package's storage as ManifestStaticFilesStorage."""

from django.contrib.staticfiles import storage
# Imported (with WhiteNoise's storage, which subclasses Django's) before the
# name is bound to it.
from sitefiles.storage import CompressedManifestStorage

from test_sqlite import *  # noqa: F403

storage.ManifestStaticFilesStorage = CompressedManifestStorage
'''

# Run beside staticfiles_tests, in the same run: the storage the suite gets is
# the package's, from these sources, by dotted path and by subclassing.
PROOF = """\
import importlib
import inspect
import pkgutil
from pathlib import Path

import sitefiles.storage
import staticfiles_tests
from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.contrib.staticfiles import storage
from django.core.files.storage import storages
from django.test import SimpleTestCase, override_settings

SOURCES = Path({sources!r})
DOTTED_PATH = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
OURS = sitefiles.storage.CompressedManifestStorage
DJANGOS = next(
    cls
    for cls in OURS.__mro__
    if (cls.__module__, cls.__qualname__)
    == ("django.contrib.staticfiles.storage", "ManifestStaticFilesStorage")
)


class ThePackageStorageIsInPlace(SimpleTestCase):
    def test_it_is_the_package_s_from_these_sources(self):
        path = Path(sitefiles.storage.__file__).resolve()
        self.assertTrue(path.is_relative_to(SOURCES), path)
        self.assertIsNot(OURS, DJANGOS)

    @override_settings(
        STORAGES={{
            **settings.STORAGES,
            STATICFILES_STORAGE_ALIAS: {{
                "BACKEND": DOTTED_PATH,
            }},
        }}
    )
    def test_the_dotted_path_gives_it(self):
        self.assertIs(storage.ManifestStaticFilesStorage, OURS)
        self.assertIs(type(storages[STATICFILES_STORAGE_ALIAS]), OURS)
        self.assertIsInstance(storage.staticfiles_storage, OURS)

    def test_every_manifest_storage_of_the_suite_subclasses_it(self):
        found = []
        for module in pkgutil.iter_modules(staticfiles_tests.__path__):
            module = importlib.import_module(f"staticfiles_tests.{{module.name}}")
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, DJANGOS):
                    found.append(cls)
                    self.assertTrue(issubclass(cls, OURS), cls)
        self.assertGreaterEqual(len(found), 4, found)
"""

# unittest's headers for what did not pass: "FAIL: test_x (module.Class.test_x)",
# a subtest's parameters after it; before Python 3.11, "(module.Class)".
HEADER = re.compile(
    r"^(?:FAIL|ERROR|UNEXPECTED SUCCESS): (\S+) \(([^)\s]+)\)(.*)$", re.MULTILINE
)
SUMMARY = re.compile(r"^(OK|FAILED)(?: \((.*)\))?$", re.MULTILINE)
TEST_ID = re.compile(r"^staticfiles_tests\.[\w.]+( \(.*\))?$")


def failures(output):
    """The tests that did not pass, as dotted ids: what `runtests.py` takes to
    run one again (staticfiles_tests.test_storage.Class.test_name)."""
    found = set()
    for name, where, rest in HEADER.findall(output):
        test_id = where if where.endswith(f".{name}") else f"{where}.{name}"
        found.add(test_id + rest.rstrip())
    return found


def summary(output):
    """{'ran': N, 'failures': N, 'errors': N, ...} from the runner's last lines."""
    ran = re.search(r"^Ran (\d+) tests? in ", output, re.MULTILINE)
    verdict = SUMMARY.findall(output)
    assert ran, f"the run did not finish:\n{output[-5000:]}"
    assert verdict, f"the run did not finish:\n{output[-5000:]}"
    counts = {"ran": int(ran.group(1))}
    for part in filter(None, verdict[-1][1].split(", ")):
        key, _, value = part.partition("=")
        counts[key] = int(value)
    return counts


def documented():
    """{Django line: {test id: reason}} from the doc's tables: every row whose
    first cell is a test id in backticks, under "## Django X.Y"."""
    lines = {}
    for line, section in re.findall(
        r"^## Django (\d+\.\d+)\s*$(.*?)(?=^## |\Z)",
        DOC.read_text(),
        re.MULTILINE | re.DOTALL,
    ):
        rows = re.findall(r"^\|\s*`([^`]+)`\s*\|(.*)\|\s*$", section, re.MULTILINE)
        tests = lines.setdefault(line, {})
        for test_id, rest in rows:
            assert test_id not in tests, f"{test_id} is listed twice for Django {line}"
            tests[test_id] = rest.strip(" |")
    return lines


def difference(line, failed, listed):
    """Why ``failed`` is not ``listed``, naming each test; None if they agree."""
    doc = DOC.relative_to(PACKAGE_DIR)
    problems = []
    if new := sorted(failed - listed):
        problems.append(
            f"failing with Django {line} but not in {doc} (fix the storage, or list"
            " the test there with the reason):\n  " + "\n  ".join(new)
        )
    if passing := sorted(listed - failed):
        problems.append(
            f"listed in {doc} for Django {line} but passing now (remove them):\n  "
            + "\n  ".join(passing)
        )
    return "\n".join(problems) or None


# --- The doc and the reading of the runner's output ---------------------------


def test_the_doc_lists_each_line_s_tests_with_their_reasons():
    lines = documented()

    assert set(lines) == set(DJANGO_LINES)
    for line, tests in lines.items():
        for test_id, reason in tests.items():
            assert TEST_ID.match(test_id), f"Django {line}: {test_id!r} is no test id"
            assert len(reason) > 20, f"Django {line}: {test_id} needs its reason"


def test_one_test_too_many_or_too_few_in_the_doc_is_named():
    listed = {
        "staticfiles_tests.test_a.A.test_one",
        "staticfiles_tests.test_a.A.test_two",
    }

    assert difference("6.1", set(listed), listed) is None
    too_many = difference("6.1", {"staticfiles_tests.test_a.A.test_one"}, listed)
    assert "passing now" in too_many
    assert "staticfiles_tests.test_a.A.test_two" in too_many
    too_few = difference("6.1", listed | {"staticfiles_tests.test_b.B.test_x"}, listed)
    assert "not in docs/django-staticfiles-tests.md" in too_few
    assert "staticfiles_tests.test_b.B.test_x" in too_few
    assert "test_one" not in too_few


def test_failures_are_read_as_the_runner_prints_them():
    output = textwrap.dedent("""\
        ..F.E
        ======================================================================
        FAIL: test_post (staticfiles_tests.test_storage.M.test_post)
        post_processing behaves correctly.
        ----------------------------------------------------------------------
        AssertionError: 'x' not found in []
        ======================================================================
        ERROR: test_old (staticfiles_tests.test_views.Views)
        ======================================================================
        FAIL: test_each (staticfiles_tests.test_finders.F.test_each) (name='a.css')
        ======================================================================
        ERROR: setUpClass (staticfiles_tests.test_liveserver.Live)
        ----------------------------------------------------------------------
        Ran 5 tests in 0.010s

        FAILED (failures=2, errors=2)
        """)

    assert failures(output) == {
        "staticfiles_tests.test_storage.M.test_post",
        "staticfiles_tests.test_views.Views.test_old",
        "staticfiles_tests.test_finders.F.test_each (name='a.css')",
        "staticfiles_tests.test_liveserver.Live.setUpClass",
    }
    assert summary(output) == {"ran": 5, "failures": 2, "errors": 2}
    assert summary("Ran 3 tests in 1.0s\n\nOK\n") == {"ran": 3}


# --- The suite ----------------------------------------------------------------


@pytest.fixture(scope="session")
def django_tests(tmp_path_factory):
    """The tests/ directory of a Django release's sdist (what runtests.py needs
    of it), downloaded and extracted once per session."""
    extracted = {}

    def django_tests(version):
        if version not in extracted:
            directory = tmp_path_factory.mktemp(f"django-{version}-sdist")
            archive = download_sdist(version, directory)
            extracted[version] = extract_tests(archive, directory)
        return extracted[version]

    return django_tests


def download_sdist(version, directory):
    filename = f"django-{version}.tar.gz"
    try:
        response = requests.get(
            INDEX,
            headers={"Accept": "application/vnd.pypi.simple.v1+json"},
            timeout=60,
        )
        response.raise_for_status()
        entries = [
            entry
            for entry in response.json()["files"]
            if entry["filename"].lower() == filename
        ]
        if not entries:
            pytest.fail(f"PyPI lists no {filename}")
        entry = entries[0]
        download = requests.get(entry["url"], timeout=300)
        download.raise_for_status()
    except requests.RequestException as error:
        skip_or_fail(f"cannot download Django {version}'s sdist from PyPI: {error}")
    digest = hashlib.sha256(download.content).hexdigest()
    assert digest == entry["hashes"]["sha256"], f"{filename}: its digest differs"
    archive = directory / entry["filename"]
    archive.write_bytes(download.content)
    return archive


def extract_tests(archive, directory):
    with tarfile.open(archive) as sdist:
        members = [
            member
            for member in sdist.getmembers()
            if len(parts := member.name.split("/")) > 2
            and parts[1] == "tests"
            and parts[2] in NEEDED
        ]
        roots = {member.name.split("/")[0] for member in members}
        assert len(roots) == 1, roots
        # Python 3.11.4+ refuses links and paths that leave the directory.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        sdist.extractall(directory, members=members, **safe)
    tests = directory / roots.pop() / "tests"
    missing = sorted(name for name in NEEDED if not (tests / name).exists())
    assert not missing, f"{archive.name} has no tests/{', tests/'.join(missing)}"
    return tests


def installed_django(python):
    result = subprocess.run(
        [str(python), "-c", "import django; print(django.__version__)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.lines
@pytest.mark.parametrize("line", DJANGO_LINES)
def test_django_s_staticfiles_tests_pass_but_the_documented_ones(
    line, django_line_python, django_tests
):
    python = django_line_python(line)
    version = installed_django(python)
    assert version.startswith(f"{line}."), f"Django {version} for the {line} line"
    tests = django_tests(version)
    (tests / "staticfiles_suite_settings.py").write_text(SETTINGS)
    proof = tests / "staticfiles_suite_proof"
    proof.mkdir(exist_ok=True)
    (proof / "__init__.py").write_text("")
    sources = Path(sitefiles.__file__).resolve().parent
    (proof / "tests.py").write_text(PROOF.format(sources=str(sources)))
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "PYTHONPATH"
    }

    # One process: the suite takes about 10 s, and Django's parallel runner
    # needs tblib, which the package does not install, to report a failure.
    result = subprocess.run(
        [
            *(str(python), "runtests.py", "--noinput", "--parallel", "1"),
            *("--settings", "staticfiles_suite_settings"),
            *("staticfiles_tests", "staticfiles_suite_proof"),
        ],
        cwd=tests,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )

    output = result.stdout + result.stderr
    counts = summary(output)
    failed = failures(output)
    not_passed = sum(
        counts.get(key, 0) for key in ("failures", "errors", "unexpected successes")
    )
    headers = len(HEADER.findall(output))
    assert headers == not_passed, f"read {sorted(failed)} from:\n{output}"
    assert counts["ran"] > 100, output
    assert not counts.get("skipped"), f"Django skipped tests (run with -v 2):\n{output}"
    assert (result.returncode == 0) == (not failed), output
    listed = set(documented().get(line, {}))
    problem = difference(line, failed, listed)
    assert problem is None, f"{problem}\n\nDjango {version}'s output:\n{output}"
