"""Disputes in the admin: the list by deadline, its outcomes shown to owners only (and refused as filters to
anyone else), forms that name each problem, the queue's dispute column and filter."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Dispute
from cases.services.disputes import set_dispute_status
from tests.factories import OrderFactory
from tests.helpers.otp import verified_login

pytestmark = pytest.mark.django_db

LIST = "/admin/cases/dispute/"
QUEUE = "/admin/cases/case/"


@pytest.fixture
def won(dispute, owner, queued):
    set_dispute_status(dispute=dispute, actor=owner, status="won")
    dispute.refresh_from_db()
    return dispute


def test_staff_see_a_won_dispute_as_closed(client, staff, won):
    client.force_login(staff)
    html = client.get(LIST).content.decode()
    assert "closed" in html
    assert ">won<" not in html
    page = client.get(f"{LIST}{won.pk}/change/").content.decode()
    assert "closed" in page and "Won" not in page


def test_an_owner_sees_the_outcome(client, owner, won):
    verified_login(client, owner)
    html = client.get(LIST).content.decode()
    assert ">won<" in html


@pytest.mark.parametrize(
    "query", ["status=won", "status__exact=lost", "finalized_on__isnull=False", "state=won"]
)
def test_staff_cannot_filter_disputes_by_outcome(client, staff, won, query):
    client.force_login(staff)
    response = client.get(f"{LIST}?{query}")
    assert response.status_code in (302, 400) or "?e=1" in response.get("Location", "")
    if response.status_code == 200:
        assert response.context["cl"].result_count == 0


def test_staff_filter_closed_disputes_without_learning_how_they_ended(client, staff, won):
    client.force_login(staff)
    response = client.get(f"{LIST}?state=closed")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_staff_open_a_dispute_in_the_admin_through_the_service(client, staff, queued):
    order = OrderFactory(order_id="#A1")
    client.force_login(staff)
    response = client.post(
        f"{LIST}add/",
        {
            "order": order.pk,
            "processor": "paypal",
            "network_reason_code": "INR",
            "amount": "12.50",
            "currency": "eur",
            "opened_at_0": "2026-12-01",
            "opened_at_1": "10:00",
            "evidence_due_by_0": "2026-12-20",
            "evidence_due_by_1": "10:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dispute = Dispute.objects.get()
    assert dispute.currency == "EUR" and dispute.opened_by == staff
    order.refresh_from_db()
    assert order.payment_state == "disputed"


def test_the_admin_form_names_a_deadline_before_the_opening(client, staff):
    order = OrderFactory(order_id="#A2")
    client.force_login(staff)
    response = client.post(
        f"{LIST}add/",
        {
            "order": order.pk,
            "processor": "stripe",
            "opened_at_0": "2026-12-01",
            "opened_at_1": "10:00",
            "evidence_due_by_0": "2026-11-20",
            "evidence_due_by_1": "10:00",
        },
    )
    assert response.status_code == 200
    assert "cannot be due before the dispute was opened" in response.content.decode()
    assert not Dispute.objects.exists()


def test_staff_get_no_step_fields_and_a_crafted_step_changes_nothing(client, staff, dispute):
    client.force_login(staff)
    page = client.get(f"{LIST}{dispute.pk}/change/")
    assert "step" not in page.context["adminform"].form.fields
    client.post(
        f"{LIST}{dispute.pk}/change/",
        {
            "processor": "stripe",
            "network_reason_code": "13.1",
            "reason": "product_not_received",
            "amount": "40.00",
            "currency": "USD",
            "opened_at_0": dispute.opened_at.strftime("%Y-%m-%d"),
            "opened_at_1": dispute.opened_at.strftime("%H:%M:%S"),
            "step": "won",
        },
    )
    dispute.refresh_from_db()
    assert dispute.status == "needs_response"


def test_an_owner_records_a_step_from_the_disputes_page(client, owner, dispute, queued):
    verified_login(client, owner)
    opened = timezone.localtime(dispute.opened_at)
    due = timezone.localtime(dispute.evidence_due_by)
    response = client.post(
        f"{LIST}{dispute.pk}/change/",
        {
            "processor": "stripe",
            "network_reason_code": "13.1",
            "reason": "product_not_received",
            "amount": "40.00",
            "currency": "USD",
            "opened_at_0": opened.strftime("%Y-%m-%d"),
            "opened_at_1": opened.strftime("%H:%M:%S"),
            "evidence_due_by_0": due.strftime("%Y-%m-%d"),
            "evidence_due_by_1": due.strftime("%H:%M:%S"),
            "step": "submitted",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    dispute.refresh_from_db()
    assert dispute.status == "submitted"


def test_disputes_cannot_be_deleted_in_the_admin(client, owner, dispute):
    verified_login(client, owner)
    assert client.post(f"{LIST}{dispute.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Dispute.objects.filter(pk=dispute.pk).exists()


def test_the_queue_shows_the_days_left_and_filters_disputes(client, staff, dispute, disputed_order):
    client.force_login(staff)
    response = client.get(f"{QUEUE}?dispute=waiting")
    assert response.context["cl"].result_count == 1
    assert "9 d left" in response.content.decode()
    assert client.get(f"{QUEUE}?dispute=near").context["cl"].result_count == 0
    Dispute.objects.filter(pk=dispute.pk).update(evidence_due_by=timezone.now() + timedelta(days=2))
    near = client.get(f"{QUEUE}?dispute=near")
    assert near.context["cl"].result_count == 1
    assert "1 d left" in near.content.decode()


def test_the_queue_refuses_staff_a_filter_on_dispute_outcomes(client, staff, owner, won):
    client.force_login(staff)
    response = client.get(f"{QUEUE}?outcomes__kind__exact=dispute_won")
    assert response.status_code in (302, 400)
    verified_login(client, owner)
    assert client.get(f"{QUEUE}?outcomes__kind__exact=dispute_won").status_code == 200
