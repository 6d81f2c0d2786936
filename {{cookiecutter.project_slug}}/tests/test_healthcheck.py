"""The container's health check (deploy/healthcheck.py), against a stand-in for
gunicorn on a loopback port."""

import http.server
import importlib.util
import threading
from pathlib import Path

import pytest

HEALTHCHECK = Path(__file__).resolve().parent.parent / "deploy" / "healthcheck.py"


def load_healthcheck():
    spec = importlib.util.spec_from_file_location("healthcheck", HEALTHCHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def site(monkeypatch):
    """A server answering every request with ``site.status``; it records the
    headers it was sent."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            server.requests.append(dict(self.headers))
            self.send_response(server.status)
            self.end_headers()

        def log_message(self, *arguments):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.status, server.requests = 200, []
    # A short poll: shutdown() waits for one (the default is half a second).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    monkeypatch.setenv("GUNICORN_BIND", f"0.0.0.0:{server.server_port}")
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("status", [200, 301, 404])
def test_an_answer_below_500_is_healthy(site, monkeypatch, status):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", " .example.com , www.example.com")
    site.status = status

    load_healthcheck().main()

    (headers,) = site.requests
    assert headers["Host"] == "example.com"
    assert headers["X-Forwarded-Proto"] == "https"


def test_a_server_error_is_unhealthy(site):
    site.status = 500

    with pytest.raises(SystemExit, match="answered 500"):
        load_healthcheck().main()


def test_no_answer_is_unhealthy(site):
    site.shutdown()
    site.server_close()

    with pytest.raises(SystemExit, match="unhealthy"):
        load_healthcheck().main()
