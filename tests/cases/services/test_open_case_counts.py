"""The day's first count of open cases per risk level: written once a day (store time), whatever beat
re-delivers."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings

from cases.choices import CaseStatus, RiskLevel
from cases.models import OpenCaseCount
from cases.services.open_case_counts import LEVELS, record_open_case_counts
from cases.tasks import record_open_case_counts_task
from tests.helpers.home_page import make_case

pytestmark = pytest.mark.django_db

MIDNIGHT = datetime(2026, 11, 20, 0, 0, 5, tzinfo=UTC)


def stored(day: date) -> dict[str, int]:
    return dict(OpenCaseCount.objects.filter(day=day).values_list("risk_level", "cases"))


def test_the_first_run_of_a_day_counts_every_level_and_later_runs_that_day_write_nothing():
    make_case(RiskLevel.OWNER_ONLY)
    make_case(RiskLevel.OWNER_ONLY)
    make_case(RiskLevel.NORMAL_WATCH, status=CaseStatus.RESOLVED)

    assert record_open_case_counts(now=MIDNIGHT) == len(LEVELS)
    make_case(RiskLevel.OWNER_ONLY)  # the day's count stands: it is where yesterday ended
    assert record_open_case_counts(now=MIDNIGHT + timedelta(hours=5)) == 0

    day = stored(date(2026, 11, 20))
    assert day == dict.fromkeys(LEVELS, 0) | {"owner_only": 2}
    assert set(OpenCaseCount.objects.filter(day=date(2026, 11, 20)).values_list("counted_at", flat=True)) == {
        MIDNIGHT
    }

    assert record_open_case_counts(now=MIDNIGHT + timedelta(days=1)) == len(LEVELS)
    assert stored(date(2026, 11, 21))["owner_only"] == 3


def test_the_day_is_the_stores(settings):
    settings.TIME_ZONE = "America/New_York"
    record_open_case_counts(now=MIDNIGHT)  # 19:00 the day before in New York
    assert set(OpenCaseCount.objects.values_list("day", flat=True)) == {date(2026, 11, 19)}


def test_a_run_that_finds_the_days_rows_already_written_keeps_them():
    """Two workers at once: the second's rows conflict with the first's and are left out, never doubled."""
    make_case(RiskLevel.REFUND_RISK)
    day = date(2026, 11, 20)
    OpenCaseCount.objects.create(day=day, risk_level="refund_risk", cases=7, counted_at=MIDNIGHT)
    with pytest.MonkeyPatch.context() as patch:
        # As if the other worker wrote between this run's check and its insert.
        patch.setattr(OpenCaseCount.objects, "filter", _nothing_found)
        record_open_case_counts(now=MIDNIGHT)
    assert OpenCaseCount.objects.filter(day=date(2026, 11, 20)).count() == len(LEVELS)
    assert stored(date(2026, 11, 20))["refund_risk"] == 7


def _nothing_found(**lookups):
    return OpenCaseCount.objects.none()


def test_the_task_counts_today_once():
    assert record_open_case_counts_task.run() == len(LEVELS)
    assert record_open_case_counts_task.run() == 0


def test_beat_runs_it_on_the_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["open-case-counts"]
    assert entry["task"] == record_open_case_counts_task.name
    assert entry["schedule"].minute == {0} and len(entry["schedule"].hour) == 24
