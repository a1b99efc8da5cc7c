"""Every time a person gives the workbench (a proof's time, a hold's review date) passes the one time
gate of staletrack.limits: a time PostgreSQL would store as a BC date, or one outside 2000..2100, is
refused with a named error and nothing is written."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.choices import CaseStatus, EvidenceKind
from cases.models import AuditEvent, Case, Outcome, SupplierEvidence
from cases.workbench import services

pytestmark = pytest.mark.django_db

PLUS_14 = timezone(timedelta(hours=14))
OUT_OF_RANGE = [
    datetime(1, 1, 1, tzinfo=PLUS_14),  # a BC date in UTC: psycopg cannot read it back
    datetime(1999, 12, 31, 23, 59, tzinfo=UTC),
    datetime(2100, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14))),  # year 10000 in UTC
]


def written():
    return SupplierEvidence.objects.count(), Outcome.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize("at", OUT_OF_RANGE, ids=lambda at: at.isoformat())
def test_a_proof_time_outside_the_gate_is_named_and_nothing_is_written(case, staff, at):
    before = written()
    with pytest.raises(ValidationError, match="The time of the proof must be between 2000-01-01 and 2100"):
        services.record_proof(case, actor=staff, kind=EvidenceKind.PICKUP_PROOF, text="receipt", at=at)
    assert written() == before


@pytest.mark.parametrize("until", OUT_OF_RANGE[2:], ids=lambda at: at.isoformat())
def test_a_review_date_outside_the_gate_is_named(case, staff, until):
    with pytest.raises(ValidationError, match="The review date must be between 2000-01-01 and 2100"):
        services.hold(case, actor=staff, reason="supplier away", until=until)
    assert Case.objects.get().status == CaseStatus.OPEN


def test_times_inside_the_gate_are_taken(case, staff):
    at = datetime(2000, 1, 1, tzinfo=UTC)
    assert services.record_proof(case, actor=staff, kind="pickup_proof", text="receipt", at=at).at == at
    until = datetime(2099, 12, 31, tzinfo=UTC)
    assert services.hold(case, actor=staff, reason="away", until=until).held_until == until


def test_a_crafted_proof_time_posted_to_the_case_page_writes_nothing(client, case, staff):
    client.force_login(staff)
    url = reverse("admin:cases_case_change", args=[case.pk])
    before = written()
    for at in ("0001-01-01T00:00:00+14:00", "2200-01-01T00:00", "1970-01-01T00:00:00+00:00"):
        response = client.post(
            url, {"action": "record_proof", "kind": "pickup_proof", "text": "receipt", "at": at}, follow=True
        )
        assert response.status_code == 200
        assert "must be between 2000-01-01 and 2100-01-01" in response.content.decode()
    assert written() == before
    # The case page still opens (a BC date stored would make it answer 500 on PostgreSQL).
    assert client.get(url).status_code == 200


def test_a_crafted_review_date_posted_to_the_case_page_writes_nothing(client, case, staff):
    client.force_login(staff)
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.post(url, {"action": "hold", "reason": "away", "until": "2200-01-01"}, follow=True)
    assert "must be between 2000-01-01 and 2100-01-01" in response.content.decode()
    assert Case.objects.get().status == CaseStatus.OPEN
