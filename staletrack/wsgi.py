"""The WSGI entry point gunicorn and runserver serve (deploy/gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

from staletrack.checks import refuse_to_serve_without_a_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staletrack.settings")
application = get_wsgi_application()
refuse_to_serve_without_a_secret_key()
