"""rules.md version 2, sections 1 and 3: facts dated after as_of are ignored by every rule, and the
points version 1 left open (countries, SKUs, supplier names and emails without regard to case; recycling
compares what both orders have; intents at the start of words)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from cases.assessment import assess, assess_many, read_intents
from cases.assessment.derived import derive
from cases.assessment.review import group_name
from tests.helpers.case_builders import case, in_transit_case, label_case
from tests.helpers.case_pieces import at, chase, ev, evidence, inbound, outbound, shared, tracking

SECOND = timedelta(seconds=1)
AS_OF = at(20)

# --- section 1: a fact dated after as_of is ignored, one dated exactly at as_of is not ----------------


def test_an_event_one_second_after_as_of_is_ignored_and_at_as_of_is_read():
    facts = case(tracking=tracking(ev(at(1), "accepted"), ev(at(5), "delivered")))
    assert assess(facts, at(5) - SECOND).case_type == "accepted_no_movement"
    assert assess(facts, at(5)).case_type == "delivered"


def test_supplier_evidence_after_as_of_neither_blocks_nor_proves():
    restock = label_case(at(1), evidence=[evidence(at(8) + SECOND, "restock_note")])
    assert assess(restock, at(8)).case_type == "label_created_only"
    assert assess(restock, at(8) + SECOND).case_type == "supplier_blocked"
    proof = label_case(at(1), evidence=[evidence(at(8) + SECOND, "pickup_proof")])
    assert assess(proof, at(8)).risk_level == "supplier_chase"
    assert assess(proof, at(8) + SECOND).risk_level == "customer_update"


def test_a_chase_after_as_of_is_not_pending():
    facts = case(chases=[chase(at(5) + SECOND)])
    assert assess(facts, at(5)).next_move == "chase_supplier"
    assert assess(facts, at(5) + SECOND).next_move == "wait"


def test_a_customer_message_after_as_of_neither_waits_nor_asks_for_a_refund():
    facts = in_transit_case(at(3), messages=[inbound(at(6) + SECOND, "refund now")])
    before = assess(facts, at(6))
    assert (before.risk_level, before.flags) == ("normal_watch", ())
    after = assess(facts, at(6) + SECOND)
    assert after.next_move == "prepare_refund_review"


def test_an_order_sharing_the_number_placed_after_as_of_is_no_recycling_yet():
    other = shared("#2", "bo@example.com", "10001", ordered_at=at(6) + SECOND)
    facts = in_transit_case(at(3))
    facts = replace(facts, tracking=replace(facts.tracking, shared_with=(other,)))
    assert assess(facts, at(6)).case_type == "in_transit"
    packet = assess(facts, at(6))
    assert packet.next_assessment_at == at(6) + SECOND
    assert assess(facts, at(6) + SECOND).case_type == "wrong_tracking"


def _stale(order_id: str, ordered_at, **fields):
    moves = tracking(
        ev(ordered_at + timedelta(hours=12), "accepted"), ev(ordered_at + timedelta(days=1), "in_transit")
    )
    return case(order_id=order_id, ordered_at=ordered_at, tracking=moves, **fields)


def test_orders_placed_after_as_of_count_for_neither_review_overlay():
    late = _stale("#3", AS_OF + SECOND)
    packet = assess(_stale("#1", at(10)), AS_OF, peers=[_stale("#2", at(10)), late])
    assert "product_review" not in packet.flags
    assert packet.next_assessment_at is not None
    stuck = [case(order_id=f"#{i}", ordered_at=at(10), sku=f"S{i}") for i in (1, 2)]
    late_stuck = case(order_id="#3", ordered_at=AS_OF + SECOND, sku="S3")
    assert "supplier_review" not in assess_many([*stuck, late_stuck], AS_OF)[0].flags


# --- section 3: countries upper case; an order without a country compares postal codes only ----------


def _delivered(order_country: str, event_country: str, order_postal="94110", event_postal=""):
    facts = case(
        country=order_country,
        postal_code=order_postal,
        tracking=tracking(
            ev(at(2), "accepted"), ev(at(4), "delivered", country=event_country, postal_code=event_postal)
        ),
    )
    return assess(facts, at(5))


def test_countries_compare_upper_case():
    assert _delivered("us", "US").case_type == "delivered"
    assert _delivered("US", " us").case_type == "delivered"
    assert _delivered("us", "CA").case_type == "wrong_destination"


def test_an_order_without_a_country_compares_postal_codes_only():
    assert _delivered("", "CA", event_postal="94110").case_type == "delivered"
    assert _delivered("", "CA", event_postal="10001").case_type == "wrong_destination"
    assert _delivered("", "CA", order_postal="").case_type == "delivered"


def test_an_order_without_a_postal_code_compares_countries_only():
    assert _delivered("US", "US", order_postal="", event_postal="10001").case_type == "delivered"
    assert _delivered("US", "CA", order_postal="", event_postal="10001").case_type == "wrong_destination"


def test_an_order_without_a_country_names_it_as_an_evidence_gap():
    gaps = _delivered("", "CA", event_postal="94110").evidence_gaps
    assert any("no destination country" in gap for gap in gaps)
    assert not any("no destination country" in gap for gap in _delivered("US", "US").evidence_gaps)
    closed = assess(case(country=" ", cancelled_at=at(1)), at(2))
    assert any("no destination country" in gap for gap in closed.evidence_gaps)


# --- section 3: recycling compares only what both orders have ----------------------------------------


@pytest.mark.parametrize(
    ("own_email", "own_postal", "other_email", "other_postal", "recycled"),
    [
        ("Ana@Example.com", "94110", "ana@example.COM ", "94 110", False),  # same customer, any case
        ("ana@example.com", "94110", "", "94110", False),  # a missing email differs from nothing
        ("ana@example.com", "94110", "", "10001", True),  # ... but the postal code still can
        ("", "94110", "bo@example.com", "94110", False),  # missing on this order
        ("ana@example.com", "", "bo@example.com", "", True),
        ("ana@example.com", "", "ana@example.com", "10001", False),  # missing postal code
        ("", "", "bo@example.com", "10001", False),  # nothing to compare
    ],
)
def test_recycling_compares_only_what_both_orders_have(
    own_email, own_postal, other_email, other_postal, recycled
):
    other = shared("#2", other_email, other_postal)
    facts = case(
        customer_email=own_email,
        postal_code=own_postal,
        tracking=tracking(ev(at(1), "accepted"), ev(at(2), "in_transit"), shared_with=(other,)),
    )
    assert derive(facts, at(3)).recycled is recycled
    assert (assess(facts, at(3)).case_type == "wrong_tracking") is recycled


# --- section 3a: SKUs and supplier names without regard to case or surrounding spaces -----------------


def test_sku_and_supplier_names_compare_without_case_or_surrounding_spaces():
    assert group_name("  Lamp-01 ") == group_name("LAMP-01") == "lamp-01"
    assert group_name(" Bright Home Supply\t") == group_name("bright home supply")
    assert group_name("SKU 1") != group_name("SKU  1")  # inner spaces are part of the name


def test_product_review_counts_skus_spelled_alike():
    packet = assess(
        _stale("#1", at(10), sku="LAMP-01"),
        AS_OF,
        peers=[_stale("#2", at(10), sku=" lamp-01"), _stale("#3", at(10), sku="Lamp-01  ")],
    )
    assert "product_review" in packet.flags


def test_supplier_flag_counts_supplier_names_spelled_alike():
    stuck = [
        case(order_id="#1", ordered_at=at(10), sku="S1", supplier="Bright Home Supply"),
        case(order_id="#2", ordered_at=at(10), sku="S2", supplier=" bright home supply"),
        case(order_id="#3", ordered_at=at(10), sku="S3", supplier="BRIGHT HOME SUPPLY "),
    ]
    assert all("supplier_review" in p.flags for p in assess_many(stuck, AS_OF))


def test_inner_spaces_keep_skus_apart():
    packet = assess(
        _stale("#1", at(10), sku="LAMP 01"),
        AS_OF,
        peers=[_stale("#2", at(10), sku="LAMP 01"), _stale("#3", at(10), sku="LAMP  01")],
    )
    assert "product_review" not in packet.flags


# --- section 3: intents at the start of words, running on ------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I want a refund", "refund_request"),
        ("REFUNDS please", "refund_request"),
        ("have I been refunded?", "refund_request"),
        ("give my money   back", "refund_request"),
        ("please reimburse me", "refund_request"),
        ("I was reimbursed?", "refund_request"),
        ("I haven\u2019t received it", "not_received"),
        ("I haven\u2018t\treceived it", "not_received"),
        ("it NEVER  ARRIVED", "not_received"),
        ("I'll call my bank", "dispute_threat"),
        ("chargebacks are next", "dispute_threat"),
        ("I disputed it", "dispute_threat"),
    ],
)
def test_intents_match_at_the_start_of_a_word_and_run_on(text, intent):
    assert intent in read_intents(text)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("the ticket was nonrefundable", "refund_request"),
        ("a prefund was mentioned", "refund_request"),
        ("that is indisputable", "dispute_threat"),
    ],
)
def test_a_phrase_inside_a_word_is_no_intent(text, intent):
    assert intent not in read_intents(text)


def test_a_nonrefundable_mention_is_no_refund_request_in_the_packet():
    packet = assess(in_transit_case(at(3), messages=[inbound(at(4), "Is it nonrefundable?")]), at(5))
    assert packet.next_move == "draft_update"
    assert packet.route == "customer_support"


def test_outbound_text_never_carries_intents():
    facts = in_transit_case(at(3), messages=[outbound(at(4), "We cannot refund yet")])
    assert assess(facts, at(5)).next_move == "wait"
