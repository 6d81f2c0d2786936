"""The PostgreSQL answer against a real server (Debian's, started by the test
session on a free loopback port: tests/database_server.py): migrations, the
project's own suite, gunicorn's persistent connections through a server
restart (not ready while it is down), and a wrong DATABASE_URL refused by name,
never showing its password."""

import pytest
import requests

from database_server import PASSWORD, wait_for_connections
from local_processes import free_port
from support import HTTPS_PROXY, running_server

pytestmark = pytest.mark.boot

POSTGRESQL_SET = "django-5.2-uploads-nginx-postgresql"
WORKERS = 2
# A page that reads the database: the example's list of uploads.
DATABASE_PAGE = "/uploads/"


@pytest.fixture(scope="session")
def site(boot, postgresql):
    """The project, its tables made by `migrate` under production settings."""
    booted = boot(POSTGRESQL_SET)
    booted.manage("migrate", "--noinput", settings="production", **database(postgresql))
    return booted


@pytest.fixture(scope="session")
def static_root(site, postgresql, tmp_path_factory):
    root = tmp_path_factory.mktemp("static-postgresql")
    site.manage(
        "collectstatic",
        "--noinput",
        settings="production",
        DJANGO_STATIC_ROOT=root,
        **database(postgresql),
    )
    return root


def database(server, **wrong):
    return {"DATABASE_URL": server.url(**wrong)}


def test_migrate_made_the_tables_in_postgresql(site, postgresql):
    tables = postgresql.psql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    )

    assert {"django_migrations", "auth_user", "uploads_upload"} <= set(tables)


def test_the_project_s_own_suite_passes_against_postgresql(site, postgresql):
    result = site.run(
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--reuse-db",  # so the test database stays, to be seen below
        settings="test",
        **database(postgresql),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout
    assert "test_app" in postgresql.psql("SELECT datname FROM pg_database")


def test_workers_keep_their_connections_and_outlive_a_server_restart(
    site, postgresql, static_root, tmp_path
):
    """CONN_MAX_AGE: one connection per worker, kept between requests.
    CONN_HEALTH_CHECKS: after the server restarts, a worker's kept connection
    is found dead before its request uses it (without, that request is a 500)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = site.environment(
        "production", DJANGO_STATIC_ROOT=static_root, **database(postgresql)
    )
    command = [str(site.python), "-m", "gunicorn", "config.wsgi"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)]

    def pages(count):
        return [
            requests.get(base + DATABASE_PAGE, headers=HTTPS_PROXY, timeout=10)
            for _ in range(count)
        ]

    with running_server(
        command,
        cwd=site.project,
        env=environment,
        url=f"{base}/",
        log_path=tmp_path / "gunicorn.log",
    ):
        before = pages(20)
        kept = wait_for_connections(postgresql, WORKERS)
        postgresql.restart()  # what a failover or an upgrade does
        after = pages(20)
        postgresql.stop()
        down = requests.get(base + "/readyz", timeout=10)
        postgresql.start()
        up = requests.get(base + "/readyz", timeout=10)

    log = (tmp_path / "gunicorn.log").read_text()
    assert [page.status_code for page in before] == [200] * 20, log
    assert 1 <= kept <= WORKERS  # not one per request, and not closed after each
    # Not ready while the server is down, saying why in the log alone.
    assert (down.status_code, down.text) == (503, "not ready\n")
    assert 'Not ready: DATABASES["default"] (host 127.0.0.1' in log
    assert PASSWORD not in log
    assert up.status_code == 200
    assert [page.status_code for page in after] == [200] * 20, log


@pytest.mark.parametrize("wrong", ["password", "port", "host"])
def test_a_wrong_database_url_stops_migrate_by_name_without_its_password(
    site, postgresql, wrong
):
    url = {
        "password": {"password": "not-the-password-at-all"},
        "port": {"port": free_port()},
        "host": {"host": "database.invalid"},
    }[wrong]

    migrated = site.run(
        "manage.py",
        "migrate",
        "--noinput",
        settings="production",
        **database(postgresql, **url),
    )

    output = migrated.stdout + migrated.stderr
    assert migrated.returncode == 1, output
    assert "sitefiles.E020" in output
    assert "DATABASE_URL" in output
    assert "Traceback" not in output
    assert PASSWORD not in output
    assert "not-the-password-at-all" not in output
    reason = {
        "password": 'password authentication failed for user "app"',
        "port": "Connection refused",
        "host": "database.invalid",
    }[wrong]
    assert reason in output
