"""rules.md version 2, sections 4 and 5 rows 1, 2 and 10: cancelled, refunded and fulfilled_no_tracking,
with the overlays on top (section 6), their clocks (section 3a) and their next assessment (section 9)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from cases.assessment import assess, assess_many, check_draft, guard_context
from tests.helpers.case_builders import case, in_transit_case, label_case
from tests.helpers.case_pieces import at, chase, ev, evidence, inbound, outbound, shared, tracking

SECOND = timedelta(seconds=1)
AS_OF = at(10)
NO_TRACKING_CLOCKS = {
    "order_age_days": 10,
    "tracking_age_days": None,
    "days_since_first_scan": None,
    "days_since_last_movement": None,
}


def decisions(packet) -> tuple:
    return (packet.case_type, packet.risk_level, packet.next_move, packet.also, packet.route)


# --- cancelled (row 1) ----------------------------------------------------------------------------


def test_cancelled_exactly_at_as_of_is_cancelled():
    packet = assess(in_transit_case(at(3), cancelled_at=AS_OF), AS_OF)
    assert decisions(packet) == ("cancelled", "normal_watch", "close", (), None)
    assert packet.window is None
    assert packet.requires_owner_approval is False
    assert packet.reasons == (f"the store cancelled the order on {AS_OF:%Y-%m-%d}",)


def test_cancelled_one_second_after_as_of_is_not_yet_cancelled_and_is_the_next_assessment():
    facts = in_transit_case(at(2), cancelled_at=AS_OF + SECOND)
    packet = assess(facts, AS_OF)
    assert packet.case_type == "stale_in_transit"
    assert packet.next_assessment_at == AS_OF + SECOND
    assert assess(facts, AS_OF + SECOND).case_type == "cancelled"


def test_a_cancellation_in_the_future_comes_before_a_later_window_in_the_schedule():
    # Inside the in-transit window until at(10) + 1 microsecond; the cancellation at at(8) comes first.
    facts = in_transit_case(at(3), cancelled_at=at(8))
    packet = assess(facts, at(5))
    assert packet.case_type == "in_transit"
    assert packet.next_assessment_at == at(8)


def test_a_cancellation_with_microseconds_is_scheduled_at_the_next_whole_second():
    cancelled_at = at(8) + timedelta(microseconds=250)
    packet = assess(in_transit_case(at(3), cancelled_at=cancelled_at), at(5))
    assert packet.next_assessment_at == at(8) + SECOND
    assert assess(in_transit_case(at(3), cancelled_at=cancelled_at), packet.next_assessment_at).case_type == (
        "cancelled"
    )


def test_cancelled_comes_before_every_other_row():
    wrong_place = case(tracking=tracking(ev(at(2), "accepted"), ev(at(5), "delivered", country="CA")))
    assert assess(wrong_place, AS_OF).case_type == "wrong_destination"
    cancelled = case(
        tracking=tracking(ev(at(2), "accepted"), ev(at(5), "delivered", country="CA")), cancelled_at=at(9)
    )
    assert assess(cancelled, AS_OF).case_type == "cancelled"


def test_cancelled_order_has_the_order_age_only_no_window_and_no_tracking_flags():
    # A recycled, label-only number: its flags are the tracking's, not the order's.
    other = shared("#2", "bo@example.com", "10001")
    facts = case(cancelled_at=at(9), tracking=tracking(ev(at(1), "info_received"), shared_with=(other,)))
    assert set(assess(facts, at(8)).flags) == {"label_only", "recycled_tracking"}
    packet = assess(facts, AS_OF)
    assert packet.case_type == "cancelled"
    assert packet.clocks.to_dict() == NO_TRACKING_CLOCKS
    assert packet.window is None
    assert packet.flags == ()
    assert packet.evidence_gaps == ()
    assert packet.next_assessment_at is None


def test_cancelled_order_with_a_customer_waiting_gets_overlay_1():
    facts = in_transit_case(at(3), cancelled_at=at(4), messages=[inbound(at(9))])
    packet = assess(facts, AS_OF)
    assert decisions(packet) == (
        "cancelled",
        "customer_update",
        "close",
        ("draft_update",),
        "customer_support",
    )
    assert packet.flags == ("customer_waiting",)
    assert packet.draft_reply is not None
    assert "cancelled on" in packet.draft_reply
    assert "latest carrier update" not in packet.draft_reply  # a closed order's reply is not about tracking
    assert check_draft(packet.draft_reply, **guard_context(packet).kwargs()) == []


def test_cancelled_order_with_a_refund_request_goes_to_the_owner():
    facts = case(cancelled_at=at(4), messages=[inbound(at(9), "Please refund me")])
    packet = assess(facts, AS_OF)
    assert decisions(packet) == (
        "cancelled",
        "refund_risk",
        "prepare_refund_review",
        ("draft_update", "close"),
        "refund",
    )
    assert packet.requires_owner_approval is True
    assert "review" in packet.draft_reply
    assert check_draft(packet.draft_reply, **guard_context(packet).kwargs()) == []


def test_cancelled_order_without_a_customer_gets_no_draft():
    packet = assess(case(cancelled_at=at(4)), AS_OF)
    assert packet.draft_reply is None
    assert packet.supplier_draft is None


def test_cancelled_order_whose_customer_was_answered_is_quiet_again():
    facts = case(cancelled_at=at(4), messages=[inbound(at(5)), outbound(at(6))])
    assert decisions(assess(facts, AS_OF)) == ("cancelled", "normal_watch", "close", (), None)


# --- refunded (row 2) -----------------------------------------------------------------------------


def test_a_full_refund_closes_the_order_as_a_whole():
    packet = assess(in_transit_case(at(3), payment_state="refunded"), AS_OF)
    assert decisions(packet) == ("refunded", "normal_watch", "close", (), None)
    assert packet.window is None
    assert packet.clocks.to_dict() == NO_TRACKING_CLOCKS
    assert packet.reasons == ("the payment was refunded in full",)
    assert packet.next_assessment_at is None


def test_cancelled_comes_before_refunded():
    packet = assess(case(payment_state="refunded", cancelled_at=at(2)), AS_OF)
    assert packet.case_type == "cancelled"


def test_a_partial_refund_is_judged_as_paid():
    partial = assess(in_transit_case(at(3), payment_state="partially_refunded"), AS_OF)
    paid = assess(in_transit_case(at(3)), AS_OF)
    assert partial.to_dict() == paid.to_dict()


@pytest.mark.parametrize(
    "facts",
    [
        in_transit_case(at(3)),
        label_case(at(1)),
        case(),
        case(messages=[inbound(at(9), "I want my money back")]),
    ],
    ids=["stale", "label", "no number", "refund asked"],
)
def test_cash_on_delivery_reads_as_paid(facts):
    cod = replace(facts, order=replace(facts.order, payment_state="cash_on_delivery"))
    assert assess(cod, AS_OF).to_dict() == assess(facts, AS_OF).to_dict()


def test_refunded_order_with_a_refund_request_says_refunds_are_reviewed():
    facts = case(payment_state="refunded", messages=[inbound(at(9), "Where is my refund?")])
    packet = assess(facts, AS_OF)
    assert packet.next_move == "prepare_refund_review"
    assert "review" in packet.draft_reply
    assert check_draft(packet.draft_reply, **guard_context(packet).kwargs()) == []


def test_a_refunded_order_no_longer_counts_for_product_review():
    def stale(order_id, **fields):
        return in_transit_case(at(1), order_id=order_id, **fields)

    counted = assess_many([stale("#1"), stale("#2"), stale("#3")], AS_OF)[0]
    assert "product_review" in counted.flags
    refunded = assess_many([stale("#1"), stale("#2"), stale("#3", payment_state="refunded")], AS_OF)[0]
    assert "product_review" not in refunded.flags


# --- fulfilled_no_tracking (row 10) ----------------------------------------------------------------


def test_fulfilled_without_a_number_is_fulfilled_no_tracking_exactly_at_as_of():
    packet = assess(case(fulfilled_at=AS_OF), AS_OF)
    assert decisions(packet) == ("fulfilled_no_tracking", "normal_watch", "import_tracking", (), None)
    assert packet.window is None
    assert packet.clocks.to_dict() == NO_TRACKING_CLOCKS
    assert packet.requires_owner_approval is False
    assert packet.next_assessment_at is None
    assert packet.reasons == (
        f"the store marked the order fulfilled on {AS_OF:%Y-%m-%d}; its tracking number is not here",
    )
    assert packet.evidence_gaps == (
        f"the store marked the order fulfilled on {AS_OF:%Y-%m-%d}; its tracking number is not here: "
        "import the store's tracking export",
    )


def test_fulfilled_one_second_after_as_of_is_still_supplier_silence_until_then():
    facts = case(fulfilled_at=AS_OF + SECOND)
    packet = assess(facts, AS_OF)
    assert packet.case_type == "supplier_silence"
    assert packet.next_assessment_at == AS_OF + SECOND
    assert assess(facts, AS_OF + SECOND).case_type == "fulfilled_no_tracking"


def test_fulfilled_before_the_processing_window_ends_is_not_awaiting_tracking():
    assert assess(case(), at(1)).case_type == "awaiting_tracking"
    assert assess(case(fulfilled_at=at(1)), at(1)).case_type == "fulfilled_no_tracking"


def test_fulfilled_no_tracking_comes_before_an_unanswered_chase():
    facts = case(fulfilled_at=at(5), chases=[chase(at(4))])
    assert assess(case(chases=[chase(at(4))]), AS_OF).risk_level == "owner_only"
    packet = assess(facts, AS_OF)
    assert packet.case_type == "fulfilled_no_tracking"
    assert packet.next_move == "import_tracking"


def test_supplier_blocked_comes_before_fulfilled_no_tracking():
    facts = case(fulfilled_at=at(5), evidence=[evidence(at(4), "restock_note")])
    assert assess(facts, AS_OF).case_type == "supplier_blocked"


def test_fulfilled_with_a_number_follows_the_tracking():
    assert assess(label_case(at(1), fulfilled_at=at(2)), at(3)).case_type == "label_created_only"
    assert assess(in_transit_case(at(2), fulfilled_at=at(2)), AS_OF).case_type == "stale_in_transit"


def test_fulfilled_no_tracking_with_a_customer_waiting_keeps_import_tracking_and_adds_a_draft():
    packet = assess(case(fulfilled_at=at(5), messages=[inbound(at(9))]), AS_OF)
    assert decisions(packet) == (
        "fulfilled_no_tracking",
        "customer_update",
        "import_tracking",
        ("draft_update",),
        "customer_support",
    )
    assert packet.draft_reply is not None
    assert "fulfilled" in packet.draft_reply
    # The store's word is no carrier fact: the reply never says the parcel moved.
    strict = guard_context(packet).kwargs() | {"label_only": True}
    assert check_draft(packet.draft_reply, **strict) == []


def test_fulfilled_no_tracking_is_no_supplier_silence_for_the_supplier_flag():
    def silent(order_id, **fields):
        return case(order_id=order_id, sku=order_id, **fields)

    flagged = assess_many([silent("#1"), silent("#2"), silent("#3")], AS_OF)[0]
    assert "supplier_review" in flagged.flags
    fulfilled = assess_many([silent("#1"), silent("#2"), silent("#3", fulfilled_at=at(5))], AS_OF)[0]
    assert "supplier_review" not in fulfilled.flags


def test_fulfilled_no_tracking_gaps_do_not_ask_the_supplier_for_pickup_proof():
    gaps = assess(case(fulfilled_at=at(5)), AS_OF).evidence_gaps
    assert not any("pickup proof" in gap for gap in gaps)
    assert not any(gap.startswith("no tracking number") for gap in gaps)


def test_fulfilled_no_tracking_reply_leaves_out_a_title_that_would_say_shipped():
    title = "Shipped-in-a-box kit"
    awaiting = assess(case(product_title=title, messages=[inbound(at(1))]), at(2))
    assert awaiting.case_type == "awaiting_tracking"
    assert title in awaiting.draft_reply  # no label, so the guard lets the word through
    fulfilled = assess(case(product_title=title, fulfilled_at=at(1), messages=[inbound(at(1))]), at(2))
    assert fulfilled.draft_reply is not None
    assert "hipped" not in fulfilled.draft_reply


def test_fulfilled_no_tracking_with_pickup_proof_may_quote_the_title():
    title = "Shipped-in-a-box kit"
    facts = case(
        product_title=title,
        fulfilled_at=at(1),
        evidence=[evidence(at(1), "pickup_proof")],
        messages=[inbound(at(1))],
    )
    assert title in assess(facts, at(2)).draft_reply
