"""The scorecard's rows: folded over a range of weeks, sorted, and ranked for a page.

A range sums the counts, recomputes the rates and keeps the latest week's durations; rows sort both ways
on every column, and the ranking pass for a page sorts as the whole figures would."""

from datetime import timedelta

import pytest

from suppliers.models import Product, Supplier, WeeklyRollup
from suppliers.scorecard.rows import SORTS, load_ranking, load_rows, sort_rows
from suppliers.services import build_weekly_rollups
from tests.helpers.known_week import WEEK, at, make_order
from tests.helpers.scorecard import ONE_WEEK, many_suppliers, page, rows_of

pytestmark = pytest.mark.django_db


def test_a_range_sums_the_counts_recomputes_rates_and_keeps_the_latest_week_durations(client, built, staff):
    acme = Supplier.objects.get(name="Acme")
    earlier = WEEK - timedelta(weeks=1)
    for i in range(4):
        make_order(
            f"#E{i}", Product.objects.get(sku="A-1"), "US", at(3, i), "label_created_only", exceeded=True
        )
    build_weekly_rollups(earlier)
    client.force_login(staff)
    row = rows_of(page(client, week_from=earlier, week_to=WEEK))["Acme"]["row"]
    assert row.supplier_id == acme.pk
    assert row.figures["orders"] == 10
    assert row.figures["label_only_too_long"] == 5
    assert row.figures["label_only_too_long_rate"] == 0.5
    assert row.figures["order_to_first_scan_days"] == {"count": 3, "median": 4.0, "p90": 6.0}
    assert row.latest_week == WEEK
    assert row.notes == [(earlier, "prints labels before hand-off: 4 of 4 label-only cases")]


def test_columns_sort_both_ways_with_missing_values_last(client, built, staff):
    client.force_login(staff)
    keys = lambda **p: list(rows_of(page(client, **ONE_WEEK, **p)))  # noqa: E731
    assert keys(o="key") == ["Acme", "Bright", "Idle"]
    assert keys(o="-key") == ["Idle", "Bright", "Acme"]
    assert keys(o="-messages") == ["Bright", "Acme", "Idle"]  # 1.0, 0.5 per order; none for Idle
    assert keys(o="messages") == ["Acme", "Bright", "Idle"]
    assert keys(o="-orders") == ["Acme", "Bright", "Idle"]
    assert keys(o="nonsense") == keys()


@pytest.mark.parametrize("order", sorted(SORTS))
def test_the_ranking_pass_sorts_as_the_whole_figures_would(built, order):
    many_suppliers(5)
    build_weekly_rollups(WEEK)
    queryset = WeeklyRollup.objects.order_by()
    for dimension in ("supplier", "sku", "country"):
        for direction in ("", "-"):
            whole = sort_rows(load_rows(queryset, dimension), direction + order)
            ranked = load_ranking(queryset, dimension, order)
            ranked = sort_rows(ranked, direction + order)
            assert [r.key for r in ranked] == [r.key for r in whole], (dimension, direction + order)
