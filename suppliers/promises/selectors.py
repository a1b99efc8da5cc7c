"""Reading the promise review: each product's parcels in a window of orders, and its promise.

Three queries whatever the number of orders: the parcels' figures (on PostgreSQL aggregated per product in
SQL, percentiles by rank over ordered arrays, so a million orders never leave the database; elsewhere one
row per parcel, aggregated by `review.parcel_figures` with the same ranks), the products with their
suppliers and, for a product page without a promise text, the text its latest order in the window carried.
`aggregate_in_sql` picks the path (default: in SQL on PostgreSQL); the tests run both to check they agree.

Percentiles: the median and nearest-rank p90 of `suppliers.scorecard.rollups`, not PostgreSQL's
percentile_cont: percentile_cont(0.9) interpolates between two parcels (a duration no parcel took) and
percentile_disc computes its rank in floating point (0.9 x 70 = 63.000000000000014, rank 64), so neither
would give the scorecard's number for the same parcels. Indexing the sorted array with integer ranks does,
on both paths, to the last bit.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection
from django.db.models import Case, OuterRef, Subquery, When
from django.utils import timezone

from cases.assessment import vocabulary as v
from cases.models import Case as CaseModel
from cases.models import LineItem, Order, Parcel, TrackingEvent
from suppliers.models import Product
from suppliers.promises import review
from suppliers.scorecard.rollups import Durations
from suppliers.scorecard.selectors import instant
from suppliers.selectors import WEEK, week_bounds, week_that_ended


def review_window(*, weeks: int, last_week: date) -> tuple[datetime, datetime]:
    """The orders placed in the `weeks` whole weeks ending with the week of `last_week` (a Monday), store
    time: [start, end)."""
    _, end = week_bounds(last_week)
    start, _ = week_bounds(last_week - (weeks - 1) * WEEK)
    return start, end


def _first_sku_sql() -> str:
    """The first SKU a parcel names (its `skus` JSON list), NULL when it names none."""
    if connection.vendor == "postgresql":
        return "NULLIF(TRIM(pa.skus ->> 0), '')"
    return "NULLIF(TRIM(json_extract(pa.skus, '$[0]')), '')"


def _instants_sql(events: str, not_a_scan: str) -> tuple[str, str]:
    """(a join, its columns): each parcel's number's first scan and first delivery. PostgreSQL reads them
    with a lateral subquery, one index lookup a parcel and no sort (measured at a million parcels: half the
    time of a join grouped by parcel); SQLite, which has no LATERAL, with two correlated subqueries."""
    first_scan = f"MIN(CASE WHEN e.status NOT IN ({not_a_scan}) THEN e.at END)"
    delivered = "MIN(CASE WHEN e.status = %s THEN e.at END)"
    if connection.vendor == "postgresql":
        join = f"""LEFT JOIN LATERAL (
                SELECT {first_scan} AS first_scan_at, {delivered} AS delivered_at
                FROM {events} e WHERE e.tracking_number_id = p.tracking_number_id
            ) n ON TRUE"""
        return join, "n.first_scan_at, n.delivered_at"
    of_parcel = f"FROM {events} e WHERE e.tracking_number_id = p.tracking_number_id"
    return "", f"(SELECT {first_scan} {of_parcel}), (SELECT {delivered} {of_parcel})"


def _per_parcel_sql(start: datetime, end: datetime) -> tuple[str, list]:
    """Common table expressions ending in `per_parcel`: one row per counted parcel (review.py) with the
    product it counts for, the order's time, its number's first scan and first delivery. The orders of a
    wrong_tracking case are left out through the case_by_type index (case type, order), never a scan of the
    cases."""
    orders, cases, parcels = Order._meta.db_table, CaseModel._meta.db_table, Parcel._meta.db_table
    events, items, products = TrackingEvent._meta.db_table, LineItem._meta.db_table, Product._meta.db_table
    not_a_scan = sorted(v.NOT_A_SCAN)
    join, instants = _instants_sql(events, ", ".join(["%s"] * len(not_a_scan)))
    sql = f"""
        WITH parcels AS (
            SELECT o.id AS order_id, o.product_id AS order_product_id, o.ordered_at, pa.tracking_number_id,
                   {_first_sku_sql()} AS first_sku
            FROM {orders} o JOIN {parcels} pa ON pa.order_id = o.id
            WHERE o.ordered_at >= %s AND o.ordered_at < %s
              AND pa.superseded_at IS NULL AND pa.tracking_number_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM {cases} c WHERE c.order_id = o.id AND c.case_type = %s)
        ),
        per_parcel (product_id, ordered_at, first_scan_at, delivered_at) AS (
            SELECT CASE WHEN p.first_sku IS NULL THEN p.order_product_id ELSE COALESCE(
                       (SELECT MIN(li.product_id) FROM {items} li JOIN {products} pr ON pr.id = li.product_id
                        WHERE li.order_id = p.order_id AND LOWER(TRIM(pr.sku)) = LOWER(p.first_sku)),
                       p.order_product_id) END,
                   p.ordered_at, {instants}
            FROM parcels p {join}
        )
    """
    # Either way the first scan's statuses come before the delivered one in the text.
    return sql, [start, end, v.WRONG_TRACKING, *not_a_scan, v.DELIVERED]


def parcel_rows(start: datetime, end: datetime) -> list[review.ParcelRow]:
    """One row per counted parcel of the orders placed in [start, end) (the portable path)."""
    sql, params = _per_parcel_sql(start, end)
    sql += "SELECT product_id, ordered_at, first_scan_at, delivered_at FROM per_parcel"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            review.ParcelRow(product_id, instant(ordered_at), instant(scan), instant(delivered))
            for product_id, ordered_at, scan, delivered in cursor.fetchall()
        ]


def _figures_in_sql(start: datetime, end: datetime) -> dict[int, review.ParcelFigures]:
    """PostgreSQL: one query, one row per product; median and p90 index the sorted arrays with the ranks
    of `suppliers.scorecard.rollups` (median: (n+1)/2 and (n+2)/2; p90: (90 n + 99) / 100)."""
    sql, params = _per_parcel_sql(start, end)
    sql += """
        , grouped AS (
            SELECT product_id, COUNT(*)::int AS parcels,
                   COUNT(to_scan)::int AS scan_n,
                   ARRAY_AGG(to_scan ORDER BY to_scan) FILTER (WHERE to_scan IS NOT NULL) AS scans,
                   COUNT(to_delivery)::int AS delivery_n,
                   ARRAY_AGG(to_delivery ORDER BY to_delivery) FILTER (WHERE to_delivery IS NOT NULL)
                       AS deliveries,
                   SUM(scan_before)::int AS scan_before, SUM(delivered_before)::int AS delivered_before
            FROM (
                -- An instant before the order is no duration: left out, and counted (review.py).
                SELECT product_id,
                       CASE WHEN first_scan_at >= ordered_at
                           THEN EXTRACT(EPOCH FROM (first_scan_at - ordered_at))::float8 END AS to_scan,
                       CASE WHEN delivered_at >= ordered_at
                           THEN EXTRACT(EPOCH FROM (delivered_at - ordered_at))::float8 END AS to_delivery,
                       CASE WHEN first_scan_at < ordered_at THEN 1 ELSE 0 END AS scan_before,
                       CASE WHEN delivered_at < ordered_at THEN 1 ELSE 0 END AS delivered_before
                FROM per_parcel
            ) measured
            GROUP BY product_id
        )
        SELECT product_id, parcels,
               scan_n, (scans[(scan_n + 1) / 2] + scans[(scan_n + 2) / 2]) / 2,
               scans[(90 * scan_n + 99) / 100],
               delivery_n, (deliveries[(delivery_n + 1) / 2] + deliveries[(delivery_n + 2) / 2]) / 2,
               deliveries[(90 * delivery_n + 99) / 100],
               scan_before, delivered_before
        FROM grouped
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            row[0]: review.ParcelFigures(
                parcels=row[1],
                first_scan=Durations(row[2], row[3], row[4]),
                delivery=Durations(row[5], row[6], row[7]),
                scan_before_order=row[8],
                delivered_before_order=row[9],
            )
            for row in cursor.fetchall()
        }


def parcel_figures(
    start: datetime, end: datetime, *, aggregate_in_sql: bool | None = None
) -> dict[int, review.ParcelFigures]:
    """Per product, the figures of its parcels of the orders placed in [start, end)."""
    if aggregate_in_sql is None:
        aggregate_in_sql = connection.vendor == "postgresql"
    if aggregate_in_sql:
        return _figures_in_sql(start, end)
    return review.parcel_figures(parcel_rows(start, end))


def product_promises(product_ids, *, start: datetime, end: datetime) -> dict[int, review.ProductPromise]:
    """The products' promises; a page without a text gets the one its latest order in [start, end)
    carried, if any (orders keep the promise they were placed under): one index lookup (product,
    ordered_at) for each such product."""
    latest_order_text = Subquery(
        Order.objects.filter(product=OuterRef("pk"), ordered_at__gte=start, ordered_at__lt=end)
        .order_by("-ordered_at")
        .values("promise_text")[:1]
    )
    rows = (
        Product.objects.filter(pk__in=list(product_ids))
        .annotate(order_text=Case(When(promise_text="", then=latest_order_text), default=None))
        .order_by()
        .values_list(
            "pk",
            "sku",
            "title",
            "supplier__name",
            "state",
            "promise_text",
            "promised_delivery_days",
            "order_text",
        )
    )
    return {
        pk: review.ProductPromise(
            product_id=pk,
            sku=sku,
            title=title,
            supplier=supplier,
            state=state,
            promise_text=text or order_text or "",
            promised_delivery_days=days,
            text_from_orders=not text and bool(order_text),
        )
        for pk, sku, title, supplier, state, text, days, order_text in rows
    }


def promise_review(
    *,
    weeks: int = review.DEFAULT_WEEKS,
    last_week: date | None = None,
    now: datetime | None = None,
    aggregate_in_sql: bool | None = None,
    min_parcels: int = review.MIN_PARCELS,
) -> review.PromiseReview:
    """The promise review of the orders placed in the `weeks` whole weeks ending with `last_week` (a
    Monday; default: the week that ended before `now`)."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    if last_week is None:
        last_week = week_that_ended(now or timezone.now())
    start, end = review_window(weeks=weeks, last_week=last_week)
    figures = parcel_figures(start, end, aggregate_in_sql=aggregate_in_sql)
    products = product_promises(figures, start=start, end=end)
    return review.build_review(
        start=start, end=end, weeks=weeks, products=products, figures=figures, min_parcels=min_parcels
    )
