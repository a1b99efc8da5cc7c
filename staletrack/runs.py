"""Stored background runs (import runs, what-if runs, replay runs): the rules they share. A run's model
names its task (`StoredRunMixin`); a start queues it after commit (`queue_run_after_commit`), starts take
turns (`take_turns`), and a run whose task can no longer finish is `lost` (`run_is_lost`)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from staletrack.celery import queue_after_commit


def queue_run_after_commit(run, *, failure) -> None:
    """Send `run`'s task (`run.TASK`, `StoredRunMixin`) with `run.pk` once the current transaction commits.
    If the broker cannot be reached, a run still waiting (`run.WAITING`) is marked FAILED with the fields
    `failure(error type name)` gives, instead of waiting for ever (import runs, what-if runs and replay
    runs share this)."""

    def failed(exc: Exception) -> None:
        type(run).objects.filter(pk=run.pk, status=run.WAITING).update(
            status=type(run).Status.FAILED, **failure(type(exc).__name__)
        )

    queue_after_commit(import_string(run.TASK), run.pk, on_failure=failed)


def take_turns(lock: tuple[int, int]) -> None:
    """Wait for, then hold until the transaction ends, the PostgreSQL advisory lock `lock`, so that
    starts of a run take turns (what-if runs, replay runs): row locks
    on the unfinished runs would not do, because two requests that find none have no row to wait on and
    would both start one. SQLite has no such lock (and ignores row locks); it is for demos."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(lock))


DEFAULT_VISIBILITY_TIMEOUT = 3600  # seconds: Redis's own default, and what settings give it
LOST_RUN_MESSAGE = (
    "This run stopped without finishing: its worker was stopped or the broker lost it. Nothing of it was "
    "kept; start it again."
)


def visibility_timeout() -> timedelta:
    """How long the broker keeps a task it handed out before giving it to another worker:
    settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] when set, else 3600 s."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    return timedelta(seconds=options.get("visibility_timeout", DEFAULT_VISIBILITY_TIMEOUT))


def run_is_lost(
    *,
    waiting: bool,
    running: bool,
    created_at: datetime,
    started_at: datetime | None,
    time_limit: float,
    now: datetime,
) -> bool:
    """Whether a stored run that is still `waiting` (queued, pending) or `running` can no longer finish,
    the one rule of import runs, what-if runs and replay runs. Nothing tells a row that its task is gone:
    a worker killed hard (out of memory, SIGKILL, the task's hard `time_limit`) or a broker that restarted
    empty leaves it waiting or running for ever. So a run is lost once it has waited for the broker's
    whole visibility timeout (`visibility_timeout()`, which every task's time limit stays below: a run
    still waiting after it went with the broker, or waits for workers that are not running) or has run
    for its task's whole hard `time_limit` (seconds: the worker kills the task then). A finished run is
    never lost. Pages stop following a lost run and a new start does not join it; the row is left as it
    is (pages only read)."""
    if waiting:
        return now - created_at >= visibility_timeout()
    if running:
        return now - (started_at or created_at) >= timedelta(seconds=time_limit)
    return False


class StoredRunMixin:
    """A stored run model (import, what-if and replay runs) names its waiting and running statuses and
    the task that runs it (a dotted path: the tasks modules import the models); `queue_run_after_commit`
    sends that task, and `lost` judges the run by its time limit."""

    WAITING: str
    RUNNING: str
    TASK: str

    @property
    def lost(self) -> bool:
        """Unfinished, and can no longer finish (`run_is_lost`): its page says so."""
        return run_is_lost(
            waiting=self.status == self.WAITING,
            running=self.status == self.RUNNING,
            created_at=self.created_at,
            started_at=self.started_at,
            time_limit=import_string(self.TASK).time_limit,
            now=timezone.now(),
        )
