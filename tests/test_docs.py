"""docs/hardening.md names, for each fault, the test that proves it: each named
test must exist where the row says, or the row claims what nothing tests."""

import re

from support import TEMPLATE_DIR

HARDENING = TEMPLATE_DIR / "docs" / "hardening.md"
# Where a row's test file may be: the template's, the package's, the project's.
ROOTS = (
    TEMPLATE_DIR,
    TEMPLATE_DIR / "tests",
    TEMPLATE_DIR / "{{cookiecutter.project_slug}}",
)


def named_tests(row):
    """(file, test) for each test the row's last cell names; a bare test name
    belongs to the file named before it in the cell."""
    cell = row.rstrip().rstrip("|").rsplit("|", 1)[-1]
    current = None
    for reference in re.findall(r"`([^`]+)`", cell):
        if "::" in reference:
            path, name = reference.split("::", 1)
            current = path or current
            yield current, name.lstrip(":")
        elif reference.startswith("test_") and not reference.endswith(".py"):
            yield current, reference


def defines(path, name):
    return any(
        (root / path).is_file()
        and re.search(rf"^\s*def {re.escape(name)}\(", (root / path).read_text(), re.M)
        for root in ROOTS
    )


def test_every_test_the_hardening_doc_names_exists():
    rows = [line for line in HARDENING.read_text().splitlines() if line.startswith("|")]
    named = [pair for row in rows for pair in named_tests(row)]
    missing = [f"{path}::{name}" for path, name in named if not defines(path, name)]

    assert len(named) > 50
    assert missing == []


def test_a_renamed_test_would_be_found_missing():
    row = "| fault | behaviour | `tests/test_cruft.py::test_no_such_test`, `test_x` |"

    named = list(named_tests(row))

    assert named == [
        ("tests/test_cruft.py", "test_no_such_test"),
        ("tests/test_cruft.py", "test_x"),
    ]
    assert not any(defines(path, name) for path, name in named)
