"""Version 2 on the tracking: approximate carrier times (rules.md section 1) and a number that fits no
known carrier format and has no carrier event (the lead's rule: wrong_tracking)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from cases.assessment import assess, check_draft, guard_context
from tests.helpers.case_builders import case, in_transit_case
from tests.helpers.case_pieces import at, ev, evidence, inbound, tracking

SECOND = timedelta(seconds=1)
LOCAL_TIME = "read as local time"


def no_format(*events, **fields):
    """A case whose number fits no known carrier format (Tracking.fits_no_format)."""
    return case(tracking=tracking(*events, number="ZZ-1234", fits_no_format=True), **fields)


# --- approximate carrier times ------------------------------------------------------------------


def test_an_approximate_event_names_local_time_as_an_evidence_gap():
    facts = case(tracking=tracking(ev(at(1), "accepted"), ev(at(2), "in_transit", approximate=True)))
    gaps = assess(facts, at(3)).evidence_gaps
    assert [gap for gap in gaps if LOCAL_TIME in gap] == [
        "some carrier times came without an offset and were read as local time at the event's place "
        "(within a day)"
    ]


def test_exact_times_name_no_local_time_gap():
    gaps = assess(in_transit_case(at(3)), at(4)).evidence_gaps
    assert not any(LOCAL_TIME in gap for gap in gaps)


def test_an_approximate_event_after_as_of_is_ignored_like_any_fact():
    facts = case(tracking=tracking(ev(at(1), "accepted"), ev(at(5), "in_transit", approximate=True)))
    assert not any(LOCAL_TIME in gap for gap in assess(facts, at(5) - SECOND).evidence_gaps)
    assert any(LOCAL_TIME in gap for gap in assess(facts, at(5)).evidence_gaps)


def test_an_approximate_no_information_event_is_ignored():
    facts = case(tracking=tracking(ev(at(1), "accepted"), ev(at(2), "no_information", approximate=True)))
    assert not any(LOCAL_TIME in gap for gap in assess(facts, at(3)).evidence_gaps)


def test_approximate_times_change_no_decision():
    exact = case(tracking=tracking(ev(at(1), "accepted"), ev(at(2), "in_transit")))
    approximate = case(tracking=tracking(ev(at(1), "accepted"), ev(at(2), "in_transit", approximate=True)))
    assert assess(exact, at(12)).decision_key() == assess(approximate, at(12)).decision_key()


def test_a_cancelled_order_reads_no_tracking_so_names_no_local_time():
    facts = case(cancelled_at=at(2), tracking=tracking(ev(at(1), "accepted", approximate=True)))
    assert assess(facts, at(3)).evidence_gaps == ()


# --- a number that fits no known carrier format -------------------------------------------------


def test_a_number_fitting_no_format_without_events_is_wrong_tracking_from_the_start():
    packet = assess(no_format(), at(0))
    assert (packet.case_type, packet.risk_level, packet.next_move, packet.route) == (
        "wrong_tracking",
        "supplier_chase",
        "request_proof",
        "supplier_delay",
    )
    assert "the tracking number fits no known carrier format" in packet.evidence_gaps
    assert any("fits no known carrier format" in reason for reason in packet.reasons)
    assert packet.window is None


def test_a_number_fitting_a_format_without_events_waits_for_its_first_scan():
    fits = case(tracking=tracking(number="LP00412345678901"))
    assert assess(fits, at(1)).case_type == "label_created_only"


def test_a_carrier_event_at_as_of_clears_the_doubt_and_its_arrival_is_the_next_assessment():
    facts = no_format(ev(at(2), "accepted"))
    before = assess(facts, at(2) - SECOND)
    assert before.case_type == "wrong_tracking"
    assert before.next_assessment_at == at(2)
    assert assess(facts, at(2)).case_type == "accepted_no_movement"


def test_a_label_event_counts_as_an_event():
    assert assess(no_format(ev(at(1), "info_received")), at(2)).case_type == "label_created_only"


def test_no_information_events_are_no_events():
    assert assess(no_format(ev(at(1), "no_information")), at(2)).case_type == "wrong_tracking"


def test_no_format_without_a_number_is_no_wrong_tracking():
    blank = replace(no_format().tracking, number=" ", normalized="")
    assert assess(case(tracking=blank), at(1)).case_type == "awaiting_tracking"


def test_no_format_comes_after_cancelled_and_before_supplier_blocked():
    assert assess(no_format(cancelled_at=at(1)), at(2)).case_type == "cancelled"
    blocked = no_format(evidence=[evidence(at(1), "restock_note")])
    assert assess(blocked, at(2)).case_type == "wrong_tracking"


def test_no_format_asks_the_supplier_for_the_right_number():
    packet = assess(no_format(), at(1))
    assert packet.supplier_draft is not None
    assert "fits no carrier's number format" in packet.supplier_draft
    assert "ZZ-1234" in packet.supplier_draft


def test_no_format_reply_to_a_waiting_customer_passes_the_guard():
    packet = assess(no_format(messages=[inbound(at(1))]), at(2))
    assert packet.draft_reply is not None
    assert "label_only" in packet.flags
    assert check_draft(packet.draft_reply, **guard_context(packet).kwargs()) == []
