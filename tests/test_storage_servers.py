"""The loopback object stores: each emulator takes a file through django-storages,
serves its url() to a plain HTTP client, and its proxy counts every request."""

import importlib.util
import io
import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import requests

import storage_servers
from storage_servers import azure_server, gcs_server, s3_server
from support import IN_CI, skip_or_fail, tiny_png

pytestmark = pytest.mark.storage

S3 = "storages.backends.s3.S3Storage"
GCS = "storages.backends.gcloud.GoogleCloudStorage"
AZURE = "storages.backends.azure_storage.AzureStorage"
SDKS = {S3: "boto3", GCS: "google.cloud.storage", AZURE: "azure.storage.blob"}
PNG = tiny_png(4)
# What the caller might have set for Google's client must not leak into a test.
GOOGLE_VARIABLES = (
    "STORAGE_EMULATOR_HOST",
    "API_ENDPOINT_OVERRIDE",
    "GOOGLE_APPLICATION_CREDENTIALS",
)
CLEAN_ENVIRONMENT = {
    key: value for key, value in os.environ.items() if key not in GOOGLE_VARIABLES
}

# Runs in its own process: Django's settings stay out of this pytest process
# (-p no:django), and each backend's environment stays its own. Saves x.png
# twice, declared text/html as a browser could claim for an upload.
WORKER = """
import json, sys
import django
from django.conf import settings
settings.configure(USE_TZ=True)
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.module_loading import import_string

job = json.load(sys.stdin)
storage = import_string(job["storage"])(**job["options"])
content = bytes.fromhex(job["content"])
upload = lambda: SimpleUploadedFile("x.png", content, content_type="text/html")
names = [storage.save("x.png", upload()) for _ in range(2)]
with storage.open(names[0]) as file:
    read_back = file.read()
print(json.dumps({
    "names": names,
    "url": storage.url(names[0]),
    "size": storage.size(names[0]),
    "read_back": read_back == content,
}))
"""


def require(*modules):
    for module in modules:
        try:
            found = importlib.util.find_spec(module)
        except ModuleNotFoundError:  # its parent package is missing
            found = None
        if found is None:
            skip_or_fail(f"{module} is not installed")


def save_twice(server, storage, options, environment=None):
    """Run WORKER against ``server``; its report, with the response url() gets."""
    require("django", "storages", SDKS[storage])
    job = {"storage": storage, "options": options, "content": PNG.hex()}
    result = subprocess.run(
        [sys.executable, "-c", WORKER],
        input=json.dumps(job),
        env={**CLEAN_ENVIRONMENT, **(environment or server.environment())},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["read_back"]
    assert report["size"] == len(PNG)
    report["response"] = fetch(report["url"])
    return report


def fetch(url):
    # verify= per request: REQUESTS_CA_BUNDLE in the environment beats a Session's.
    return requests.get(url, timeout=10, verify=True)


def seen(counting):
    return [(request.method, request.path) for request in counting.requests]


def fetched(counting, url):
    """True when the proxy saw the GET of ``url``: the count is server-side."""
    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return ("GET", path) in seen(counting)


def tampered(url, parameter):
    return url.replace(f"{parameter}=", f"{parameter}=00", 1)


@pytest.fixture(scope="module")
def s3():
    with s3_server() as server:
        yield server


@pytest.fixture(scope="module")
def gcs():
    with gcs_server() as server:
        yield server


@pytest.fixture(scope="module")
def azure():
    with azure_server() as server:
        yield server


def test_s3_presigned_url(s3):
    s3.create_bucket("s3-signed")
    options = s3.storage_options("s3-signed", signature_version="s3v4")
    with s3.counting() as counting:
        report = save_twice(s3, S3, options)
    assert report["names"] == ["x.png", "x.png"]  # file_overwrite defaults to True
    assert "X-Amz-Signature=" in report["url"]
    response = report["response"]
    assert response.status_code == 200
    assert response.content == PNG
    # S3Storage stores the uploaded file's declared type, not the name's.
    assert response.headers["Content-Type"] == "text/html"
    assert seen(counting).count(("PUT", "/s3-signed/x.png")) == 2
    assert fetched(counting, report["url"])


def test_s3_unsigned_url_needs_a_public_acl(s3):
    s3.create_bucket("s3-unsigned")
    options = s3.storage_options(
        "s3-unsigned", querystring_auth=False, file_overwrite=False
    )
    public = save_twice(s3, S3, {**options, "default_acl": "public-read"})
    first, second = public["names"]
    assert first == "x.png"
    assert second != first  # file_overwrite=False: Django's random suffix
    assert public["url"] == f"{s3.endpoint}/s3-unsigned/x.png"
    assert public["response"].content == PNG
    # moto checks object ACLs on anonymous reads (a public-read *bucket*
    # would hand its grant to new objects: a moto quirk, so a private one).
    private = save_twice(s3, S3, options)
    assert private["response"].status_code == 403


def test_proxy_passes_chunked_bodies(s3):
    # Anonymous requests: moto lets anyone write to and read from a public bucket.
    s3.create_bucket("s3-chunked", public=True)
    url = f"{s3.endpoint}/s3-chunked/chunked.png"
    body = (PNG[start : start + 7] for start in range(0, len(PNG), 7))
    with s3.counting() as counting:
        put = requests.put(url, data=body, timeout=10, verify=True)
        assert put.status_code == 200
        assert fetch(url).content == PNG
    assert seen(counting) == [
        ("PUT", "/s3-chunked/chunked.png"),
        ("GET", "/s3-chunked/chunked.png"),
    ]


def test_gcs_public_url(gcs):
    gcs.create_bucket("gcs-public", public=True)
    options = gcs.storage_options("gcs-public", file_overwrite=False)
    with gcs.counting() as counting:
        report = save_twice(gcs, GCS, options)
    assert report["names"][1] != report["names"][0]
    assert report["url"] == f"{gcs.endpoint}/gcs-public/x.png"
    response = report["response"]
    assert response.content == PNG
    # GoogleCloudStorage types by the name and ignores the declared type.
    assert response.headers["Content-Type"] == "image/png"
    uploads = ("POST", "/upload/storage/v1/b/gcs-public/o?uploadType=multipart")
    assert seen(counting).count(uploads) == 2
    assert fetched(counting, report["url"])


def test_gcs_resumable_upload(gcs, monkeypatch):
    """django-storages' save() knows the size, so it always uploads multipart;
    a file of unknown size with a chunk size goes in a resumable session."""
    require("google.cloud.storage")
    from google.cloud import storage

    gcs.create_bucket("gcs-resumable")
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs.endpoint)
    client = storage.Client(project=gcs.project)
    blob = client.bucket("gcs-resumable").blob("big.bin", chunk_size=256 * 1024)
    content = os.urandom(600 * 1024)
    with gcs.counting() as counting:
        blob.upload_from_file(io.BytesIO(content))
        assert fetch(f"{gcs.endpoint}/gcs-resumable/big.bin").content == content
    methods = [method for method, path in seen(counting) if "/upload/" in path]
    assert methods == ["POST", "PUT", "PUT", "PUT"]  # 600 KiB in 256 KiB chunks


def test_gcs_signed_url_with_a_throwaway_service_account(gcs, tmp_path):
    gcs.create_bucket("gcs-signed")
    key_file = gcs.service_account_file(tmp_path)
    options = gcs.storage_options("gcs-signed", querystring_auth=True)
    with gcs.counting() as counting:
        report = save_twice(gcs, GCS, options, gcs.environment(key_file))
    assert report["url"].startswith(f"{gcs.endpoint}/gcs-signed/x.png?")
    assert "X-Goog-Signature=" in report["url"]
    assert report["response"].content == PNG
    assert ("POST", "/token") in seen(counting)  # google-auth's token exchange
    assert fetched(counting, report["url"])


def test_gcs_emulator_host_ignores_the_key_file(gcs, tmp_path):
    """With STORAGE_EMULATOR_HOST, google-cloud-storage takes anonymous
    credentials over GOOGLE_APPLICATION_CREDENTIALS, and cannot sign."""
    gcs.create_bucket("gcs-anonymous")
    key_file = gcs.service_account_file(tmp_path)
    environment = {
        **gcs.environment(),
        "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
    }
    options = gcs.storage_options("gcs-anonymous", querystring_auth=True)
    with pytest.raises(AssertionError, match="you need a private key to sign"):
        save_twice(gcs, GCS, options, environment)


def test_azure_sas_url(azure):
    azure.create_bucket("azure-private")
    options = azure.storage_options("azure-private", expiration_secs=300)
    with azure.counting() as counting:
        report = save_twice(azure, AZURE, options)
    assert report["names"][1] != report["names"][0]  # overwrite_files: False
    url = report["url"]
    assert url.startswith(f"{azure.blob_endpoint}/azure-private/x.png?")
    assert "sig=" in url
    response = report["response"]
    assert response.content == PNG
    # AzureStorage stores the uploaded file's declared type, like S3Storage.
    assert response.headers["Content-Type"] == "text/html"
    assert ("PUT", "/devstoreaccount1/azure-private/x.png?timeout=20") in seen(counting)
    assert fetched(counting, url)
    # Azurite checks SAS signatures and refuses anonymous reads of a private
    # container.
    assert fetch(tampered(url, "sig")).status_code == 403
    assert fetch(url.partition("?")[0]).status_code == 403


def test_azure_public_url(azure):
    azure.create_bucket("azure-public", public=True)
    report = save_twice(azure, AZURE, azure.storage_options("azure-public"))
    assert report["url"] == f"{azure.blob_endpoint}/azure-public/x.png"
    assert report["response"].content == PNG


def test_servers_stop_with_their_processes():
    with gcs_server() as server:
        assert fetch(server.endpoint).status_code == 200
    assert server.process.poll() is not None
    with pytest.raises(requests.ConnectionError):
        fetch(server.endpoint)


def test_missing_emulator_skips_here_and_fails_under_ci(monkeypatch):
    monkeypatch.setattr(storage_servers.shutil, "which", lambda name: None)
    outcome = pytest.fail.Exception if IN_CI else pytest.skip.Exception
    with pytest.raises(outcome, match="azurite-blob is not installed"), azure_server():
        pass
