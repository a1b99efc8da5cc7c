"""The evidence pack in the admin: the page, its PDF and its JSON, each refused on the server (403) to a user
who may not see disputes."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cases.models import Dispute
from tests.factories import UserFactory
from tests.helpers.otp import verified_login

pytestmark = pytest.mark.django_db

VIEWS = ("cases_case_evidence_pack", "cases_case_evidence_pack_pdf", "cases_case_evidence_pack_json")


def url(name: str, order) -> str:
    return reverse(f"admin:{name}", args=[order.pk if hasattr(order, "pk") else order])


@pytest.fixture
def case_viewer():
    """Vera may see cases, not disputes."""
    user = UserFactory(username="vera")
    user.user_permissions.add(Permission.objects.get(codename="view_case"))
    return user


@pytest.mark.parametrize("name", VIEWS)
def test_a_user_who_may_not_see_disputes_gets_403(client, case_viewer, delivered_order, name):
    client.force_login(case_viewer)
    assert client.get(url(name, delivered_order)).status_code == 403


@pytest.mark.parametrize("name", VIEWS)
def test_nobody_logged_in_is_sent_to_the_login_page(client, delivered_order, name):
    response = client.get(url(name, delivered_order))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_read_the_page_with_its_summary_and_links(client, staff, label_order):
    client.force_login(staff)
    response = client.get(url("cases_case_evidence_pack", label_order))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Evidence pack: order #1002" in page
    assert "No delivered scan: the carrier shows only a label created on 2026-11-03" in page
    assert f'href="{url("cases_case_evidence_pack_pdf", label_order)}"' in page
    assert f'href="{url("cases_case_evidence_pack_pdf", label_order)}?facts_only=1"' in page
    assert f'href="{url("cases_case_evidence_pack_json", label_order)}"' in page


def test_staff_download_the_pdf_and_the_facts_only_pdf(client, staff, wrong_address_order):
    client.force_login(staff)
    response = client.get(url("cases_case_evidence_pack_pdf", wrong_address_order))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="evidence-pack-1003.pdf"'
    assert response.content.startswith(b"%PDF-")
    facts = client.get(url("cases_case_evidence_pack_pdf", wrong_address_order) + "?facts_only=1")
    assert facts["Content-Disposition"] == 'attachment; filename="evidence-pack-1003-facts.pdf"'
    assert facts.content.startswith(b"%PDF-") and facts.content != response.content


def test_the_owner_downloads_the_json_and_sees_an_outcome_staff_see_as_closed(
    client, owner, staff, delivered_order
):
    Dispute.objects.filter(order=delivered_order).update(status="won")
    verified_login(client, owner)
    response = client.get(url("cases_case_evidence_pack_json", delivered_order))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    pack = json.loads(response.content)
    assert pack["order"]["order_id"] == "#1001" and pack["dispute"]["status"] == "won"
    assert "delivered_to_order_address" in pack["summary"]["findings"]
    client.force_login(staff)
    assert (
        json.loads(client.get(url("cases_case_evidence_pack_json", delivered_order)).content)["dispute"][
            "status"
        ]
        == "closed"
    )


@pytest.mark.parametrize("name", VIEWS)
def test_an_unknown_order_is_404(client, staff, name):
    client.force_login(staff)
    assert client.get(url(name, 987_654)).status_code == 404
