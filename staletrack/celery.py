"""The Celery app: every clock of staletrack runs here (a worker and beat), never in a web request."""

import logging
import os

from celery import Celery
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staletrack.settings")

app = Celery("staletrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
logger = logging.getLogger(__name__)


def queue_after_commit(task, *args, on_failure=None) -> None:
    """Send `task` with `args` once the current transaction commits (at once outside one). `task` is a
    task or its dotted path ("cases.tasks.reassess_cases_task"): a service names the task it queues by
    its path, because the tasks module imports the service. A broker that cannot be reached never undoes
    what committed: the error is logged and `on_failure(exc)` runs, e.g. to mark a stored run failed
    instead of leaving it pending for ever."""
    from django.db import transaction

    if isinstance(task, str):
        task = import_string(task)  # now, so that a wrong path fails in the caller's transaction

    def send():
        try:
            task.delay(*args)
        except Exception as exc:
            logger.exception("Could not queue %s", task.name)
            if on_failure is not None:
                on_failure(exc)

    transaction.on_commit(send)
