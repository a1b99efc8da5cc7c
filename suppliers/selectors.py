"""Reading what the weekly rollups and the weekly review count, set-based, in a fixed number of queries.

The week (a decision the issues left open): an order cohort. The orders placed from Monday 00:00 to the
next Monday 00:00 in the store's time zone (settings.TIME_ZONE), read with their cases, messages, outcomes
and money decisions as they are when the rollup is built. A week's rollup therefore answers "how did last
week's orders go", and rebuilding it later shows the same orders further on.

`load_week` runs seven queries whatever the number of orders: four GROUP BY queries over (product,
destination country) cells, whose counts add up to any dimension; one query of the tracking instants;
the week's products; all suppliers. On PostgreSQL the tracking query aggregates in SQL (GROUPING SETS,
percentiles by rank over ordered arrays); elsewhere it returns one row per order and `suppliers.rollups`
computes the same percentiles in Python. Both use the ranks defined in `suppliers.rollups`.

Also what the vendor map's changes read: the products a vendor name places, and their open cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.assessment import vocabulary as v
from cases.choices import CaseStatus, Direction, MoneyState
from cases.models import Case, CustomerMessage, MoneyDecision, Order, OrderTracking, Outcome, TrackingEvent
from suppliers import rollups
from suppliers.models import Product, Supplier, WeeklyRollup, vendor_key

WEEK = timedelta(days=7)


# ---------------------------------------------------------------------------------------------------
# Weeks.


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) in the store's time zone, as aware datetimes."""
    if week_start.weekday() != 0:
        raise ValueError(f"A week starts on a Monday; {week_start.isoformat()} is a {week_start:%A}.")
    zone = timezone.get_default_timezone()
    start = datetime.combine(week_start, time.min, tzinfo=zone)
    end = datetime.combine(week_start + WEEK, time.min, tzinfo=zone)
    return start, end


def week_that_ended(now: datetime) -> date:
    """The Monday of the last whole week before `now` (store time): on Monday 07:00, the week before."""
    return monday_of(timezone.localtime(now, timezone.get_default_timezone()).date()) - WEEK


def week_orders(week_start: date):
    start, end = week_bounds(week_start)
    return Order.objects.filter(ordered_at__gte=start, ordered_at__lt=end).order_by()


# ---------------------------------------------------------------------------------------------------
# The week's rows.


@dataclass
class WeekRows:
    suppliers: dict[int, str]
    products: dict[int, rollups.ProductInfo]
    case_cells: list[rollups.CaseCell]
    message_cells: list[rollups.MessageCell]
    outcome_cells: list[rollups.OutcomeCell]
    money_cells: list[rollups.MoneyCell]
    scans: dict[rollups.GroupKey, rollups.ScanGroup]


def load_week(week_start: date, *, aggregate_in_sql: bool | None = None) -> WeekRows:
    """Everything `rollups.build` needs for one week. `aggregate_in_sql` picks the tracking path
    (default: in SQL on PostgreSQL); the tests run both to check they agree."""
    start, end = week_bounds(week_start)
    orders = week_orders(week_start)
    in_week = {"order__ordered_at__gte": start, "order__ordered_at__lt": end}
    case_in_week = {"case__order__ordered_at__gte": start, "case__order__ordered_at__lt": end}

    too_long = Q(case__case_type=v.LABEL_CREATED_ONLY, case__window__exceeded=True)
    case_cells = [
        rollups.CaseCell(
            row["product_id"],
            row["country"],
            row["case__case_type"],
            row["case__risk_level"],
            row["n"],
            row["m"],
        )
        for row in orders.values("product_id", "country", "case__case_type", "case__risk_level").annotate(
            n=Count("pk"), m=Count("pk", filter=too_long)
        )
    ]
    message_cells = [
        rollups.MessageCell(row["order__product_id"], row["order__country"], row["n"])
        for row in CustomerMessage.objects.filter(direction=Direction.INBOUND, **in_week)
        .order_by()
        .values("order__product_id", "order__country")
        .annotate(n=Count("pk"))
    ]
    outcome_cells = [
        rollups.OutcomeCell(
            row["case__order__product_id"], row["case__order__country"], row["kind"], row["n"]
        )
        for row in Outcome.objects.filter(**case_in_week)
        .order_by()
        .values("case__order__product_id", "case__order__country", "kind")
        .annotate(n=Count("case_id", distinct=True))
    ]
    money_cells = [
        rollups.MoneyCell(
            row["case__order__product_id"],
            row["case__order__country"],
            row["state"] == MoneyState.APPROVED,
            row["currency"],
            row["n"],
            row["amount"],
        )
        for row in MoneyDecision.objects.filter(**case_in_week)
        .order_by()
        .values("case__order__product_id", "case__order__country", "state", "currency")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    ]
    products = {
        pk: rollups.ProductInfo(sku, supplier_id)
        for pk, sku, supplier_id in Product.objects.filter(pk__in=orders.values("product_id"))
        .order_by()
        .values_list("pk", "sku", "supplier_id")
    }
    suppliers = dict(Supplier.objects.order_by().values_list("pk", "name"))
    if aggregate_in_sql is None:
        aggregate_in_sql = connection.vendor == "postgresql"
    scans = _scans_in_sql(orders) if aggregate_in_sql else rollups.scan_groups(scan_rows(orders))
    return WeekRows(suppliers, products, case_cells, message_cells, outcome_cells, money_cells, scans)


# ---------------------------------------------------------------------------------------------------
# Tracking instants per order: one SQL definition, aggregated in SQL (PostgreSQL) or in Python.


def _per_order_sql(orders) -> tuple[str, list]:
    """Common table expressions ending in `per_order`: one row per order of `orders` with its product,
    supplier, country, ordered_at, label_at, first_scan_at and had_exception (0/1), read from the order's
    current tracking number (the last assigned, as the assessment reads it). A wrong_tracking case's
    number is not this parcel's: its label, first scan and exceptions are left out."""
    week_sql, week_params = (
        orders.values_list(
            "pk", "product_id", "product__supplier_id", "country", "ordered_at", "case__case_type"
        )
        .query.get_compiler(using=orders.db)
        .as_sql()
    )
    links = OrderTracking._meta.db_table
    events = TrackingEvent._meta.db_table
    not_a_scan = sorted(v.NOT_A_SCAN)
    sql = f"""
        WITH week_orders (id, product_id, supplier_id, country, ordered_at, case_type) AS ({week_sql}),
        ranked AS (
            SELECT link.order_id, link.tracking_number_id,
                   ROW_NUMBER() OVER (
                       PARTITION BY link.order_id ORDER BY link.assigned_at DESC, link.id DESC
                   ) AS position
            FROM {links} link JOIN week_orders w ON w.id = link.order_id
        ),
        scans AS (
            SELECT r.order_id,
                   MIN(CASE WHEN e.status = %s THEN e.at END) AS label_at,
                   MIN(CASE WHEN e.status NOT IN ({", ".join(["%s"] * len(not_a_scan))}) THEN e.at END)
                       AS first_scan_at,
                   MAX(CASE WHEN e.status IN (%s, %s) THEN 1 ELSE 0 END) AS had_exception
            FROM ranked r JOIN {events} e ON e.tracking_number_id = r.tracking_number_id
            WHERE r.position = 1
            GROUP BY r.order_id
        ),
        per_order AS (
            SELECT w.product_id, w.supplier_id, w.country, w.ordered_at,
                   CASE WHEN w.case_type = %s THEN NULL ELSE s.label_at END AS label_at,
                   CASE WHEN w.case_type = %s THEN NULL ELSE s.first_scan_at END AS first_scan_at,
                   CASE WHEN w.case_type = %s THEN 0 ELSE COALESCE(s.had_exception, 0) END AS had_exception
            FROM week_orders w LEFT JOIN scans s ON s.order_id = w.id
        )
    """
    params = [
        *week_params,
        v.INFO_RECEIVED,
        *not_a_scan,
        v.EXCEPTION,
        v.RETURNED,
        v.WRONG_TRACKING,
        v.WRONG_TRACKING,
        v.WRONG_TRACKING,
    ]
    return sql, params


def _instant(value) -> datetime | None:
    """An aware datetime from a raw query: SQLite gives UTC without an offset, as text or naive."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else parse_datetime(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def scan_rows(orders) -> list[rollups.ScanRow]:
    """One row per order (the portable path)."""
    sql, params = _per_order_sql(orders)
    sql += """
        SELECT product_id, supplier_id, country, ordered_at, label_at, first_scan_at, had_exception
        FROM per_order
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            rollups.ScanRow(
                product_id=product_id,
                supplier_id=supplier_id,
                country=country,
                ordered_at=_instant(ordered_at),
                label_at=_instant(label_at),
                first_scan_at=_instant(first_scan_at),
                had_exception=bool(had_exception),
            )
            for product_id, supplier_id, country, ordered_at, label_at, first_scan_at, had_exception in (
                cursor.fetchall()
            )
        ]


def _scans_in_sql(orders) -> dict[rollups.GroupKey, rollups.ScanGroup]:
    """PostgreSQL: one query, grouped by supplier, by SKU, by country and for the whole week. Median and
    p90 index the sorted array with the ranks of `suppliers.rollups` (median: (n+1)/2 and (n+2)/2; p90:
    (90 n + 99) / 100, integer division), so both paths give the same numbers."""
    sql, params = _per_order_sql(orders)
    sql += """
        , grouped AS (
            SELECT GROUPING(supplier_id) AS by_supplier, GROUPING(product_id) AS by_product,
                   GROUPING(country) AS by_country, supplier_id, product_id, country,
                   SUM(had_exception) AS exceptions,
                   COUNT(to_scan)::int AS to_scan_n,
                   ARRAY_AGG(to_scan ORDER BY to_scan) FILTER (WHERE to_scan IS NOT NULL) AS to_scan,
                   COUNT(label_to_scan)::int AS label_to_scan_n,
                   ARRAY_AGG(label_to_scan ORDER BY label_to_scan) FILTER (WHERE label_to_scan IS NOT NULL)
                       AS label_to_scan,
                   SUM(before_order) AS before_order, SUM(before_label) AS before_label
            FROM (
                -- A first scan before the order or the label is no duration: left out, and counted
                -- (suppliers.rollups.scan_groups).
                SELECT supplier_id, product_id, country, had_exception,
                       CASE WHEN first_scan_at >= ordered_at
                           THEN EXTRACT(EPOCH FROM (first_scan_at - ordered_at))::float8 END AS to_scan,
                       CASE WHEN first_scan_at >= label_at
                           THEN EXTRACT(EPOCH FROM (first_scan_at - label_at))::float8 END AS label_to_scan,
                       CASE WHEN first_scan_at < ordered_at THEN 1 ELSE 0 END AS before_order,
                       CASE WHEN first_scan_at < label_at THEN 1 ELSE 0 END AS before_label
                FROM per_order
            ) measured
            GROUP BY GROUPING SETS ((supplier_id), (product_id), (country), ())
        )
        SELECT by_supplier, by_product, by_country, supplier_id, product_id, country, exceptions,
               to_scan_n, (to_scan[(to_scan_n + 1) / 2] + to_scan[(to_scan_n + 2) / 2]) / 2,
               to_scan[(90 * to_scan_n + 99) / 100],
               label_to_scan_n,
               (label_to_scan[(label_to_scan_n + 1) / 2] + label_to_scan[(label_to_scan_n + 2) / 2]) / 2,
               label_to_scan[(90 * label_to_scan_n + 99) / 100],
               before_order, before_label
        FROM grouped
    """
    result = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            by_supplier, by_product, by_country, supplier_id, product_id, country = row[:6]
            if not by_supplier:
                key = (rollups.SUPPLIER, supplier_id)
            elif not by_product:
                key = (rollups.SKU, product_id)
            elif not by_country:
                key = (rollups.COUNTRY, country)
            else:
                key = rollups.STORE
            exceptions, to_n, to_median, to_p90, label_n, label_median, label_p90 = row[6:13]
            before_order, before_label = row[13:]
            result[key] = rollups.ScanGroup(
                exceptions=int(exceptions or 0),
                order_to_first_scan=rollups.Durations(to_n, to_median, to_p90),
                label_to_first_scan=rollups.Durations(label_n, label_median, label_p90),
                scan_before_order=int(before_order or 0),
                scan_before_label=int(before_label or 0),
            )
    return result


# ---------------------------------------------------------------------------------------------------
# The weekly review's triggers (rules.md section 6, overlays 5 and 6), from the stored cases.


def _cases_behind(condition: Q, group: str, since: datetime, now: datetime, threshold: int) -> dict:
    """{group id: [order ids]} for the groups with at least `threshold` cases meeting `condition` whose
    order was placed within [since, now]. Two queries: the counts (HAVING), then the hits' order ids."""
    cases = Case.objects.filter(
        condition, order__ordered_at__gte=since, order__ordered_at__lte=now
    ).order_by()
    hits = list(
        cases.values(group).annotate(n=Count("pk")).filter(n__gte=threshold).values_list(group, flat=True)
    )
    behind = defaultdict(list)
    if hits:
        rows = (
            cases.filter(**{f"{group}__in": hits})
            .order_by("order__ordered_at", "order__order_id")
            .values_list(group, "order__order_id")
        )
        for ident, order_id in rows:
            behind[ident].append(order_id)
    return dict(behind)


def product_review_cases(now: datetime, days: int, threshold: int) -> dict[int, list[str]]:
    """Overlay 5: per product, the cases ordered within `days` before `now` (0 <= age <= days, as the
    assessment counts) whose stored risk is above normal_watch (overlays 5 and 6 never change the risk),
    for the products with at least `threshold` of them."""
    return _cases_behind(Q(risk_rank__gt=0), "order__product_id", now - timedelta(days=days), now, threshold)


def supplier_flag_cases(now: datetime, days: int, threshold: int) -> dict[int, list[str]]:
    """Overlay 6: per supplier, the cases ordered within `days` before `now` whose stored case type is
    supplier_silence, or label_created_only with its window exceeded."""
    stuck = Q(case_type=v.SUPPLIER_SILENCE) | Q(case_type=v.LABEL_CREATED_ONLY, window__exceeded=True)
    return _cases_behind(stuck, "order__product__supplier_id", now - timedelta(days=days), now, threshold)


# ---------------------------------------------------------------------------------------------------
# The vendor map: the products it places.


def products_the_map_places(*, keys: Iterable[str], supplier_id: int | None = None) -> list[tuple]:
    """(pk, sku, vendor, supplier_id) of the products whose vendor name has one of `keys`
    (`suppliers.models.vendor_key`) and whose supplier an owner did not choose; with `supplier_id`, only
    those now with that supplier. Two queries: the distinct vendor names (a store has few), compared here
    by key as Python computes it, then their products."""
    keys = set(keys)
    movable = Product.objects.filter(supplier_set_by_owner=False).order_by()
    if supplier_id is not None:
        movable = movable.filter(supplier_id=supplier_id)
    names = [name for name in movable.values_list("vendor", flat=True).distinct() if vendor_key(name) in keys]
    if not names:
        return []
    return list(
        movable.filter(vendor__in=names).order_by("pk").values_list("pk", "sku", "vendor", "supplier_id")
    )


def orders_with_open_cases(product_pks: Iterable[int]) -> list[int]:
    """The pks of these products' orders whose case is open (re-assessed when their supplier changes)."""
    product_pks = list(product_pks)
    if not product_pks:
        return []
    return list(
        Order.objects.filter(product_id__in=product_pks, case__status=CaseStatus.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def latest_built_week() -> date | None:
    """The newest week with stored rollups: the scorecard's default range ends with it."""
    return WeeklyRollup.objects.aggregate(latest=Max("week_start"))["latest"]
