"""Whether the site is ready for traffic: its readiness probe, /readyz
(django-sitefiles' ProbesMiddleware), answers 200, so the database answers and
the static manifest names files that exist.

    python deploy/healthcheck.py                    # once: the container's HEALTHCHECK
    python deploy/healthcheck.py --socket PATH --wait 60

The first asks gunicorn at GUNICORN_BIND once; the second, systemd's
ExecStartPost (deploy/systemd/), asks at gunicorn's socket until the site is
ready or the time is up, so that `systemctl restart` returns once it is, or
fails. Standard library only: no Django start-up for each check. The probe
needs no host name or HTTPS: ProbesMiddleware answers it before both checks.
"""

import argparse
import http.client
import os
import socket
import sys
import time

PATH = "/readyz"


class UnixSocketConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket, such as the one systemd holds for gunicorn."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def problem(socket_path=None):
    """Why the site is not ready, or None."""
    if socket_path:
        connection = UnixSocketConnection(socket_path, timeout=4)
    else:
        port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rpartition(":")[2]
        connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=4)
    try:
        connection.request("GET", PATH)
        status = connection.getresponse().status
    except OSError as error:
        return str(error) or type(error).__name__
    finally:
        connection.close()
    if status != 200:
        return f"{PATH} answered {status} (the site's log says why)"
    return None


def main(arguments=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n\n")[0])
    parser.add_argument("--socket", help="gunicorn's Unix socket (else GUNICORN_BIND)")
    parser.add_argument(
        "--wait", type=float, default=0, help="seconds to keep asking until ready"
    )
    options = parser.parse_args(arguments)
    deadline = time.monotonic() + options.wait
    while True:
        found = problem(options.socket)
        if found is None:
            return
        if time.monotonic() >= deadline:
            sys.exit(f"not ready: {found}")
        time.sleep(0.5)


if __name__ == "__main__":
    main()
