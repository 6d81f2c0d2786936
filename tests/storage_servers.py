"""Real object-storage APIs on loopback: moto (S3), gcp-storage-emulator (GCS)
and Azurite (Azure Blob), each behind a proxy that counts the requests it sees.

    with s3_server() as server:
        server.create_bucket("media")
        options = server.storage_options("media")  # django-storages OPTIONS
        with server.counting() as seen:
            ...
        assert seen.requests

Counting happens at the server side, so it covers every client: boto3, the
Google and Azure SDKs, and a browser or requests fetching a generated URL.
"""

import http.client
import http.server
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, NamedTuple
from urllib.parse import quote

import pytest
import requests

from local_processes import free_port
from support import skip_or_fail

# Never forwarded: they describe one connection, not the request. The proxy
# de-chunks bodies and answers "Expect: 100-continue" itself.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "expect",
}
START_TIMEOUT = 60


class Seen(NamedTuple):
    method: str
    path: str  # with the query string
    status: int
    started: float = 0.0  # time.monotonic() when the proxy received it
    ended: float = 0.0  # ... and when it had the answer
    sent: int = 0  # the request body's bytes


def most_at_once(seen):
    """The largest number of these requests that were under way together."""
    events = sorted(
        [(request.started, 1) for request in seen]
        + [(request.ended, -1) for request in seen]
    )
    most = under_way = 0
    for _, change in events:  # at equal times, an end (-1) sorts first
        under_way += change
        most = max(most, under_way)
    return most


class CountingProxy(http.server.ThreadingHTTPServer):
    """A reverse proxy to one loopback port that records every request."""

    daemon_threads = True

    def __init__(self, upstream_port, canned=None):
        # Port 0: the kernel picks a free port, so no race with other servers.
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream_port = upstream_port
        # {path: (status, content type, body)}: answered here, not upstream.
        self.canned = canned or {}
        # fail(method, path) -> a status to answer instead of forwarding, or None.
        self.fail = None
        # rewrite(method, path, headers, body) -> (headers, body), to make an
        # emulator answer as the real service does where it differs.
        self.rewrite = None
        self.delay = 0.0  # seconds added to each request, as a network would
        self.endpoint = f"http://127.0.0.1:{self.server_port}"
        self.lock = threading.Lock()
        self.seen = []
        self.thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one interval
            daemon=True,
        )
        self.thread.start()

    def record(self, seen):
        with self.lock:
            self.seen.append(seen)

    def requests_since(self, mark=0):
        with self.lock:
            return self.seen[mark:]

    def stop(self):
        self.shutdown()
        self.server_close()


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs expect
    timeout = 60  # an idle client connection must not hold a thread forever
    upstream = None

    def forward(self):
        started = time.monotonic()
        try:
            body = self.read_body()
            if self.server.delay:
                time.sleep(self.server.delay)
            if self.path.partition("?")[0] in self.server.canned:
                self.answer_canned(started)
                return
            failure = self.server.fail and self.server.fail(self.command, self.path)
            if failure:
                self.server.record(
                    Seen(self.command, self.path, failure, started, time.monotonic())
                )
                self.send_error(failure, "failed by the test")
                return
            response, data = self.exchange(self.upstream_headers(body), body)
        except (OSError, http.client.HTTPException, ValueError):
            self.server.record(
                Seen(self.command, self.path, 502, started, time.monotonic())
            )
            self.send_error(502, "upstream failed")
            return
        headers = response.getheaders()
        if self.server.rewrite:
            headers, data = self.server.rewrite(self.command, self.path, headers, data)
        # Recorded before answering, so a client sees its request counted.
        ended = time.monotonic()
        sent = len(body or b"")
        self.server.record(
            Seen(self.command, self.path, response.status, started, ended, sent)
        )
        self.send_response_only(response.status, response.reason)
        has_body = self.command != "HEAD" and response.status not in (204, 304)
        # Without a body (HEAD) Content-Length is the object's: keep it.
        skip = HOP_BY_HOP | {"content-length"} if has_body else HOP_BY_HOP
        for name, value in headers:
            if name.lower() not in skip:
                self.send_header(name, value)
        if has_body:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if has_body:
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = forward

    def answer_canned(self, started):
        status, content_type, data = self.server.canned[self.path.partition("?")[0]]
        self.server.record(Seen(self.command, self.path, status, started, started))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self.read_chunks()
        length = self.headers.get("Content-Length")
        return self.rfile.read(int(length)) if length else None

    def read_chunks(self):
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0], 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(chunks)

    def upstream_headers(self, body):
        # Host stays as the client sent it: signatures and emulators' URLs use it.
        headers = [
            (name, value)
            for name, value in self.headers.items()
            if name.lower() not in HOP_BY_HOP | {"content-length"}
        ]
        if body is not None:
            headers.append(("Content-Length", str(len(body))))
        return headers

    def exchange(self, headers, body):
        if self.upstream is None:
            port = self.server.upstream_port
            self.upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        # A kept-alive upstream connection may have been closed by the
        # emulator meanwhile (Azurite: after 5 s): retry once on a fresh one.
        reused = self.upstream.sock is not None
        try:
            return self.send_upstream(headers, body)
        except (http.client.RemoteDisconnected, ConnectionError):
            self.upstream.close()
            if not reused:
                raise
            return self.send_upstream(headers, body)

    def send_upstream(self, headers, body):
        self.upstream.putrequest(
            self.command, self.path, skip_host=True, skip_accept_encoding=True
        )
        for name, value in headers:
            self.upstream.putheader(name, value)
        self.upstream.endheaders(body)
        response = self.upstream.getresponse()
        return response, response.read()

    def finish(self):
        super().finish()
        if self.upstream is not None:
            self.upstream.close()

    def log_message(self, format, *args):
        pass  # the count is the log


class Counting:
    """The requests a server saw since this window opened."""

    def __init__(self, proxy):
        self.proxy = proxy
        self.mark = len(proxy.requests_since())

    @property
    def requests(self):
        return self.proxy.requests_since(self.mark)

    def __len__(self):
        return len(self.requests)


@dataclass
class StorageServer:
    """An emulator, and the counting proxy clients reach it through."""

    backend: ClassVar[str] = ""
    canned: ClassVar[dict] = {}  # paths the proxy answers itself
    endpoint: str  # the proxy: what clients (and settings) should use
    direct: str  # the emulator itself, for set-up that should not be counted
    process: subprocess.Popen
    proxy: CountingProxy = field(repr=False)
    started_in: float  # seconds until the emulator answered

    @property
    def requests(self):
        return self.proxy.requests_since()

    def mark(self):
        return len(self.requests)

    def requests_since(self, mark):
        return self.proxy.requests_since(mark)

    @contextmanager
    def counting(self):
        yield Counting(self.proxy)

    @contextmanager
    def failing(self, fail):
        """Answer fail(method, path)'s status, when it gives one, instead of
        forwarding the request."""
        self.proxy.fail = fail
        try:
            yield
        finally:
            self.proxy.fail = None

    @contextmanager
    def rewriting(self, rewrite):
        """Pass answers through rewrite(method, path, headers, body)."""
        self.proxy.rewrite = rewrite
        try:
            yield
        finally:
            self.proxy.rewrite = None

    def environment(self):
        """Variables a Django process needs to reach the emulator."""
        return {}

    def project_variables(self, directory=None):
        """What a generated project's production settings read to reach the
        emulator (``directory``: where to put any credentials file)."""
        raise NotImplementedError

    def stop(self):
        self.proxy.stop()
        stop_process(self.process)


@dataclass
class S3Server(StorageServer):
    backend: ClassVar[str] = "s3"
    access_key: str = "testing"  # moto accepts any key and checks no signature
    secret_key: str = "testing"
    region: str = "us-east-1"

    def create_bucket(self, name, public=False):
        headers = {"x-amz-acl": "public-read"} if public else {}
        response = requests.put(f"{self.direct}/{name}", headers=headers, timeout=10)
        response.raise_for_status()

    def project_variables(self, directory=None):
        return {
            "DJANGO_S3_ENDPOINT_URL": self.endpoint,
            "DJANGO_S3_REGION": self.region,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }

    def client(self):
        """A boto3 client that talks to moto directly (not counted)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.direct,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )

    def download(self, bucket, key):
        """An object's bytes, or None if there is none (not counted)."""
        response = requests.get(f"{self.direct}/{bucket}/{key}", timeout=10)
        return response.content if response.ok else None

    def storage_options(self, bucket, **options):
        """OPTIONS for storages.backends.s3.S3Storage."""
        return {
            "bucket_name": bucket,
            "endpoint_url": self.endpoint,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "region_name": self.region,
            # An IP endpoint makes botocore choose path style by itself; say it.
            "addressing_style": "path",
            **options,
        }


@dataclass
class GCSServer(StorageServer):
    backend: ClassVar[str] = "gcs"
    project: str = "test-project"
    # google-auth trades a service account's signed JWT for an access token
    # at the key file's token_uri before any API call; the emulator has no
    # such endpoint, so the proxy plays it. Any token will do for the emulator.
    canned: ClassVar[dict] = {
        "/token": (
            200,
            "application/json",
            b'{"access_token": "emulator", "expires_in": 3600, "token_type": "Bearer"}',
        )
    }

    def create_bucket(self, name, public=False):
        # The emulator serves every object to anyone; the ACL is for the record.
        params = {"project": self.project}
        if public:
            params["predefinedAcl"] = "publicRead"
        url = f"{self.direct}/storage/v1/b"
        response = requests.post(url, params=params, json={"name": name}, timeout=10)
        response.raise_for_status()

    def download(self, bucket, key):
        """An object's bytes, or None if there is none (not counted)."""
        url = f"{self.direct}/storage/v1/b/{bucket}/o/{quote(key, safe='')}"
        response = requests.get(url, params={"alt": "media"}, timeout=10)
        return response.content if response.ok else None

    def service_account_file(self, directory):
        """A throwaway service-account key file whose token_uri is the proxy's."""
        try:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
        except ImportError:
            skip_or_fail("cryptography is not installed")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path = Path(directory) / "service-account.json"
        info = {
            "type": "service_account",
            "project_id": self.project,
            "private_key_id": "emulator",
            "private_key": pem.decode(),
            "client_email": f"emulator@{self.project}.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": f"{self.endpoint}/token",
        }
        path.write_text(json.dumps(info))
        return path

    def environment(self, key_file=None):
        """Variables that send google-cloud-storage's API calls here.

        STORAGE_EMULATOR_HOST makes it use anonymous credentials, which cannot
        sign URLs, and ignore GOOGLE_APPLICATION_CREDENTIALS. With a key file
        (service_account_file()), API_ENDPOINT_OVERRIDE instead: the key file
        is loaded as in production, and url() signs.
        """
        if key_file is None:
            return {"STORAGE_EMULATOR_HOST": self.endpoint}
        return {
            "API_ENDPOINT_OVERRIDE": self.endpoint,
            "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
        }

    def project_variables(self, directory=None):
        """With a ``directory``, a service account key file in it, as in
        production: it signs media URLs. Without, anonymous: no token requests."""
        key_file = directory and self.service_account_file(directory)
        return {**self.environment(key_file), "DJANGO_GCS_PROJECT": self.project}

    def storage_options(self, bucket, **options):
        """OPTIONS for storages.backends.gcloud.GoogleCloudStorage, with
        environment() set: unsigned unless a key file is. url() names the
        emulator; a custom_endpoint would have to be f"{endpoint}/{bucket}".
        """
        return {
            "bucket_name": bucket,
            "project_id": self.project,
            "querystring_auth": False,
            **options,
        }


@dataclass
class AzureServer(StorageServer):
    backend: ClassVar[str] = "azure"
    # Azurite's fixed development account, documented by Microsoft.
    account_name: str = "devstoreaccount1"
    account_key: str = (
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
        "KBHBeksoGMGw=="
    )

    @property
    def blob_endpoint(self):
        return f"{self.endpoint}/{self.account_name}"

    @property
    def connection_string(self):
        return self.connection_string_for(self.blob_endpoint)

    def connection_string_for(self, blob_endpoint):
        return (
            f"DefaultEndpointsProtocol=http;AccountName={self.account_name};"
            f"AccountKey={self.account_key};BlobEndpoint={blob_endpoint};"
        )

    def project_variables(self, directory=None):
        return {"DJANGO_AZURE_CONNECTION_STRING": self.connection_string}

    def client(self, **options):
        """A BlobServiceClient that talks to Azurite directly (not counted)."""
        try:
            from azure.storage.blob import BlobServiceClient
        except ImportError:
            skip_or_fail("azure-storage-blob is not installed")
        direct = self.connection_string_for(f"{self.direct}/{self.account_name}")
        return BlobServiceClient.from_connection_string(direct, **options)

    def create_bucket(self, name, public=False):
        self.client().create_container(name, public_access="blob" if public else None)

    def download(self, container, name):
        """A blob's bytes, or None if there is none (not counted)."""
        from azure.core.exceptions import ResourceNotFoundError

        blob = self.client().get_blob_client(container, name)
        try:
            return blob.download_blob().readall()
        except ResourceNotFoundError:
            return None

    def storage_options(self, container, **options):
        """OPTIONS for storages.backends.azure_storage.AzureStorage.

        Only a connection string can name a custom blob endpoint: account_name
        alone builds https://<account>.blob.<endpoint_suffix>.
        """
        return {
            "connection_string": self.connection_string,
            "azure_container": container,
            **options,
        }


def stop_process(process):
    """Terminate the emulator's process group (it was started as its own session)."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def wait_until_answers(process, url, log_path):
    """Any HTTP answer will do: the emulators' roots differ."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"emulator exited early:\n{log_path.read_text()}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                pytest.fail(f"emulator did not answer:\n{log_path.read_text()}")
            time.sleep(0.1)


@contextmanager
def running_emulator(kind, command, port, **variables):
    """Start ``command`` (listening on ``port``, with ``variables`` in its
    environment) in a scratch directory, put a counting proxy in front, and
    stop both after."""
    with tempfile.TemporaryDirectory(prefix=f"{kind.backend}-") as workdir:
        log_path = Path(workdir) / "emulator.log"
        started = time.monotonic()
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                command,
                cwd=workdir,  # for anything an emulator writes
                env={**os.environ, **variables},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stop() reaches children
            )
        try:
            direct = f"http://127.0.0.1:{port}"
            wait_until_answers(process, direct, log_path)
            proxy = CountingProxy(port, kind.canned)
        except BaseException:  # pytest.fail's too
            stop_process(process)
            raise
        server = kind(
            endpoint=proxy.endpoint,
            direct=direct,
            process=process,
            proxy=proxy,
            started_in=time.monotonic() - started,
        )
        try:
            yield server
        finally:
            server.stop()


def python_module(module, package):
    """The emulators in Python run on this interpreter, where pip put them."""
    if importlib.util.find_spec(module) is None:
        skip_or_fail(f"{module} is not installed (pip install '{package}')")
    return [sys.executable, "-m", module]


def s3_server():
    """moto's S3 on loopback; ``with s3_server() as server: ...``."""
    port = free_port()
    command = python_module("moto.server", "moto[server]")
    return running_emulator(
        S3Server,
        [*command, "-H", "127.0.0.1", "-p", str(port)],
        port,
        # As S3 does: no CORS headers until the bucket has CORS rules.
        MOTO_DISABLE_GLOBAL_CORS="true",
    )


def gcs_server():
    """gcp-storage-emulator's GCS on loopback, in memory."""
    port = free_port()
    command = python_module("gcp_storage_emulator", "gcp-storage-emulator")
    arguments = ["start", "--host", "127.0.0.1", "--port", str(port), "--in-memory"]
    return running_emulator(GCSServer, [*command, *arguments], port)


def azure_server():
    """Azurite's Blob service on loopback, in memory."""
    azurite = shutil.which("azurite-blob")
    if azurite is None:
        skip_or_fail("azurite-blob is not installed (npm install -g azurite)")
    port = free_port()
    command = [
        azurite,
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--inMemoryPersistence",
        "--silent",
        "--skipApiVersionCheck",  # the Azure SDK may be newer than Azurite
        "--loose",  # ignore headers Azurite does not support instead of failing
        "--disableTelemetry",
    ]
    return running_emulator(AzureServer, command, port)
