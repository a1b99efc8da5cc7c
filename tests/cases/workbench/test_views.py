"""The case page with each role: every action posted by every role, what each sees, what the page shows.

A refused request gets 403 and writes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import EvidenceKind, MoneyState
from cases.models import Case, CustomerMessage, MoneyDecision, TrackingEvent
from cases.workbench import money, services
from tests.factories import UserFactory
from tests.helpers.clock import import_label_only_cases
from tests.helpers.otp import verified_login
from tests.helpers.workbench import FINE, FORBIDDEN, counts

pytestmark = pytest.mark.django_db


def action_posts(case, decision=None):
    until = (timezone.now() + timedelta(days=3)).date().isoformat()
    posts = {
        "chase_supplier": {"channel": "email"},
        "record_proof": {"kind": "pickup_proof", "text": "receipt"},
        "mark_customer_updated": {"note": "called them"},
        "hold": {"reason": "waiting", "until": until},
        "assign": {"assignee": "me"},
        "resolve": {"ending": "resolved"},
        "save_draft": {"text": FINE},
        "mark_sent": {"text": FINE, "ticket": "ZD-7"},
        "request_money": {"kind": "refund", "amount": "29.90", "reason": "never arrived"},
        "pause_product": {"reason": "stale"},
        "flag_supplier": {"reason": "stale"},
        "supersede_parcel": {"parcel": case.order.parcels.get().pk, "reason": "wrong number"},
    }
    if decision is not None:
        seen = {"decision": decision.pk, "version": decision.version, "amount": decision.amount}
        posts["approve_money"] = {**seen, "reason": decision.reason}
        posts["reject_money"] = {**seen, "reason": decision.reason}
        posts["edit_money"] = {"decision": decision.pk, "amount": "10.00", "reason": "partial"}
    return posts


STAFF_ALLOWED = {
    "chase_supplier",
    "record_proof",
    "mark_customer_updated",
    "hold",
    "assign",
    "resolve",
    "save_draft",
    "mark_sent",
    "request_money",
    "supersede_parcel",
}
# The request in these tests is another staff member's: only its requester or an owner edits it.
OWNER_ONLY = {"approve_money", "reject_money", "pause_product", "flag_supplier", "edit_money"}
ALL_ACTIONS = STAFF_ALLOWED | OWNER_ONLY


def allowed(role: str, action: str) -> bool:
    if role == "owner":
        return True
    if role == "staff":
        return action in STAFF_ALLOWED
    return False


@pytest.mark.parametrize("action", sorted(ALL_ACTIONS))
@pytest.mark.parametrize("role", ["staff", "owner", "viewer", "nobody"])
def test_every_case_action_with_every_role(client, case, role, action, request):
    requester = UserFactory(username="rita", role="Staff")
    decision = money.request_money_decision(case, actor=requester, kind="refund", amount="29.90", reason="x")
    user = request.getfixturevalue(role)
    verified_login(client, user)  # an authenticator's code opens owner-only actions to owners only
    before = counts()
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.post(url, {"action": action, **action_posts(case, decision)[action]})
    if allowed(role, action):
        assert response.status_code == 302, response.content[:500]
        assert counts() != before or action in {"save_draft"}
    else:
        assert response.status_code == 403
        assert counts() == before
        assert MoneyDecision.objects.get().state == MoneyState.PENDING


def test_staff_mark_a_parcel_superseded_from_the_case_page(client, case, staff):
    verified_login(client, staff)
    parcel = case.order.parcels.get()
    url = reverse("admin:cases_case_change", args=[case.pk])
    page = client.get(url).content.decode()
    assert 'value="supersede_parcel"' in page and f'<option value="{parcel.pk}">' in page
    response = client.post(url, {"action": "supersede_parcel", "parcel": parcel.pk, "reason": "  "})
    assert response.status_code == 302
    parcel.refresh_from_db()
    assert parcel.superseded_at is None  # no reason, nothing written
    client.post(
        url, {"action": "supersede_parcel", "parcel": parcel.pk, "reason": "supplier sent a wrong number"}
    )
    parcel.refresh_from_db()
    assert (parcel.superseded_by, parcel.superseded_reason) == (staff, "supplier sent a wrong number")
    assert 'value="supersede_parcel"' not in client.get(url).content.decode()  # none left in force


def test_a_parcel_of_another_order_is_named_not_superseded(client, case, staff):
    other = import_label_only_cases(1, label_days_ago=7, first=2)[-1]
    verified_login(client, staff)
    url = reverse("admin:cases_case_change", args=[case.pk])
    foreign = other.order.parcels.get()
    response = client.post(
        url, {"action": "supersede_parcel", "parcel": foreign.pk, "reason": "x"}, follow=True
    )
    assert "No such parcel on this order." in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.superseded_at is None


def test_an_unknown_action_is_403(client, case, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:cases_case_change", args=[case.pk]), {"action": "delete_everything"}
    )
    assert response.status_code == 403


def test_only_owners_see_owner_buttons(client, case, staff, owner):
    url = reverse("admin:cases_case_change", args=[case.pk])
    client.force_login(staff)
    staff_page = client.get(url).content.decode()
    verified_login(client, owner)
    owner_page = client.get(url).content.decode()
    assert 'id="pause-product"' not in staff_page and 'id="pause-product"' in owner_page
    assert 'id="chase-supplier"' in staff_page


def test_the_requester_never_sees_or_uses_an_approve_button(client, case, owner, owner2):
    decision = money.request_money_decision(case, actor=owner, kind="refund", amount="5", reason="late")
    url = reverse("admin:cases_case_change", args=[case.pk])
    verified_login(client, owner)
    assert f'id="approve-{decision.pk}"' not in client.get(url).content.decode()
    seen = {"decision": decision.pk, "version": 1, "amount": "5.00", "reason": "late"}
    assert client.post(url, {"action": "approve_money", **seen}).status_code == 403
    assert MoneyDecision.objects.get().state == MoneyState.PENDING
    verified_login(client, owner2)
    assert f'id="approve-{decision.pk}"' in client.get(url).content.decode()


def test_a_failing_reply_posted_to_mark_sent_is_named_and_not_sent(client, case, staff):
    client.force_login(staff)
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.post(url, {"action": "mark_sent", "text": FORBIDDEN})
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="draft-violations"' in body and "will arrive" in body
    assert CustomerMessage.objects.count() == 0


def test_customer_and_supplier_text_is_escaped_on_the_case_page(client, case, staff):
    services.record_proof(case, actor=staff, kind="dispatch_claim", text="<script>alert('s')</script>")
    services.mark_customer_updated(case, actor=staff, note="<img src=x onerror=alert(1)>")
    client.force_login(staff)
    body = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "<script>alert(" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(" in body


def test_the_case_page_shows_under_proved_the_latest_carrier_event_and_the_supplier_proof(
    client, case, staff
):
    services.record_proof(case, actor=staff, kind=EvidenceKind.PICKUP_PROOF, text="Carrier receipt 123")
    client.force_login(staff)
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    proved = page.split('id="packet-proved"')[1].split("</dd>")[0]
    assert "Carrier: label created (info received) on " in proved and "(latest of 1 carrier event)" in proved
    assert "Supplier: pickup proof (strong) on " in proved


def test_the_case_page_says_when_nothing_is_on_record_and_no_window_applies(client, staff):
    (case,) = import_label_only_cases(1, label_days_ago=7)
    case.order.parcels.all().delete()
    from cases.services.assessment import refresh_cases

    refresh_cases([case.order_id])
    client.force_login(staff)
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "Nothing on record: no carrier event and no supplier proof." in page
    Case.objects.filter(pk=case.pk).update(packet={**Case.objects.get(pk=case.pk).packet, "window": None})
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "No waiting window applies;" in page


def test_the_timeline_marks_an_event_whose_time_is_approximate(client, case, staff):
    event = TrackingEvent.objects.get(tracking_number__orders=case.order)
    url = reverse("admin:cases_case_change", args=[case.pk])
    client.force_login(staff)
    assert 'class="approximate"' not in client.get(url).content.decode()
    TrackingEvent.objects.filter(pk=event.pk).update(approximate=True)
    assert 'class="approximate"' in client.get(url).content.decode()


def test_the_helpdesk_ticket_a_reply_answered_is_kept_from_the_case_page(client, case, staff):
    verified_login(client, staff)
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.post(url, {"action": "mark_sent", "text": FINE, "ticket": "ZD-48213"})
    assert response.status_code == 302
    assert CustomerMessage.objects.get(direction="outbound").helpdesk_ticket == "ZD-48213"
    page = client.get(url).content.decode()
    assert 'name="ticket"' in page
