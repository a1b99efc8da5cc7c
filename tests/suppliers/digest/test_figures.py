"""The weekly digest's figures against a week worked out by hand (tests/helpers/digest_week.py): by
supplier, SKU, destination country and outcome, the changes on the week before, the promises to review,
what waits for an owner, and the trends its charts draw."""

import pytest

from suppliers.digest.content import Figures, OutcomeLine
from suppliers.digest.selectors import weekly_digest
from tests.helpers.digest_week import WEEK, build_digest_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def digest():
    build_digest_week()
    return weekly_digest(WEEK)


def by_key(rows):
    return {row.key: row for row in rows}


def test_the_store_is_the_sum_of_its_suppliers(digest):
    # 8 orders; problems #1 stale, #2 label-only past its window, #4 exception, #7 supplier silence;
    # messages two on #1 and one on #4; #4 refund risk and #7 chargeback watch. The week before: #9, #10
    # (a problem, one message), #11.
    assert digest.store.now == Figures(orders=8, problems=4, messages=3, money_risk=2)
    assert digest.store.before == Figures(orders=3, problems=1, messages=1, money_risk=0)
    assert digest.store.now.problem_rate == 0.5


def test_suppliers_by_problems_with_their_change_on_the_week_before(digest):
    assert [row.key for row in digest.suppliers] == ["Acme", "Bright", "Idle"]
    acme, bright, idle = digest.suppliers
    assert acme.now == Figures(orders=5, problems=3, messages=3, money_risk=1, first_scan_median=1.0)
    assert acme.before == Figures(orders=2, problems=1, messages=1, money_risk=0)
    assert (acme.change("orders"), acme.change("problems"), acme.change("messages")) == (3, 2, 2)
    assert bright.now == Figures(orders=3, problems=1, messages=0, money_risk=1)
    assert bright.change("problems") == 1
    assert idle.now == Figures() and idle.change("orders") == 0  # every supplier has a row, zeros too


def test_skus_by_problems_then_orders(digest):
    assert [row.key for row in digest.skus] == ["A-1", "B-1", "A-2"]
    assert digest.sku_total == 3
    skus = by_key(digest.skus)
    assert (skus["A-1"].now.orders, skus["A-1"].now.problems, skus["A-1"].now.messages) == (3, 2, 2)
    assert skus["A-1"].change("problems") == 1
    assert (skus["B-1"].now.orders, skus["B-1"].now.problems) == (3, 1)
    assert (skus["A-2"].now.orders, skus["A-2"].now.problems, skus["A-2"].now.money_risk) == (2, 1, 1)
    assert skus["A-2"].before is None and skus["A-2"].change("orders") is None  # no orders the week before


def test_countries_by_orders(digest):
    assert [(row.key, row.now.orders, row.now.problems) for row in digest.countries] == [
        ("US", 5, 2),
        ("BR", 2, 1),
        ("DE", 1, 1),
    ]
    us = by_key(digest.countries)["US"]
    assert (us.before.orders, us.before.problems, us.change("orders")) == (3, 1, 2)


def test_outcomes_recorded_in_the_week_by_kind(digest):
    # A case counts once per kind (two customer updates on #1); notes and assignments are no outcomes; an
    # outcome recorded this week on an older order counts this week; the week after's does not.
    assert digest.outcomes == [
        OutcomeLine("customer_updated", 1, 1),
        OutcomeLine("supplier_chased", 0, 1),
        OutcomeLine("refund_reviewed", 1, 0),
        OutcomeLine("delivered", 1, 0),
        OutcomeLine("refunded", 1, 0),
    ]


def test_what_changed_against_the_week_before(digest):
    # Acme's problems moved by 2 (at least CHANGE_MIN); Bright's and A-1's by 1 only; A-2 had no week before.
    assert digest.changes == [
        "Orders: 8 (+5 on the week before); problem cases: 4 (+3).",
        "More problems on supplier Acme: 3 (+2), of 5 orders.",
    ]


def test_the_promises_to_review(digest):
    # P-1's five parcels took 4, 6, 8, 9 and 10 days; 3-5 business days allow at most 7.
    (line,) = digest.promises_to_review
    assert line.product.sku == "P-1"
    assert line.suggestion == (
        "The page promises 3-5 business days (at most 7 days with weekends); 90% of parcels took up to 10 "
        "days from order to delivery. Promise up to 6 business days, or ask Idle to ship faster."
    )
    assert digest.promises.weeks == 8


def test_what_waits_for_an_owner(digest):
    assert [item.name for item in digest.products_marked] == ["B-1"]  # A-2 was marked before the week
    assert [item.name for item in digest.suppliers_flagged] == ["Acme"]
    assert (digest.products_waiting, digest.suppliers_waiting) == (2, 1)


def test_the_trends_over_the_charts_eight_weeks(digest):
    assert [f"{week:%m-%d}" for week in digest.chart_weeks] == [
        "09-21",
        "09-28",
        "10-05",
        "10-12",
        "10-19",
        "10-26",
        "11-02",
        "11-09",
    ]
    gaps = (None,) * 5  # weeks not built
    assert digest.store.orders_trend == (*gaps, 5, 3, 8)  # P-1's five orders in the week of 10-26
    assert digest.store.problems_trend == (*gaps, 0, 1, 4)
    assert by_key(digest.suppliers)["Acme"].problems_trend == (*gaps, 0, 1, 3)


def test_a_week_not_built_is_said_so_and_reads_nothing_else(django_assert_num_queries):
    with django_assert_num_queries(1):
        digest = weekly_digest(WEEK)
    assert not digest.built
    assert digest.suppliers == [] and digest.changes == []


def test_the_digest_reads_a_fixed_number_of_queries(digest, django_assert_num_queries):
    with django_assert_num_queries(10):
        weekly_digest(WEEK)
