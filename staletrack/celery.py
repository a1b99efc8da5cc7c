"""The Celery app: every clock of staletrack runs here (a worker and beat), never in a web request."""

import logging
import os

from celery import Celery
from celery.signals import after_task_publish, beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staletrack.settings")

app = Celery("staletrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
logger = logging.getLogger(__name__)


def queue_after_commit(task, *args, on_failure=None) -> None:
    """Send `task` with `args` once the current transaction commits (at once outside one). A broker that
    cannot be reached never undoes what committed: the error is logged and `on_failure(exc)` runs, e.g.
    to mark a stored run failed instead of leaving it pending for ever."""
    from django.db import transaction

    def send():
        try:
            task.delay(*args)
        except Exception as exc:
            logger.exception("Could not queue %s", task.name)
            if on_failure is not None:
                on_failure(exc)

    transaction.on_commit(send)


@after_task_publish.connect(sender="staletrack.tasks.beat_heartbeat")
def record_beat_heartbeat(sender=None, **kwargs) -> None:
    """Beat just handed its heartbeat task to the broker: record, from beat's own process, that beat is
    alive (the /healthz check). A failure is logged by Celery and never stops beat."""
    from staletrack.health import BEAT, record_heartbeat

    record_heartbeat(BEAT)


@beat_init.connect
def send_first_heartbeat(sender=None, **kwargs) -> None:
    """Beat starts: send the first heartbeat now, not one interval later (a new beat would otherwise look
    missing to /healthz for that long)."""
    from django.conf import settings

    app.send_task("staletrack.tasks.beat_heartbeat", expires=settings.HEARTBEAT_SECONDS)
