"""The weekly rollups' figures and notes from plain rows (pure).

Percentiles, rates, notes, tracking durations (a first scan before the order or the label left out and
counted), and folding cells into supplier, SKU and country rows."""

from cases.assessment import vocabulary as v
from cases.choices import OutcomeKind
from suppliers.scorecard import rollups
from tests.helpers.known_week import at, blank_figures

HOUR = 3600
DAY = 86400


# ---------------------------------------------------------------------------------------------------
# Percentiles, rates.


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


# ---------------------------------------------------------------------------------------------------
# Notes.


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


# ---------------------------------------------------------------------------------------------------
# Tracking durations and folding.


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


def test_disputes_are_counted_apart_from_the_seed_outcomes():
    (supplier, sku, country) = rollups.build(
        suppliers={10: "Acme"},
        products={1: rollups.ProductInfo("A-1", 10)},
        case_cells=[rollups.CaseCell(1, "US", v.IN_TRANSIT_CASE, v.CHARGEBACK_WATCH, 3, 0)],
        outcome_cells=[
            rollups.OutcomeCell(1, "US", OutcomeKind.DISPUTE_OPENED, 3),
            rollups.OutcomeCell(1, "US", OutcomeKind.DISPUTE_WON, 1),
            rollups.OutcomeCell(1, "US", OutcomeKind.DISPUTE_LOST, 1),
            rollups.OutcomeCell(1, "US", OutcomeKind.REFUNDED, 1),
        ],
    )
    for rollup in (supplier, sku, country):
        assert rollup.figures["disputes_opened"] == 3
        assert rollup.figures["dispute_outcomes"] == {
            "dispute_won": 1,
            "dispute_lost": 1,
            "dispute_accepted": 0,
        }
        assert rollup.figures["outcomes"]["refunded"] == 1
        assert not {"dispute_won", "dispute_opened"} & set(rollup.figures["outcomes"])
