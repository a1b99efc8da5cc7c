"""gunicorn's settings for staletrack, one place for bin/serve --production, the Procfile, the systemd unit
and the production browser test. From the environment (docs/deploy.md):

- STALETRACK_ADDR: where to listen, 127.0.0.1:8000 (behind a proxy on the same machine); 0.0.0.0:8000 behind
  a load balancer on another machine.
- WEB_CONCURRENCY: worker processes, 2 (one per core; each holds one database connection).
- GUNICORN_TIMEOUT: seconds a request may take, 120 (a large upload is read in the request; the import
  itself runs in a Celery worker past STALETRACK_ORDER_IMPORT_ASYNC_BYTES).
- FORWARDED_ALLOW_IPS: the proxies whose X-Forwarded-* headers gunicorn believes, 127.0.0.1,::1.
"""

import os

wsgi_app = "staletrack.wsgi:application"
bind = os.environ.get("STALETRACK_ADDR", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# A worker is replaced now and then, so a slow leak never grows for ever.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# No control socket: several servers on one machine (a test beside a running one) would share its path.
control_socket_disable = True
