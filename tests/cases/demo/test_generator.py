"""The demo generator (cases.demo): every scenario kind and case type, plausible and reproducible facts,
numbers the carrier detector knows, and tracker words the status vocabularies read back."""

import random
from collections import Counter
from datetime import timedelta

from cases.assessment import vocabulary as v
from cases.demo import events
from cases.demo.generator import generate
from cases.demo.scenarios import SCENARIOS
from cases.demo.stories import KINDS, KINDS_BY_NAME, plan_kinds
from cases.tracking.detect import best_carrier, checksum_invalid
from cases.tracking.local_times import carrier_local_time, zone_for_country
from cases.tracking.statuses import STATUS_SOURCES, normalize_status, status_from_description
from tests.helpers.demo import NOW, SPEC_CASE_TYPES


def test_every_scenario_kind_and_case_type_is_generated_even_for_a_small_demo():
    data = generate(NOW, orders=40, seed=7)
    assert len(data.orders) == 40
    assert {o.kind for o in data.orders} == {k.name for k in KINDS}
    assert {o.expected_case_type for o in data.orders} == SPEC_CASE_TYPES
    for order in data.orders:
        assert order.expected_case_type in next(k.case_types for k in KINDS if k.name == order.kind)


def test_the_plan_has_exactly_the_orders_asked_for():
    for orders in (1, 2, 25, 26, 27, 301):
        plan = plan_kinds(orders, random.Random(3))
        assert sum(kind.orders for kind in plan) == orders


def test_generated_facts_are_plausible_and_reproducible():
    data = generate(NOW, orders=600, seed=11)
    again = generate(NOW, orders=600, seed=11)
    assert [(o.order_id, o.kind, o.ordered_at, o.tracking and o.tracking.number) for o in data.orders] == [
        (o.order_id, o.kind, o.ordered_at, o.tracking and o.tracking.number) for o in again.orders
    ]
    assert len({o.order_id for o in data.orders}) == 600
    assert len({p.sku for p in data.products}) == 40
    assert len(data.suppliers) == 3
    assert len({o.country for o in data.orders}) >= 6
    for order in data.orders:
        assert timedelta(0) < NOW - order.ordered_at <= timedelta(days=40)
        for records in (order.evidence, order.chases, order.messages):
            assert all(record.at <= NOW for record in records)
        if order.tracking is not None:
            assert all(event.at <= NOW for event in order.tracking.events)
    # Mostly healthy: a realistic minority of stuck parcels.
    kinds = Counter(o.expected_case_type for o in data.orders)
    assert kinds["in_transit"] + kinds["delivered"] > len(data.orders) / 2


def test_tracking_numbers_are_recognised_by_the_carrier_detector():
    data = generate(NOW, orders=600, seed=7)
    trackings = data.trackings()
    carriers = Counter(best_carrier(t.number) for t in trackings)
    assert {"ups", "s10", "yunexpress", "cainiao"} <= set(carriers)
    for tracking in trackings:
        bad = checksum_invalid(tracking.number)
        users = [o for o in data.orders if o.tracking is tracking]
        if any(o.kind == "checksum_invalid" for o in users):
            assert bad, tracking.number
        else:
            assert not bad and best_carrier(tracking.number) == tracking.carrier, tracking.number


def test_combined_shipments_share_a_number_within_one_customer_and_recycled_numbers_do_not():
    data = generate(NOW, orders=400, seed=7)
    shared = {}
    for order in data.orders:
        if order.tracking is not None:
            shared.setdefault(order.tracking.number, []).append(order)
    pairs = [orders for orders in shared.values() if len(orders) > 1]
    assert {o.kind for orders in pairs for o in orders} == {"combined_shipment", "recycled_number"}
    for orders in pairs:
        people = {(o.customer_email, o.postal_code) for o in orders}
        assert len(people) == (1 if orders[0].kind == "combined_shipment" else len(orders))


def test_the_demo_shows_what_real_stores_data_brings():
    """bundle.md version 2: cancelled, refunded and fulfilled orders, cash on delivery, events with only a
    description (their status is what rules.md section 3b reads) and carrier local times (section 1)."""
    data = generate(NOW, orders=40, seed=7)
    by_kind = {}
    for order in data.orders:
        by_kind.setdefault(order.kind, []).append(order)
    (cancelled,) = by_kind["cancelled"]
    assert cancelled.ordered_at < cancelled.cancelled_at <= NOW
    (fulfilled,) = by_kind["fulfilled_no_tracking"]
    assert fulfilled.tracking is None and fulfilled.ordered_at < fulfilled.fulfilled_at <= NOW
    assert by_kind["refunded"][0].payment_state == "refunded"
    assert by_kind["cash_on_delivery"][0].payment_state == "cash_on_delivery"
    # Only the scenarios for them carry these facts.
    others = [o for o in data.orders if o.kind not in ("cancelled", "fulfilled_no_tracking")]
    assert all(o.cancelled_at is None and o.fulfilled_at is None for o in others)

    big = generate(NOW, orders=2000, seed=7)
    assert sum(o.payment_state == "cash_on_delivery" for o in big.orders) >= 2
    feed = [e for t in big.trackings() for e in t.events if e.approximate]
    assert feed, "some carrier events were given in local time"
    for event in feed:
        assert event.raw_status == "" and event.description
        assert status_from_description(event.description) == event.status, event.description
        # Given as wall time at the event's place and read there, it is the same moment.
        assert carrier_local_time(_wall_time(event.at, event.country), event.country) == event.at


def _wall_time(at, country):
    """The carrier's local wall time for `at` at `country` (rules.md section 1's zones)."""
    return at.astimezone(zone_for_country(country)).replace(tzinfo=None)


def test_every_scenario_kind_has_one_way_of_being_drawn():
    assert set(SCENARIOS) == set(KINDS_BY_NAME)
    assert {case_type for kind in KINDS for case_type in kind.case_types} == set(v.CASE_TYPES)


def test_the_tracker_words_of_the_demo_read_back_as_the_statuses_they_stand_for():
    """raw_status words are the trackers' own (cases.tracking.statuses), so an import would read them so."""
    assert set(events.TRACKERS) <= set(STATUS_SOURCES)
    for tracker in events.TRACKERS:
        for status, word in events.RAW[tracker].items():
            assert normalize_status(word, source=tracker) == status, (tracker, word)
        assert normalize_status(events.CUSTOMS_RAW[tracker], source=tracker) == v.IN_TRANSIT
        assert normalize_status(events.ATTEMPT_RAW[tracker], source=tracker) == v.EXCEPTION
    for word, _ in events.UNKNOWN_RAW:
        assert normalize_status(word) == v.UNKNOWN, word
