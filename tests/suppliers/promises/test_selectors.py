"""The promise review read from stored orders (suppliers.promises.selectors): which parcels count and for
which product, their figures worked out by hand, and the PostgreSQL aggregation against the portable path."""

from datetime import date

import pytest

from cases.assessment import vocabulary as v
from cases.models import LineItem, Order, Parcel
from suppliers.promises.review import NO_PROMISE, TOO_FEW, TOO_SHORT
from suppliers.promises.selectors import parcel_figures, promise_review, review_window
from suppliers.scorecard.rollups import Durations
from tests.factories import ProductFactory, SupplierFactory
from tests.helpers.known_week import at, make_order, track

pytestmark = pytest.mark.django_db

LAST_WEEK = date(2026, 11, 9)  # with two weeks: the orders placed 2026-11-02 to 2026-11-15
DAY = 86_400


def stored_parcels():
    """LAMP's seven counted parcels, RUG's one and MUG's one (the comments say which count and why)."""
    bright = SupplierFactory(name="Bright")
    lamp = ProductFactory(
        sku="LAMP", title="Lamp", supplier=bright, promise_text="Delivered in 7-12 business days"
    )
    rug = ProductFactory(sku="RUG", title="Rug", supplier=bright)

    def order(order_id, day, case_type=v.IN_TRANSIT_CASE):
        return make_order(order_id, lamp, "US", at(day, 10), case_type, v.NORMAL_WATCH)

    track(order("#L1", 2), (at(2, 12), v.INFO_RECEIVED), (at(3, 10), v.ACCEPTED), (at(12, 10), v.DELIVERED))
    track(order("#L2", 3), (at(5, 10), v.ACCEPTED), (at(22, 10), v.DELIVERED))
    # No information and label events are no scan: the first scan is the in-transit one.
    track(
        order("#L3", 4), (at(4, 12), v.NO_INFORMATION), (at(7, 10), v.IN_TRANSIT), (at(24, 10), v.DELIVERED)
    )
    track(order("#L4", 5), (at(9, 10), v.ACCEPTED))  # still on its way
    # Wrong tracking: that number's events are not this parcel's.
    track(order("#L5", 5, v.WRONG_TRACKING), (at(5, 11), v.ACCEPTED), (at(6, 10), v.DELIVERED))
    # A superseded parcel no longer counts; the current one does.
    l6 = order("#L6", 6)
    track(l6, (at(6, 11), v.ACCEPTED), (at(7, 10), v.DELIVERED))
    Parcel.objects.filter(order=l6).update(superseded_at=at(7, 12))
    track(l6, (at(7, 10), v.ACCEPTED), (at(16, 10), v.DELIVERED))
    # Ordered on Sunday 2026-11-01, the day before the window.
    track(order("#L7", 1), (at(2, 10), v.ACCEPTED), (at(30, 10), v.DELIVERED))
    # A scan dated before the order: that duration is left out, the delivery still counts.
    track(order("#L8", 8), (at(7, 10), v.ACCEPTED), (at(20, 10), v.DELIVERED))
    # Two parcels: one names the rug (compared without case or spaces), one names nothing (the order's first
    # item, the lamp). A parcel without a number counts for nothing.
    m1 = make_order("#M1", lamp, "US", at(9, 10), v.IN_TRANSIT_CASE, v.NORMAL_WATCH)
    Order.objects.filter(pk=m1.pk).update(promise_text="Arrives in 2-3 weeks")
    LineItem.objects.create(order=m1, product=lamp, position=0)
    LineItem.objects.create(order=m1, product=rug, position=1)
    track(m1, (at(10, 10), v.ACCEPTED), (at(30, 10), v.DELIVERED))
    Parcel.objects.filter(order=m1).update(skus=[" rug"])
    track(m1, (at(11, 10), v.ACCEPTED), (at(19, 10), v.DELIVERED))
    Parcel.objects.create(order=m1, tracking_number=None, skus=["LAMP"])
    # A page without a promise text: its orders carry the one they were placed under.
    mug = ProductFactory(sku="MUG", title="Mug", supplier=bright)
    g1 = make_order("#G1", mug, "US", at(10, 10), v.IN_TRANSIT_CASE, v.NORMAL_WATCH)
    Order.objects.filter(pk=g1.pk).update(promise_text="Arrives in 2-3 weeks")
    track(g1, (at(11, 10), v.ACCEPTED))
    return lamp, rug


def test_the_window_is_whole_weeks_of_orders_in_store_time():
    assert review_window(weeks=2, last_week=LAST_WEEK) == (at(2), at(16))


def test_each_counted_parcel_for_its_product_with_figures_worked_out_by_hand():
    lamp, rug = stored_parcels()
    start, end = review_window(weeks=2, last_week=LAST_WEEK)
    figures = parcel_figures(start, end, aggregate_in_sql=False)
    assert len(figures) == 3  # the lamp, the rug, the mug
    lamp_figures = figures[lamp.pk]
    # L1, L2, L3, L4, L6's current parcel, L8 and M1's unnamed parcel.
    assert lamp_figures.parcels == 7
    # First scans 1, 2, 3, 4, 1 and 2 days (L8's before the order is left out): sorted 1 1 2 2 3 4.
    assert lamp_figures.first_scan == Durations(6, 2 * DAY, 4 * DAY)
    assert lamp_figures.scan_before_order == 1
    # Deliveries 10, 19, 20, 10, 12 and 10 days: sorted 10 10 10 12 19 20, median 11, p90 (rank 6) 20.
    assert lamp_figures.delivery == Durations(6, 11 * DAY, 20 * DAY)
    # The rug's parcel: scanned after 1 day, delivered after 21.
    assert figures[rug.pk].parcels == 1
    assert figures[rug.pk].delivery == Durations(1, 21 * DAY, 21 * DAY)


def test_the_review_judges_each_product_and_reads_a_missing_page_text_from_its_orders():
    stored_parcels()
    review = promise_review(weeks=2, last_week=LAST_WEEK, aggregate_in_sql=False)
    lamp, rug, mug = review.lines  # too short first; then no promise; then too few parcels
    assert (lamp.product.sku, lamp.verdict, lamp.still_on_the_way) == ("LAMP", TOO_SHORT, 1)
    assert lamp.suggestion == (
        "The page promises 7-12 business days (at most 18 days with weekends); 90% of parcels took up to 20 "
        "days from order to delivery. Promise up to 14 business days, or ask Bright to ship faster."
    )
    assert lamp.first_scan == {"count": 6, "median": 2.0, "p90": 4.0}
    assert lamp.delivery == {"count": 6, "median": 11.0, "p90": 20.0}
    assert (rug.product.sku, rug.verdict) == ("RUG", NO_PROMISE)
    assert (mug.product.sku, mug.verdict) == ("MUG", TOO_FEW)
    assert (mug.product.promise_text, mug.product.text_from_orders) == ("Arrives in 2-3 weeks", True)
    assert mug.promise.calendar_days == 21


def test_weeks_before_the_window_are_left_out():
    lamp, _ = stored_parcels()
    start, end = review_window(weeks=1, last_week=LAST_WEEK)  # 2026-11-09 to 2026-11-15: M1 alone
    figures = parcel_figures(start, end, aggregate_in_sql=False)
    assert figures[lamp.pk].parcels == 1


@pytest.mark.postgres
def test_the_aggregation_in_sql_gives_the_portable_paths_figures():
    stored_parcels()
    start, end = review_window(weeks=2, last_week=LAST_WEEK)
    assert parcel_figures(start, end, aggregate_in_sql=True) == parcel_figures(
        start, end, aggregate_in_sql=False
    )
    in_sql = promise_review(weeks=2, last_week=LAST_WEEK, aggregate_in_sql=True).as_dict()
    assert in_sql == promise_review(weeks=2, last_week=LAST_WEEK, aggregate_in_sql=False).as_dict()


@pytest.mark.postgres
def test_many_uneven_durations_agree_to_the_last_bit():
    """Seventy parcels (0.9 x 70 is 63.000000000000014 in floating point: a rank PostgreSQL's
    percentile_disc would take as 64) with durations to the microsecond."""
    product = ProductFactory(sku="MANY", promise_text="10 days")
    for i in range(70):
        ordered = at(2, 0) + i * (at(2, 1, 7) - at(2, 0)) / 7
        order = make_order(f"#X{i}", product, "US", ordered, v.IN_TRANSIT_CASE, v.NORMAL_WATCH)
        scan = ordered + (at(3, (i * 7) % 24, (i * 13) % 60) - at(2, 0)) * (1 + i / 997)
        track(order, (scan, v.ACCEPTED), (scan + (at(10, i % 24) - at(2, 0)) * (1 + i / 331), v.DELIVERED))
    start, end = review_window(weeks=2, last_week=LAST_WEEK)
    in_sql = parcel_figures(start, end, aggregate_in_sql=True)[product.pk]
    assert in_sql == parcel_figures(start, end, aggregate_in_sql=False)[product.pk]
    assert in_sql.delivery.count == 70
