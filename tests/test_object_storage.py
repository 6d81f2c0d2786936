"""Static and media files in real object storage APIs on loopback: moto (S3),
gcp-storage-emulator (GCS) and Azurite (Azure), each behind a proxy that counts
the requests it receives.
"""

import hashlib
import html
import json
import os
import re
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

import pytest
import requests

from local_processes import free_port
from storage_servers import azure_server, gcs_server, most_at_once, s3_server
from support import (
    HTTPS_PROXY,
    PRIVATE_DOCUMENT,
    PRIVATE_TEXT,
    STORAGE_SETS,
    TEMPLATE_DIR,
    chromium,
    first_match,
    pixels,
    running_server,
    tiny_font,
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


def both_in(provider):
    """The answer set that keeps static and media files with ``provider``."""
    return next(
        name
        for name, answers in STORAGE_SETS.items()
        if answers["static_storage"] == answers["media_storage"] == provider
    )


def artifacts_dir():
    path = os.environ.get("TEST_ARTIFACTS") or TEMPLATE_DIR / "test-artifacts"
    os.makedirs(path, exist_ok=True)
    return path


def record_request_counts(provider, counts):
    """Keep the counts where a person (and the closing note) can read them.

    One file per provider: the providers' modules may run in different xdist
    workers at once, and a shared file read and rewritten by both races.
    """
    path = os.path.join(artifacts_dir(), f"object-storage-requests-{provider}.json")
    with open(path, "w") as file:
        json.dump(counts, file, indent=2, sort_keys=True)


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

    def gunicorn(self, tmp_path, arguments=(), **variables):
        port = free_port()
        command = [str(self.booted.python), "-m", "gunicorn", "config.wsgi"]
        command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", *arguments]
        return port, running_server(
            command,
            cwd=self.booted.project,
            env=self.booted.environment("production", **self.variables, **variables),
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
            # A service account key file for GCS, as in production: it signs
            # media URLs.
            **server.project_variables(directory),
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
    # GCS names the object in the upload's body; its lookup just before does in
    # the path.
    named = [
        unquote(seen.path) for seen in deployed.cold if "/static/" in unquote(seen.path)
    ]

    assert all(seen.status < 300 for seen in uploads), uploads
    # The manifest twice: the release's copy (staticfiles.<hash>.json), then
    # staticfiles.json.
    assert len(uploads) == len(files) + 1
    assert any(re.search(r"/static/staticfiles\.[0-9a-f]{12}\.json", n) for n in named)
    assert "/static/staticfiles.json" in named[-1]
    assert any("/static/admin/css/base." in path for path in named)


def test_uploads_run_side_by_side(deployed):
    uploads = [seen for seen in deployed.cold if seen.method in ("PUT", "POST")]

    assert most_at_once(uploads) > 1


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
        # Ready: the bucket holds this release's copy of the manifest.
        ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)

    assert home.status_code == 200
    assert ready.status_code == 200
    manifest = json.loads((deployed.static_root / "staticfiles.json").read_text())
    release = first_match(r'"([^"]+)/css/site\.[0-9a-f]{12}\.css"', home.text)
    release_manifest = requests.get(
        f"{release}/staticfiles.{manifest['hash']}.json", timeout=10, verify=False
    )
    assert release_manifest.status_code == 200
    assert release_manifest.json() == manifest
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
        assert pixels(fetched.content) == pixels(picture)
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


def test_media_in_the_bucket_answers_range_requests(deployed, tmp_path):
    """What a video player asks a bucket for: parts of a file, through the
    signed link the page gives (the signature does not cover the Range)."""
    port, server = deployed.gunicorn(tmp_path)
    with server:
        page = upload(
            f"http://127.0.0.1:{port}",
            requests.Session(),
            "ranged",
            tiny_png(64),
            "image/png",
        )
    url = html.unescape(first_match(r'<img src="([^"]+)"', page))

    whole = requests.get(url, timeout=10, verify=False)
    part = requests.get(url, headers={"Range": "bytes=8-23"}, timeout=10, verify=False)

    assert whole.status_code == 200, url
    assert part.status_code == 206, (part.status_code, part.headers)
    assert part.headers["Content-Range"] == f"bytes 8-23/{len(whole.content)}"
    assert part.content == whole.content[8:24]


# Stored in the static bucket beside the collected files, as a font the
# project shipped would be.
STORE_FONT = """
import sys
import django
django.setup()
from django.core.files.base import ContentFile
from sitefiles.cloud.publish import bucket_storage
with open(sys.argv[1], "rb") as font:
    bucket_storage().save("fonts/probe.ttf", ContentFile(font.read()))
"""
LOAD_FONT = """async url => {
    try {
        await new FontFace("Probe", `url(${url})`).load();
        return "loaded";
    } catch (error) {
        return String(error);
    }
}"""


def loaded_from_the_bucket(browser, page_url, font_url):
    """Whether the page's module script (site.js, from the bucket) ran, and
    what became of a web font from the bucket ("loaded", or the error)."""
    page = browser.new_page()
    try:
        page.goto(page_url)
        ran = page.evaluate("document.documentElement.classList.contains('js-ready')")
        return ran, page.evaluate(LOAD_FONT, font_url)
    finally:
        page.close()


def test_bucket_cors_lets_pages_load_module_scripts_and_fonts_from_the_bucket(
    deployed, tmp_path
):
    """Browsers fetch module scripts and web fonts in CORS mode: from the
    bucket's origin they use them only once `manage.py bucket_cors` allowed the
    page's. moto and Azurite answer CORS as S3 and Azure do; the GCS emulator
    stores the rules but answers no CORS request, so there the rules are read
    back."""
    port, server = deployed.gunicorn(tmp_path, DJANGO_SECURE_SSL_REDIRECT="False")
    origin = f"http://127.0.0.1:{port}"
    manifest = json.loads((deployed.static_root / "staticfiles.json").read_text())
    script = manifest["paths"]["js/site.js"]
    backend = deployed.server.backend
    font = tmp_path / "probe.ttf"
    font.write_bytes(tiny_font())
    stored = deployed.booted.run(
        "-c", STORE_FONT, font, settings="production", **deployed.variables
    )
    assert stored.returncode == 0, stored.stderr
    with server, chromium() as browser:
        home = requests.get(origin + "/", timeout=10).text
        url = first_match(rf'src="([^"]+/{re.escape(script)})"', home)
        font_url = url.removesuffix(script) + "fonts/probe.ttf"
        before = loaded_from_the_bucket(browser, origin + "/", font_url)
        deployed.booted.manage(
            "bucket_cors",
            "--origin",
            origin,
            settings="production",
            **deployed.variables,
        )
        after = loaded_from_the_bucket(browser, origin + "/", font_url)

    assert url.startswith(deployed.server.endpoint), url
    assert requests.get(font_url, timeout=10).content == font.read_bytes()
    # Refused without CORS (the test can tell), used with it.
    assert before[0] is False
    assert before[1] != "loaded"
    if backend == "gcs":
        bucket = requests.get(
            f"{deployed.server.direct}/storage/v1/b/{STATIC_BUCKET}", timeout=10
        ).json()
        assert bucket["cors"] == [
            {"origin": [origin], "method": ["GET", "HEAD"], "maxAgeSeconds": 86400}
        ]
        return
    assert after == (True, "loaded")
    allowed = requests.get(url, headers={"Origin": origin}, timeout=10)
    other = requests.get(url, headers={"Origin": "http://elsewhere.test"}, timeout=10)
    preflight = requests.options(
        url,
        headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        timeout=10,
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == origin
    assert "Access-Control-Allow-Origin" not in other.headers
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    print(f"\n{backend} CORS: {dict(allowed.headers)}")


# How each provider's signed URL says how long it lasts.
EXPIRY = {
    "s3": r"X-Amz-Expires=(\d+)",
    "gcs": r"X-Goog-Expires=(\d+)",
    "azure": r"se=([^&]+)",
}


def test_a_private_document_is_a_short_lived_link_for_its_owner_only(
    deployed, tmp_path
):
    made = deployed.booted.run(
        "-c", PRIVATE_DOCUMENT, settings="production", **deployed.variables
    )
    assert made.returncode == 0, made.stderr
    document = json.loads(made.stdout)
    owner, other = (f"sessionid={key}" for key in document["sessions"])
    port, server = deployed.gunicorn(tmp_path)
    link = f"http://127.0.0.1:{port}{document['link']}"
    with server:
        answers = {
            who: requests.get(
                link,
                headers={**HTTPS_PROXY, **({"Cookie": cookie} if cookie else {})},
                allow_redirects=False,
                timeout=10,
            )
            for who, cookie in (("owner", owner), ("other", other), ("anyone", None))
        }

    assert answers["other"].status_code == answers["anyone"].status_code == 404
    redirect = answers["owner"]
    assert redirect.status_code == 302
    assert redirect.headers["Cache-Control"] == "private, no-store"
    url = redirect.headers["Location"]
    assert url.startswith(f"{deployed.server.endpoint}"), url
    assert f"{MEDIA_BUCKET}/private-media/documents/" in url
    expiry = first_match(EXPIRY[deployed.server.backend], url)
    print(f"\n{deployed.server.backend} private document link: {url}")
    if deployed.server.backend == "azure":  # the end time itself, in UTC
        ends = datetime.fromisoformat(unquote(expiry))
        lasts = (ends - datetime.now(UTC)).total_seconds()
        assert 200 < lasts <= 300, lasts
    else:
        assert expiry == "300"  # DJANGO_PRIVATE_MEDIA_URL_EXPIRY's default
    fetched = requests.get(url, timeout=10, verify=False)
    assert fetched.status_code == 200, url
    assert fetched.content == PRIVATE_TEXT
    headers = deployed.stored_headers(url, fetched)
    assert headers["Content-Type"] == "text/plain"
    assert headers["Content-Disposition"] == "attachment"
    if deployed.server.backend != "gcs":  # the GCS emulator serves anyone
        unsigned = requests.get(url.split("?")[0], timeout=10, verify=False)
        assert unsigned.status_code in (401, 403, 404), url


MB = 1_000_000
# DJANGO_DIRECT_UPLOAD_MAX_SIZE for these tests: 20 MB passes, 30 MB does not.
DIRECT_LIMIT = 25 * MB
# What gunicorn logs of each request: its method, path, status and body size.
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %({content-length}i)s"


def pdf_file(path, size):
    """A file of ``size`` bytes that begins as a PDF does."""
    with open(path, "wb") as file:
        file.write(b"%PDF-1.7\n")
        file.write(os.urandom(1024) * ((size - 9) // 1024))
        file.write(b"\n" * ((size - 9) % 1024))
    return path


def request_sizes(access_log):
    """The body size of each request gunicorn answered ("-": none)."""
    sizes = {}
    for line in access_log.read_text().splitlines():
        method, path, status, size = line.split()
        sizes[f"{method} {path} {status}"] = 0 if size == "-" else int(size)
    return sizes


UPLOAD_ENDED = """() => {
    const said = document.getElementById("direct-status").textContent;
    return said !== "" && said !== "Uploading…";
}"""


def upload_in_browser(page, origin, title, path):
    """Send a file with the page's form; what the page then says."""
    page.goto(origin + "/uploads/direct/")
    page.fill("#direct-title", title)
    page.set_input_files("#direct-file", str(path))
    page.click("#direct-upload button")
    page.wait_for_function(UPLOAD_ENDED, timeout=120_000)
    return page.inner_text("#direct-status")


def test_a_large_file_goes_from_chromium_straight_to_the_bucket(deployed, tmp_path):
    """A 20 MB file reaches the bucket without passing through gunicorn, and
    is recorded once checked; a 30 MB one is refused before it is sent.

    Azurite answers CORS for the upload as Azure does. The GCS emulator
    answers no CORS request, and moto none for a POST upload (S3 does; moto
    answers its preflight, checked here), so with those two Chromium runs
    without web security; bucket_cors's rules are checked without a browser
    (the test above, and the project's tests/test_bucket_cors.py)."""
    backend = deployed.server.backend
    access_log = tmp_path / "access.log"
    port, server = deployed.gunicorn(
        tmp_path,
        ["--access-logfile", access_log, "--access-logformat", ACCESS_FORMAT],
        DJANGO_SECURE_SSL_REDIRECT="False",
        DJANGO_DIRECT_UPLOAD_MAX_SIZE=str(DIRECT_LIMIT),
    )
    origin = f"http://127.0.0.1:{port}"
    deployed.booted.manage(
        "bucket_cors", "--origin", origin, settings="production", **deployed.variables
    )
    large = pdf_file(tmp_path / "large.pdf", 20 * MB)
    oversized = pdf_file(tmp_path / "oversized.pdf", 30 * MB)
    flags = ["--disable-web-security"] if backend in ("gcs", "s3") else []
    with server, chromium(*flags) as browser, deployed.server.counting() as seen:
        page = browser.new_page()
        said = upload_in_browser(page, origin, "A large manual", large)
        refused = upload_in_browser(page, origin, "Too large", oversized)
        listing = requests.get(origin + "/uploads/", timeout=10).text

    if backend == "s3":
        preflight = requests.options(
            f"{deployed.server.endpoint}/{MEDIA_BUCKET}",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            timeout=10,
        )
        assert preflight.headers["Access-Control-Allow-Origin"] == origin
        assert preflight.headers["Access-Control-Allow-Methods"] == "POST"
    assert said == "Uploaded: A large manual"
    assert "the largest accepted is 23.8" in refused  # MiB, as Django shows it
    # The 20 MB went to the bucket, and no request to gunicorn carried it.
    assert max(request.sent for request in seen.requests) >= 20 * MB
    sizes = request_sizes(access_log)
    assert max(sizes.values()) < 10_000, sizes
    assert any(line.startswith("POST /uploads/direct/complete/ 201") for line in sizes)
    # Recorded, and served from the bucket as what it is.
    url = html.unescape(first_match(r'<a href="([^"]+)">A large manual</a>', listing))
    name = first_match(rf"{MEDIA_BUCKET}/media/(uploads/[^?]+\.pdf)", unquote(url))
    fetched = requests.get(url, timeout=30)
    assert fetched.status_code == 200
    assert fetched.content == large.read_bytes()
    headers = deployed.stored_headers(url, fetched)
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == "attachment"
    # What arrived under incoming/ was deleted once kept; nothing of the
    # refused file was sent.
    assert deployed.server.download(MEDIA_BUCKET, f"incoming/{name}") is None
    assert "Too large" not in listing


def site_session(origin):
    """A client of the site with a CSRF token, as the page's script has one."""
    page = requests.get(origin + "/uploads/direct/", timeout=10)
    token = first_match(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    # The cookie is Secure (production); plain HTTP to gunicorn carries it here.
    cookie = page.cookies.get("csrftoken") or first_match(
        r"csrftoken=([^;]+)", page.headers["Set-Cookie"]
    )
    session = requests.Session()
    session.headers.update({"Cookie": f"csrftoken={cookie}", "X-CSRFToken": token})
    return session


def send_to_bucket(upload, content, key=None):
    """What the page's script sends, with requests; ``key`` replaces a
    presigned POST's (the policy binds it: S3 would refuse, moto does not)."""
    if upload["method"] == "POST":
        fields = {**upload["fields"], **({"key": key} if key else {})}
        return requests.post(
            upload["url"], data=fields, files={"file": ("f", content)}, timeout=60
        )
    return requests.put(
        upload["url"], data=content, headers=upload["headers"], timeout=60
    )


def test_direct_uploads_the_site_must_refuse(deployed, tmp_path):
    """What a client other than the page's script may try: more bytes than it
    asked for (moto and the GCS emulator ignore the grant's size condition;
    Azure has none), another type's bytes, a forged grant, a grant used
    twice, and a key other than the one granted."""
    port, server = deployed.gunicorn(
        tmp_path,
        DJANGO_SECURE_SSL_REDIRECT="False",
        DJANGO_DIRECT_UPLOAD_MAX_SIZE=str(DIRECT_LIMIT),
    )
    origin = f"http://127.0.0.1:{port}"
    backend = deployed.server.backend
    answers = {}
    with server:
        session = site_session(origin)

        def grant(filename="manual.pdf", size=1000):
            answer = session.post(
                origin + "/uploads/direct/grant/",
                data={"filename": filename, "size": size},
                timeout=10,
            )
            assert answer.status_code == 200, answer.text
            return answer.json()

        def complete(token, title="A manual"):
            return session.post(
                origin + "/uploads/direct/complete/",
                data={"token": token, "title": title},
                timeout=60,
            )

        oversized = grant()
        sent = send_to_bucket(oversized["upload"], b"%PDF-1.7\n" + bytes(DIRECT_LIMIT))
        answers["oversized"] = (sent.status_code, complete(oversized["token"]))

        wav = grant()
        sent = send_to_bucket(
            wav["upload"], b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(99)
        )
        answers["wav"] = (sent.status_code, complete(wav["token"]))

        answers["forged"] = (None, complete(wav["token"][:-2] + "xx"))

        good = grant()
        sent = send_to_bucket(good["upload"], b"%PDF-1.7\nthe manual")
        answers["first"] = (sent.status_code, complete(good["token"]))
        again = send_to_bucket(good["upload"], b"%PDF-1.7\nsomething else")
        answers["reused"] = (again.status_code, complete(good["token"], "Again"))

        elsewhere = grant()
        if elsewhere["upload"]["method"] == "POST":
            sent = send_to_bucket(
                elsewhere["upload"], b"%PDF-1.7\n", key="media/uploads/chosen.pdf"
            )
        else:  # the key is in the signed URL: another one is not signed
            url = elsewhere["upload"]["url"].replace(".pdf?", "-other.pdf?")
            sent = requests.put(
                url, data=b"%PDF-1.7\n", headers=elsewhere["upload"]["headers"]
            )
        answers["elsewhere"] = (sent.status_code, complete(elsewhere["token"]))
        listing = requests.get(origin + "/uploads/", timeout=10).text

    statuses = {
        what: (sent, answer.status_code) for what, (sent, answer) in answers.items()
    }
    print(f"\n{backend} direct uploads (bucket, site): {statuses}")
    messages = {
        what: answer.json().get("error") for what, (_, answer) in answers.items()
    }
    assert answers["oversized"][1].status_code == 400
    assert "the largest accepted is" in messages["oversized"]
    assert answers["wav"][1].status_code == 400
    assert "does not match its extension" in messages["wav"]
    assert answers["forged"][1].status_code == 400
    assert "not granted" in messages["forged"]
    assert answers["first"][1].status_code == 201
    assert answers["reused"][1].status_code == 409
    assert answers["elsewhere"][1].status_code == 400
    assert "did not arrive" in messages["elsewhere"]
    # The grant covers the name: Azurite checks it (the GCS emulator checks no
    # signature, and moto no POST policy), so the site's check is what holds.
    if backend == "azure":
        assert answers["elsewhere"][0] == 403
    # Only the good one is recorded, with the bytes that were checked.
    assert listing.count("A manual") == 1
    assert "Again" not in listing
    url = html.unescape(first_match(r'<a href="([^"]+)">A manual</a>', listing))
    assert requests.get(url, timeout=10).content == b"%PDF-1.7\nthe manual"
    for refused in (oversized, wav):
        incoming = first_match(r"(incoming/[^?]+)", incoming_key(refused["upload"]))
        assert deployed.server.download(MEDIA_BUCKET, incoming) is None


def incoming_key(upload):
    """Where a grant lets the browser upload: a POST's key, or the URL's path."""
    if upload["method"] == "POST":
        return upload["fields"]["key"]
    return unquote(urlsplit(upload["url"]).path)


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


# The publisher (sitefiles.cloud.publish) run on its own, on a STATIC_ROOT the
# test writes, into a bucket of the test's own.
PUBLISH = """
import json
import django
django.setup()
from django.conf import settings
from sitefiles.cloud.publish import bucket_storage, publish
published = publish(settings.STATIC_ROOT, bucket_storage())
print(json.dumps(published.uploaded))
"""


def built_root(directory, files, paths=None):
    """A STATIC_ROOT: ``files`` ({name: bytes}) and a manifest with ``paths``."""
    for name, content in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(content)
    manifest = {"version": "1.1", "paths": paths or {}, "hash": ""}
    (directory / "staticfiles.json").write_text(json.dumps(manifest))
    return directory


def publish(deployed, bucket, root):
    """Run the publisher; the finished process."""
    return deployed.booted.run(
        "-c",
        PUBLISH,
        settings="production",
        **{
            **deployed.variables,
            "DJANGO_STATIC_BUCKET": bucket,
            "DJANGO_STATIC_ROOT": root,
        },
    )


def uploaded(deployed, bucket, root):
    """The names the publisher uploaded."""
    result = publish(deployed, bucket, root)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("deployed", ["s3"], indirect=True)
def test_a_multipart_upload_is_not_uploaded_again(deployed, tmp_path):
    """Its ETag is no MD5; the MD5 the publisher stored in its metadata is."""
    deployed.server.create_bucket("multipart")
    # Over boto3's multipart threshold (8 MiB): two parts.
    root = built_root(tmp_path, {"video/intro.webm": os.urandom(9 * 2**20)})

    first = uploaded(deployed, "multipart", root)
    stored = deployed.server.client().head_object(
        Bucket="multipart", Key="static/video/intro.webm"
    )

    assert first == ["video/intro.webm", "staticfiles.json"]
    assert re.fullmatch(r'"[0-9a-f]{32}-2"', stored["ETag"]), stored["ETag"]
    assert uploaded(deployed, "multipart", root) == []


def opaque_etags(bucket):
    """What S3 does for SSE-KMS objects and moto does not: their ETag is not
    the MD5 of their content. Rewrites each ETag of ``bucket``'s answers."""

    def opaque(match):
        return hashlib.md5(match.group().encode()).hexdigest()

    def rewrite(method, path, headers, body):
        if not path.startswith((f"/{bucket}/", f"/{bucket}?")):
            return headers, body
        md5 = re.compile("[0-9a-f]{32}")
        headers = [
            (name, md5.sub(opaque, value) if name.lower() == "etag" else value)
            for name, value in headers
        ]
        etag = re.compile(rb"<ETag>[^<]*</ETag>")
        body = etag.sub(
            lambda found: md5.sub(opaque, found.group().decode()).encode(), body
        )
        return headers, body

    return rewrite


@pytest.mark.parametrize("deployed", ["s3"], indirect=True)
def test_sse_kms_objects_whose_etag_is_no_md5_are_not_uploaded_again(
    deployed, tmp_path
):
    server = deployed.server
    server.create_bucket("encrypted")
    server.client().put_bucket_encryption(
        Bucket="encrypted",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
            ]
        },
    )
    root = built_root(tmp_path, {"css/site.css": b"body {}", "js/site.js": b"1;"})

    with server.rewriting(opaque_etags("encrypted")):
        first = uploaded(deployed, "encrypted", root)
        second = uploaded(deployed, "encrypted", root)
    stored = server.client().head_object(Bucket="encrypted", Key="static/css/site.css")

    assert first == ["css/site.css", "js/site.js", "staticfiles.json"]
    assert stored["ServerSideEncryption"] == "aws:kms"
    assert second == []


def without_md5(generation):
    """What GCS does and gcp-storage-emulator does not: a composite object
    has no md5Hash. Drops it from the object of that generation."""

    def rewrite(method, path, headers, body):
        if not any(
            name.lower() == "content-type" and "json" in value
            for name, value in headers
        ):
            return headers, body
        answer = json.loads(body or b"null")
        if not isinstance(answer, dict):
            return headers, body
        for item in [answer, *answer.get("items", [])]:
            if item.get("generation") == generation:
                item.pop("md5Hash", None)
        return headers, json.dumps(answer).encode()

    return rewrite


@pytest.mark.parametrize("deployed", ["gcs"], indirect=True)
def test_a_composite_object_without_an_md5_is_uploaded_once(deployed, tmp_path):
    server = deployed.server
    server.create_bucket("composite")
    api = f"{server.direct}/storage/v1/b/composite/o"
    for name, part in (("part-1", b"body "), ("part-2", b"{}")):
        requests.post(
            f"{server.direct}/upload/storage/v1/b/composite/o",
            params={"uploadType": "media", "name": name},
            data=part,
            timeout=10,
        ).raise_for_status()
    composed = requests.post(
        f"{api}/{quote('static/css/site.css', safe='')}/compose",
        json={
            "sourceObjects": [{"name": "part-1"}, {"name": "part-2"}],
            "destination": {"contentType": "text/css"},
        },
        timeout=10,
    )
    composed.raise_for_status()
    root = built_root(tmp_path, {"css/site.css": b"body {}"})

    with server.rewriting(without_md5(composed.json()["generation"])):
        first = uploaded(deployed, "composite", root)
        second = uploaded(deployed, "composite", root)

    assert first == ["css/site.css", "staticfiles.json"]
    assert second == []


@pytest.mark.parametrize("deployed", ["azure"], indirect=True)
def test_blobs_uploaded_in_blocks_are_uploaded_once(deployed, tmp_path):
    """Azure computes no MD5 for a blob committed from blocks: the publisher
    gives its own, and a blob another client uploaded so has none."""
    server = deployed.server
    server.create_bucket("blocks")
    client = server.client()
    # Over the SDK's limit for one request (64 MiB): the publisher's goes in blocks.
    large = os.urandom(65 * 2**20)
    small = b"body { color: red }\n" * 200
    in_blocks = server.client(max_single_put_size=1024, max_block_size=1024)
    in_blocks.get_blob_client("blocks", "static/css/site.css").upload_blob(small)
    root = built_root(tmp_path, {"css/site.css": small, "video/intro.webm": large})

    first = uploaded(deployed, "blocks", root)
    second = uploaded(deployed, "blocks", root)

    assert first == ["css/site.css", "video/intro.webm", "staticfiles.json"]
    assert second == []
    video = client.get_blob_client("blocks", "static/video/intro.webm")
    committed, _ = video.get_block_list()
    assert len(committed) > 1
    md5 = video.get_blob_properties().content_settings.content_md5
    assert bytes(md5) == hashlib.md5(large).digest()


def test_a_failed_upload_leaves_the_previous_manifest_serving(deployed, tmp_path):
    server = deployed.server
    server.create_bucket("failing", public=True)
    earlier = built_root(
        tmp_path / "earlier",
        {"css/site.css": b"a {}", "css/site.aaaaaaaaaaaa.css": b"a {}"},
        {"css/site.css": "css/site.aaaaaaaaaaaa.css"},
    )
    assert publish(deployed, "failing", earlier).returncode == 0
    manifest = server.download("failing", "static/staticfiles.json")
    later = built_root(
        tmp_path / "later",
        {"css/site.css": b"b {}", "css/site.bbbbbbbbbbbb.css": b"b {}"},
        {"css/site.css": "css/site.bbbbbbbbbbbb.css"},
    )

    def refuse(method, path):
        return 403 if "site.bbbbbbbbbbbb" in unquote(path) else None

    with server.failing(refuse):
        result = publish(deployed, "failing", later)

    assert result.returncode != 0
    assert "Uploading css/site.bbbbbbbbbbbb.css failed" in result.stderr
    assert "keeps its previous manifest" in result.stderr
    assert manifest == (earlier / "staticfiles.json").read_bytes()
    assert server.download("failing", "static/staticfiles.json") == manifest
