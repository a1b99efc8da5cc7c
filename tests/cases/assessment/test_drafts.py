"""rules.md section 8 drafts: when they are written, what they say, and what they never say."""

from __future__ import annotations

from cases.assessment import assess, check_draft, guard_context
from tests.helpers.case_builders import case, in_transit_case, label_case
from tests.helpers.case_pieces import at, chase, ev, evidence, inbound, outbound, shared, tracking


def passes_guard(packet) -> bool:
    return check_draft(packet.draft_reply, **guard_context(packet).kwargs()) == []


# --- when a customer reply is drafted -------------------------------------------------------


def test_customer_reply_drafted_when_the_next_move_is_draft_update():
    packet = assess(in_transit_case(at(3)), at(11))
    assert packet.next_move == "draft_update"
    assert packet.draft_reply is not None
    assert passes_guard(packet)


def test_no_customer_reply_while_waiting_quietly():
    packet = assess(in_transit_case(at(3)), at(5))
    assert packet.draft_reply is None
    assert packet.draft_notes == ()


def test_no_customer_reply_for_a_delivered_case_nobody_asked_about():
    facts = case(tracking=tracking(ev(at(2), "accepted"), ev(at(3), "delivered")))
    assert assess(facts, at(4)).draft_reply is None


def test_customer_reply_drafted_whenever_a_message_is_unanswered():
    facts = case(tracking=tracking(ev(at(2), "accepted"), ev(at(3), "unknown")), messages=[inbound(at(4))])
    packet = assess(facts, at(5))
    assert packet.next_move == "escalate"
    assert packet.draft_reply is not None
    assert passes_guard(packet)


def test_no_customer_reply_after_we_already_answered_a_supplier_chase_case():
    facts = label_case(at(1), messages=[inbound(at(2)), outbound(at(3))])
    assert assess(facts, at(8)).draft_reply is None


# --- what the reply says ----------------------------------------------------------------------


def test_reply_names_order_product_and_last_carrier_event_with_its_date():
    packet = assess(in_transit_case(at(3), order_id="#1042"), at(11))
    reply = packet.draft_reply
    assert "#1042" in reply
    assert "Sunset lamp" in reply
    assert "4 November 2026: in transit" in reply
    assert "cannot give a delivery date" in reply


def test_label_only_reply_without_pickup_proof_never_says_shipped_or_in_transit():
    facts = label_case(at(1), messages=[inbound(at(7), "Has it shipped? Is it in transit?")])
    packet = assess(facts, at(8))
    reply = packet.draft_reply.lower()
    for word in ("shipped", "on its way", "in transit", "dispatched"):
        assert word not in reply
    assert "shipping label created" in reply
    assert passes_guard(packet)


def test_label_only_reply_with_pickup_proof_states_the_handover_date():
    facts = label_case(at(1), evidence=[evidence(at(2), "pickup_proof", "scan")])
    packet = assess(facts, at(7))
    assert "handover to the carrier on 3 November 2026" in packet.draft_reply


def test_refund_request_reply_says_refunds_are_reviewed_and_promises_no_money():
    facts = in_transit_case(at(3), messages=[inbound(at(12), "I want a full refund now")])
    packet = assess(facts, at(13))
    assert "review" in packet.draft_reply
    assert "refund requests are reviewed" in packet.draft_reply
    assert passes_guard(packet)


def test_no_tracking_number_reply_says_so():
    packet = assess(case(messages=[inbound(at(1))]), at(2))
    assert "has not sent a tracking number yet" in packet.draft_reply


def test_product_title_that_would_break_the_guard_is_left_out():
    facts = in_transit_case(at(3), product_title="Guaranteed Fresh Coffee")
    packet = assess(facts, at(11))
    assert packet.draft_reply is not None
    assert "Guaranteed" not in packet.draft_reply
    assert passes_guard(packet)


def test_carrier_note_is_quoted_only_when_it_passes_the_guard():
    quiet = case(tracking=tracking(ev(at(2), "accepted"), ev(at(3), "exception", description="Customs hold")))
    loud = case(
        tracking=tracking(
            ev(at(2), "accepted"), ev(at(3), "exception", description="Will be delivered Monday")
        )
    )
    assert 'carrier note: "Customs hold"' in assess(quiet, at(4)).draft_reply
    reply = assess(loud, at(4)).draft_reply
    assert "Monday" not in reply
    assert "delivery exception" in reply


def test_drafts_never_show_none_or_blanks():
    facts = case(product_title="", tracking=tracking(), messages=[inbound(at(1))])
    packet = assess(facts, at(7))
    for text in (packet.draft_reply, packet.supplier_draft):
        assert text is not None
        assert "None" not in text and "{" not in text and "()" not in text


# --- supplier message --------------------------------------------------------------------------


def test_supplier_message_when_chasing_names_order_number_and_missing_proof():
    facts = label_case(at(1), evidence=[evidence(at(2), "dispatch_claim", "sent")], order_id="#7")
    packet = assess(facts, at(7))
    assert packet.next_move == "chase_supplier"
    text = packet.supplier_draft
    assert text.startswith("Hello Supplier A,")
    assert "#7" in text and "LP00412345678901" in text
    assert "only a label created on 2 November 2026" in text
    assert "no proof of the handover" in text


def test_supplier_message_when_requesting_proof_of_a_recycled_number():
    facts = case(tracking=tracking(ev(at(1), "info_received"), shared_with=(shared("#2", "x@y.z", "1"),)))
    assert "another customer's order" in assess(facts, at(2)).supplier_draft


def test_supplier_message_for_a_missing_tracking_number():
    assert "not received a tracking number" in assess(case(), at(4)).supplier_draft


def test_no_supplier_message_while_a_chase_is_pending():
    facts = label_case(at(1), chases=[chase(at(7))])
    assert assess(facts, at(8)).supplier_draft is None


def test_supplier_message_kept_in_also_after_a_refund_request():
    facts = label_case(at(1), messages=[inbound(at(7), "refund")])
    packet = assess(facts, at(8))
    assert "chase_supplier" in packet.also
    assert packet.supplier_draft is not None


def test_missing_supplier_name_gives_no_supplier_message_and_says_why():
    packet = assess(case(supplier=""), at(4))
    assert packet.supplier_draft is None
    assert packet.draft_notes == (
        "No supplier message drafted for this supplier silence case: it needs the supplier's name, "
        "which the case does not have.",
    )
