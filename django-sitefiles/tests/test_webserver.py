"""The web server config is derived from the settings: change one, it follows."""

import re
from io import StringIO

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import CommandError, call_command

from sitefiles.management.commands.webserver_config import available_servers
from sitefiles.webserver import FORM_ALLOWANCE, HASHED_NAME

ON_DISK = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
ELSEWHERE = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


@pytest.fixture(params=available_servers())
def server(request):
    return request.param


@pytest.fixture
def private_root(settings):
    """Beside MEDIA_ROOT in the site's directory (nothing is written there)."""
    return settings.BASE_DIR / "private-media"


@pytest.fixture(autouse=True)
def files_on_disk(settings, private_root):
    """Static, media and private files on this server, as production keeps them."""
    settings.STORAGES = {
        "default": ON_DISK,
        "private": {
            **ON_DISK,
            "OPTIONS": {"location": private_root, "base_url": "/private-media/"},
        },
        "staticfiles": ON_DISK,
    }


@pytest.fixture
def config(server):
    """The config webserver_config writes for ``server``, with these options."""

    def config(**options):
        out = StringIO()
        options.setdefault("server_name", ["example.com"])
        call_command("webserver_config", server=server, stdout=out, **options)
        return out.getvalue()

    return config


def test_paths_urls_and_limit_come_from_the_settings(settings, tmp_path, config):
    settings.STATIC_URL = "/assets/"
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.MEDIA_URL = "/uploaded/"
    settings.MEDIA_ROOT = tmp_path / "uploaded"
    settings.SITEFILES_MAX_UPLOAD_SIZE = 1000

    text = config()

    assert f'"{tmp_path}/collected/"' in text
    assert f'"{tmp_path}/uploaded/"' in text
    assert "/assets/" in text
    assert "/uploaded/" in text
    assert str(1000 + FORM_ALLOWANCE) in text
    assert "/static/" not in text


def test_files_kept_elsewhere_get_no_location_and_reach_django(
    settings, config, private_root
):
    """A bucket (or any storage not on this disk) serves its own files."""
    settings.STORAGES = {
        "default": ELSEWHERE,
        "private": ELSEWHERE,
        "staticfiles": ELSEWHERE,
    }

    text = config()

    assert str(settings.STATIC_ROOT) not in text
    assert str(settings.MEDIA_ROOT) not in text
    assert str(private_root) not in text
    assert "/static/" not in text
    assert "/media/" not in text


def test_project_root_moves_project_paths_to_the_server(settings, config):
    text = config(project_root="/srv/site")

    assert '"/srv/site/staticfiles/"' in text
    assert '"/srv/site/media/"' in text
    assert '"/srv/site/private-media' in text
    assert "unix:/run/site/gunicorn.sock" in text


def test_flags_say_what_the_settings_cannot_know(config):
    text = config(
        server_name=["example.com", "www.example.com"],
        listen="127.0.0.1:8443",
        http_listen="127.0.0.1:8080",
        upstream="127.0.0.1:9000",
        certificate="/tls/cert.pem",
        certificate_key="/tls/key.pem",
        static_root="/data/static",
        media_root="/data/media",
        private_media_root="/data/private",
    )

    for expected in (
        "www.example.com",
        "127.0.0.1:8443",
        "127.0.0.1:8080",
        "127.0.0.1:9000",
        '"/tls/cert.pem"',
        '"/tls/key.pem"',
        '"/data/static/"',
        '"/data/media/"',
        '"/data/private',
    ):
        assert expected in text


def test_server_names_default_to_allowed_hosts(settings, config):
    settings.ALLOWED_HOSTS = ["example.org", ".example.net", "*"]

    text = config(server_name=None)

    assert "example.org" in text
    assert "example.net" in text
    assert "*" not in re.findall(r"(?:server_name|ServerName|ServerAlias) (.*)", text)


@pytest.mark.parametrize("url", ["https://cdn.example.com/static/", "/static", "/"])
def test_urls_the_web_server_cannot_serve_are_refused(settings, url, config):
    settings.STATIC_URL = url

    with pytest.raises(CommandError, match="STATIC_URL"):
        config()


def test_every_alias_keeps_both_slashes(config, server):
    """location /static (no slash) or an alias without one lets /static../ escape."""
    text = config()

    urls = re.findall(r'location \^~ (\S+)|Alias "([^"]+)"', text)
    roots = re.findall(r'alias "([^"]+)"|Alias "[^"]+" "([^"]+)"', text)
    # Static and media; nginx's internal location for private media too.
    assert len(urls) == len(roots) == {"nginx": 3, "apache": 2}[server]
    for found in urls + roots:
        assert "".join(found).endswith("/"), found


def test_private_media_is_sent_only_on_django_s_word(
    settings, config, server, private_root
):
    """No URL maps onto the private media directory: nginx's location is internal (for
    X-Accel-Redirect), and Apache only sends what X-Sendfile names in it."""
    root = private_root

    text = config()

    if server == "nginx":
        block = re.search(r"location \^~ /private-media/ \{(.*?)\n    \}", text, re.S)
        assert f'alias "{root}/";' in block[1]
        assert "internal;" in block[1]
    else:
        assert f'XSendFilePath "{root}"' in text
        assert f'"{root}/"' not in text  # no Alias


def test_hashed_name_pattern_matches_what_collectstatic_writes(collected_static):
    hashed = staticfiles_storage.stored_name("css/site.css")

    assert re.search(HASHED_NAME, "/static/" + hashed)
    assert not re.search(HASHED_NAME, "/static/css/site.css")


def test_output_file_is_written(tmp_path, server):
    target = tmp_path / "deploy" / f"{server}.conf"

    call_command(
        "webserver_config",
        server=server,
        server_name=["example.com"],
        output=target,
        stderr=StringIO(),
    )

    assert "example.com" in target.read_text()


def test_a_resolver_file_makes_nginx_look_the_upstream_up_again(settings):
    """Replicas behind one name (compose's "app"): their addresses change as
    they restart, so nginx resolves the name as the included resolver says
    instead of once at start."""
    out = StringIO()
    call_command(
        "webserver_config",
        server="nginx",
        server_name=["example.com"],
        upstream="app:8000",
        resolver_file="/etc/nginx/site-resolver.conf",
        stdout=out,
    )
    text = out.getvalue()

    assert "include /etc/nginx/site-resolver.conf;" in text
    assert not re.search(r"^upstream ", text, re.M)  # a block resolves once
    assert "set $site_upstream app:8000;" in text
    assert "proxy_pass http://$site_upstream;" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"server": "apache", "upstream": "app:8000"}, "is for nginx alone"),
        ({"server": "nginx"}, "needs --upstream host:port"),
        ({"server": "nginx", "upstream": "unix:/run/x.sock"}, "needs --upstream"),
    ],
)
def test_a_resolver_file_needs_nginx_and_a_host_name(options, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "webserver_config",
            server_name=["example.com"],
            resolver_file="/etc/resolver.conf",
            stdout=StringIO(),
            **options,
        )
