"""The sweep and the weekly review record what they did when they finish (`JobReport`), one row each, for
the admin's home page."""

from datetime import UTC, datetime

import pytest

from cases.services.assessment import sweep_due_cases
from cases.tasks import sweep_due_cases_task
from staletrack.job_reports import SWEEP, WEEKLY_REVIEW
from staletrack.models import JobReport
from suppliers.tasks import weekly_review_task
from tests.helpers.clock import import_label_only_cases

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 16, 7, tzinfo=UTC)


def test_every_sweep_replaces_the_report_of_the_last_with_what_it_did():
    (case,) = import_label_only_cases()
    sweep_due_cases(as_of=case.next_assessment_at)
    first = JobReport.objects.get(job=SWEEP)
    assert first.summary == {"assessed": 1, "written": 1, "changed": 1, "batches": 1, "cases_created": 0}
    assert first.started_at <= first.finished_at

    result = sweep_due_cases_task.run(as_of=case.next_assessment_at.isoformat())

    report = JobReport.objects.get()
    assert (
        result
        == report.summary
        == {
            "assessed": 0,
            "written": 0,
            "changed": 0,
            "batches": 0,
            "cases_created": 0,
        }
    )
    assert report.finished_at >= first.finished_at


def test_the_weekly_review_task_records_its_result():
    result = weekly_review_task.run(now=MONDAY.isoformat())

    report = JobReport.objects.get(job=WEEKLY_REVIEW)
    assert report.summary == result
    assert result["week_start"] == "2026-11-09"
