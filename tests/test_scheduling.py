"""tests/scheduling.py, run by pytest-xdist on a suite of stand-in files."""

import os
import subprocess
import sys
from pathlib import Path

RECORD = """
import os

import pytest


def record(line):
    with open(os.environ["RECORD"], "a") as file:
        file.write(f"{line} {os.environ['PYTEST_XDIST_WORKER']}\\n")
"""
FILES = {
    "test_containers.py": RECORD
    + """

@pytest.fixture(scope="module", params=["default", "apache-uv"])
def images(request):
    record(f"images {request.param}")
    return request.param


@pytest.mark.parametrize("case", range(3))
def test_site(images, case):
    record("containers")
""",
    "test_deploy_readme.py": RECORD
    + """

@pytest.mark.parametrize("case", range(3))
def test_readme(case):
    record("deploy")
""",
    "test_render.py": RECORD
    + """

@pytest.mark.parametrize("case", range(3))
def test_render(case):
    record("render")
""",
}


def run_suite(tmp_path):
    for name, source in FILES.items():
        (tmp_path / name).write_text(source)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    record = tmp_path / "record.txt"
    environment = {
        **os.environ,
        "RECORD": str(record),
        "PYTHONPATH": str(Path(__file__).parent),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "scheduling", "-p", "no:cacheprovider"]
        + ["-n", "2", "--dist", "loadscope", "-q"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line.split() for line in record.read_text().splitlines()]


def test_files_that_share_a_unit_run_on_one_worker_and_build_their_fixtures_once(
    tmp_path,
):
    lines = run_suite(tmp_path)

    def workers(kind):
        return {worker for first, *_, worker in lines if first == kind}

    images = [line[1] for line in lines if line[0] == "images"]
    assert sorted(images) == ["apache-uv", "default"]
    assert len(workers("containers") | workers("deploy")) == 1, lines
    assert len(workers("render")) == 1, lines
