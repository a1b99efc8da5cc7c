"""rules.md section 3: facts derived from the input, and what as_of hides."""

from __future__ import annotations

from dataclasses import replace

from cases.assessment import assess
from cases.assessment.derived import derive
from tests.helpers.case_builders import case, in_transit_case, label_case
from tests.helpers.case_pieces import at, chase, ev, evidence, inbound, outbound, shared, tracking

# --- ordering and what counts as a scan --------------------------------------------------------


def test_events_are_sorted_by_time_whatever_the_input_order():
    facts = case(
        tracking=tracking(ev(at(5), "in_transit"), ev(at(1), "info_received"), ev(at(3), "accepted"))
    )
    d = derive(facts, at(6))
    assert [e.status for e in d.events] == ["info_received", "accepted", "in_transit"]
    assert d.label_at == at(1)
    assert d.first_scan_at == at(3)
    assert d.last_movement_at == at(5)


def test_events_at_the_same_time_keep_input_order():
    facts = case(tracking=tracking(ev(at(2), "accepted"), ev(at(2), "exception")))
    assert derive(facts, at(3)).latest.status == "exception"
    reversed_facts = case(tracking=tracking(ev(at(2), "exception"), ev(at(2), "accepted")))
    assert derive(reversed_facts, at(3)).latest.status == "accepted"


def test_unknown_event_is_not_a_first_scan():
    facts = case(tracking=tracking(ev(at(1), "info_received"), ev(at(2), "unknown")))
    d = derive(facts, at(3))
    assert d.first_scan is None
    assert d.latest.status == "unknown"


def test_label_at_is_the_earliest_info_received():
    facts = case(tracking=tracking(ev(at(3), "info_received"), ev(at(1), "info_received")))
    assert derive(facts, at(4)).label_at == at(1)


# --- no_information -------------------------------------------------------------------------


def test_no_information_events_are_ignored_by_every_rule():
    plain = in_transit_case(at(3))
    noisy = replace(
        plain,
        tracking=replace(
            plain.tracking,
            events=(ev(at(-5), "no_information"), *plain.tracking.events, ev(at(4), "no_information")),
        ),
    )
    assert assess(noisy, at(5)).decision_key() == assess(plain, at(5)).decision_key()


def test_no_information_after_delivery_does_not_reopen_a_delivered_case():
    facts = case(
        tracking=tracking(ev(at(2), "accepted"), ev(at(5), "delivered"), ev(at(9), "no_information"))
    )
    assert assess(facts, at(10)).case_type == "delivered"


def test_only_no_information_events_count_as_no_events_for_label_only():
    facts = case(tracking=tracking(ev(at(1), "no_information")))
    packet = assess(facts, at(2))
    assert packet.case_type == "label_created_only"
    assert packet.window.started_at == at(0)
    assert "label_only" in packet.flags


def test_no_information_more_than_a_day_before_the_order_does_not_predate_it():
    facts = case(tracking=tracking(ev(at(-10), "no_information"), ev(at(1), "info_received")))
    assert "predates_order" not in assess(facts, at(2)).flags


# --- events and other facts after as_of -----------------------------------------------------


def test_events_after_as_of_are_ignored():
    facts = case(tracking=tracking(ev(at(1), "info_received"), ev(at(5), "delivered")))
    packet = assess(facts, at(3))
    assert packet.case_type == "label_created_only"
    assert packet.clocks.days_since_first_scan is None


def test_event_exactly_at_as_of_is_seen():
    facts = case(tracking=tracking(ev(at(1), "info_received"), ev(at(3), "accepted")))
    assert assess(facts, at(3)).case_type == "accepted_no_movement"


def test_messages_after_as_of_are_ignored():
    facts = in_transit_case(at(3), messages=[inbound(at(6), "refund please")])
    packet = assess(facts, at(5))
    assert packet.risk_level == "normal_watch"
    assert "customer_waiting" not in packet.flags


def test_supplier_evidence_after_as_of_is_ignored():
    facts = label_case(at(1), evidence=[evidence(at(9), "pickup_proof")])
    assert assess(facts, at(8)).next_move == "chase_supplier"


def test_chases_after_as_of_are_ignored():
    facts = label_case(at(1), chases=[chase(at(9))])
    assert assess(facts, at(8)).next_move == "chase_supplier"


def test_shared_order_placed_after_as_of_does_not_make_recycling():
    other = shared("#2", "bo@example.com", "10001", at(4))
    facts = case(tracking=tracking(ev(at(1), "info_received"), shared_with=(other,)))
    assert assess(facts, at(3)).case_type == "label_created_only"
    assert assess(facts, at(4)).case_type == "wrong_tracking"


# --- recycled vs combined shipment -----------------------------------------------------------


def _sharing(email: str, postal: str, **order_fields):
    return case(
        tracking=tracking(ev(at(1), "info_received"), shared_with=(shared("#2", email, postal),)),
        **order_fields,
    )


def test_same_email_and_postal_code_is_a_combined_shipment_not_recycling():
    packet = assess(_sharing("ana@example.com", "94110"), at(2))
    assert packet.case_type == "label_created_only"
    assert "recycled_tracking" not in packet.flags


def test_email_compared_case_insensitively_and_postal_without_spaces():
    facts = _sharing("ANA@Example.com", "sw1a 1aa", postal_code="SW1A1AA")
    assert "recycled_tracking" not in assess(facts, at(2)).flags


def test_different_email_same_postal_code_is_recycled():
    assert "recycled_tracking" in assess(_sharing("bo@example.com", "94110"), at(2)).flags


def test_same_email_different_postal_code_is_recycled():
    assert "recycled_tracking" in assess(_sharing("ana@example.com", "10001"), at(2)).flags


def test_missing_email_on_the_other_order_proves_no_difference():
    assert "recycled_tracking" not in assess(_sharing("", "94110"), at(2)).flags


# --- predates_order -------------------------------------------------------------------------


def _label_before_order(hours_before: float, minutes_before: float = 0):
    return case(tracking=tracking(ev(at(0, hours=-hours_before, minutes=-minutes_before), "info_received")))


def test_event_exactly_24_hours_before_the_order_does_not_predate_it():
    packet = assess(_label_before_order(24), at(1))
    assert "predates_order" not in packet.flags
    assert packet.case_type == "label_created_only"


def test_event_more_than_24_hours_before_the_order_predates_it():
    packet = assess(_label_before_order(24, 1), at(1))
    assert "predates_order" in packet.flags
    assert packet.case_type == "wrong_tracking"


# --- destination_mismatch ---------------------------------------------------------------------


def _at_destination(status: str, **fields):
    return case(tracking=tracking(ev(at(2), "accepted"), ev(at(4), status, **fields)))


def test_destination_event_in_another_country_mismatches():
    assert (
        assess(_at_destination("available_for_pickup", country="ca"), at(5)).case_type == "wrong_destination"
    )


def test_postal_code_compared_upper_case_without_spaces():
    facts = _at_destination("delivered", postal_code="sw1a 1aa")
    facts = replace(facts, order=replace(facts.order, postal_code="SW1A1AA", country="GB"))
    assert assess(facts, at(5)).case_type == "delivered"


def test_missing_postal_code_on_the_event_is_not_a_mismatch():
    assert assess(_at_destination("delivered", country="US"), at(5)).case_type == "delivered"


def test_in_transit_event_abroad_is_not_a_destination_mismatch():
    assert assess(_at_destination("in_transit", country="CN"), at(5)).case_type == "in_transit"


# --- unanswered messages ----------------------------------------------------------------------


def test_unanswered_means_inbound_newer_than_the_latest_outbound():
    facts = in_transit_case(
        at(3),
        messages=[
            inbound(at(3), "where?"),
            outbound(at(4)),
            inbound(at(5), "still?"),
            inbound(at(6), "hello?"),
        ],
    )
    assert len(derive(facts, at(7)).unanswered) == 2


def test_inbound_answered_by_a_later_outbound_is_not_waiting():
    facts = in_transit_case(at(3), messages=[inbound(at(3), "where?"), outbound(at(4))])
    assert "customer_waiting" not in assess(facts, at(5)).flags
