"""The rows a week's rollups are built from, read from the stored orders.

The tracking durations on the portable path and in SQL (PostgreSQL) agree, and orders scanned before they
were placed are left out and counted on both."""

from datetime import timedelta

import pytest
from django.db import connection

from cases.assessment import vocabulary as v
from cases.models import Case, Order, Parcel, TrackingEvent, TrackingNumber
from suppliers.models import WeeklyRollup
from suppliers.scorecard import rollups
from suppliers.scorecard.selectors import load_week, week_rollups
from suppliers.services import build_weekly_rollups
from tests.factories import ProductFactory, SupplierFactory
from tests.helpers.known_week import WEEK, at, make_order, track

HOUR = 3600


@pytest.mark.django_db
def test_the_known_week_has_no_notes_and_the_store_median_is_over_every_measured_order(week):
    build_weekly_rollups(WEEK)
    assert list(WeeklyRollup.objects.exclude(notes=[]).values_list("key", "notes")) == []
    rows = load_week(WEEK)
    store = rows.scans[rollups.STORE].order_to_first_scan  # 6 h, 26 h, 96 h, 144 h
    assert (store.count, store.median, store.p90) == (4, 61 * HOUR, 144 * HOUR)


@pytest.mark.django_db
def test_both_tracking_paths_give_the_same_figures(week):
    """The PostgreSQL aggregation is checked against the Python one under CI (test below); here the
    Python path runs on any database."""
    rows = load_week(WEEK, aggregate_in_sql=False)
    assert rows.scans[("country", "BR")].order_to_first_scan == rollups.Durations(2, 120 * HOUR, 144 * HOUR)


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_aggregates_the_tracking_figures_exactly_as_python_does(week):
    product = ProductFactory(sku="P-1")
    for i in range(23):  # uneven counts and sub-second instants
        order = make_order(f"#P{i}", product, ["US", "BR"][i % 2], at(10, i % 24), v.IN_TRANSIT_CASE)
        track(
            order,
            (at(10, 23) + timedelta(seconds=i * 7.123457), v.INFO_RECEIVED),
            (at(11, 1) + timedelta(hours=i * i % 17, microseconds=i * 3), v.ACCEPTED),
        )
    in_sql = load_week(WEEK, aggregate_in_sql=True).scans
    in_python = load_week(WEEK, aggregate_in_sql=False).scans
    assert in_sql == in_python
    assert len(in_sql) == 3 + 4 + 3 + 1


# ---------------------------------------------------------------------------------------------------
# A first scan before the order (or the label), stored.


@pytest.fixture
def scanned_orders(db):
    """Three orders of one supplier to the US: two scanned after their order, one scanned before it."""
    product = ProductFactory(sku="LAMP-1", supplier=SupplierFactory(name="Acme"))
    cases = []
    for i, (ordered, label, scan) in enumerate(
        [(at(9, 8), at(9, 12), at(10, 8)), (at(10), at(10, 6), at(12)), (at(11), at(5), at(6))]
    ):
        order = Order.objects.create(
            order_id=f"#D{i}", ordered_at=ordered, product=product, country="US", currency="USD"
        )
        number = TrackingNumber.objects.create(number=f"YT{i:016d}", normalized=f"YT{i:016d}")
        Parcel.objects.create(order=order, tracking_number=number)
        TrackingEvent.objects.create(tracking_number=number, at=label, status="info_received")
        TrackingEvent.objects.create(tracking_number=number, at=scan, status="in_transit")
        cases.append(Case.objects.create(order=order, case_type="in_transit", risk_level="normal_watch"))
    return cases


def week_figures(aggregate_in_sql: bool) -> dict:
    rows = week_rollups(WEEK, aggregate_in_sql=aggregate_in_sql)
    return {(r.dimension, r.key): r.figures for r in rows}


def check(figures: dict) -> None:
    order_to_scan = figures[("country", "US")]["order_to_first_scan_days"]
    label_to_scan = figures[("country", "US")]["label_to_first_scan_days"]
    assert order_to_scan == {"count": 2, "median": 1.5, "p90": 2.0, "left_out": 1}
    assert label_to_scan == {"count": 3, "median": 1.0, "p90": 1.75}
    for figure in figures.values():
        for name in ("order_to_first_scan_days", "label_to_first_scan_days"):
            assert all((figure[name][k] or 0) >= 0 for k in ("median", "p90"))


def test_stored_orders_scanned_before_they_were_placed_are_left_out_on_the_portable_path(scanned_orders):
    check(week_figures(aggregate_in_sql=False))


@pytest.mark.postgres
def test_stored_orders_scanned_before_they_were_placed_are_left_out_in_sql(scanned_orders):
    assert connection.vendor == "postgresql"
    check(week_figures(aggregate_in_sql=True))
