"""The container's health check (Dockerfile, HEALTHCHECK): healthy while gunicorn
answers the home page without a server error.

Standard library only, so it costs no Django start-up every 30 seconds. It asks
as the proxy in front would: for one of DJANGO_ALLOWED_HOSTS (another host is
refused, and logged, by Django), over HTTPS as X-Forwarded-Proto says (plain
HTTP is redirected).
"""

import http.client
import os
import sys


def main():
    port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rpartition(":")[2]
    hosts = os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")
    host = next((name.strip().lstrip(".") for name in hosts if name.strip()), "")
    headers = {"Host": host or "localhost", "X-Forwarded-Proto": "https"}
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=4)
    try:
        connection.request("GET", "/", headers=headers)
        status = connection.getresponse().status
    except OSError as error:
        sys.exit(f"unhealthy: {error}")
    if status >= 500:
        sys.exit(f"unhealthy: the home page answered {status}")


if __name__ == "__main__":
    main()
