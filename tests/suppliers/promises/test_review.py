"""The promise review's figures and verdicts from plain rows (suppliers.promises.review, pure), on a
hand-made set of parcels whose medians and p90s are worked out here."""

from datetime import UTC, datetime, timedelta

from suppliers.promises.review import (
    HOLDS,
    NO_PROMISE,
    TOO_FEW,
    TOO_SHORT,
    UNREAD,
    ParcelFigures,
    ParcelRow,
    ProductPromise,
    build_review,
    judge,
    parcel_figures,
)
from suppliers.scorecard.rollups import Durations

ORDERED = datetime(2026, 10, 5, 10, tzinfo=UTC)
DAY = 86_400


def parcel(product_id, scan_days=None, delivered_days=None):
    def later(days):
        return None if days is None else ORDERED + timedelta(days=days)

    return ParcelRow(product_id, ORDERED, later(scan_days), later(delivered_days))


def product(product_id=1, text="Delivered in 7-12 business days", days=None, sku="LAMP"):
    return ProductPromise(product_id, sku, "Lamp", "Bright", "active", text, days)


def test_the_figures_of_a_products_parcels():
    rows = [
        parcel(1, 2, 9),
        parcel(1, 3, 12),
        parcel(1, 1, 19.5),
        parcel(1, 4, None),  # still on its way
        parcel(1, None, None),  # no scan yet
        parcel(1, -2, 10),  # scanned before the order: that duration is left out
        parcel(2, 5, 20),
    ]
    figures = parcel_figures(rows)
    lamp = figures[1]
    assert lamp.parcels == 6
    # First scans 1, 2, 3, 4 days: median (2 + 3) / 2, p90 at rank ceil(0.9 x 4) = 4.
    assert lamp.first_scan == Durations(4, 2.5 * DAY, 4 * DAY)
    # Deliveries 9, 10, 12, 19.5 days: median 11, p90 19.5.
    assert lamp.delivery == Durations(4, 11 * DAY, 19.5 * DAY)
    assert (lamp.scan_before_order, lamp.delivered_before_order) == (1, 0)
    assert figures[2] == ParcelFigures(1, Durations(1, 5 * DAY, 5 * DAY), Durations(1, 20 * DAY, 20 * DAY))


def figures(delivered_days, scan_days=()):
    """One product's figures: parcels delivered after `delivered_days`, others scanned after `scan_days`."""
    rows = [parcel(1, None, d) for d in delivered_days] + [parcel(1, s, None) for s in scan_days]
    return parcel_figures(rows)[1]


def test_a_promise_shorter_than_the_delivery_p90_gets_a_plain_suggestion():
    # 7-12 business days allow at most 18 days (an order on a Friday); 10 deliveries, p90 rank 9: 19.4 days,
    # 19 whole days: too short by one.
    line = judge(product(), figures([9, 10, 11, 12, 13, 14, 15, 16, 19.4, 25]))
    assert line.verdict == TOO_SHORT
    assert line.suggestion == (
        "The page promises 7-12 business days (at most 18 days with weekends); 90% of parcels took up to 19 "
        "days from order to delivery. Promise up to 13 business days, or ask Bright to ship faster."
    )
    assert line.excess_days == 1
    assert line.delivery == {"count": 10, "median": 13.5, "p90": 19.4}


def test_a_p90_within_the_promises_last_day_holds():
    # 18.9 days is 18 whole days (rules.md section 1): within 12 business days' longest span.
    line = judge(product(), figures([9, 10, 11, 12, 18.9]))
    assert (line.verdict, line.suggestion) == (HOLDS, "")


def test_with_few_deliveries_first_scans_alone_past_the_promise_make_it_too_short():
    line = judge(product(text="Arrives in 10 days"), figures([30], scan_days=[2, 3, 11, 12, 12.5]))
    assert line.verdict == TOO_SHORT
    assert line.suggestion == (
        "The page promises 10 days; 90% of parcels waited up to 12 days for their first carrier scan alone. "
        "Promise up to 12 days, or ask Bright to hand parcels to the carrier sooner."
    )


def test_too_few_parcels_no_promise_and_an_unread_one():
    assert judge(product(), figures([30, 31, 32, 33])).verdict == TOO_FEW
    assert judge(product(text=""), figures([30] * 5)).verdict == NO_PROMISE
    assert judge(product(text="Fast shipping"), figures([30] * 5)).verdict == UNREAD
    # promised_delivery_days stands in for a text that names no duration, as business days.
    line = judge(product(text="Fast shipping", days=12), figures([20] * 5))
    assert (line.verdict, line.read_from) == (TOO_SHORT, "promised_delivery_days")


def test_the_review_lists_the_promises_too_short_first_the_furthest_first():
    rows = (
        [parcel(1, 1, 20)] * 5  # LAMP: 20 days against 18: 2 over
        + [parcel(2, 1, 30)] * 5  # RUG: 30 against 18: 12 over
        + [parcel(3, 1, 5)] * 6  # MUG: holds
        + [parcel(4, 1, 5)]  # CUP: too few
        + [parcel(5, 1, 5)] * 5  # VASE: no promise
    )
    products = {
        1: product(1, sku="LAMP"),
        2: product(2, sku="RUG"),
        3: product(3, sku="MUG"),
        4: product(4, sku="CUP"),
        5: product(5, sku="VASE", text=""),
    }
    start = ORDERED
    review = build_review(
        start=start, end=start + timedelta(weeks=8), weeks=8, products=products, figures=parcel_figures(rows)
    )
    assert [line.product.sku for line in review.lines] == ["RUG", "LAMP", "VASE", "MUG", "CUP"]
    assert [line.product.sku for line in review.to_review] == ["RUG", "LAMP"]
    assert review.counts() == {"too_short": 2, "unread": 0, "no_promise": 1, "holds": 1, "too_few": 1}
    data = review.as_dict()
    assert data["products"][0]["promise"] == {
        "low": 7,
        "high": 12,
        "unit": "business days",
        "words": "7-12 business days",
        "calendar_days_at_most": 18,
        "read_from": "text",
    }
    assert data["products"][0]["delivery_days"] == {"count": 5, "median": 30.0, "p90": 30.0}
