"""What the tests and the benchmark both do with local processes: a free
loopback port, a server started and stopped by its own PID, a self-signed
certificate, uv. Standard library only: the benchmark imports it too."""

import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(
    command, *, log_path, ready, cwd=None, env=None, timeout=60, poll_seconds=0.05
):
    """Start a server, wait until ``ready()`` is true (an OSError counts as not
    yet), and stop it, by its PID, after."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                log_text = Path(log_path).read_text()
                raise RuntimeError(f"{command[0]} exited early:\n{log_text}")
            try:
                if ready():
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log_text = Path(log_path).read_text()
                raise RuntimeError(f"{command[0]} did not answer:\n{log_text}")
            time.sleep(poll_seconds)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def self_signed_certificate(directory):
    """A certificate and key for 127.0.0.1 in ``directory`` (openssl)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def uv(*arguments):
    """uv, from this environment (a test dependency)."""
    subprocess.run(
        [sys.executable, "-m", "uv", *map(str, arguments)],
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
