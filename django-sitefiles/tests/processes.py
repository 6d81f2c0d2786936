"""Processes the suite starts: a free loopback port, a server stopped by its
own PID, and what a test needs that is not a Python package."""

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason):
    """Skip when something the test needs is missing here; under CI, fail."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: missing tools are failures)")
    pytest.skip(reason)


def executable(name, debian_package=None):
    """The path of a program, or a skip (a failure under CI) naming its package."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        skip_or_fail(
            f"{name} is not installed (Debian package: {debian_package or name})"
        )
    return found


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(command, *, log_path, ready, cwd=None, env=None, timeout=60):
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
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
