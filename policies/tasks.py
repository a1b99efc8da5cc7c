"""Celery tasks of the policy.

Thin, taking ids, calling services (see cases/tasks.py for the conventions: acks_late, time limits under
the broker's visibility timeout, safe to run twice). The what-if task lives in its feature
(`policies.whatif.tasks`) and is imported here so that Celery's autodiscovery registers it."""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from cases.tasks import sweep_due_cases_task
from policies.models import Policy
from policies.services import mark_affected_cases_due
from policies.whatif.tasks import what_if_policy_task  # noqa: F401  (so that autodiscovery registers it)


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1750)
def reassess_after_activation_task(policy_id: int, previous_id: int | None, at: str) -> dict:
    """A new version was activated at `at` (ISO): make the open cases whose numbers changed due, then
    start the clock sweep that re-assesses them. Running it twice marks nothing the second time."""
    policy = Policy.objects.get(pk=policy_id)
    previous = Policy.objects.filter(pk=previous_id).first() if previous_id else None
    marked = mark_affected_cases_due(policy, previous, at=parse_datetime(at))
    if marked:
        sweep_due_cases_task.delay()
    return {"policy": policy.label, "marked_due": marked}
