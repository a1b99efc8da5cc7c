"""The demo data: the pure generator (cases.demo.scenarios) and the `seed_demo` command."""

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.carriers.detect import best_carrier, checksum_invalid
from cases.carriers.local_times import carrier_local_time, zone_for_country
from cases.carriers.statuses import status_from_description
from cases.choices import CaseType
from cases.demo.scenarios import KINDS, generate, plan_kinds
from cases.models import (
    Case,
    CustomerMessage,
    Order,
    PastDecision,
    SupplierChase,
    SupplierEvidence,
    TrackingEvent,
    TrackingNumber,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SPEC_CASE_TYPES = {
    "cancelled",
    "refunded",
    "fulfilled_no_tracking",
    "wrong_destination",
    "wrong_tracking",
    "unclear",
    "delivered_conflict",
    "delivered",
    "carrier_exception",
    "supplier_blocked",
    "supplier_silence",
    "awaiting_tracking",
    "label_created_only",
    "accepted_no_movement",
    "stale_in_transit",
    "in_transit",
}


def test_the_spec_case_types_are_the_models_case_types():
    assert set(CaseType.values) == SPEC_CASE_TYPES


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


@pytest.mark.django_db
def test_seed_demo_loads_every_case_type_once_and_only_once():
    out = StringIO()
    call_command("seed_demo", orders=300, stdout=out)
    assert Order.objects.count() == 300
    assert set(Case.objects.values_list("case_type", flat=True)) == SPEC_CASE_TYPES
    # Order by order, the rules engine reached the case type each scenario was built for. Which order
    # id gets which scenario does not depend on the clock, so regenerating at another `now` tells.
    expected = {o.order_id: o.expected_case_type for o in generate(NOW, orders=300, seed=7).orders}
    assert dict(Case.objects.values_list("order__order_id", "case_type")) == expected
    assert not Case.objects.filter(assessed_at__isnull=True).exists()
    assert SupplierEvidence.objects.filter(kind="pickup_proof").exists()
    assert SupplierEvidence.objects.filter(kind="restock_note").exists()
    assert SupplierChase.objects.exists() and CustomerMessage.objects.exists()
    assert Order.objects.filter(payment_state="cash_on_delivery").exists()
    assert Order.objects.filter(cancelled_at__isnull=False).exists()
    assert Order.objects.filter(fulfilled_at__isnull=False).exists()
    assert TrackingEvent.objects.filter(approximate=True, raw_status="").exists()
    undetected = TrackingNumber.objects.filter(carrier="").values_list("normalized", flat=True)
    assert undetected and all(checksum_invalid(number) for number in undetected)
    text = out.getvalue()
    assert "Loaded 300 demo orders" in text and "case types: " in text and "risk levels: " in text

    again = StringIO()
    call_command("seed_demo", orders=300, stdout=again)
    assert Order.objects.count() == 300
    assert "Demo data already loaded (300 orders); nothing changed." in again.getvalue()


@pytest.mark.django_db
def test_seed_demo_leaves_ten_past_decisions_that_the_replay_scores():
    out = StringIO()
    call_command("seed_demo", orders=300, stdout=out)
    assert PastDecision.objects.count() == 10 and "10 past decisions to replay" in out.getvalue()
    assert all(d.order.ordered_at <= d.decided_at <= timezone.now() for d in PastDecision.objects.all())
    report = StringIO()
    call_command("replay", "--all", "--format", "json", stdout=report)
    assert json.loads(report.getvalue())["next_move"]["compared"] == 10
