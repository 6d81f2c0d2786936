"""The readiness check (deploy/healthcheck.py), against a stand-in for gunicorn
on a loopback port or a Unix socket."""

import http.server
import importlib.util
import socketserver
import threading
from pathlib import Path

import pytest

HEALTHCHECK = Path(__file__).resolve().parent.parent / "deploy" / "healthcheck.py"


def load_healthcheck():
    spec = importlib.util.spec_from_file_location("healthcheck", HEALTHCHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers with the server's next status (the last one from then on), and
    records the paths it was asked."""

    def do_GET(self):
        self.server.paths.append(self.path)
        statuses = self.server.statuses
        self.send_response(statuses.pop(0) if len(statuses) > 1 else statuses[0])
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *arguments):
        pass


class UnixHTTPServer(socketserver.UnixStreamServer):
    pass


@pytest.fixture
def serving():
    started = []

    def serve(server, *statuses):
        server.statuses, server.paths = list(statuses), []
        # A short poll: shutdown() waits for one (the default is half a second).
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        thread.start()
        started.append(server)
        return server

    yield serve
    for server in started:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site(serving, monkeypatch):
    """A server on a loopback port, at GUNICORN_BIND; ready unless told."""
    server = serving(http.server.HTTPServer(("127.0.0.1", 0), Handler), 200)
    monkeypatch.setenv("GUNICORN_BIND", f"0.0.0.0:{server.server_port}")
    return server


def test_ready_when_the_probe_answers_200(site):
    load_healthcheck().main([])

    assert site.paths == ["/readyz"]


@pytest.mark.parametrize("status", [503, 500, 404, 301])
def test_any_other_answer_is_not_ready(site, status):
    site.statuses = [status]

    with pytest.raises(SystemExit, match=f"not ready: /readyz answered {status}"):
        load_healthcheck().main([])


def test_no_answer_is_not_ready(site):
    site.shutdown()
    site.server_close()

    with pytest.raises(SystemExit, match="not ready: "):
        load_healthcheck().main([])


def test_wait_asks_again_until_ready(site):
    site.statuses = [503, 503, 200]

    load_healthcheck().main(["--wait", "30"])

    assert site.paths == ["/readyz"] * 3


def test_wait_gives_up_once_the_time_is_up(site):
    site.statuses = [503]

    with pytest.raises(SystemExit, match="answered 503"):
        load_healthcheck().main(["--wait", "1"])

    assert 2 <= len(site.paths) <= 4  # every half second


def test_asks_at_a_unix_socket(serving, tmp_path):
    path = tmp_path / "gunicorn.sock"
    server = serving(UnixHTTPServer(str(path), Handler), 200)

    load_healthcheck().main(["--socket", str(path)])

    assert server.paths == ["/readyz"]
