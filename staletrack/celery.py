"""The Celery app: every clock of staletrack runs here (a worker and beat), never in a web request."""

import logging
import os
import time

from celery import Celery
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staletrack.settings")

app = Celery("staletrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
logger = logging.getLogger(__name__)


# After a send fails, sends are skipped for this long: a broker that is down must not hold every request
# that queues a task (each attempt costs a connection timeout). Whatever a skipped task would have done is
# done anyway: re-assessments are made due in the transaction (the sweep finds them), a backlog by the
# sweep, and a stored run's `on_failure` marks it failed.
BROKER_BACKOFF_SECONDS = 5.0
_broker_down_until = 0.0
_coalesced_until: dict[str, float] = {}  # a coalesced task's name: until when its sent run is ahead


class BrokerUnavailable(ConnectionError):
    """A send skipped because the broker failed moments ago."""


def queue_after_commit(task, *args, on_failure=None, coalesce: float = 0.0) -> None:
    """Send `task` with `args` once the current transaction commits (at once outside one). `task` is a
    task or its dotted path ("cases.tasks.reassess_cases_task"): a service names the task it queues by
    its path, because the tasks module imports the service. A broker that cannot be reached never undoes
    what committed and never holds the caller: the send is tried once (settings: no publish retries), the
    error is logged, `on_failure(exc)` runs (e.g. to mark a stored run failed instead of leaving it pending
    for ever), and sends are skipped for BROKER_BACKOFF_SECONDS (each skipped one runs its `on_failure` too).

    `coalesce` (seconds, for a task that works off whatever is waiting, without arguments): the task is
    sent to run that long after the commit, and this process sends it at most once in that time. A send
    skipped falls before the run of the one sent, which therefore sees what this transaction committed:
    under a burst the worker gets one task per process and window, not one per request."""
    from django.db import transaction

    if isinstance(task, str):
        task = import_string(task)  # now, so that a wrong path fails in the caller's transaction

    def send():
        global _broker_down_until
        try:
            now = time.monotonic()
            if now < _broker_down_until:
                raise BrokerUnavailable(f"the broker failed less than {BROKER_BACKOFF_SECONDS:.0f} s ago")
            if not coalesce:
                task.delay(*args)
            elif now >= _coalesced_until.get(task.name, 0.0):
                _coalesced_until[task.name] = now + coalesce
                task.apply_async(args, countdown=coalesce)
        except Exception as exc:
            _coalesced_until.pop(task.name, None)
            if not isinstance(exc, BrokerUnavailable):
                _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
                logger.exception("Could not queue %s", task.name)
            if on_failure is not None:
                on_failure(exc)

    transaction.on_commit(send)
