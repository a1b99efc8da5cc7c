"""Building and storing a week's rollups (`suppliers.services.build_weekly_rollups`).

From a known set of stored cases: every figure checked, the notes, an empty week and a supplier with no
orders, rebuilding, the week in the store's time zone, and a query count that does not grow with the
orders."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from cases.assessment import vocabulary as v
from cases.models import Case, Order, Outcome
from suppliers.models import Product, Supplier, WeeklyRollup
from suppliers.selectors import week_bounds
from suppliers.services import build_weekly_rollups
from tests.factories import ProductFactory
from tests.helpers.known_week import EXPECTED, WEEK, at, blank_figures, make_order, message, track
from tests.helpers.scorecard import rollup

pytestmark = pytest.mark.django_db


def test_the_rollups_of_a_known_week_hold_every_figure(week):
    counts = build_weekly_rollups(WEEK)
    assert counts == {"supplier": 3, "sku": 3, "country": 3}
    built = {(r.dimension, r.key): r.figures for r in WeeklyRollup.objects.filter(week_start=WEEK)}
    assert set(built) == set(EXPECTED)
    for key, expected in EXPECTED.items():
        assert built[key] == expected, key


def test_the_rollup_rows_point_at_their_supplier_and_product(week):
    build_weekly_rollups(WEEK)
    acme = Supplier.objects.get(name="Acme")
    a1 = rollup("sku", "A-1")
    assert (a1.supplier, a1.product) == (acme, Product.objects.get(sku="A-1"))
    assert (rollup("supplier", "Acme").supplier, rollup("supplier", "Acme").product) == (acme, None)
    assert (rollup("country", "BR").supplier, rollup("country", "BR").product) == (None, None)


def test_an_empty_week_builds_one_zero_row_per_supplier_and_nothing_else(week):
    counts = build_weekly_rollups(WEEK - timedelta(weeks=3))
    assert counts == {"supplier": 3, "sku": 0, "country": 0}
    rows = WeeklyRollup.objects.filter(week_start=WEEK - timedelta(weeks=3))
    assert {r.key: r.figures for r in rows} == {name: blank_figures() for name in ("Acme", "Bright", "Idle")}


def test_an_empty_week_without_suppliers_builds_nothing():
    assert build_weekly_rollups(WEEK) == {"supplier": 0, "sku": 0, "country": 0}
    assert not WeeklyRollup.objects.exists()


def test_the_notes_are_computed_from_the_week(week):
    acme = Supplier.objects.get(name="Acme")
    lamp = ProductFactory(sku="LAMP", supplier=acme)
    for i in range(3):
        order = make_order(
            f"#L{i}", lamp, "FR", at(10, i), v.LABEL_CREATED_ONLY, v.SUPPLIER_CHASE, exceeded=True
        )
        for j in range(2):
            message(order, at(12, i, j), text=f"hello {j}")
    build_weekly_rollups(WEEK)
    assert rollup("supplier", "Acme").notes == ["prints labels before hand-off: 4 of 5 label-only cases"]
    assert rollup("sku", "LAMP").notes == ["this SKU made 6 customer messages for 3 orders"]


def test_a_slow_country_gets_a_note_against_the_store_median():
    product = ProductFactory(sku="S-1")
    hours = [("US", 24), ("US", 24), ("US", 24), ("US", 24), ("BR", 72), ("BR", 72), ("BR", 72)]
    for i, (country, first_scan_after) in enumerate(hours):
        order = make_order(f"#S{i}", product, country, at(10), v.IN_TRANSIT_CASE, v.NORMAL_WATCH)
        track(order, (at(10) + timedelta(hours=first_scan_after), v.ACCEPTED))
    build_weekly_rollups(WEEK)
    # The store's median is 24 h (the 4th of 7), Brazil's 72 h.
    assert rollup("country", "BR").notes == ["first scans in BR take 3x the store median"]
    assert rollup("country", "US").notes == []


def test_rebuilding_a_week_replaces_its_rows(week):
    build_weekly_rollups(WEEK)
    first = {(r.dimension, r.key): r.pk for r in WeeklyRollup.objects.all()}
    Order.objects.filter(order_id="#4").update(ordered_at=at(20))  # A-2 keeps one order
    Order.objects.filter(order_id="#7").update(ordered_at=at(20))  # DE loses its only order
    Case.objects.filter(order__order_id="#1").update(case_type=v.DELIVERED_CASE)
    counts = build_weekly_rollups(WEEK)
    assert counts == {"supplier": 3, "sku": 3, "country": 2}
    assert not WeeklyRollup.objects.filter(week_start=WEEK, key="DE").exists()
    assert rollup("sku", "A-1").figures["cases_by_type"]["delivered"] == 1
    assert rollup("sku", "A-2").figures["orders"] == 1
    assert rollup("sku", "A-1").pk == first[("sku", "A-1")]
    assert WeeklyRollup.objects.filter(week_start=WEEK).count() == 8


def test_building_a_week_leaves_other_weeks_alone(week):
    build_weekly_rollups(WEEK - timedelta(weeks=1))
    build_weekly_rollups(WEEK)
    build_weekly_rollups(WEEK)
    # The week before holds the order placed on Sunday 23:59: three suppliers, B-1 and US.
    assert WeeklyRollup.objects.filter(week_start=WEEK - timedelta(weeks=1)).count() == 5
    assert WeeklyRollup.objects.filter(week_start=WEEK).count() == 9
    assert WeeklyRollup.objects.get(week_start=WEEK - timedelta(weeks=1), key="Bright").figures["orders"] == 1


def test_the_week_runs_from_monday_midnight_in_the_store_time_zone():
    product = ProductFactory(sku="TZ-1")
    # America/New_York is UTC-5 in November: the week starts at 05:00 UTC on Monday.
    make_order("#T1", product, "US", at(9, 4, 59), v.IN_TRANSIT_CASE, v.NORMAL_WATCH)
    make_order("#T2", product, "US", at(9, 5, 0), v.IN_TRANSIT_CASE, v.NORMAL_WATCH)
    make_order("#T3", product, "US", at(16, 4, 59), v.IN_TRANSIT_CASE, v.NORMAL_WATCH)
    make_order("#T4", product, "US", at(16, 5, 0), v.IN_TRANSIT_CASE, v.NORMAL_WATCH)
    with override_settings(TIME_ZONE="America/New_York"):
        assert week_bounds(WEEK) == (at(9, 5), at(16, 5))
        build_weekly_rollups(WEEK)
    assert rollup("sku", "TZ-1").figures["orders"] == 2


def test_the_number_of_queries_does_not_grow_with_the_orders(week):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            build_weekly_rollups(WEEK)
        return len(captured)

    small = queries()
    products = [ProductFactory(sku=f"MORE-{i}") for i in range(5)]
    for i in range(40):
        order = make_order(
            f"#M{i}", products[i % 5], ["US", "FR", "JP"][i % 3], at(12, i % 24), v.IN_TRANSIT_CASE
        )
        track(order, (at(12, 23), v.INFO_RECEIVED), (at(13, i % 24), v.ACCEPTED))
        message(order, at(13, i % 24))
        Outcome.objects.create(case=order.case, kind="customer_updated", at=at(14))
    assert queries() == small
    assert WeeklyRollup.objects.filter(week_start=WEEK, dimension="sku").count() == 8
