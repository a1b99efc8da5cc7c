"""The queue and the case page run a fixed number of queries whatever the number of cases and events."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.choices import Direction, EvidenceKind
from cases.models import Case, CustomerMessage, SupplierEvidence, TrackingEvent
from cases.workbench import money, services
from tests.helpers.clock import import_label_only_cases

pytestmark = pytest.mark.django_db

QUEUE_QUERIES_AT_MOST = 14
CASE_PAGE_QUERIES_AT_MOST = 22  # with the order's disputes and the policy's lanes (the case's lane)


def queries(client, url, params=None) -> int:
    client.get(url, params)  # warm caches (content types, sessions) so both runs compare like for like
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def grow(case: Case, staff, n: int) -> None:
    """Add n tracking events, n supplier proofs, n customer messages and some outcomes to the case."""
    now = timezone.now()
    number = case.order.tracking_numbers.get()
    TrackingEvent.objects.bulk_create(
        [
            TrackingEvent(
                tracking_number=number,
                at=now - timedelta(hours=i + 1),
                status="info_received",
                description=f"e{i}",
            )
            for i in range(n)
        ]
    )
    SupplierEvidence.objects.bulk_create(
        [
            SupplierEvidence(
                order=case.order,
                at=now - timedelta(hours=i),
                kind=EvidenceKind.PROCESSING_NOTE,
                text=f"note {i}",
            ).with_fingerprint()
            for i in range(n)
        ]
    )
    CustomerMessage.objects.bulk_create(
        [
            CustomerMessage(
                order=case.order, at=now - timedelta(hours=i), direction=Direction.INBOUND, text=f"where {i}?"
            ).with_fingerprint()
            for i in range(n)
        ]
    )
    services.chase_supplier(case, actor=staff)
    money.request_money_decision(case, actor=staff, kind="refund", amount="1", reason="late")
    services.assign(case, actor=staff, assignee=staff)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status__exact": "open", "risk_level__exact": "supplier_chase"},
        {"flag": "label_only", "assignee": "mine"},
    ],
)
def test_the_queue_runs_a_fixed_number_of_queries(client, staff, params):
    cases = import_label_only_cases(2, label_days_ago=7)
    for case in cases:
        services.assign(case, actor=staff, assignee=staff)
    client.force_login(staff)
    url = reverse("admin:cases_case_changelist")
    few = queries(client, url, params)
    more = import_label_only_cases(40, label_days_ago=7, first=2)
    for case in more[:10]:
        services.assign(case, actor=staff, assignee=staff)
    many = queries(client, url, params)
    assert few == many <= QUEUE_QUERIES_AT_MOST


def test_the_case_page_runs_a_fixed_number_of_queries(client, staff):
    (case,) = import_label_only_cases(1, label_days_ago=7)
    client.force_login(staff)
    url = reverse("admin:cases_case_change", args=[case.pk])
    grow(case, staff, 1)
    few = queries(client, url)
    grow(case, staff, 60)
    import_label_only_cases(20, label_days_ago=3, first=1)
    many = queries(client, url)
    assert few == many <= CASE_PAGE_QUERIES_AT_MOST
