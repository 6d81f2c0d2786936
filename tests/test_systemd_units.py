"""The generated systemd units pass systemd's own checker."""

import shutil
import subprocess

import pytest

from support import skip_or_fail

pytestmark = pytest.mark.web


@pytest.fixture
def units(bake, tmp_path):
    project = bake(django_version="5.2", use_upload_example=True, web_server="nginx")
    if shutil.which("systemd-analyze") is None:
        skip_or_fail("systemd-analyze is not installed (Debian package: systemd)")
    copied = tmp_path / "units"
    shutil.copytree(project / "deploy" / "systemd", copied)
    return project.name, sorted(copied.iterdir())


def verify(paths):
    return subprocess.run(
        ["systemd-analyze", "verify", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_units_verify_once_the_project_is_where_they_expect(
    units, project_python, tmp_path
):
    slug, paths = units
    deployed = tmp_path / "srv" / slug
    (deployed / ".venv" / "bin").mkdir(parents=True)
    for program in ("gunicorn", "python"):  # ExecStart's, ExecStartPost's
        installed = project_python("5.2").parent / program
        (deployed / ".venv" / "bin" / program).symlink_to(installed)
    for path in paths:
        path.write_text(path.read_text().replace(f"/srv/{slug}", str(deployed)))

    result = verify(paths)

    assert result.returncode == 0, result.stdout + result.stderr
    assert {path.suffix for path in paths} == {".service", ".socket"}


def test_verify_checks_what_the_service_runs(units):
    slug, paths = units

    result = verify(paths)

    assert result.returncode != 0
    assert f"/srv/{slug}/.venv/bin/gunicorn is not executable" in result.stderr
