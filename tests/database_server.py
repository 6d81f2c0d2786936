"""A private PostgreSQL server for the tests: Debian's postgresql package,
initialised in a temporary directory and started on a free loopback port by the
test session that needs it, which stops it (pg_ctl, by its data directory).

The role "app" owns the server (so pytest-django may create its test database)
and signs in with a password over TCP, as a production DATABASE_URL does.
initdb refuses to run as root: as root, the server runs as the user postgres.
"""

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from local_processes import free_port
from support import skip_or_fail

USER = "app"
PASSWORD = "template-suite-only-password-4d9c2e"
DATABASE = "app"


def postgres_bin():
    """The newest PostgreSQL's programs, or a skip (a failure under CI)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[4]),
    )
    if not found:
        skip_or_fail("PostgreSQL is not installed (Debian package: postgresql)")
    return Path(found[-1]).parent


def as_server_user():
    """The prefix that runs a command as the server's owner."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class PostgresServer:
    bin: Path
    directory: Path
    port: int

    @property
    def data(self):
        return self.directory / "data"

    def url(self, database=DATABASE, password=PASSWORD, port=None, host="127.0.0.1"):
        """A DATABASE_URL for this server, or with one part wrong."""
        return f"postgres://{USER}:{password}@{host}:{port or self.port}/{database}"

    def pg_ctl(self, *arguments, timeout=60):
        result = subprocess.run(
            [*as_server_user(), str(self.bin / "pg_ctl"), "-D", str(self.data)]
            + list(arguments),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def start(self):
        options = f"-k {self.directory} -p {self.port} -c listen_addresses=127.0.0.1"
        log = self.directory / "server.log"
        self.pg_ctl("-o", options, "-l", str(log), "-w", "start")

    def stop(self):
        self.pg_ctl("-m", "fast", "-w", "stop")

    def restart(self):
        """What a database failover or upgrade does to open connections."""
        self.stop()
        self.start()

    def psql(self, sql, database=DATABASE):
        """One statement's rows, as text: psql through the server's socket."""
        result = subprocess.run(
            [*as_server_user(), str(self.bin / "psql"), "-h", str(self.directory)]
            + ["-p", str(self.port), "-U", USER, "-d", database, "-AtXc", sql],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()


@contextlib.contextmanager
def postgres_server():
    """A running server with the database "app", stopped and removed after."""
    bin_dir = postgres_bin()
    # Outside pytest's root-only temporary folders: the server user needs in.
    directory = Path(tempfile.mkdtemp(prefix="template-postgres-", dir="/tmp"))
    password_file = directory / "password"
    password_file.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
        shutil.chown(password_file, "postgres", "postgres")
    server = PostgresServer(bin_dir, directory, free_port())
    try:
        initialised = subprocess.run(
            [*as_server_user(), str(bin_dir / "initdb"), "-D", str(server.data)]
            + ["-U", USER, f"--pwfile={password_file}", "--auth-local=trust"]
            + ["--auth-host=scram-sha-256", "--no-sync"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert initialised.returncode == 0, initialised.stderr
        server.start()
        server.psql(f"CREATE DATABASE {DATABASE}", database="postgres")
        yield server
    finally:
        if (server.data / "postmaster.pid").exists():
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def wait_for_connections(server, count, timeout=10):
    """The sessions of the site's user, once there are ``count`` or fewer."""
    deadline = time.monotonic() + timeout
    query = (
        f"SELECT count(*) FROM pg_stat_activity WHERE usename = '{USER}'"
        f" AND datname = '{DATABASE}' AND pid <> pg_backend_pid()"
    )
    while True:
        sessions = int(server.psql(query)[0])
        if sessions <= count or time.monotonic() > deadline:
            return sessions
        time.sleep(0.1)
