"""The weekly digest's Celery task: queued by the weekly review once it has built the week's rollups
(`suppliers.tasks.weekly_review_task`), and run by beat's "weekly-digest" entry as a backstop 45 minutes
into the review's hour. Sending is once per owner and week whoever runs it (`services.send_digest_once`),
so a re-delivered or doubled task sends nothing twice; an owner whose email failed is tried again."""

import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from suppliers.digest.services import DigestNotBuilt, send_weekly_digest
from suppliers.selectors import week_that_ended

logger = logging.getLogger(__name__)

RETRY_SECONDS = 600
MAX_RETRIES = 6  # an hour of a mail server that refuses


@shared_task(bind=True, acks_late=True, time_limit=900, soft_time_limit=870, max_retries=MAX_RETRIES)
def send_weekly_digest_task(self, week_start: str | None = None) -> dict:
    """Send the digest of the week starting on `week_start` (ISO date; default: the week that ended) to the
    owners who have not had it. A week whose rollups are not built sends nothing (the review queues this
    task again once it has built them)."""
    week = date.fromisoformat(week_start) if week_start else week_that_ended(timezone.now())
    try:
        result = send_weekly_digest(week_start=week)
    except DigestNotBuilt as exc:
        logger.info("%s Nothing sent.", exc)
        return {"week_start": week.isoformat(), "not_built": True}
    if result.failed:
        raise self.retry(countdown=RETRY_SECONDS)
    return result.as_dict()
