"""gunicorn's settings for staletrack, one place for bin/serve --production, the Procfile, the systemd unit
and the production browser test. From the environment (docs/deploy.md):

- STALETRACK_ADDR: where to listen, 127.0.0.1:8000 (behind a proxy on the same machine); 0.0.0.0:8000 behind
  a load balancer on another machine.
- WEB_CONCURRENCY: worker processes, 2 (one per core; each holds one database connection).
- GUNICORN_TIMEOUT: seconds a request may take, 120 (a large upload is read in the request; the import
  itself runs in a Celery worker past STALETRACK_ORDER_IMPORT_ASYNC_BYTES).
- FORWARDED_ALLOW_IPS: the proxies whose X-Forwarded-* headers gunicorn believes, 127.0.0.1,::1.
- GUNICORN_MAX_REQUESTS: requests after which a worker is replaced, 20000 (give or take a tenth).
"""

import os

wsgi_app = "staletrack.wsgi:application"
bind = os.environ.get("STALETRACK_ADDR", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# A worker is replaced now and then, so a slow leak never grows for ever.
# A worker is replaced after this many requests (a leak stays bounded); not so often that a burst of pushed
# deliveries (300 a second) replaces every worker within a minute, each costing its first request's load.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
# No control socket: several servers on one machine (a test beside a running one) would share its path.
control_socket_disable = True


def post_worker_init(worker):
    """Import what a worker's first request would (the URLconf and the views it names) before it accepts
    one, so a worker started anew answers its first request as fast as the others."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (the import is the point)
