"""The case workbench: each action as a service, and every action and view of the admin with
each role. A refused request gets 403 and writes nothing."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.choices import CaseStatus, Direction, EvidenceKind, MoneyState
from cases.models import (
    AuditEvent,
    Case,
    CustomerMessage,
    MoneyDecision,
    Outcome,
    SupplierChase,
    TrackingEvent,
)
from cases.workbench import services as workbench
from policies.models import Policy
from suppliers.models import Product, Supplier
from tests.clock_helpers import import_label_only_cases
from tests.factories import UserFactory
from tests.otp_helpers import verified_login

pytestmark = pytest.mark.django_db

FORBIDDEN = "Good news: your parcel has shipped and will arrive on Friday."
FINE = "Your order has a shipping label; the carrier has not scanned it yet. We asked the supplier for proof."


@pytest.fixture
def viewer():
    user = UserFactory(username="vera")
    user.user_permissions.add(Permission.objects.get(codename="view_case"))
    return user


@pytest.fixture
def nobody():
    return UserFactory(username="nobody")


def counts():
    return (
        Outcome.objects.count(),
        AuditEvent.objects.count(),
        MoneyDecision.objects.count(),
        SupplierChase.objects.count(),
        CustomerMessage.objects.count(),
    )


def test_the_fixture_case_says_chase_the_supplier(case):
    assert (case.case_type, case.next_move, "label_only" in case.flags) == (
        "label_created_only",
        "chase_supplier",
        True,
    )


# --- services -------------------------------------------------------------------------------------------


def test_chase_records_the_chase_an_outcome_an_audit_event_and_reassesses(case, staff):
    chase = workbench.chase_supplier(case, actor=staff)
    case.refresh_from_db()
    assert chase.recorded_by == staff and chase.text
    assert Outcome.objects.get(case=case).kind == "supplier_chased"
    assert AuditEvent.objects.filter(action="supplier_chased", actor=staff).count() == 1
    assert case.next_move == "wait"  # chase pending (rules.md section 5)


def test_recorded_pickup_proof_turns_the_case_into_a_customer_update(case, staff):
    workbench.record_proof(case, actor=staff, kind=EvidenceKind.PICKUP_PROOF, text="Carrier receipt 123")
    case.refresh_from_db()
    assert (case.next_move, case.risk_level) == ("draft_update", "customer_update")
    assert Outcome.objects.get(case=case).kind == workbench.PROOF_RECORDED
    assert AuditEvent.objects.filter(action="supplier_proof_recorded").exists()


def test_a_forbidden_reply_is_refused_with_each_violation_named_and_nothing_written(case, staff):
    before = counts()
    with pytest.raises(workbench.DraftRefused) as refused:
        workbench.mark_draft_sent(case, actor=staff, text=FORBIDDEN)
    codes = {v.code for v in refused.value.violations}
    assert len(codes) == 2 and len(refused.value.violations) >= 2  # "will arrive" and "shipped"
    assert counts() == before


def test_a_saved_failing_draft_is_kept_with_its_violations(case, staff):
    check = workbench.save_draft(case, actor=staff, text=FORBIDDEN)
    case.refresh_from_db()
    assert not check.ok and case.draft_text == FORBIDDEN
    assert AuditEvent.objects.get(action="draft_saved").changes["violations"]


def test_a_clean_reply_marked_sent_records_an_outbound_message(case, staff):
    workbench.save_draft(case, actor=staff, text=FORBIDDEN)
    message = workbench.mark_draft_sent(case, actor=staff, text=FINE)
    case.refresh_from_db()
    assert (message.direction, message.text, message.recorded_by) == (Direction.OUTBOUND, FINE, staff)
    assert case.draft_text == ""
    assert Outcome.objects.get(case=case).kind == "customer_updated"
    assert AuditEvent.objects.filter(action="reply_marked_sent").exists()


def test_mark_customer_updated_records_an_outbound_message(case, staff):
    workbench.mark_customer_updated(case, actor=staff, note="Told them by phone.")
    assert CustomerMessage.objects.get().direction == Direction.OUTBOUND
    assert Outcome.objects.get().kind == "customer_updated"


def test_hold_needs_a_reason_and_a_future_review_date(case, staff):
    with pytest.raises(ValidationError):
        workbench.hold(case, actor=staff, reason="", until=timezone.now() + timedelta(days=2))
    with pytest.raises(ValidationError):
        workbench.hold(case, actor=staff, reason="waiting", until=timezone.now() - timedelta(days=1))
    workbench.hold(case, actor=staff, reason="supplier on holiday", until=timezone.now() + timedelta(days=2))
    case.refresh_from_db()
    assert (case.status, case.hold_reason) == (CaseStatus.HELD, "supplier on holiday")
    assert Outcome.objects.get().kind == "case_held"


def test_assign_and_resolve(case, staff, owner):
    workbench.assign(case, actor=staff, assignee=owner)
    workbench.resolve(case, actor=staff, ending="delivered")
    case.refresh_from_db()
    assert (case.assignee, case.status) == (owner, CaseStatus.RESOLVED)
    assert list(Outcome.objects.values_list("kind", flat=True).order_by("id")) == ["assigned", "delivered"]
    assert AuditEvent.objects.filter(action__in=["case_assigned", "case_resolved"]).count() == 2


def test_owner_actions_refuse_staff_and_write_nothing(case, staff):
    before = counts()
    with pytest.raises(PermissionDenied):
        workbench.pause_product(case, actor=staff, reason="too many stale parcels")
    with pytest.raises(PermissionDenied):
        workbench.flag_supplier(case, actor=staff, reason="prints labels early")
    assert counts() == before
    assert Product.objects.get().state == Product.State.ACTIVE
    assert Supplier.objects.get().status != Supplier.Status.FLAGGED


def test_owner_pauses_the_product_and_flags_the_supplier_from_a_case(case, owner):
    workbench.pause_product(case, actor=owner, reason="too many stale parcels")
    workbench.flag_supplier(case, actor=owner, reason="prints labels early")
    assert Product.objects.get().state == Product.State.PAUSED
    assert Supplier.objects.get().status == Supplier.Status.FLAGGED
    assert set(Outcome.objects.values_list("kind", flat=True)) == {"product_paused", "supplier_flagged"}


def test_a_user_without_case_rights_cannot_act_through_the_services(case, nobody):
    before = counts()
    with pytest.raises(PermissionDenied):
        workbench.chase_supplier(case, actor=nobody)
    with pytest.raises(PermissionDenied):
        workbench.mark_draft_sent(case, actor=nobody, text=FINE)
    assert counts() == before


# --- the admin, every action with each role ------------------------------------------------------------


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
        "mark_sent": {"text": FINE},
        "request_money": {"kind": "refund", "amount": "29.90", "reason": "never arrived"},
        "pause_product": {"reason": "stale"},
        "flag_supplier": {"reason": "stale"},
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
    decision = workbench.request_money_decision(
        case, actor=requester, kind="refund", amount="29.90", reason="x"
    )
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


def test_an_unknown_action_is_403(client, case, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:cases_case_change", args=[case.pk]), {"action": "delete_everything"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("role", "status"), [("staff", 200), ("owner", 200), ("viewer", 200), ("nobody", 403)]
)
def test_the_queue_and_the_case_page_with_each_role(client, case, role, status, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("admin:cases_case_changelist")).status_code == status
    page = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert page.status_code == status
    if role == "viewer":
        assert 'id="chase-supplier"' not in page.content.decode()


def test_only_owners_see_owner_buttons(client, case, staff, owner):
    url = reverse("admin:cases_case_change", args=[case.pk])
    client.force_login(staff)
    staff_page = client.get(url).content.decode()
    verified_login(client, owner)
    owner_page = client.get(url).content.decode()
    assert 'id="pause-product"' not in staff_page and 'id="pause-product"' in owner_page
    assert 'id="chase-supplier"' in staff_page


def test_the_requester_never_sees_or_uses_an_approve_button(client, case, owner, owner2):
    decision = workbench.request_money_decision(case, actor=owner, kind="refund", amount="5", reason="late")
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
    workbench.record_proof(case, actor=staff, kind="dispatch_claim", text="<script>alert('s')</script>")
    workbench.mark_customer_updated(case, actor=staff, note="<img src=x onerror=alert(1)>")
    client.force_login(staff)
    body = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "<script>alert(" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(" in body


@pytest.mark.parametrize("model", ["moneydecision", "auditevent", "outcome"])
def test_decision_admins_refuse_writes_even_to_owners(client, case, owner, staff, model):
    workbench.request_money_decision(case, actor=staff, kind="refund", amount="1", reason="r")
    obj = {"moneydecision": MoneyDecision, "auditevent": AuditEvent, "outcome": Outcome}[
        model
    ].objects.first()
    verified_login(client, owner)
    before = counts()
    assert client.post(reverse(f"admin:cases_{model}_add"), {}).status_code == 403
    assert (
        client.post(reverse(f"admin:cases_{model}_change", args=[obj.pk]), {"reason": "x"}).status_code == 403
    )
    assert (
        client.post(reverse(f"admin:cases_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    )
    assert counts() == before


def test_audit_events_cannot_be_changed_or_deleted_through_the_model(case, staff):
    workbench.chase_supplier(case, actor=staff)
    event = AuditEvent.objects.first()
    event.reason = "rewritten"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_crafted_owner_action_posts_from_staff_get_403(client, staff, case):
    client.force_login(staff)
    product = Product.objects.get()
    response = client.post(
        reverse("admin:suppliers_product_changelist"),
        {"action": "pause_products", "_selected_action": [product.pk]},
    )
    assert response.status_code == 403
    assert Product.objects.get().state == Product.State.ACTIVE
    response = client.post(
        reverse("admin:policies_policy_changelist"),
        {"action": "copy_into_draft", "_selected_action": [Policy.objects.get().pk]},
    )
    assert response.status_code == 403
    assert Policy.objects.count() == 1


def test_the_queue_filters_and_search(client, staff):
    cases = import_label_only_cases(3, label_days_ago=7)
    workbench.assign(cases[0], actor=staff, assignee=staff)
    client.force_login(staff)
    url = reverse("admin:cases_case_changelist")

    def rows(query):
        response = client.get(url, query)
        assert response.status_code == 200, query
        return response.context["cl"].result_count

    assert rows({}) == 3
    assert rows({"assignee": "mine"}) == 1
    assert rows({"flag": "label_only"}) == 3
    assert rows({"flag": "customer_waiting"}) == 0
    assert rows({"age": "7-14"}) == 3 and rows({"age": "0-3"}) == 0
    assert rows({"country": "US", "route__exact": "supplier_delay"}) == 3
    assert rows({"q": "#C1"}) == 1
    assert rows({"q": "c2@example.com"}) == 1
    assert rows({"q": "CLOCK-2"}) == 1
    product = cases[1].order.product
    assert rows({"sku": product.pk}) == 1
    supplier_page = client.get(
        url, {"order__product__supplier__id__exact": product.supplier_id}
    ).content.decode()
    assert f"?order__product__supplier__id__exact={product.supplier_id}&amp;sku={product.pk}" in supplier_page
    number = cases[0].order.tracking_numbers.get().number
    assert rows({"q": number.lower()}) == 1
    body = client.get(url).content.decode()
    assert 'id="view-owner-only"' in body and 'id="import-bundle-link"' in body
    assert "label 7 d, window 5 d" in body
    assert Case.objects.count() == 3


def test_the_case_page_shows_under_proved_the_latest_carrier_event_and_the_supplier_proof(
    client, case, staff
):
    workbench.record_proof(case, actor=staff, kind=EvidenceKind.PICKUP_PROOF, text="Carrier receipt 123")
    client.force_login(staff)
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    proved = page.split('id="packet-proved"')[1].split("</dd>")[0]
    assert "Carrier: label created (info received) on " in proved and "(latest of 1 carrier event)" in proved
    assert "Supplier: pickup proof (strong) on " in proved


def test_the_case_page_says_when_nothing_is_on_record_and_no_window_applies(client, staff):
    (case,) = import_label_only_cases(1, label_days_ago=7)
    case.order.order_trackings.all().delete()
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
