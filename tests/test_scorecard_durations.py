"""The scorecard never shows a negative duration: a first scan before the order (or before the label) is
left out of that duration and counted, on both aggregation paths, and a negative stored by an older build
is shown as not measured."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from cases.models import Case, Order, OrderTracking, TrackingEvent, TrackingNumber
from suppliers import rollups, scorecard
from suppliers.selectors import load_week
from tests.factories import ProductFactory, SupplierFactory

WEEK = date(2026, 11, 9)  # a Monday
DAY = 86400


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def row(ordered_at, label_at, first_scan_at) -> rollups.ScanRow:
    return rollups.ScanRow(1, 1, "US", ordered_at, label_at, first_scan_at, False)


def test_a_first_scan_before_the_order_or_the_label_is_left_out_and_counted():
    groups = rollups.scan_groups(
        [
            row(at(10), at(11), at(12)),  # 2 days after the order, 1 after the label
            row(at(10), at(11), at(13)),  # 3 days, 2 days
            row(at(10), at(9), at(8)),  # scanned before the order and before its label
            row(at(10), at(11), at(10, 12)),  # after the order, before the label
        ]
    )
    store = groups[rollups.STORE]
    assert store.order_to_first_scan == rollups.Durations(3, 2 * DAY, 3 * DAY)
    assert store.label_to_first_scan == rollups.Durations(2, 1.5 * DAY, 2 * DAY)
    assert (store.scan_before_order, store.scan_before_label) == (1, 2)
    assert store.order_to_first_scan.median > 0 and store.label_to_first_scan.median > 0


def test_the_figures_say_how_many_orders_were_left_out_and_only_when_some_were():
    before = rollups._durations_figure(rollups.Durations(1, DAY, DAY), 2)
    assert before == {"count": 1, "median": 1.0, "p90": 1.0, "left_out": 2}
    assert rollups._durations_figure(rollups.Durations(1, DAY, DAY), 0) == {
        "count": 1,
        "median": 1.0,
        "p90": 1.0,
    }


def scorecard_row(figure: dict) -> scorecard.Row:
    figures = {"order_to_first_scan_days": figure}
    return scorecard.Row(
        dimension="country", key="US", supplier_id=None, product_id=None, figures=figures, latest_week=WEEK
    )


def test_the_scorecard_cell_says_what_was_left_out():
    cell = scorecard._duration_cell(
        scorecard_row({"count": 2, "median": 1.5, "p90": 2.0, "left_out": 1}), "order_to_first_scan_days"
    )
    assert cell.text == "1.5"
    assert "1 left out: first scan before the order" in cell.detail
    assert "1 left out" in cell.title


def test_a_negative_duration_stored_by_an_older_build_is_never_shown():
    old = scorecard_row({"count": 2, "median": -3.25, "p90": -0.5})
    cell = scorecard._duration_cell(old, "order_to_first_scan_days")
    assert cell.text == "—" and "-" not in cell.detail
    assert scorecard._duration_sort("order_to_first_scan_days")(old) is None
    _label, value_of = scorecard.TRENDS["order_to_first_scan"]
    assert value_of(old.figures) is None


# --- built from stored orders, on the portable path and (PostgreSQL) in SQL ---------------------------


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
        OrderTracking.objects.create(order=order, tracking_number=number)
        TrackingEvent.objects.create(tracking_number=number, at=label, status="info_received")
        TrackingEvent.objects.create(tracking_number=number, at=scan, status="in_transit")
        cases.append(Case.objects.create(order=order, case_type="in_transit", risk_level="normal_watch"))
    return cases


def built(aggregate_in_sql: bool) -> dict:
    week = load_week(WEEK, aggregate_in_sql=aggregate_in_sql)
    rows = rollups.build(
        suppliers=week.suppliers,
        products=week.products,
        case_cells=week.case_cells,
        message_cells=week.message_cells,
        outcome_cells=week.outcome_cells,
        money_cells=week.money_cells,
        scans=week.scans,
    )
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
    check(built(aggregate_in_sql=False))


@pytest.mark.postgres
def test_stored_orders_scanned_before_they_were_placed_are_left_out_in_sql(scanned_orders):
    assert connection.vendor == "postgresql"
    check(built(aggregate_in_sql=True))
