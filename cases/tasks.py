"""Celery tasks: thin, taking ids, calling services. The clock issue refines the sweep (batching, locks)."""

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from cases.choices import CaseStatus
from cases.models import Case
from cases.services.assessment import refresh_cases

SWEEP_LIMIT = 5000


@shared_task(acks_late=True, time_limit=300, soft_time_limit=270)
def reassess_cases_task(order_pks: list[int]) -> int:
    """Re-assess these orders' cases now (facts arrived). Safe to run twice: it recomputes from facts."""
    return refresh_cases(order_pks, via="reassess_cases_task")


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def sweep_due_cases_task() -> int:
    """Re-assess open cases whose next assessment time has passed, or that were never assessed."""
    now = timezone.now()
    due = (
        Case.objects.filter(status=CaseStatus.OPEN)
        .filter(Q(next_assessment_at__lte=now) | Q(assessed_at__isnull=True))
        .order_by("next_assessment_at")
        .values_list("order_id", flat=True)[:SWEEP_LIMIT]
    )
    return refresh_cases(list(due), as_of=now, via="sweep")
