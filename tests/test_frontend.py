"""The front-end build (frontend=esbuild-tailwind): the generated project's own
npm ci and npm run build, collectstatic with production settings, Chromium
seeing the built styles and the bundled script through gunicorn and WhiteNoise
(tests/test_web_servers.py does the same through nginx), and `npm run dev`
rebuilding what runserver serves after an edit."""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
import requests

from local_processes import free_port
from support import (
    FRONTEND_SETS,
    HTTPS_PROXY,
    Booted,
    build_frontend,
    chromium,
    first_match,
    running_server,
)

ANSWER_SET = next(name for name in FRONTEND_SETS if "uploads-nginx" in name)
# What the built files must hold, and how Chromium shows them.
STATUS = "JavaScript bundled by esbuild from frontend/src/ has run."
TAILWIND_STYLE = """() => {
    const style = getComputedStyle(document.getElementById("build-status"));
    return [style.fontFamily, style.letterSpacing];
}"""


@pytest.fixture(scope="module")
def built(boot, tmp_path_factory):
    """The answer set's project, copied (other tests read the baked one),
    with its front end built."""
    shared = boot(ANSWER_SET)
    project = tmp_path_factory.mktemp("frontend") / shared.project.name
    shutil.copytree(shared.project, project)
    booted = Booted(shared.name, shared.answers, project, shared.python)
    return booted, build_frontend(project)


def test_the_build_writes_the_bundle_its_map_and_the_utilities(built):
    booted, dist = built

    bundle = (dist / "app.js").read_text()
    css = (dist / "app.css").read_text()
    source_map = json.loads((dist / "app.js.map").read_text())

    assert bundle.rstrip().endswith("//# sourceMappingURL=app.js.map")
    # Both modules, bundled into one file.
    assert "export" not in bundle
    assert "import" not in bundle.split("\n")[0]
    assert STATUS in bundle
    assert sorted(source_map["sources"]) == [
        "../src/main.js",
        "../src/status.js",
    ]
    assert ".font-mono{" in css
    assert ".tracking-widest{" in css
    assert "box-sizing" not in css  # no preflight: site.css styles the pages


def test_chromium_sees_the_built_styles_and_script_through_whitenoise(built, tmp_path):
    booted, _ = built
    static_root = tmp_path / "staticfiles"
    variables = {"DJANGO_STATIC_ROOT": static_root, "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    booted.manage("collectstatic", "--noinput", settings="production", **variables)
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    port = free_port()
    command = [str(booted.python), "-m", "gunicorn", "config.wsgi"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
    server = running_server(
        command,
        cwd=booted.project,
        env=booted.environment(
            "production", DJANGO_SECURE_SSL_REDIRECT="False", **variables
        ),
        url=f"http://127.0.0.1:{port}/",
        log_path=tmp_path / "gunicorn.log",
    )
    with server, chromium() as browser:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        said = page.inner_text("#build-status")
        bundle_ran = page.evaluate("document.documentElement.dataset.bundle")
        font_family, letter_spacing = page.evaluate(TAILWIND_STYLE)
        home = requests.get(f"http://127.0.0.1:{port}/", timeout=10).text
        css_url = first_match(r'href="(/static/frontend/app\.[0-9a-f]{12}\.css)"', home)
        css = requests.get(
            f"http://127.0.0.1:{port}{css_url}",
            headers={**HTTPS_PROXY, "Accept-Encoding": "br"},
            timeout=10,
        )

    assert said == STATUS
    assert bundle_ran == "ran"
    assert "monospace" in font_family
    assert letter_spacing == "1.6px"  # 0.1em of 16px: tracking-widest
    # Hashed and compressed with the other static files, cached for good.
    assert css_url == f"/static/{manifest['frontend/app.css']}"
    assert css.headers["Content-Encoding"] == "br"
    assert "immutable" in css.headers["Cache-Control"]


@contextlib.contextmanager
def process_group(command, **options):
    """A command and everything it starts, in a session of its own, stopped
    together at the end (npm runs concurrently, which runs the watchers and
    runserver, which runs its autoreloader's child)."""
    process = subprocess.Popen(command, start_new_session=True, **options)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


# What each watcher prints once its first build is done.
WATCHERS_READY = (r"\[js\] \[watch\] build finished", r"\[css\] .*Done in")


def logged(log, patterns, timeout=60):
    """Wait until the log holds a line for each pattern; whether it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if all(re.search(pattern, text) for pattern in patterns):
            return True
        time.sleep(0.2)
    return False


def served_once(url, pattern, timeout=30):
    """Poll ``url`` until its text matches ``pattern``; the text, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            text = requests.get(url, timeout=5).text
            if re.search(pattern, text):
                return text
        time.sleep(0.2)
    return None


def test_npm_run_dev_rebuilds_what_runserver_serves_after_an_edit(built, tmp_path):
    """One command runs both watchers and runserver; an edit to the CSS, to a
    template's classes and to a script module shows in what runserver serves,
    with no build by hand."""
    booted, _ = built
    project = booted.project
    css_source = project / "frontend" / "src" / "main.css"
    module = project / "frontend" / "src" / "status.js"
    template = project / "templates" / "home.html"
    originals = {path: path.read_text() for path in (css_source, module, template)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        **booted.environment("local"),
        "PATH": f"{booted.python.parent}{os.pathsep}{os.environ['PATH']}",
    }
    log = tmp_path / "npm-run-dev.log"
    try:
        with (
            open(log, "wb") as output,
            process_group(
                ["npm", "run", "dev", "--", f"127.0.0.1:{port}"],
                cwd=project,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            ),
        ):
            # Both watchers have made their first build, and runserver answers.
            assert logged(log, WATCHERS_READY), log.read_text()
            first = served_once(f"{base}/static/frontend/app.css", r"tracking-widest")
            assert first is not None, log.read_text()
            css_source.write_text(
                originals[css_source] + "\n.edited-rule { color: rgb(1, 2, 3); }\n"
            )
            css = served_once(f"{base}/static/frontend/app.css", r"\.edited-rule")
            template.write_text(
                originals[template].replace(
                    'class="font-mono', 'class="underline font-mono'
                )
            )
            classes = served_once(f"{base}/static/frontend/app.css", r"\.underline\{")
            module.write_text(originals[module].replace("has run.", "has run again."))
            script = served_once(f"{base}/static/frontend/app.js", r"has run again\.")
    finally:
        for path, text in originals.items():
            path.write_text(text)
    output = log.read_text()
    assert css is not None, output
    assert classes is not None, output
    assert script is not None, output
    assert "underline" not in first
