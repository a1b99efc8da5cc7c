"""Celery tasks: thin, taking ids (and an optional clock), calling services.

Every task recomputes from stored facts, so a re-delivered or retried task changes nothing the second
time. acks_late with a broker visibility timeout (settings) longer than any time limit here means a task
is redelivered only when its worker died, never while it still runs.
"""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from cases.intake.tasks import import_orders_task  # noqa: F401  (so that autodiscovery registers it)
from cases.intake.webhooks.services import apply_pending, delete_expired_deliveries
from cases.replay.tasks import replay_past_cases_task  # noqa: F401  (so that autodiscovery registers it)
from cases.services.assessment import refresh_cases, sweep_due_cases, work_case_backlog
from cases.services.open_case_counts import record_open_case_counts
from staletrack.celery import queue_after_commit
from staletrack.runs import fail_lost_runs
from suppliers.services import apply_review_triggers

# A burst of re-assessments (an import queues one task per thousand orders) checks the review triggers
# once per worker process in this many seconds, after the burst's first change.
TRIGGERS_AFTER_REASSESSMENT_SECONDS = 30.0


def _clock(as_of: str | None):
    return parse_datetime(as_of) if as_of else None


@shared_task(acks_late=True, time_limit=300, soft_time_limit=270)
def reassess_cases_task(order_pks: list[int], as_of: str | None = None) -> int:
    """Facts arrived for these orders: re-assess their cases (at `as_of`, ISO, default now). When a case's
    type or risk changed, the review triggers are checked soon after (suppliers' `review_triggers_task`)."""
    changed = refresh_cases(order_pks, as_of=_clock(as_of), via="reassess_cases_task")
    if changed:
        queue_after_commit(
            "suppliers.tasks.review_triggers_task", coalesce=TRIGGERS_AFTER_REASSESSMENT_SECONDS
        )
    return changed


# A backlog of 200,000 orders (the largest file an import takes) is worked off in a few minutes; a worker
# that dies loses one batch, and the sweep goes on from there.
@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1750)
def create_backlog_cases_task(backlog_pk: int) -> int:
    """A large import committed: create its orders' cases with their first assessment."""
    return work_case_backlog(backlog_pk)


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def sweep_due_cases_task(as_of: str | None = None) -> dict:
    """Beat, every few minutes: re-assess the open cases whose next assessment time has passed."""
    clock = _clock(as_of)
    run = sweep_due_cases(as_of=clock)
    result = run.summary()
    if run.changed or run.cases_created:
        # A risk or case type moved: a product or supplier may have reached its review trigger (rules.md
        # section 6), which the owner should see now rather than on Monday.
        triggered = apply_review_triggers(now=clock, via="sweep")
        if triggered.products_marked:
            result["products_marked"] = triggered.products_marked
        if triggered.suppliers_flagged:
            result["suppliers_flagged"] = triggered.suppliers_flagged
    return result


@shared_task(acks_late=True, time_limit=300, soft_time_limit=270)
def record_open_case_counts_task() -> int:
    """Beat, every hour: the day's first count of open cases per risk level (the home page's change since
    yesterday); later runs the same day write nothing."""
    return record_open_case_counts()


@shared_task(acks_late=True, time_limit=300, soft_time_limit=270)
def fail_lost_runs_task() -> dict:
    """Beat, every ten minutes: mark the stored runs (import, replay, what-if) that can no longer finish
    FAILED, so the admin lists stop showing them pending or running (staletrack.runs.fail_lost_runs)."""
    return fail_lost_runs()


# A run stops taking batches after four minutes (apply_pending); the next run or beat goes on from there.
@shared_task(acks_late=True, time_limit=300, soft_time_limit=270)
def apply_deliveries_task() -> int:
    """Deliveries were kept (or beat, every minute, in case their task never reached the broker): apply
    what is pending."""
    return apply_pending()


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def delete_expired_deliveries_task() -> int:
    return delete_expired_deliveries()
