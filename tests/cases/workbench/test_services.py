"""Each action of the workbench as a service: what it writes, and what it refuses (nothing written)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.choices import CaseStatus, Direction, EvidenceKind
from cases.models import AuditEvent, CustomerMessage, Outcome
from cases.workbench import services
from suppliers.models import Product, Supplier
from tests.helpers.workbench import FINE, FORBIDDEN, counts

pytestmark = pytest.mark.django_db


def test_the_fixture_case_says_chase_the_supplier(case):
    assert (case.case_type, case.next_move, "label_only" in case.flags) == (
        "label_created_only",
        "chase_supplier",
        True,
    )


def test_chase_records_the_chase_an_outcome_an_audit_event_and_reassesses(case, staff):
    chase = services.chase_supplier(case, actor=staff)
    case.refresh_from_db()
    assert chase.recorded_by == staff and chase.text
    assert Outcome.objects.get(case=case).kind == "supplier_chased"
    assert AuditEvent.objects.filter(action="supplier_chased", actor=staff).count() == 1
    assert case.next_move == "wait"  # chase pending (rules.md section 5)


def test_recorded_pickup_proof_turns_the_case_into_a_customer_update(case, staff):
    services.record_proof(case, actor=staff, kind=EvidenceKind.PICKUP_PROOF, text="Carrier receipt 123")
    case.refresh_from_db()
    assert (case.next_move, case.risk_level) == ("draft_update", "customer_update")
    assert Outcome.objects.get(case=case).kind == services.PROOF_RECORDED
    assert AuditEvent.objects.filter(action="supplier_proof_recorded").exists()


def test_a_forbidden_reply_is_refused_with_each_violation_named_and_nothing_written(case, staff):
    before = counts()
    with pytest.raises(services.DraftRefused) as refused:
        services.mark_draft_sent(case, actor=staff, text=FORBIDDEN)
    codes = {v.code for v in refused.value.violations}
    assert len(codes) == 2 and len(refused.value.violations) >= 2  # "will arrive" and "shipped"
    assert counts() == before


def test_a_saved_failing_draft_is_kept_with_its_violations(case, staff):
    check = services.save_draft(case, actor=staff, text=FORBIDDEN)
    case.refresh_from_db()
    assert not check.ok and case.draft_text == FORBIDDEN
    assert AuditEvent.objects.get(action="draft_saved").changes["violations"]


def test_a_clean_reply_marked_sent_records_an_outbound_message(case, staff):
    services.save_draft(case, actor=staff, text=FORBIDDEN)
    message = services.mark_draft_sent(case, actor=staff, text=FINE)
    case.refresh_from_db()
    assert (message.direction, message.text, message.recorded_by) == (Direction.OUTBOUND, FINE, staff)
    assert case.draft_text == ""
    assert Outcome.objects.get(case=case).kind == "customer_updated"
    assert AuditEvent.objects.filter(action="reply_marked_sent").exists()


def test_a_reply_marked_sent_records_the_helpdesk_ticket_it_answered(case, staff):
    message = services.mark_draft_sent(case, actor=staff, text=FINE, ticket=" ZD-48213 ")
    assert message.helpdesk_ticket == "ZD-48213"
    assert AuditEvent.objects.get(action="reply_marked_sent").changes["helpdesk_ticket"] == "ZD-48213"
    services.mark_customer_updated(case, actor=staff, note="Told them by phone.", ticket="4411")
    assert CustomerMessage.objects.filter(helpdesk_ticket="4411").exists()
    assert AuditEvent.objects.get(action="customer_updated").changes == {"helpdesk_ticket": "4411"}


@pytest.mark.parametrize("ticket", ["x" * 101, "ZD-1\nZD-2", "a\x00b"])
def test_a_helpdesk_ticket_that_is_not_one_short_line_is_refused_and_nothing_written(case, staff, ticket):
    with pytest.raises(ValidationError, match="helpdesk ticket"):
        services.mark_draft_sent(case, actor=staff, text=FINE, ticket=ticket)
    assert not CustomerMessage.objects.exists()


def test_mark_customer_updated_records_an_outbound_message(case, staff):
    services.mark_customer_updated(case, actor=staff, note="Told them by phone.")
    assert CustomerMessage.objects.get().direction == Direction.OUTBOUND
    assert Outcome.objects.get().kind == "customer_updated"


def test_hold_needs_a_reason_and_a_future_review_date(case, staff):
    with pytest.raises(ValidationError):
        services.hold(case, actor=staff, reason="", until=timezone.now() + timedelta(days=2))
    with pytest.raises(ValidationError):
        services.hold(case, actor=staff, reason="waiting", until=timezone.now() - timedelta(days=1))
    services.hold(case, actor=staff, reason="supplier on holiday", until=timezone.now() + timedelta(days=2))
    case.refresh_from_db()
    assert (case.status, case.hold_reason) == (CaseStatus.HELD, "supplier on holiday")
    assert Outcome.objects.get().kind == "case_held"


def test_assign_and_resolve(case, staff, owner):
    services.assign(case, actor=staff, assignee=owner)
    services.resolve(case, actor=staff, ending="delivered")
    case.refresh_from_db()
    assert (case.assignee, case.status) == (owner, CaseStatus.RESOLVED)
    assert list(Outcome.objects.values_list("kind", flat=True).order_by("id")) == ["assigned", "delivered"]
    assert AuditEvent.objects.filter(action__in=["case_assigned", "case_resolved"]).count() == 2


def test_owner_actions_refuse_staff_and_write_nothing(case, staff):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.pause_product(case, actor=staff, reason="too many stale parcels")
    with pytest.raises(PermissionDenied):
        services.flag_supplier(case, actor=staff, reason="prints labels early")
    assert counts() == before
    assert Product.objects.get().state == Product.State.ACTIVE
    assert Supplier.objects.get().status != Supplier.Status.FLAGGED


def test_owner_pauses_the_product_and_flags_the_supplier_from_a_case(case, owner):
    services.pause_product(case, actor=owner, reason="too many stale parcels")
    services.flag_supplier(case, actor=owner, reason="prints labels early")
    assert Product.objects.get().state == Product.State.PAUSED
    assert Supplier.objects.get().status == Supplier.Status.FLAGGED
    assert set(Outcome.objects.values_list("kind", flat=True)) == {"product_paused", "supplier_flagged"}


def test_a_user_without_case_rights_cannot_act_through_the_services(case, nobody):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.chase_supplier(case, actor=nobody)
    with pytest.raises(PermissionDenied):
        services.mark_draft_sent(case, actor=nobody, text=FINE)
    assert counts() == before


def test_audit_events_cannot_be_changed_or_deleted_through_the_model(case, staff):
    services.chase_supplier(case, actor=staff)
    event = AuditEvent.objects.first()
    event.reason = "rewritten"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
