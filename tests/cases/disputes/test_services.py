"""Opening, correcting and closing disputes (cases.services.disputes): checked, audited, on the timeline,
the payment state following, and the owner's steps refused to staff."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import AuditEvent, Dispute, Order, Outcome
from cases.services.assessment import refresh_cases
from cases.services.disputes import open_dispute, set_dispute_status, update_dispute
from tests.helpers.otp import verified

pytestmark = pytest.mark.django_db


def test_opening_a_dispute_disputes_the_payment_and_lands_on_the_timeline(dispute, disputed_order, staff):
    disputed_order.refresh_from_db()
    assert disputed_order.payment_state == "disputed"
    assert dispute.payment_state_before == "paid"
    assert dispute.currency == "USD"
    assert dispute.opened_by == staff
    outcome = Outcome.objects.get(case__order=disputed_order)
    assert outcome.kind == "dispute_opened"
    event = AuditEvent.objects.get(action="dispute_opened")
    assert event.actor == staff
    assert event.changes["network_reason_code"] == [None, "13.1"]


def test_the_case_is_chargeback_watch_then_the_owners_under_three_days(dispute, disputed_order):
    refresh_cases([disputed_order.pk])
    case = disputed_order.case
    case.refresh_from_db()
    assert case.risk_level == "chargeback_watch"
    assert case.packet["dispute"]["days_left"] == 9
    assert case.next_assessment_at == (dispute.evidence_due_by - timedelta(days=3)).replace(
        microsecond=0
    ) + timedelta(seconds=1)
    refresh_cases([disputed_order.pk], as_of=dispute.evidence_due_by - timedelta(days=2))
    case.refresh_from_db()
    assert case.risk_level == "owner_only"
    assert case.requires_owner_approval


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"processor": "venmo"}, "processor"),
        ({"opened_at": None}, "opened_at"),
        ({"evidence_due_by": timezone.now() - timedelta(days=30)}, "evidence_due_by"),
        ({"amount": Decimal("-1")}, "amount"),
        ({"amount": Decimal("1.234")}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"network_reason_code": "x" * 21}, "network_reason_code"),
        ({"note": "a\x00b"}, "note"),
    ],
)
def test_a_bad_value_is_named_and_nothing_is_written(disputed_order, staff, values, field, queued):
    good = {
        "processor": "paypal",
        "opened_at": timezone.now() - timedelta(days=1),
        "evidence_due_by": timezone.now() + timedelta(days=5),
        "amount": Decimal("10.00"),
        "currency": "USD",
    }
    with pytest.raises(ValidationError) as refused:
        open_dispute(order=disputed_order, actor=staff, values={**good, **values})
    assert field in refused.value.message_dict
    assert not Dispute.objects.exists()
    disputed_order.refresh_from_db()
    assert disputed_order.payment_state == "paid"
    assert not AuditEvent.objects.filter(action="dispute_opened").exists()


def test_an_unknown_field_is_refused(disputed_order, staff):
    with pytest.raises(ValidationError, match="status"):
        open_dispute(
            order=disputed_order,
            actor=staff,
            values={"processor": "stripe", "opened_at": timezone.now(), "status": "won"},
        )


def test_staff_may_not_record_a_step_and_nothing_changes(dispute, staff):
    with pytest.raises(PermissionDenied):
        set_dispute_status(dispute=dispute, actor=staff, status="won")
    dispute.refresh_from_db()
    assert dispute.status == "needs_response"
    assert not Outcome.objects.filter(kind="dispute_won").exists()


def test_an_owner_without_a_second_factor_is_refused(dispute, db):
    from tests.factories import UserFactory

    unverified = UserFactory(username="olive", role="Owner")
    with pytest.raises(PermissionDenied, match="second factor"):
        set_dispute_status(dispute=dispute, actor=unverified, status="submitted")


def test_won_gives_the_payment_state_back(dispute, disputed_order, owner, queued):
    set_dispute_status(dispute=dispute, actor=owner, status="submitted")
    dispute.refresh_from_db()
    assert dispute.evidence_sent_on is not None
    set_dispute_status(dispute=dispute, actor=owner, status="won", note="bank sided with us")
    dispute.refresh_from_db()
    assert dispute.finalized_on is not None and dispute.outcome_by == owner
    assert Order.objects.get(pk=disputed_order.pk).payment_state == "paid"
    kinds = list(Outcome.objects.filter(case__order=disputed_order).values_list("kind", flat=True))
    assert kinds == ["dispute_opened", "dispute_submitted", "dispute_won"]
    event = AuditEvent.objects.filter(action="dispute_status_changed").first()  # the newest
    assert event.changes == {"status": ["submitted", "won"], "payment_state": ["disputed", "paid"]}


def test_lost_leaves_the_order_refunded(dispute, disputed_order, owner, queued):
    set_dispute_status(dispute=dispute, actor=owner, status="lost")
    assert Order.objects.get(pk=disputed_order.pk).payment_state == "refunded"


def test_lost_for_less_than_the_order_leaves_it_partially_refunded(dispute, disputed_order, owner, queued):
    update_dispute(dispute=dispute, actor=owner, changes={"amount": Decimal("15.00")})
    set_dispute_status(dispute=dispute, actor=owner, status="accepted")
    assert Order.objects.get(pk=disputed_order.pk).payment_state == "partially_refunded"


def test_another_open_dispute_keeps_the_payment_disputed(dispute, disputed_order, owner, staff, queued):
    open_dispute(
        order=disputed_order,
        actor=staff,
        values={"processor": "paypal", "opened_at": timezone.now() - timedelta(hours=1)},
    )
    set_dispute_status(dispute=dispute, actor=owner, status="won")
    assert Order.objects.get(pk=disputed_order.pk).payment_state == "disputed"


def test_a_step_before_the_dispute_was_opened_is_refused(dispute, owner):
    with pytest.raises(ValidationError, match="before the dispute was opened"):
        set_dispute_status(
            dispute=dispute, actor=owner, status="submitted", at=dispute.opened_at - timedelta(1)
        )


def test_staff_correct_an_open_dispute_but_not_a_closed_one(dispute, staff, owner, queued):
    changed = update_dispute(dispute=dispute, actor=staff, changes={"network_reason_code": "4855"})
    assert changed == {"network_reason_code": ["13.1", "4855"]}
    assert update_dispute(dispute=dispute, actor=staff, changes={"network_reason_code": "4855"}) == {}
    set_dispute_status(dispute=dispute, actor=owner, status="lost")
    with pytest.raises(PermissionDenied):
        update_dispute(dispute=dispute, actor=staff, changes={"note": "oops"})


def test_a_correction_is_checked_against_the_stored_values(dispute, staff):
    with pytest.raises(ValidationError) as refused:
        update_dispute(
            dispute=dispute, actor=staff, changes={"evidence_due_by": dispute.opened_at - timedelta(days=1)}
        )
    assert "evidence_due_by" in refused.value.message_dict


def test_the_owner_role_holds_the_outcome_permission_and_staff_do_not(staff, owner):
    assert owner.has_perm("cases.record_dispute_outcome")
    assert not staff.has_perm("cases.record_dispute_outcome")
    assert staff.has_perm("cases.add_dispute") and staff.has_perm("cases.view_dispute")
    assert verified(owner).has_perm("cases.add_dispute")
