"""Weekly supplier, SKU and country rollups: the pure figures, then rollups built from a known
set of stored cases with every figure checked, an empty week and a supplier with no orders."""

from datetime import date, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from cases.assessment import vocabulary as v
from cases.choices import OutcomeKind
from cases.models import Case, Order, Outcome
from suppliers import rollups
from suppliers.models import Product, Supplier, WeeklyRollup
from suppliers.selectors import load_week, week_bounds, week_that_ended
from suppliers.services import build_weekly_rollups
from tests.factories import ProductFactory, UserFactory
from tests.helpers.known_week import EXPECTED, WEEK, at, blank_figures, make_order, message, track

HOUR = 3600


# ---------------------------------------------------------------------------------------------------
# Pure: percentiles, rates, notes, folding.


def test_the_median_of_an_odd_count_is_the_middle_value():
    assert rollups.median([5, 1, 3]) == 3


def test_the_median_of_an_even_count_is_the_mean_of_the_two_middle_values():
    assert rollups.median([4, 1, 3, 10]) == 3.5


def test_percentiles_of_nothing_are_none():
    assert rollups.median([]) is None
    assert rollups.p90([]) is None
    assert rollups.durations([]) == rollups.Durations(0, None, None)


def test_p90_is_the_nearest_rank_value():
    assert rollups.p90(range(1, 11)) == 9  # rank ceil(9.0) = 9
    assert rollups.p90(range(1, 12)) == 10  # rank ceil(9.9) = 10
    assert rollups.p90([7]) == 7
    assert rollups.p90([1, 2]) == 2  # rank ceil(1.8) = 2


def test_the_p90_rank_is_exact_integer_ceiling_of_ninety_percent():
    for n in range(1, 2001):
        rank = rollups.p90_rank(n)
        assert rank * 100 >= 90 * n > (rank - 1) * 100


def test_a_rate_over_no_orders_is_none_and_rates_round_to_four_places():
    assert rollups.rate(3, 0) is None
    assert rollups.rate(1, 6) == 0.1667
    assert rollups.rate(14, 9, 2) == 1.56


def test_the_scorecard_outcome_kinds_are_the_seed_outcomes_among_the_model_choices():
    assert tuple(OutcomeKind.values)[: len(rollups.OUTCOME_KINDS)] == rollups.OUTCOME_KINDS
    assert len(rollups.OUTCOME_KINDS) == 10


def test_a_supplier_label_note_when_most_label_only_cases_pass_their_window():
    figures = blank_figures(orders=20, label_only_cases=9, label_only_too_long=6)
    assert rollups.notes("supplier", "Acme", figures, None) == [
        "prints labels before hand-off: 6 of 9 label-only cases"
    ]


def test_no_label_note_for_fewer_than_three_or_under_half_of_the_label_only_cases():
    assert (
        rollups.notes("supplier", "Acme", blank_figures(label_only_cases=2, label_only_too_long=2), None)
        == []
    )
    assert (
        rollups.notes("supplier", "Acme", blank_figures(label_only_cases=7, label_only_too_long=3), None)
        == []
    )


def test_a_country_note_when_its_median_first_scan_is_at_least_twice_the_store_median():
    scan = {"count": 3, "median": 6.0, "p90": 9.0}
    figures = blank_figures(orders=3, order_to_first_scan_days=scan)
    assert rollups.notes("country", "BR", figures, 2.0) == ["first scans in BR take 3x the store median"]
    scan = {"count": 3, "median": 5.0, "p90": 9.0}
    assert rollups.notes("country", "BR", blank_figures(order_to_first_scan_days=scan), 2.0) == [
        "first scans in BR take 2.5x the store median"
    ]


def test_no_country_note_below_twice_the_store_median_or_on_fewer_than_three_orders():
    slow_few = {"count": 2, "median": 9.0, "p90": 9.0}
    close = {"count": 5, "median": 3.9, "p90": 9.0}
    assert rollups.notes("country", "BR", blank_figures(order_to_first_scan_days=slow_few), 2.0) == []
    assert rollups.notes("country", "BR", blank_figures(order_to_first_scan_days=close), 2.0) == []
    fast_store = {"count": 5, "median": 9.0, "p90": 9.0}
    assert rollups.notes("country", "BR", blank_figures(order_to_first_scan_days=fast_store), 0.0) == []
    assert rollups.notes("country", "BR", blank_figures(order_to_first_scan_days=fast_store), None) == []


def test_a_sku_note_when_it_made_at_least_five_messages_and_one_per_order():
    figures = blank_figures(orders=9, customer_messages=14)
    assert rollups.notes("sku", "LAMP-1", figures, None) == [
        "this SKU made 14 customer messages for 9 orders"
    ]
    assert rollups.notes("sku", "LAMP-1", blank_figures(orders=9, customer_messages=8), None) == []
    assert rollups.notes("sku", "LAMP-1", blank_figures(orders=2, customer_messages=4), None) == []


def test_a_sku_note_when_stale_tracking_hits_a_fifth_of_its_orders():
    figures = blank_figures(orders=10, stale_in_transit=3)
    assert rollups.notes("sku", "LAMP-1", figures, None) == [
        "stale in transit on 3 of 10 orders: the product page may need clearer delivery language"
    ]
    assert rollups.notes("sku", "LAMP-1", blank_figures(orders=20, stale_in_transit=3), None) == []


def test_scan_groups_measure_order_and_label_to_first_scan_per_group_and_for_the_store():
    rows = [
        rollups.ScanRow(1, 10, "US", at(9), at(9, 2), at(10), False),
        rollups.ScanRow(1, 10, "BR", at(9), None, at(12), True),
        rollups.ScanRow(2, 10, "BR", at(9), at(9), None, False),
    ]
    groups = rollups.scan_groups(rows)
    assert groups[("sku", 1)] == rollups.ScanGroup(
        exceptions=1,
        order_to_first_scan=rollups.Durations(2, 48 * HOUR, 72 * HOUR),
        label_to_first_scan=rollups.Durations(1, 22 * HOUR, 22 * HOUR),
    )
    assert groups[("country", "BR")] == rollups.ScanGroup(1, rollups.Durations(1, 72 * HOUR, 72 * HOUR))
    assert groups[("sku", 2)] == rollups.ScanGroup()
    assert groups[rollups.STORE] == groups[("supplier", 10)]


def test_every_supplier_gets_a_row_and_one_without_orders_shows_zeros():
    built = rollups.build(
        suppliers={10: "Acme", 11: "Idle"},
        products={1: rollups.ProductInfo("A-1", 10)},
        case_cells=[rollups.CaseCell(1, "US", v.IN_TRANSIT_CASE, v.NORMAL_WATCH, 2, 0)],
    )
    assert [(r.dimension, r.key) for r in built] == [
        ("supplier", "Acme"),
        ("supplier", "Idle"),
        ("sku", "A-1"),
        ("country", "US"),
    ]
    idle = built[1]
    assert (idle.supplier_id, idle.product_id, idle.figures, idle.notes) == (11, None, blank_figures(), [])


# ---------------------------------------------------------------------------------------------------
# From the database: a known set of cases.


def rollup(dimension: str, key: str) -> WeeklyRollup:
    return WeeklyRollup.objects.get(week_start=WEEK, dimension=dimension, key=key)


@pytest.mark.django_db
def test_the_rollups_of_a_known_week_hold_every_figure(week):
    counts = build_weekly_rollups(WEEK)
    assert counts == {"supplier": 3, "sku": 3, "country": 3}
    built = {(r.dimension, r.key): r.figures for r in WeeklyRollup.objects.filter(week_start=WEEK)}
    assert set(built) == set(EXPECTED)
    for key, expected in EXPECTED.items():
        assert built[key] == expected, key


@pytest.mark.django_db
def test_the_rollup_rows_point_at_their_supplier_and_product(week):
    build_weekly_rollups(WEEK)
    acme = Supplier.objects.get(name="Acme")
    a1 = rollup("sku", "A-1")
    assert (a1.supplier, a1.product) == (acme, Product.objects.get(sku="A-1"))
    assert (rollup("supplier", "Acme").supplier, rollup("supplier", "Acme").product) == (acme, None)
    assert (rollup("country", "BR").supplier, rollup("country", "BR").product) == (None, None)


@pytest.mark.django_db
def test_the_known_week_has_no_notes_and_the_store_median_is_over_every_measured_order(week):
    build_weekly_rollups(WEEK)
    assert list(WeeklyRollup.objects.exclude(notes=[]).values_list("key", "notes")) == []
    rows = load_week(WEEK)
    store = rows.scans[rollups.STORE].order_to_first_scan  # 6 h, 26 h, 96 h, 144 h
    assert (store.count, store.median, store.p90) == (4, 61 * HOUR, 144 * HOUR)


@pytest.mark.django_db
def test_an_empty_week_builds_one_zero_row_per_supplier_and_nothing_else(week):
    counts = build_weekly_rollups(WEEK - timedelta(weeks=3))
    assert counts == {"supplier": 3, "sku": 0, "country": 0}
    rows = WeeklyRollup.objects.filter(week_start=WEEK - timedelta(weeks=3))
    assert {r.key: r.figures for r in rows} == {name: blank_figures() for name in ("Acme", "Bright", "Idle")}


@pytest.mark.django_db
def test_an_empty_week_without_suppliers_builds_nothing():
    assert build_weekly_rollups(WEEK) == {"supplier": 0, "sku": 0, "country": 0}
    assert not WeeklyRollup.objects.exists()


@pytest.mark.django_db
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


@pytest.mark.django_db
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


@pytest.mark.django_db
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


@pytest.mark.django_db
def test_building_a_week_leaves_other_weeks_alone(week):
    build_weekly_rollups(WEEK - timedelta(weeks=1))
    build_weekly_rollups(WEEK)
    build_weekly_rollups(WEEK)
    # The week before holds the order placed on Sunday 23:59: three suppliers, B-1 and US.
    assert WeeklyRollup.objects.filter(week_start=WEEK - timedelta(weeks=1)).count() == 5
    assert WeeklyRollup.objects.filter(week_start=WEEK).count() == 9
    assert WeeklyRollup.objects.get(week_start=WEEK - timedelta(weeks=1), key="Bright").figures["orders"] == 1


@pytest.mark.django_db
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


def test_a_week_starts_on_a_monday():
    with pytest.raises(ValueError, match="Monday"):
        week_bounds(date(2026, 11, 11))


def test_the_week_that_ended_is_the_last_whole_week_before_now():
    assert week_that_ended(at(16, 7)) == WEEK  # Monday morning
    assert week_that_ended(at(16, 0)) == WEEK  # Monday midnight: that week has just ended
    assert week_that_ended(at(15, 23, 59)) == WEEK - timedelta(weeks=1)  # still Sunday
    with override_settings(TIME_ZONE="America/New_York"):
        assert week_that_ended(at(16, 4, 59)) == WEEK - timedelta(weeks=1)  # Sunday 23:59 in New York


@pytest.mark.django_db
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
# The command.


@pytest.fixture
def tuesday_after():
    """The commands read the wall clock: pin it to Tuesday 2026-11-24, 06:00 UTC."""
    with mock.patch("suppliers.management.commands.build_rollups.timezone.now", return_value=at(24, 6)):
        yield


@pytest.mark.django_db
@pytest.mark.usefixtures("tuesday_after")
def test_the_command_rebuilds_the_week_holding_a_given_day_and_weeks_before_it(week):
    out = StringIO()
    call_command("build_rollups", "--week", "2026-11-11", "--weeks", "2", stdout=out)
    assert out.getvalue().splitlines() == [
        "week of 2026-11-02: 3 supplier, 1 sku, 1 country",
        "week of 2026-11-09: 3 supplier, 3 sku, 3 country",
    ]
    assert sorted(set(WeeklyRollup.objects.values_list("week_start", flat=True))) == [
        date(2026, 11, 2),
        WEEK,
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("tuesday_after")
def test_the_command_builds_the_week_that_ended_by_default(week):
    out = StringIO()
    call_command("build_rollups", stdout=out)
    assert out.getvalue() == "week of 2026-11-16: 3 supplier, 1 sku, 1 country\n"


@pytest.mark.django_db
@pytest.mark.usefixtures("tuesday_after")
def test_the_command_refuses_a_week_that_has_not_ended():
    with pytest.raises(CommandError, match="has not ended"):
        call_command("build_rollups", "--week", "2026-11-23")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("build_rollups", "--weeks", "0")


# ---------------------------------------------------------------------------------------------------
# The admin.


@pytest.mark.django_db
def test_staff_read_the_rollups_in_the_admin_and_nobody_edits_them(week, client):
    build_weekly_rollups(WEEK)
    staff = UserFactory(username="reader", role="Staff")
    client.force_login(staff)
    page = client.get("/admin/suppliers/weeklyrollup/?dimension__exact=sku")
    assert page.status_code == 200
    assert b"A-1" in page.content
    assert b"Acme" not in page.content.split(b"<table")[1].split(b"</table>")[0]
    row = rollup("sku", "A-1")
    assert client.get(f"/admin/suppliers/weeklyrollup/{row.pk}/change/").status_code == 200
    assert client.get("/admin/suppliers/weeklyrollup/add/").status_code == 403
    assert client.post(f"/admin/suppliers/weeklyrollup/{row.pk}/delete/").status_code == 403
