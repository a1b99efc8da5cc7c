"""rules.md section 6, overlays 1 to 4, and the `also` discipline; section 7 owner approval."""

from __future__ import annotations

from cases.assessment import assess
from tests.helpers.case_builders import case, in_transit_case, label_case
from tests.helpers.case_pieces import at, ev, inbound, outbound, tracking


def moves(packet):
    return (packet.risk_level, packet.next_move, list(packet.also), packet.route)


# --- 1. customer waiting -----------------------------------------------------------------------


def test_customer_waiting_turns_wait_into_draft_update_and_sets_route():
    packet = assess(in_transit_case(at(3), messages=[inbound(at(4))]), at(5))
    assert moves(packet) == ("customer_update", "draft_update", [], "customer_support")
    assert "customer_waiting" in packet.flags


def test_customer_waiting_adds_draft_update_to_also_of_another_move():
    packet = assess(label_case(at(1), messages=[inbound(at(7))]), at(8))
    assert moves(packet) == ("customer_update", "chase_supplier", ["draft_update"], "supplier_delay")


def test_customer_waiting_never_lowers_risk():
    facts = case(tracking=tracking(ev(at(2), "accepted"), ev(at(3), "unknown")), messages=[inbound(at(4))])
    packet = assess(facts, at(5))
    assert packet.risk_level == "owner_only"
    assert packet.route == "customer_support"


def test_answered_customer_changes_nothing():
    base = assess(in_transit_case(at(3)), at(5))
    answered = assess(in_transit_case(at(3), messages=[inbound(at(4)), outbound(at(4, hours=1))]), at(5))
    assert answered.decision_key() == base.decision_key()


# --- 2. review risk ------------------------------------------------------------------------


def test_one_below_review_risk_threshold_is_customer_update():
    packet = assess(in_transit_case(at(3), messages=[inbound(at(4))]), at(5))
    assert packet.risk_level == "customer_update"


def test_unanswered_at_review_risk_threshold_is_review_risk():
    packet = assess(in_transit_case(at(3), messages=[inbound(at(4)), inbound(at(4, hours=2))]), at(5))
    assert packet.risk_level == "review_risk"
    assert packet.next_move == "draft_update"


# --- 3. refund request -----------------------------------------------------------------------


def test_refund_request_prepares_refund_review_and_keeps_the_previous_move_in_also():
    packet = assess(label_case(at(1), messages=[inbound(at(7), "I want my money back")]), at(8))
    assert moves(packet) == (
        "refund_risk",
        "prepare_refund_review",
        ["draft_update", "chase_supplier"],
        "refund",
    )
    assert packet.requires_owner_approval is True


def test_refund_request_over_wait_does_not_put_wait_in_also():
    facts = in_transit_case(at(3), messages=[inbound(at(4), "refund please"), outbound(at(4, hours=1))])
    packet = assess(facts, at(5))
    assert moves(packet) == ("refund_risk", "prepare_refund_review", [], "refund")


def test_refund_request_already_answered_still_counts():
    facts = in_transit_case(at(3), messages=[inbound(at(4), "refund?"), outbound(at(4, hours=1))])
    assert assess(facts, at(5)).next_move == "prepare_refund_review"


def test_refund_request_keeps_escalate():
    facts = in_transit_case(at(3), messages=[inbound(at(24), "refund")])
    packet = assess(facts, at(25))
    assert moves(packet) == ("refund_risk", "escalate", ["draft_update"], "refund")


def test_refund_request_does_not_lower_owner_only():
    facts = case(
        tracking=tracking(ev(at(2), "accepted"), ev(at(3), "unknown")), messages=[inbound(at(4), "refund")]
    )
    packet = assess(facts, at(5))
    assert (packet.risk_level, packet.next_move, packet.route) == ("owner_only", "escalate", "refund")


# --- 4. dispute ------------------------------------------------------------------------------


def test_dispute_threat_escalates_to_chargeback_watch():
    packet = assess(in_transit_case(at(3), messages=[inbound(at(4), "I will open a PayPal claim")]), at(5))
    assert moves(packet) == ("chargeback_watch", "escalate", ["draft_update"], "refund")
    assert packet.requires_owner_approval is True


def test_disputed_payment_state_escalates_without_any_message():
    packet = assess(in_transit_case(at(3), payment_state="disputed"), at(5))
    assert moves(packet) == ("chargeback_watch", "escalate", [], "refund")


def test_refund_and_dispute_together_keep_first_added_order_in_also():
    facts = label_case(at(1), messages=[inbound(at(7), "Refund now or I file a chargeback")])
    packet = assess(facts, at(8))
    assert moves(packet) == (
        "chargeback_watch",
        "escalate",
        ["draft_update", "chase_supplier", "prepare_refund_review"],
        "refund",
    )


def test_also_never_holds_the_next_move():
    facts = in_transit_case(at(3), messages=[inbound(at(24), "chargeback")])
    packet = assess(facts, at(25))
    assert packet.next_move == "escalate"
    assert "escalate" not in packet.also
    assert len(set(packet.also)) == len(packet.also)


# --- owner approval (section 7) ----------------------------------------------------------------


def test_owner_only_risk_requires_approval_without_refund():
    facts = case(tracking=tracking(ev(at(2), "accepted"), ev(at(3), "unknown")))
    assert assess(facts, at(4)).requires_owner_approval is True


def test_plain_customer_update_needs_no_approval():
    assert assess(in_transit_case(at(3)), at(11)).requires_owner_approval is False
