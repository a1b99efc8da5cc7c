"""Disputes on the case page: staff open one and reach its evidence pack; only an owner records a step, and
sees how a dispute ended (the timeline shows "dispute closed" to anyone else)."""

import pytest

from cases.models import Dispute
from tests.helpers.otp import verified_login

pytestmark = pytest.mark.django_db


def page_of(case) -> str:
    return f"/admin/cases/case/{case.pk}/change/"


def test_staff_open_a_dispute_from_the_case_page(client, staff, disputed_order, queued):
    client.force_login(staff)
    url = page_of(disputed_order.case)
    response = client.post(
        url,
        {
            "action": "open_dispute",
            "processor": "shopify_payments",
            "network_reason_code": "13.1",
            "amount": "40.00",
            "opened_at": "2026-12-01T09:00",
            "evidence_due_by": "2026-12-21T09:00",
        },
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert dispute.currency == "USD"  # the order's, when the form gives none
    html = client.get(url).content.decode()
    assert f'id="dispute-{dispute.pk}"' in html
    assert f"/admin/cases/case/{disputed_order.pk}/evidence-pack/" in html
    assert 'name="action" value="dispute_step"' not in html  # the owner's form is not drawn for staff


def test_a_bad_value_is_named_on_the_page_and_nothing_is_opened(client, staff, disputed_order):
    client.force_login(staff)
    url = page_of(disputed_order.case)
    response = client.post(
        url,
        {"action": "open_dispute", "processor": "stripe", "opened_at": "2026-12-01T09:00", "amount": "lots"},
        follow=True,
    )
    assert "is not an amount" in response.content.decode()
    assert not Dispute.objects.exists()


def test_a_crafted_step_from_staff_is_refused_and_changes_nothing(client, staff, dispute, disputed_order):
    client.force_login(staff)
    response = client.post(
        page_of(disputed_order.case), {"action": "dispute_step", "dispute": dispute.pk, "status": "won"}
    )
    assert response.status_code == 403
    dispute.refresh_from_db()
    assert dispute.status == "needs_response"


def test_an_owner_records_the_outcome_and_staff_see_it_as_closed(
    client, owner, staff, dispute, disputed_order
):
    verified_login(client, owner)
    url = page_of(disputed_order.case)
    response = client.post(url, {"action": "dispute_step", "dispute": dispute.pk, "status": "lost"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "lost"
    owner_page = client.get(url).content.decode()
    assert "Outcome: dispute lost" in owner_page
    client.force_login(staff)
    staff_page = client.get(url).content.decode()
    assert "Outcome: dispute closed" in staff_page and "dispute lost" not in staff_page
    assert 'data-status="closed"' in staff_page


def test_a_step_on_another_orders_dispute_is_refused(client, owner, dispute, queued):
    from tests.factories import CaseFactory

    other = CaseFactory()
    verified_login(client, owner)
    client.post(page_of(other), {"action": "dispute_step", "dispute": dispute.pk, "status": "won"})
    dispute.refresh_from_db()
    assert dispute.status == "needs_response"


def test_the_packet_reasons_name_the_deadline(client, staff, dispute, disputed_order):
    from datetime import timedelta

    from cases.services.assessment import refresh_cases

    refresh_cases([disputed_order.pk], as_of=dispute.evidence_due_by - timedelta(days=1))
    client.force_login(staff)
    html = client.get(page_of(disputed_order.case)).content.decode()
    assert "has not been submitted; under 3 days it is the owner&#x27;s" in html
