"""What the web server in front of gunicorn must know, derived from the settings.

Static, media and private media paths, URLs and the upload limit are read from
settings, never copied, so the config cannot drift from what Django uses.
"""

import glob
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages

from sitefiles.caching import HASHED_MAX_AGE, HASHED_NAME
from sitefiles.checks import on_disk
from sitefiles.conf import setting
from sitefiles.media_types import INLINE_MEDIA, MEDIA_TYPES

# Room around MAX_UPLOAD_SIZE for the multipart framing and the form's other
# fields: a file Django accepts always gets through the web server.
FORM_ALLOWANCE = 64 * 1024
# Mozilla's "intermediate" configuration: every browser of the last years.
TLS_PROTOCOLS = ("TLSv1.2", "TLSv1.3")
TLS_CIPHERS = ":".join(
    [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "DHE-RSA-AES128-GCM-SHA256",
        "DHE-RSA-AES256-GCM-SHA384",
    ]
)
# The site configs, Django templates rendered by webserver_config.
TEMPLATES = Path(__file__).resolve().parent / "templates"
BROTLI_MODULE_GLOB = "/etc/nginx/modules-enabled/*brotli*"


@dataclass(frozen=True)
class Directory:
    """A URL prefix the web server maps onto a directory."""

    url: str
    root: Path


def served_directory(setting, url, root, example):
    """Check a URL prefix the web server can serve, with both slashes in place.

    "location /static" without the trailing slash, or an alias without one, lets
    /static../secret escape the directory; a full URL (a CDN) is not ours to serve.
    """
    if not url.startswith("/") or not url.endswith("/") or url == "/":
        raise ImproperlyConfigured(
            f"{setting} {url!r} must be a path like {example} for the web server"
            " to serve it (a CDN or object storage serves full URLs)."
        )
    return Directory(url=url, root=Path(root))


def rebased(path, base_dir, project_root):
    """``path`` with the project directory swapped for where it is deployed."""
    path = Path(path)
    if project_root is None or not path.is_relative_to(base_dir):
        return path
    return Path(project_root) / path.relative_to(base_dir)


def brotli_available(pattern=BROTLI_MODULE_GLOB):
    """Whether nginx loads the brotli_static module on this machine."""
    return bool(glob.glob(pattern))


def apache_upstream(upstream):
    """mod_proxy's form of a gunicorn address: unix:/x.sock|http://host/ or a URL."""
    if upstream.startswith("unix:"):
        return f"{upstream}|http://localhost/"
    return f"http://{upstream}/"


def vhost_address(listen):
    """Apache's <VirtualHost> address for a port or host:port."""
    return listen if ":" in listen else f"*:{listen}"


def hsts_header(settings):
    """Strict-Transport-Security as Django's SecurityMiddleware sends it, or ''."""
    seconds = getattr(settings, "SECURE_HSTS_SECONDS", 0)
    if not seconds:
        return ""
    value = f"max-age={seconds}"
    if getattr(settings, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False):
        value += "; includeSubDomains"
    if getattr(settings, "SECURE_HSTS_PRELOAD", False):
        value += "; preload"
    return value


def site_context(settings, options):
    """Everything the config templates use, from settings and command options."""
    base_dir = Path(getattr(settings, "BASE_DIR", None) or Path.cwd())
    project_root = options["project_root"]
    static_root = options["static_root"] or rebased(
        settings.STATIC_ROOT, base_dir, project_root
    )
    media_root = options["media_root"] or rebased(
        settings.MEDIA_ROOT, base_dir, project_root
    )
    private = on_disk("private")
    if private:
        private = served_directory(
            'STORAGES["private"]["OPTIONS"]["base_url"]',
            storages["private"].base_url,
            options["private_media_root"]
            or rebased(storages["private"].location, base_dir, project_root),
            "/private-media/",
        )
    server_names = options["server_name"] or [
        host.lstrip(".") for host in settings.ALLOWED_HOSTS if host != "*"
    ]
    if not server_names:
        raise ImproperlyConfigured(
            "Give --server-name or set ALLOWED_HOSTS: the config needs a host."
        )
    first_name = server_names[0]
    name = Path(project_root or base_dir).name
    # The default matches deploy/systemd/*.socket for a project in /srv/<name>.
    upstream = options["upstream"] or f"unix:/run/{name}/gunicorn.sock"
    return {
        "name": name,
        "server_names": server_names,
        "listen": options["listen"],
        "http_listen": options["http_listen"],
        "certificate": options["certificate"]
        or f"/etc/letsencrypt/live/{first_name}/fullchain.pem",
        "certificate_key": options["certificate_key"]
        or f"/etc/letsencrypt/live/{first_name}/privkey.pem",
        "upstream": upstream,
        "resolver_file": options.get("resolver_file"),
        "apache_upstream": apache_upstream(upstream),
        "vhost_address": vhost_address(options["listen"]),
        "http_vhost_address": vhost_address(options["http_listen"]),
        # Debian's ports.conf already listens on 80 and 443.
        "extra_listens": [
            address
            for address in (options["http_listen"], options["listen"])
            if address not in ("80", "443")
        ],
        # Files kept in a bucket are served from there; the server proxies the rest.
        "static": on_disk("staticfiles")
        and served_directory(
            "STATIC_URL", settings.STATIC_URL, static_root, "/static/"
        ),
        "media": on_disk("default")
        and served_directory("MEDIA_URL", settings.MEDIA_URL, media_root, "/media/"),
        # Sent only when Django says so (X-Accel-Redirect, X-Sendfile).
        "private": private,
        "body_limit": setting("MAX_UPLOAD_SIZE") + FORM_ALLOWANCE,
        "static_max_age": getattr(settings, "WHITENOISE_MAX_AGE", 60),
        "hashed_max_age": HASHED_MAX_AGE,
        "hashed_name": HASHED_NAME,
        "media_types": MEDIA_TYPES,
        "inline_media": "|".join(INLINE_MEDIA),
        "brotli": options["brotli"],
        "hsts": hsts_header(settings),
        "tls_protocols": TLS_PROTOCOLS,
        "tls_ciphers": TLS_CIPHERS,
    }
