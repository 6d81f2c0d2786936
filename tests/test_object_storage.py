"""Static and media files in real object storage APIs on loopback: moto (S3),
gcp-storage-emulator (GCS) and Azurite (Azure), each behind a proxy that counts
the requests it receives.
"""

import html
import json
import os
import re
from urllib.parse import quote, unquote, urlsplit

import pytest
import requests

from storage_servers import azure_server, gcs_server, s3_server
from support import (
    HTTPS_PROXY,
    STORAGE_SETS,
    TEMPLATE_DIR,
    first_match,
    free_port,
    running_server,
    tiny_png,
)

pytestmark = [pytest.mark.boot, pytest.mark.storage]

SERVERS = {"s3": s3_server, "gcs": gcs_server, "azure": azure_server}
STATIC_BUCKET = "site-static"
MEDIA_BUCKET = "site-media"
# A collectstatic re-run with nothing changed lists the bucket once (1,000
# objects a page; the default static set is about 260). google-cloud-storage
# also looks the bucket up once per process, in the background.
MOST_REQUESTS_WHEN_NOTHING_CHANGED = {"s3": 1, "gcs": 2, "azure": 1}
# google-auth trades the key file for a token at the key's token_uri, which
# the proxy answers: an auth server's request, not the storage API's.
AUTH_PATHS = ("/token",)
REQUEST_COUNTS = "object-storage-requests.json"


def both_in(provider):
    """The answer set that keeps static and media files with ``provider``."""
    return next(
        name
        for name, answers in STORAGE_SETS.items()
        if answers["static_storage"] == answers["media_storage"] == provider
    )


def connection_variables(server, directory):
    """What the generated settings read to reach this emulator."""
    if server.backend == "s3":
        return {
            "DJANGO_S3_ENDPOINT_URL": server.endpoint,
            "DJANGO_S3_REGION": server.region,
            "AWS_ACCESS_KEY_ID": server.access_key,
            "AWS_SECRET_ACCESS_KEY": server.secret_key,
        }
    if server.backend == "gcs":
        # A service account key file, as in production: it signs media URLs.
        key_file = server.service_account_file(directory)
        return {**server.environment(key_file), "DJANGO_GCS_PROJECT": server.project}
    return {"DJANGO_AZURE_CONNECTION_STRING": server.connection_string}


def artifacts_dir():
    path = os.environ.get("TEST_ARTIFACTS") or TEMPLATE_DIR / "test-artifacts"
    os.makedirs(path, exist_ok=True)
    return path


def record_request_counts(provider, counts):
    """Keep the counts where a person (and the closing note) can read them."""
    path = os.path.join(artifacts_dir(), REQUEST_COUNTS)
    recorded = {}
    if os.path.exists(path):
        with open(path) as file:
            recorded = json.load(file)
    recorded[provider] = counts
    with open(path, "w") as file:
        json.dump(recorded, file, indent=2, sort_keys=True)


class Deployment:
    """A project collected into its buckets, with what each run cost."""

    def __init__(self, booted, server, variables, static_root):
        self.booted = booted
        self.server = server
        self.variables = variables
        self.static_root = static_root
        self.cold = []
        self.rerun = []

    def collectstatic(self):
        with self.server.counting() as seen:
            self.booted.manage(
                "collectstatic", "--noinput", settings="production", **self.variables
            )
        return [request for request in seen.requests if request.path not in AUTH_PATHS]

    def stored_headers(self, url, response):
        """The headers the bucket keeps for an object and serves it with.

        gcp-storage-emulator serves downloads without them, so for GCS they come
        from the object's metadata, which is what Google serves them from.
        """
        if self.server.backend != "gcs":
            return response.headers
        bucket, key = urlsplit(url).path.lstrip("/").split("/", 1)
        metadata = requests.get(
            f"{self.server.direct}/storage/v1/b/{bucket}/o/{quote(key, safe='')}",
            timeout=10,
        ).json()
        return {
            "Content-Type": metadata.get("contentType"),
            "Cache-Control": metadata.get("cacheControl"),
            "Content-Disposition": metadata.get("contentDisposition"),
        }

    def gunicorn(self, tmp_path):
        port = free_port()
        command = [str(self.booted.python), "-m", "gunicorn", "config.wsgi"]
        command += ["--bind", f"127.0.0.1:{port}", "--workers", "2"]
        return port, running_server(
            command,
            cwd=self.booted.project,
            env=self.booted.environment("production", **self.variables),
            url=f"http://127.0.0.1:{port}/",
            log_path=tmp_path / "gunicorn.log",
        )


@pytest.fixture(scope="module", params=sorted(SERVERS))
def deployed(request, boot, tmp_path_factory):
    provider = request.param
    booted = boot(both_in(provider))
    directory = tmp_path_factory.mktemp(f"deploy-{provider}")
    with SERVERS[provider]() as server:
        server.create_bucket(STATIC_BUCKET, public=True)
        server.create_bucket(MEDIA_BUCKET)
        variables = {
            "DJANGO_STATIC_BUCKET": STATIC_BUCKET,
            "DJANGO_MEDIA_BUCKET": MEDIA_BUCKET,
            "DJANGO_STATIC_ROOT": directory / "staticfiles",
            "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
            **connection_variables(server, directory),
        }
        deployment = Deployment(booted, server, variables, directory / "staticfiles")
        deployment.cold = deployment.collectstatic()
        deployment.rerun = deployment.collectstatic()
        booted.manage("migrate", "--noinput", settings="production", **variables)
        record_request_counts(
            provider,
            {"cold": len(deployment.cold), "no change": len(deployment.rerun)},
        )
        yield deployment


def collected_files(root):
    return [
        path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()
    ]


def test_collectstatic_uploads_each_file_once_and_the_manifest_last(deployed):
    uploads = [seen for seen in deployed.cold if seen.method in ("PUT", "POST")]
    files = collected_files(deployed.static_root)

    assert all(seen.status < 300 for seen in uploads), uploads
    assert len(uploads) == len(files)
    # GCS names the object in the upload's body; its lookup just before does in
    # the path.
    named = [
        unquote(seen.path) for seen in deployed.cold if "/static/" in unquote(seen.path)
    ]
    assert "/static/staticfiles.json" in named[-1]
    assert any("/static/admin/css/base." in path for path in named)


def test_a_rerun_with_nothing_changed_makes_a_handful_of_requests(deployed):
    most = MOST_REQUESTS_WHEN_NOTHING_CHANGED[deployed.server.backend]
    assert len(deployed.rerun) <= most, deployed.rerun
    assert [seen for seen in deployed.rerun if seen.method in ("PUT", "POST")] == []


def test_pages_link_hashed_static_files_that_the_bucket_serves(deployed, tmp_path):
    port, server = deployed.gunicorn(tmp_path)
    with server:
        home = requests.get(
            f"http://127.0.0.1:{port}/", headers=HTTPS_PROXY, timeout=10
        )

    assert home.status_code == 200
    manifest = json.loads((deployed.static_root / "staticfiles.json").read_text())
    for name in ("css/site.css", "js/site.js", "images/logo.svg"):
        hashed = manifest["paths"][name]
        url = first_match(rf'"([^"]+/{re.escape(hashed)})"', home.text)
        assert url.startswith(deployed.server.endpoint), url
        served = requests.get(url, timeout=10, verify=False)
        assert served.status_code == 200, url
        assert served.content == (deployed.static_root / hashed).read_bytes()
        headers = deployed.stored_headers(url, served)
        assert headers["Cache-Control"] == "public, max-age=315360000, immutable"


def upload(base, session, title, content, claimed_type):
    """Post a file through the example app's form, as a browser behind HTTPS."""
    form = session.get(f"{base}/uploads/", headers=HTTPS_PROXY, timeout=10)
    token = first_match(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    cookie = form.cookies.get("csrftoken") or session.cookies.get("csrftoken")
    headers = {
        **HTTPS_PROXY,
        "Origin": base.replace("http://", "https://"),
        # The cookie is Secure: requests keeps it from a plain-HTTP request.
        "Cookie": f"csrftoken={cookie}",
    }
    posted = session.post(
        f"{base}/uploads/",
        data={"title": title, "csrfmiddlewaretoken": token},
        files={"file": ("avatar.png", content, claimed_type)},
        headers=headers,
        timeout=10,
    )
    assert posted.status_code == 200, posted.text
    return posted.text


def test_uploads_land_in_the_bucket_signed_typed_and_never_overwritten(
    deployed, tmp_path
):
    picture = tiny_png(4)
    port, server = deployed.gunicorn(tmp_path)
    base = f"http://127.0.0.1:{port}"
    with server:
        session = requests.Session()
        upload(base, session, "first", picture, "text/html")
        page = upload(base, session, "second", picture, "text/html")

    sources = [
        html.unescape(source)
        for source in re.findall(r'<img src="([^"]+)"', page)
        if MEDIA_BUCKET in source
    ]
    assert len(set(sources)) == 2, page
    for url in sources:
        assert url.startswith(deployed.server.endpoint), url
        assert "/media/uploads/" in url
        fetched = requests.get(url, timeout=10, verify=False)
        assert fetched.status_code == 200, url
        assert fetched.content == picture
        headers = deployed.stored_headers(url, fetched)
        assert headers["Content-Type"] == "image/png"  # not what the client claimed
        assert headers["Content-Disposition"] == "inline"
        signature = {
            "s3": "X-Amz-Signature=",
            "gcs": "X-Goog-Signature=",
            "azure": "sig=",
        }
        assert signature[deployed.server.backend] in url
        if deployed.server.backend != "gcs":  # the GCS emulator serves anyone
            unsigned = requests.get(url.split("?")[0], timeout=10, verify=False)
            assert unsigned.status_code in (401, 403, 404), url


SAVE_TWICE = """
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
first = default_storage.save("notes/same.txt", ContentFile(b"one"))
second = default_storage.save("notes/same.txt", ContentFile(b"two"))
print(first, second)
print(*(default_storage.open(name).read().decode() for name in (first, second)))
"""


def test_saving_a_taken_name_keeps_both_files(deployed):
    result = deployed.booted.run(
        "-c", SAVE_TWICE, settings="production", **deployed.variables
    )

    assert result.returncode == 0, result.stderr
    names, contents = result.stdout.splitlines()
    first, second = names.split()
    assert first == "notes/same.txt"
    assert second != first
    assert contents == "one two"
