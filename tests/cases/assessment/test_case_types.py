"""rules.md sections 4 and 5: case type (first row that applies), window, base risk / move / route,
and every window boundary: exactly N days is inside, N days and a minute is exceeded (section 1)."""

from __future__ import annotations

from cases.assessment import assess
from tests.helpers.case_builders import case, in_transit_case, label_case
from tests.helpers.case_pieces import at, chase, ev, evidence, inbound, shared, tracking

MINUTE = {"minutes": 1}


def outcome(packet):
    return (packet.case_type, packet.risk_level, packet.next_move, packet.route)


# --- processing window: awaiting_tracking -> supplier_silence ---------------------------------


def test_awaiting_tracking_inside_the_processing_window_waits():
    packet = assess(case(), at(2))
    assert outcome(packet) == ("awaiting_tracking", "normal_watch", "wait", None)
    assert packet.window.name == "processing_window_days"
    assert packet.window.started_at == at(0)


def test_processing_window_not_exceeded_at_exactly_n_days():
    packet = assess(case(), at(3))
    assert packet.case_type == "awaiting_tracking"
    assert packet.window.exceeded is False
    assert packet.window.elapsed_days == 3


def test_processing_window_exceeded_a_minute_after_n_days_makes_supplier_silence():
    packet = assess(case(), at(3, **MINUTE))
    assert outcome(packet) == ("supplier_silence", "supplier_chase", "chase_supplier", "supplier_delay")
    assert packet.window.exceeded is True


def test_tracking_with_blank_number_counts_as_no_tracking_number():
    packet = assess(case(tracking=tracking(number="  ")), at(1))
    assert packet.case_type == "awaiting_tracking"


# --- label window ---------------------------------------------------------------------------


def test_label_created_only_inside_the_window_waits():
    packet = assess(label_case(at(1)), at(3))
    assert outcome(packet) == ("label_created_only", "normal_watch", "wait", None)
    assert packet.window.name == "label_created_max_days"
    assert packet.window.started_at == at(1)


def test_label_window_not_exceeded_at_exactly_n_days():
    packet = assess(label_case(at(1)), at(6))
    assert packet.window.exceeded is False
    assert packet.next_move == "wait"


def test_label_window_exceeded_only_after_strictly_more_than_n_days():
    packet = assess(label_case(at(1)), at(6, **MINUTE))
    assert outcome(packet) == ("label_created_only", "supplier_chase", "chase_supplier", "supplier_delay")


def test_label_window_exceeded_with_pickup_proof_drafts_a_customer_update():
    facts = label_case(at(1), evidence=[evidence(at(2), "pickup_proof")])
    packet = assess(facts, at(7))
    assert outcome(packet) == ("label_created_only", "customer_update", "draft_update", "customer_support")


def test_label_window_exceeded_with_only_a_dispatch_claim_still_chases_the_supplier():
    facts = label_case(at(1), evidence=[evidence(at(2), "dispatch_claim", "Shipped already")])
    assert assess(facts, at(7)).next_move == "chase_supplier"


def test_number_without_events_is_label_created_only_with_window_from_ordered_at():
    facts = case(tracking=tracking())
    inside, exceeded = assess(facts, at(5)), assess(facts, at(5, **MINUTE))
    assert inside.case_type == exceeded.case_type == "label_created_only"
    assert inside.window.started_at == at(0)
    assert (inside.window.exceeded, exceeded.window.exceeded) == (False, True)
    assert "label_only" in inside.flags


# --- supplier chase reply window --------------------------------------------------------------


def test_label_only_past_window_with_chase_pending_waits():
    facts = label_case(at(1), chases=[chase(at(7))])
    packet = assess(facts, at(9))
    assert outcome(packet) == ("label_created_only", "supplier_chase", "wait", "supplier_delay")


def test_chase_reply_window_exceeded_only_after_strictly_more_than_n_days():
    facts = label_case(at(1), chases=[chase(at(7))])
    packet = assess(facts, at(9, **MINUTE))
    assert outcome(packet) == ("supplier_silence", "owner_only", "escalate", "supplier_delay")
    assert packet.window.name == "processing_window_days"
    assert packet.window.started_at == at(0)


def test_supplier_answer_after_the_chase_stops_it_being_unanswered():
    facts = label_case(at(1), chases=[chase(at(7))], evidence=[evidence(at(8), "processing_note", "Soon")])
    assert assess(facts, at(12)).case_type == "label_created_only"


def test_supplier_evidence_older_than_the_chase_does_not_answer_it():
    facts = label_case(
        at(1), chases=[chase(at(7))], evidence=[evidence(at(6), "dispatch_claim", "It shipped")]
    )
    assert assess(facts, at(12)).case_type == "supplier_silence"


def test_no_number_past_processing_window_with_chase_pending_waits():
    packet = assess(case(chases=[chase(at(4))]), at(5))
    assert outcome(packet) == ("supplier_silence", "supplier_chase", "wait", "supplier_delay")


def test_no_number_with_unanswered_chase_inside_processing_window_is_supplier_silence():
    packet = assess(case(chases=[chase(at(0, hours=1))]), at(2, hours=2))
    assert outcome(packet) == ("supplier_silence", "owner_only", "escalate", "supplier_delay")
    assert packet.window.exceeded is False


# --- accepted window --------------------------------------------------------------------------


def _accepted(**fields):
    return case(tracking=tracking(ev(at(1), "info_received"), ev(at(2), "accepted")), **fields)


def test_accepted_no_movement_not_exceeded_at_exactly_n_days():
    packet = assess(_accepted(), at(6))
    assert outcome(packet) == ("accepted_no_movement", "normal_watch", "wait", None)
    assert packet.window.name == "accepted_no_movement_days"


def test_accepted_no_movement_exceeded_after_strictly_more_than_n_days():
    packet = assess(_accepted(), at(6, **MINUTE))
    assert outcome(packet) == ("accepted_no_movement", "customer_update", "draft_update", "customer_support")


def test_label_after_acceptance_keeps_accepted_no_movement():
    facts = case(tracking=tracking(ev(at(2), "accepted"), ev(at(3), "info_received")))
    assert assess(facts, at(4)).case_type == "accepted_no_movement"


# --- in-transit window and lost package ----------------------------------------------------------


def test_in_transit_not_stale_at_exactly_n_days():
    packet = assess(in_transit_case(at(3)), at(10))
    assert outcome(packet) == ("in_transit", "normal_watch", "wait", None)
    assert packet.window.name == "stale_in_transit_days"


def test_in_transit_stale_after_strictly_more_than_n_days():
    packet = assess(in_transit_case(at(3)), at(10, **MINUTE))
    assert outcome(packet) == ("stale_in_transit", "customer_update", "draft_update", "customer_support")


def test_lost_package_limit_not_reached_at_exactly_n_days():
    packet = assess(in_transit_case(at(3)), at(23))
    assert outcome(packet) == ("stale_in_transit", "customer_update", "draft_update", "customer_support")


def test_lost_package_limit_exceeded_after_strictly_more_than_n_days():
    packet = assess(in_transit_case(at(3)), at(23, **MINUTE))
    assert outcome(packet) == ("stale_in_transit", "refund_risk", "escalate", "lost_package")


def test_out_for_delivery_as_last_movement_runs_the_in_transit_window():
    facts = case(tracking=tracking(ev(at(2), "accepted"), ev(at(4), "out_for_delivery")))
    assert assess(facts, at(12)).case_type == "stale_in_transit"


# --- carrier exception -----------------------------------------------------------------------


def _exception(status="exception"):
    return case(tracking=tracking(ev(at(2), "accepted"), ev(at(5), status)))


def test_carrier_exception_inside_grace_at_exactly_n_days():
    packet = assess(_exception(), at(8))
    assert outcome(packet) == ("carrier_exception", "customer_update", "draft_update", "customer_support")
    assert packet.window.name == "exception_grace_days"
    assert packet.window.started_at == at(5)


def test_carrier_exception_grace_exceeded_after_strictly_more_than_n_days():
    packet = assess(_exception(), at(8, **MINUTE))
    assert outcome(packet) == ("carrier_exception", "refund_risk", "escalate", "lost_package")


def test_returned_is_a_carrier_exception():
    assert assess(_exception("returned"), at(6)).case_type == "carrier_exception"


# --- delivered, conflict, unclear ------------------------------------------------------------


def _delivered(messages=()):
    return case(
        tracking=tracking(ev(at(2), "accepted"), ev(at(5), "delivered", country="US", postal_code="94110")),
        messages=messages,
    )


def test_delivered_closes():
    packet = assess(_delivered(), at(6))
    assert outcome(packet) == ("delivered", "normal_watch", "close", None)
    assert packet.window is None


def test_not_received_message_after_delivery_is_delivered_conflict():
    packet = assess(_delivered([inbound(at(6), "It never arrived")]), at(7))
    assert outcome(packet)[:4] == ("delivered_conflict", "refund_risk", "request_proof", "lost_package")


def test_not_received_message_before_the_delivery_scan_is_no_conflict():
    packet = assess(_delivered([inbound(at(4), "I have not received it")]), at(7))
    assert packet.case_type == "delivered"


def test_latest_unknown_status_is_unclear():
    facts = case(tracking=tracking(ev(at(2), "accepted"), ev(at(3), "unknown", raw_status="Zugestellt?")))
    assert outcome(assess(facts, at(4))) == ("unclear", "owner_only", "escalate", None)


def test_unknown_before_a_readable_status_is_not_unclear():
    facts = case(tracking=tracking(ev(at(2), "unknown"), ev(at(3), "accepted")))
    assert assess(facts, at(4)).case_type == "accepted_no_movement"


def test_movement_after_delivery_is_contradictory_and_unclear():
    facts = case(tracking=tracking(ev(at(2), "delivered"), ev(at(3), "in_transit")))
    assert assess(facts, at(4)).case_type == "unclear"


def test_exception_after_delivery_is_not_a_contradiction():
    facts = case(tracking=tracking(ev(at(2), "delivered"), ev(at(3), "exception")))
    assert assess(facts, at(4)).case_type == "carrier_exception"


# --- supplier blocked -----------------------------------------------------------------------


def test_restock_note_as_newest_evidence_without_scan_is_supplier_blocked():
    facts = label_case(at(1), evidence=[evidence(at(2), "dispatch_claim"), evidence(at(3), "restock_note")])
    packet = assess(facts, at(4))
    assert outcome(packet) == ("supplier_blocked", "customer_update", "draft_update", "supplier_delay")
    assert packet.window is None


def test_restock_note_followed_by_other_evidence_is_not_supplier_blocked():
    facts = label_case(
        at(1), evidence=[evidence(at(2), "restock_note"), evidence(at(3), "replacement_source")]
    )
    assert assess(facts, at(4)).case_type == "label_created_only"


def test_restock_note_after_a_first_scan_does_not_block():
    facts = in_transit_case(at(3), evidence=[evidence(at(4), "restock_note")])
    assert assess(facts, at(5)).case_type == "in_transit"


def test_supplier_blocked_without_tracking_number_beats_supplier_silence():
    facts = case(evidence=[evidence(at(1), "restock_note")])
    assert assess(facts, at(10)).case_type == "supplier_blocked"


# --- wrong tracking and wrong destination -----------------------------------------------------


def test_recycled_number_is_wrong_tracking():
    facts = case(
        tracking=tracking(ev(at(1), "info_received"), shared_with=(shared("#2", "bo@example.com", "94110"),))
    )
    packet = assess(facts, at(2))
    assert outcome(packet) == ("wrong_tracking", "supplier_chase", "request_proof", "supplier_delay")
    assert packet.window is None


def test_checksum_invalid_is_wrong_tracking():
    facts = case(tracking=tracking(ev(at(1), "info_received"), checksum_invalid=True))
    packet = assess(facts, at(2))
    assert packet.case_type == "wrong_tracking"
    assert "checksum_invalid" in packet.flags


def test_delivered_to_another_postal_code_is_wrong_destination():
    facts = case(tracking=tracking(ev(at(2), "accepted"), ev(at(5), "delivered", postal_code="10001")))
    packet = assess(facts, at(6))
    assert outcome(packet) == ("wrong_destination", "owner_only", "escalate", "wrong_address")
    assert "destination_mismatch" in packet.flags


def test_wrong_destination_beats_wrong_tracking():
    facts = case(
        tracking=tracking(
            ev(at(-3), "accepted"),
            ev(at(5), "out_for_delivery", country="CA"),
        )
    )
    packet = assess(facts, at(6))
    assert packet.case_type == "wrong_destination"
    assert {"destination_mismatch", "predates_order"} <= set(packet.flags)
