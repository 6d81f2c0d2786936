#!/bin/sh
# The web server container's entry point (Dockerfile): starts the server given
# as arguments, with the certificate in /etc/site-tls.
#
# compose.yaml mounts a volume there. Empty on the first start, it gets a
# self-signed certificate for localhost, so the site runs at once (browsers
# warn). For a real site, put fullchain.pem and privkey.pem there (README.md,
# "Containers"): an existing certificate is never replaced.
set -eu

tls=/etc/site-tls
if [ ! -s "$tls/fullchain.pem" ] && [ ! -s "$tls/privkey.pem" ]; then
    echo "No certificate in $tls: making a self-signed one for localhost." >&2
    # Ten years: it is never replaced, so it must not expire under a running site.
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$tls/privkey.pem" -out "$tls/fullchain.pem" 2>/dev/null
fi
{%- if cookiecutter.web_server == "nginx" %}

# nginx looks up "app" (the site's replicas, whose addresses change as they
# restart) at the container's DNS server every 5 s, not once at start.
nameserver=$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf)
case "$nameserver" in
    *:*) nameserver="[$nameserver]" ;;  # IPv6
esac
echo "resolver ${nameserver:?no nameserver in /etc/resolv.conf} valid=5s;" \
    > /etc/nginx/site-resolver.conf
{%- endif %}
exec "$@"
