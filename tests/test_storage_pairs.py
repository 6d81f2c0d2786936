"""Every pair of storages (static, media) passes Django's deployment checklist
and the generated project's own tests."""

import pytest

from support import STORAGE_SETS

pytestmark = [pytest.mark.boot, pytest.mark.storage]

STORAGE_COMBINATIONS = [pytest.param(name, id=name) for name in STORAGE_SETS]
# Generated test modules the storage answers never reach: they run on the test
# settings' in-memory storages (or storages of their own) whatever the answers,
# and tests/test_boot.py runs them. Every other module runs for every pair.
SAME_FOR_EVERY_PAIR = (
    "tests/test_documents.py",
    "tests/test_healthcheck.py",
    "tests/test_upload_images.py",
    "tests/test_uploads.py",
)


@pytest.mark.parametrize("name", STORAGE_COMBINATIONS)
def test_each_storage_pair_passes_its_own_tests_and_the_checklist(boot, name):
    """The project's suite runs `check --deploy --fail-level WARNING` under
    production settings with the bucket variables its conftest.py sets."""
    booted = boot(name)
    for module in SAME_FOR_EVERY_PAIR:
        assert (booted.project / module).is_file(), module  # still there to leave out
    ignored = [f"--ignore={module}" for module in SAME_FOR_EVERY_PAIR]

    result = booted.run(
        "-m", "pytest", "-v", "-p", "no:cacheprovider", *ignored, settings="test"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_production_passes_the_deployment_checklist PASSED" in result.stdout
    assert "test_production_resolves_its_storages_and_never_serves_media PASSED" in (
        result.stdout
    )
