"""Celery tasks of the supplier app: thin, taking an optional clock, calling services.

`weekly_review_task` runs from beat on Monday morning in the store's time zone (settings
CELERY_BEAT_SCHEDULE "weekly-review"); `review_triggers_task` runs after re-assessments changed a case's
risk (`cases.tasks.reassess_cases_task` queues it; the sweep's task applies the triggers itself). Both
recompute from stored facts: a re-delivered or retried run rebuilds the same rollups and marks or flags
nothing twice, and the digest the weekly review queues is sent once per owner and week however often it is
queued (`suppliers.digest`). acks_late with a broker visibility timeout (settings) longer than the time limit
means it is redelivered only when its worker died. What the weekly review did is kept for the admin's home
page (`staletrack.job_reports`, one row replaced by each run).
"""

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from staletrack.celery import queue_after_commit
from staletrack.job_reports import WEEKLY_REVIEW, record_job
from suppliers.digest.tasks import send_weekly_digest_task
from suppliers.services import apply_review_triggers, run_weekly_review


def _clock(now: str | None):
    if not now:
        return None
    moment = parse_datetime(now)
    if moment is None:
        raise ValueError(f"now must be an ISO 8601 date and time, got {now!r}")
    return moment  # run_weekly_review refuses a time without an offset


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1740)
def weekly_review_task(now: str | None = None) -> dict:
    """Beat, Monday morning: the week that ended, its rollups, product reviews and supplier flags; then the
    weekly digest of that week to the owners (its own task: an email that fails retries the digest, never
    the review)."""
    started_at = timezone.now()
    review = run_weekly_review(now=_clock(now))
    summary = review.as_dict()
    record_job(WEEKLY_REVIEW, started_at=started_at, summary=summary)  # the admin's home page shows it
    queue_after_commit(send_weekly_digest_task, review.week_start.isoformat())
    return summary


@shared_task(acks_late=True, time_limit=300, soft_time_limit=270)
def review_triggers_task(now: str | None = None) -> dict:
    """Cases' risks changed: the product-review and supplier-flag triggers as of `now` (default now)."""
    triggered = apply_review_triggers(now=_clock(now), via="reassessment")
    return {"products_marked": triggered.products_marked, "suppliers_flagged": triggered.suppliers_flagged}
