"""Recording what a background job did when it finished, for the admin's home page (`JobReport`).

One writing path: each job calls `record_job` where it ends (the sweep in
`cases.services.assessment.sweep_due_cases`, the weekly review in `suppliers.tasks.weekly_review_task`)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from staletrack.models import JobReport

SWEEP = "sweep"
WEEKLY_REVIEW = "weekly_review"


def record_job(job: str, *, started_at: datetime, summary: dict) -> None:
    """Replace `job`'s report with this run's: one upsert, so two runs that end together leave one row (the
    later write) and never fail on the key."""
    report = JobReport(job=job, started_at=started_at, finished_at=timezone.now(), summary=summary)
    JobReport.objects.bulk_create(
        [report],
        update_conflicts=True,
        unique_fields=["job"],
        update_fields=["started_at", "finished_at", "summary"],
    )
