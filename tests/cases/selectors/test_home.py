"""The home page's reads: each counts what it says and nothing else."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cases.choices import CaseStatus, RiskLevel
from cases.models import ImportRun, OpenCaseCount
from cases.selectors import home
from staletrack.job_reports import SWEEP, WEEKLY_REVIEW, record_job
from tests.factories import UserFactory
from tests.helpers.home_page import fill, make_case

pytestmark = pytest.mark.django_db


def test_open_cases_are_counted_per_risk_level_and_closed_ones_are_not():
    for _ in range(3):
        make_case(RiskLevel.OWNER_ONLY)
    make_case(RiskLevel.NORMAL_WATCH)
    make_case("")  # not assessed yet
    make_case(RiskLevel.OWNER_ONLY, status=CaseStatus.HELD)
    make_case(RiskLevel.REFUND_RISK, status=CaseStatus.RESOLVED)

    counts = home.open_cases_by_risk()

    assert counts == {"owner_only": 3, "normal_watch": 1, "": 1}
    assert home.owner_only_cases(counts) == 3
    assert home.owner_only_cases({}) == 0


def test_the_days_count_is_the_latest_on_or_before_the_day_asked():
    assert home.day_counts(on_or_before=date(2026, 11, 20)) is None
    at = timezone.now()
    for day, cases in ((date(2026, 11, 18), 5), (date(2026, 11, 19), 7), (date(2026, 11, 21), 9)):
        OpenCaseCount.objects.create(day=day, risk_level="owner_only", cases=cases, counted_at=at)
        OpenCaseCount.objects.create(day=day, risk_level="", cases=1, counted_at=at)

    found = home.day_counts(on_or_before=date(2026, 11, 20))

    assert found.day == date(2026, 11, 19)
    assert found.cases == {"owner_only": 7, "": 1}
    assert found.counted_at == at
    assert home.day_counts(on_or_before=date(2026, 11, 17)) is None


def test_the_longest_waits_are_open_cases_oldest_first_at_most_ten():
    waits = [make_case(RiskLevel.CUSTOMER_UPDATE, waited_days=days) for days in range(1, 13)]
    make_case(RiskLevel.CUSTOMER_UPDATE, status=CaseStatus.RESOLVED, waited_days=40)
    make_case(RiskLevel.CUSTOMER_UPDATE, status=CaseStatus.HELD, waited_days=30)
    make_case(RiskLevel.CUSTOMER_UPDATE)  # nobody waiting

    found = home.longest_waiting()

    assert [case.pk for case in found] == [case.pk for case in reversed(waits)][:10]
    assert found[0].order.order_id == waits[-1].order.order_id


def test_the_owners_counts_leave_out_what_no_longer_waits():
    owner, other = UserFactory(role="Owner"), UserFactory(role="Owner")
    fill(2, requester=owner, decider=other)

    assert home.money_decisions_waiting() == 2
    assert home.agent_proposals_waiting() == 2
    assert home.products_waiting_for_review() == 2
    assert home.suppliers_flagged() == 2


def test_the_last_import_is_the_latest_created():
    assert home.last_import() is None
    ImportRun.objects.create(kind="orders", file_name="old.csv", status="succeeded")
    latest = ImportRun.objects.create(kind="tracking_numbers", file_name="new.csv", status="running")

    assert home.last_import().pk == latest.pk


def test_job_reports_by_name_and_absent_when_never_finished():
    started = timezone.now() - timedelta(seconds=3)
    record_job(SWEEP, started_at=started, summary={"assessed": 1})
    record_job(SWEEP, started_at=started, summary={"assessed": 2})  # replaces the first

    reports = home.job_reports(SWEEP, WEEKLY_REVIEW)

    assert list(reports) == [SWEEP]
    assert reports[SWEEP].summary == {"assessed": 2}
    assert reports[SWEEP].started_at == started
