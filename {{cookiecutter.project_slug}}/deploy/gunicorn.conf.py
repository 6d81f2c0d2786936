"""gunicorn settings for production.

    gunicorn --config deploy/gunicorn.conf.py config.wsgi

Under systemd (deploy/systemd/) the socket unit hands gunicorn its socket; run by
hand, gunicorn binds to GUNICORN_BIND.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Recycle workers now and then, so a slow leak cannot grow without bound.
max_requests = 1000
max_requests_jitter = 100
timeout = 30
graceful_timeout = 30
# Logs go to the journal (or the terminal).
accesslog = "-"
errorlog = "-"
# gunicorn's control socket (for gunicornc) would go in $HOME/.gunicorn/, which
# the site's user cannot write: nothing here uses it.
control_socket_disable = True
