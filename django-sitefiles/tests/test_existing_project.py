"""The README's "Add it to an existing Django project", run as it is written:
django-admin startproject, the built wheel installed by the README's pip
command, its settings applied, collectstatic killed, then the deploy steps with
gunicorn serving hashed, compressed, immutable files."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.processes import free_port, running

pytestmark = pytest.mark.servers

PACKAGE_DIR = Path(__file__).resolve().parent.parent
SOURCE_DATE_EPOCH = "315532800"
BLOCK = re.compile(r"^```(sh|python) (\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
ADMIN_CSS = re.compile(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"')


def readme_blocks():
    """{label: code} of the section's labelled blocks."""
    readme = (PACKAGE_DIR / "README.md").read_text()
    section = readme.split("## Add it to an existing Django project")[1]
    section = section.split("\n## ")[0]
    return {label: code for _, label, code in BLOCK.findall(section)}


def test_the_readme_section_has_every_step():
    assert set(readme_blocks()) == {"setup", "settings", "production", "deploy"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The package's wheel, built as its release is (flit_core)."""
    from flit_core import buildapi

    directory = tmp_path_factory.mktemp("wheel")
    previous = os.getcwd()
    os.chdir(PACKAGE_DIR)
    try:
        name = buildapi.build_wheel(str(directory))
    finally:
        os.chdir(previous)
    return directory / name


@pytest.fixture(scope="module")
def site(tmp_path_factory, wheel):
    """An environment with Django, then the README's setup: startproject, and
    pip installing the package (from the built wheel: it is on no index yet)."""
    work = tmp_path_factory.mktemp("existing")
    venv = work / "venv"
    uv = [sys.executable, "-m", "uv"]
    subprocess.run([*uv, "venv", "--quiet", "--seed", venv], check=True)
    django = __import__("django").get_version()
    subprocess.run(
        [*uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python"]
        + [f"django=={django}"],
        check=True,
    )
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "PIP_FIND_LINKS": str(wheel.parent),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    environment.pop("PYTHONPATH", None)
    blocks = readme_blocks()
    set_up = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", blocks["setup"]],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert set_up.returncode == 0, set_up.stdout + set_up.stderr
    project = work / "mysite"
    with (project / "mysite" / "settings.py").open("a") as settings:
        settings.write("\n" + blocks["settings"])
    (project / "mysite" / "production.py").write_text(blocks["production"])
    return project, environment, blocks["deploy"]


def production(environment):
    return {
        **environment,
        "DJANGO_SETTINGS_MODULE": "mysite.production",
        "DJANGO_SECRET_KEY": "existing-project-test-secret-5e1f9a3c7d2b8e4f0a6c1d9b",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }


def answers(url):
    """Whether anything answers at ``url`` (a 400 for a host not allowed counts;
    a Response for one is falsy)."""
    requests.head(url, timeout=2, allow_redirects=False)
    return True


def test_a_killed_collectstatic_blocks_nothing_and_the_deploy_serves(site, tmp_path):
    project, environment, deploy = site
    static_root = project / "staticfiles"
    killed = subprocess.Popen(
        ["python", "manage.py", "collectstatic", "--noinput"],
        cwd=project,
        env=production(environment),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not any(static_root.rglob("*.css")) and time.monotonic() < deadline:
        if killed.poll() is not None:
            pytest.fail("collectstatic ended before it could be killed mid-run")
        time.sleep(0.02)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert not (static_root / "staticfiles.json").exists()  # killed before the end

    # The deploy steps as written; gunicorn on a free loopback port.
    port = free_port()
    script = deploy.replace(
        "gunicorn mysite.wsgi", f"exec gunicorn mysite.wsgi --bind 127.0.0.1:{port}"
    )
    assert f"--bind 127.0.0.1:{port}" in script
    host = re.search(r"^export DJANGO_ALLOWED_HOSTS=(\S+)$", deploy, re.MULTILINE)[1]
    base = f"http://127.0.0.1:{port}"
    with running(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=project,
        # gunicorn's control socket goes under $HOME: keep it in the test's folder.
        env={**environment, "HOME": str(tmp_path)},
        log_path=tmp_path / "deploy.log",
        ready=lambda: answers(base),
        timeout=180,
    ):
        # What the proxy in front adds: the site's host name, and https.
        headers = {"Host": host, "X-Forwarded-Proto": "https"}
        login = requests.get(f"{base}/admin/login/", headers=headers, timeout=10)
        assert login.status_code == 200, login.text[:500]
        stylesheet = ADMIN_CSS.search(login.text)
        assert stylesheet, login.text[:2000]
        url = f"{base}{stylesheet[1]}"
        compressed = requests.get(
            url, headers={**headers, "Accept-Encoding": "br"}, timeout=10, stream=True
        )
        plain = requests.get(
            url, headers={**headers, "Accept-Encoding": "identity"}, timeout=10
        )
        other_release = requests.get(
            re.sub(r"\.[0-9a-f]{12}\.", ".0123456789ab.", url),
            headers=headers,
            timeout=10,
        )
        # As a balancer probes: by address, over plain HTTP.
        ready = requests.get(f"{base}/readyz", timeout=10)

    log = (tmp_path / "deploy.log").read_text()
    assert "System check identified no issues" in log, log
    assert compressed.status_code == plain.status_code == 200
    assert compressed.headers["Content-Encoding"] == "br"
    cache_control = compressed.headers["Cache-Control"]
    assert "max-age=315360000" in cache_control
    assert "immutable" in cache_control
    assert "Content-Encoding" not in plain.headers
    assert other_release.status_code == 404
    assert other_release.headers["Cache-Control"] == "no-store"
    assert (ready.status_code, ready.text) == (200, "ready\n")
    assert b"body" in plain.content
    manifest = static_root / "staticfiles.json"
    assert manifest.is_file()
    assert not list(static_root.rglob("*.partial"))  # the killed run's, cleared
