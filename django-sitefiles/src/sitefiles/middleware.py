"""Middleware for the static and media URLs, and for the probes in front.

UncachedErrorsMiddleware: an error under STATIC_URL or MEDIA_URL is never kept
by a CDN or a browser (below).

ProbesMiddleware: liveness and readiness probes answered before the host check
and the HTTPS redirect (below).

WhiteNoiseMiddleware: WhiteNoise's, safe to serve STATIC_ROOT while
collectstatic writes into it (a deploy that collects before it restarts the
server, a worker that gunicorn starts mid-run), and quick to start on a large
STATIC_ROOT. WhiteNoise lists STATIC_ROOT when a worker starts (a stat and a
record for every file and each compressed copy, in every worker), then answers
from that list alone, which goes stale beside a collectstatic run. Here
STATIC_ROOT is not listed; a static URL is looked up on disk when asked:

- A hashed file (site.3f2a1b9c0d4e.css) joins the list once found, since its
  content never changes: later requests for it are WhiteNoise's own. One newer
  than the worker is found too: a page that a worker rendered from a newer
  manifest links it, and the storage writes every file before the manifest
  that names it.
- Unhashed files (site.css, its .br) may change or go while a worker lives:
  they are looked up on disk at each request, as WhiteNoise does for every file
  with WHITENOISE_AUTOREFRESH. Pages link hashed names, so these are few.

WHITENOISE_AUTOREFRESH, WHITENOISE_ROOT and WHITENOISE_USE_FINDERS keep
WhiteNoise's meaning.
"""

import os
import warnings
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.deprecation import MiddlewareMixin
from whitenoise import middleware

from sitefiles import readiness
from sitefiles.conf import setting

NO_STORE = "no-store"


class WhiteNoiseMiddleware(middleware.WhiteNoiseMiddleware):
    def __init__(self, get_response=None, settings=settings):
        self.content_addressed = set()  # hashed URLs: their files never change
        super().__init__(get_response, settings)

    def add_files(self, root, prefix=None):
        if self.autorefresh or root != self.static_root:
            return super().add_files(root, prefix)
        # STATIC_ROOT: where find_file() looks, as WhiteNoise sets it up in
        # autorefresh mode, instead of a list made now.
        root = os.path.abspath(root).rstrip(os.path.sep) + os.path.sep
        if not os.path.isdir(root):
            warnings.warn(f"No directory at: {root}", stacklevel=4)
        self.directories.append((root, self.static_prefix))
        return None

    def immutable_file_test(self, path, url):
        immutable = super().immutable_file_test(path, url)
        if immutable:
            self.content_addressed.add(url)
        return immutable

    def __call__(self, request):
        url = request.path_info
        if (
            self.autorefresh
            or url in self.content_addressed
            or not url.startswith(self.static_prefix)
        ):
            return super().__call__(request)
        static_file = self.find_file(url)  # as it is on disk now
        if static_file is None:
            return self.get_response(request)
        if url in self.content_addressed:  # a hashed file new since the list
            self.files[url] = static_file
        return self.serve(static_file, request)


class UncachedErrorsMiddleware(MiddlewareMixin):
    """An error under STATIC_URL or MEDIA_URL carries Cache-Control: no-store.

    A file missing here may exist a moment later, or on the next replica: a
    page from a newer release links a hashed name this one lacks, an upload is
    still on its way. Django's 404 has no Cache-Control, so each CDN keeps it
    by its own defaults, and a page stays unstyled for everyone meanwhile.
    First in MIDDLEWARE, so that it also sees what WhiteNoise answers (405,
    416).
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.status_code >= 400 and request.path.startswith(file_prefixes()):
            # Replaced, not patched: a lifetime meant for the file must not
            # reach the error.
            response.headers["Cache-Control"] = NO_STORE
            response.headers.pop("Expires", None)
        return response


class ProbesMiddleware:
    """Answers SITEFILES_LIVE_PATH (/livez) and SITEFILES_READY_PATH (/readyz)
    with sitefiles.readiness's views, before any middleware after it.

    A balancer or orchestrator probes a replica by its address (Host: 10.0.0.7,
    which ALLOWED_HOSTS refuses) and over plain HTTP (which
    SECURE_SSL_REDIRECT redirects): through the URLconf, every probe would
    fail. The answers are constant ("ready", "not ready"), so no host reaches
    them. Packages that bypass the host check (django-lb-health-check) answer
    liveness alone; those with readiness checks (django-health-check,
    django-alive) keep it. Before SecurityMiddleware in MIDDLEWARE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info
        if path == setting("LIVE_PATH"):
            return readiness.live(request)
        if path == setting("READY_PATH"):
            return readiness.ready(request)
        return self.get_response(request)


def file_prefixes() -> tuple[str, ...]:
    """The path prefixes of STATIC_URL and MEDIA_URL that this site answers.

    Read per error, since Django puts the script prefix in front of relative
    URLs per request; a URL on another host (a CDN's) is not answered here.
    """
    prefixes = []
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        parts = urlsplit(url or "")
        if not parts.netloc and parts.path.startswith("/"):
            prefixes.append(
                parts.path if parts.path.endswith("/") else parts.path + "/"
            )
    return tuple(prefixes)
