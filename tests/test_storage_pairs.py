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
# Tests of modules that do run for every pair, whose outcome the storages never
# change either (local and test settings keep files on disk and in memory; the
# others check production's environment handling): tests/test_boot.py's runs
# of the whole suite cover them.
SAME_FOR_EVERY_PAIR_TESTS = (
    "tests/test_settings.py::test_local_serves_media_and_uses_plain_static_storage",
    "tests/test_settings.py::test_test_settings_keep_media_and_private_media_in_memory",
    "tests/test_settings.py::test_production_keeps_debug_off_whatever_the_environment_says",
    "tests/test_settings.py::test_production_logs_the_traceback_of_a_500",
    "tests/test_settings.py::test_allowed_hosts_are_stripped",
    "tests/test_settings.py::test_a_weak_secret_key_fails_the_deployment_checklist",
)


@pytest.mark.parametrize("name", STORAGE_COMBINATIONS)
def test_each_storage_pair_passes_its_own_tests_and_the_checklist(boot, name):
    """The project's suite runs `check --deploy --fail-level WARNING` under
    production settings with the bucket variables its conftest.py sets."""
    booted = boot(name)
    for module in SAME_FOR_EVERY_PAIR:
        assert (booted.project / module).is_file(), module  # still there to leave out
    ignored = [f"--ignore={module}" for module in SAME_FOR_EVERY_PAIR]
    ignored += [f"--deselect={test}" for test in SAME_FOR_EVERY_PAIR_TESTS]

    result = booted.run(
        "-m", "pytest", "-v", "-p", "no:cacheprovider", *ignored, settings="test"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    # Each still there to leave out (pytest counts only what it found).
    assert f" {len(SAME_FOR_EVERY_PAIR_TESTS)} deselected" in result.stdout
    assert "test_production_passes_the_deployment_checklist PASSED" in result.stdout
    assert "test_production_resolves_its_storages_and_never_serves_media PASSED" in (
        result.stdout
    )
