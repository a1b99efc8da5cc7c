"""The Celery app: every clock of staletrack runs here (a worker and beat), never in a web request."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staletrack.settings")

app = Celery("staletrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
