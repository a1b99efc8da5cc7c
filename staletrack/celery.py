"""The Celery app: every clock of staletrack runs here (a worker and beat), never in a web request."""

import logging
import os

from celery import Celery

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


def queue_run_after_commit(task, run, *, waiting, failure) -> None:
    """Send `task(run.pk)` once the current transaction commits. If the broker cannot be reached, a run
    still `waiting` is marked FAILED with the fields `failure(error type name)` gives, instead of waiting
    for ever (import runs, what-if runs and replay runs share this)."""

    def failed(exc: Exception) -> None:
        type(run).objects.filter(pk=run.pk, status=waiting).update(
            status=type(run).Status.FAILED, **failure(type(exc).__name__)
        )

    queue_after_commit(task, run.pk, on_failure=failed)
