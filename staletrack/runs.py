"""Stored background runs (import runs, what-if runs, replay runs): the rules they share.

A run's model
names its task (`StoredRunMixin`); a start queues it after commit (`queue_run_after_commit`), starts take
turns (`take_turns`), a run whose task can no longer finish is `lost` (`run_is_lost`, and `lost_runs` for
the same rule in SQL), a run outside a worker shows it is alive (`keeps_heartbeat`), and beat ends lost
runs (`fail_lost_runs`). How a claimed run is run, finished or failed is `staletrack.runners`."""

import logging
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from staletrack.celery import queue_after_commit

logger = logging.getLogger(__name__)


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


def queue_run_or_fail(run, *, what: str) -> None:
    """`queue_run_after_commit` for a run whose model stores why it failed in `error` (replay and what-if
    runs): a broker that cannot be reached finishes the run with that reason, naming it "the background
    `what`"."""
    queue_run_after_commit(
        run,
        failure=lambda error: {
            "finished_at": timezone.now(),
            "error": f"Could not start the background {what} ({error}). Try again, or ask "
            "whoever runs the server to check the Celery worker and broker.",
        },
    )


def take_turns(lock: tuple[int, int]) -> None:
    """Wait for, then hold until the transaction ends, the PostgreSQL advisory lock `lock`, so that
    starts of a run take turns (what-if runs, replay runs): row locks
    on the unfinished runs would not do, because two requests that find none have no row to wait on and
    would both start one. SQLite has no such lock (and ignores row locks); it is for demos."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(lock))


DEFAULT_VISIBILITY_TIMEOUT = 3600  # seconds: Redis's own default, and what settings give it
HEARTBEAT_SECONDS = 30  # a run outside a worker writes its heartbeat this often (`keeps_heartbeat`)
# Ten heartbeats missed: a process that long silent was killed (SIGKILL, out of memory, its machine).
HEARTBEAT_TIMEOUT = timedelta(seconds=10 * HEARTBEAT_SECONDS)
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
    time_limit: float | None,
    now: datetime,
    heartbeat_at: datetime | None = None,
) -> bool:
    """Whether a stored run that is still `waiting` (queued, pending) or `running` can no longer finish,
    the one rule of import runs, what-if runs and replay runs. Nothing tells a row that its task is gone:
    a worker killed hard (out of memory, SIGKILL, the task's hard `time_limit`) or a broker that restarted
    empty leaves it waiting or running for ever. So a run is lost once it has waited for the broker's
    whole visibility timeout (`visibility_timeout()`, which every task's time limit stays below: a run
    still waiting after it went with the broker, or waits for workers that are not running) or has run
    for its task's whole hard `time_limit` (seconds: the worker kills the task then). A run that does not
    run in a worker (`time_limit` None: an import started by the import_orders command) has no such limit:
    it writes a heartbeat while it works (`keeps_heartbeat`), and is lost once none came for
    HEARTBEAT_TIMEOUT (since it started, if none ever came): its process was killed without a word. A
    finished run is never lost. Pages stop following a lost run and a new start does not join it; the row
    is left as it is (pages only read; beat's `fail_lost_runs` writes). `lost_runs` is this rule in SQL."""
    if waiting:
        return now - created_at >= visibility_timeout()
    if running and time_limit is not None:
        return now - (started_at or created_at) >= timedelta(seconds=time_limit)
    if running:
        return now - (heartbeat_at or started_at or created_at) >= HEARTBEAT_TIMEOUT
    return False


def lost_runs(model, now: datetime) -> Q:
    """The rows of the stored-run `model` (`StoredRunMixin`) that `run_is_lost` finds lost at `now`, as a
    filter, so that beat can fail them in one conditional UPDATE (`fail_lost_runs`): the same rule, the
    same bounds (a test holds the two to agreeing). Only the runs `model.IN_TASK` selects have the task's
    time limit; the others go by their heartbeat (`model.HEARTBEAT_FIELD`)."""
    waited = Q(status=model.WAITING, created_at__lte=now - visibility_timeout())
    ran_until = now - timedelta(seconds=task_time_limit(model))
    ran = Q(status=model.RUNNING, **model.IN_TASK) & (
        Q(started_at__lte=ran_until) | Q(started_at__isnull=True, created_at__lte=ran_until)
    )
    if not model.IN_TASK:
        return waited | ran
    silent = model.objects.filter(status=model.RUNNING).exclude(**model.IN_TASK)
    silent = silent.alias(last_sign=Coalesce(model.HEARTBEAT_FIELD, "started_at", "created_at")).filter(
        last_sign__lte=now - HEARTBEAT_TIMEOUT
    )
    return waited | ran | Q(pk__in=silent.values("pk"))


def task_time_limit(model) -> float:
    """The hard time limit (seconds) of the task that runs `model`'s runs (`StoredRunMixin.TASK`)."""
    return import_string(model.TASK).time_limit


def stored_run_models() -> list:
    """Every stored-run model (the models that mix in `StoredRunMixin`), so a new kind is swept too."""
    return [model for model in apps.get_models() if issubclass(model, StoredRunMixin)]


def fail_lost_runs(now: datetime | None = None) -> dict[str, int]:
    """End every lost run of every kind with its `lost_outcome` (FAILED with LOST_RUN_MESSAGE, unless its
    kind knows better) and `finished_at` (beat, every few minutes: pages only read, so without this a lost
    row stays pending or running for ever in the admin lists). Per kind, the lost runs are locked, then
    ended by UPDATEs that still ask `lost_runs`: a run that finished or started meanwhile is left alone,
    and a task delivered later refuses the ended run. What the ended runs kept for their task goes
    (`StoredRunMixin.discard_lost`). Returns the number ended per model label."""
    now = now or timezone.now()
    ended = {}
    for model in stored_run_models():
        with transaction.atomic():
            # Locked while ended: a task that claims its run meanwhile waits, then finds it ended.
            lost = list(model.objects.select_for_update(skip_locked=True).filter(lost_runs(model, now)))
            outcomes = defaultdict(list)
            for run in lost:
                outcomes[run.lost_outcome()].append(run.pk)
            ended[model._meta.label] = sum(
                model.objects.filter(lost_runs(model, now), pk__in=pks).update(
                    status=status, finished_at=now, **{model.FAILURE_FIELD: message}
                )
                for (status, message), pks in outcomes.items()
            )
            model.discard_lost(lost)
    return ended


@contextmanager
def keeps_heartbeat(run) -> Iterator[None]:
    """While the block runs, a thread writes now into `run`'s heartbeat field (`HEARTBEAT_FIELD`; the
    caller writes the first, when the run starts) every HEARTBEAT_SECONDS, on its own database
    connection, while the run is unfinished: for a run that does not run in a worker (an import the
    import_orders command runs), whose process nothing else watches. When the heartbeats stop for
    HEARTBEAT_TIMEOUT, the run is lost (`run_is_lost`). A heartbeat that cannot be written (SQLite's
    single writer busy with the import) is tried again at the next beat."""
    model = type(run)
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT_SECONDS):  # the caller wrote the first one
                try:
                    model.objects.filter(pk=run.pk, status__in=model.UNFINISHED).update(
                        **{model.HEARTBEAT_FIELD: timezone.now()}
                    )
                except DatabaseError:
                    logger.warning("Heartbeat of %s %s not written; trying again", model.__name__, run.pk)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{run.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class StoredRunMixin:
    """A stored run model (import, what-if and replay runs) names its waiting and running statuses and
    the task that runs it (a dotted path: the tasks modules import the models); `queue_run_after_commit`
    sends that task, and `lost` judges the run by its time limit. It also names the field that says why a
    run failed (`FAILURE_FIELD`, where `fail_lost_runs` writes) and, when some of its runs do not run in
    the task (`IN_TASK`), the field values of those that do (only they end at the task's time limit) and
    the field the others write their heartbeat to (`HEARTBEAT_FIELD`, `keeps_heartbeat`)."""

    WAITING: str
    RUNNING: str
    UNFINISHED: tuple[str, str]  # (WAITING, RUNNING), set for each kind
    TASK: str
    FAILURE_FIELD = "error"
    IN_TASK: dict = {}  # every run runs in TASK
    HEARTBEAT_FIELD: str | None = None  # needed when IN_TASK is set

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.UNFINISHED = (cls.WAITING, cls.RUNNING)

    def claim(self, **fields) -> bool:
        """Mark this run RUNNING (`started_at` now, and `fields`) if it is still unfinished, in one
        conditional UPDATE: the task that runs it starts with this, so a run that finished meanwhile, or
        that beat ended as lost after the task read it (`fail_lost_runs`), is not run under a row that
        already says otherwise. False: it was not claimed. A claimed instance says what its row says."""
        fields = {"status": self.RUNNING, "started_at": timezone.now(), **fields}
        claimed = bool(type(self).objects.filter(pk=self.pk, status__in=self.UNFINISHED).update(**fields))
        if claimed:
            for name, value in fields.items():
                setattr(self, name, value)
        return claimed

    def lost_outcome(self) -> tuple[str, str]:
        """(status, message) a lost run ends with (`fail_lost_runs`), and whose message its page shows."""
        return type(self).Status.FAILED, LOST_RUN_MESSAGE

    @property
    def lost_message(self) -> str:
        return self.lost_outcome()[1]

    @classmethod
    def discard_lost(cls, runs: list) -> None:
        """Drop what these runs, just failed as lost (`fail_lost_runs`), kept for a task that will never
        use it. Nothing, unless a kind keeps something."""

    @property
    def in_task(self) -> bool:
        """Whether this run runs in its task (`IN_TASK`), and so ends at the task's time limit."""
        return all(getattr(self, field) == value for field, value in self.IN_TASK.items())

    @property
    def lost(self) -> bool:
        """Unfinished, and can no longer finish (`run_is_lost`): its page says so."""
        return run_is_lost(
            waiting=self.status == self.WAITING,
            running=self.status == self.RUNNING,
            created_at=self.created_at,
            started_at=self.started_at,
            time_limit=task_time_limit(self) if self.in_task else None,
            now=timezone.now(),
            heartbeat_at=getattr(self, self.HEARTBEAT_FIELD) if self.HEARTBEAT_FIELD else None,
        )
