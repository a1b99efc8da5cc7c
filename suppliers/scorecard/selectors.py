"""Reading what the scorecard needs: the rows a week's rollups are built from, and the lists beside the table.

The week is an order cohort: the orders placed from Monday 00:00 to the next Monday 00:00 in the store's
time zone (settings.TIME_ZONE), read with their cases, messages, outcomes and money decisions as they are
when the rollup is built. A week's rollup therefore answers "how did last week's orders go", and
rebuilding it later shows the same orders further on.

Each order counts for one product, its case's (rules.md section 3a): `Case.counted_product`, the product of
its headline parcel's first item when it is in several parcels, else (and for an order with no case yet)
the order's product, its first item's. An order with a delivered lamp and a stuck rug counts, with all of
its figures (the order itself, its case type, risk, outcomes, money decisions and messages), for the
rug's SKU and supplier, once (`counted_product`); the case changelist links filter the same way
(`suppliers.scorecard.links`). The tracking durations and exceptions still read the order's current
tracking number (below), which for an order in several parcels need not be its headline parcel's.

`load_week` runs seven queries whatever the number of orders: four GROUP BY queries over (counted product,
destination country) cells, whose counts add up to any dimension; one query of the tracking instants;
the week's products; all suppliers. On PostgreSQL the tracking query aggregates in SQL (GROUPING SETS,
percentiles by rank over ordered arrays); elsewhere it returns one row per order and
`suppliers.scorecard.rollups` computes the same percentiles in Python. Both use the ranks defined there.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime

from django.db import connection
from django.db.models import Count, Max, Q, Sum
from django.utils.dateparse import parse_datetime

from cases.assessment import vocabulary as v
from cases.choices import Direction, MoneyState
from cases.models import CustomerMessage, MoneyDecision, Order, Outcome, Parcel, TrackingEvent
from suppliers.models import Product, Supplier, WeeklyRollup
from suppliers.scorecard import rollups
from suppliers.selectors import counted_product, counted_supplier, week_bounds

TRIGGERS_SHOWN = 50


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
    """Everything `rollups.build` needs for one week (`WeekRows`' fields are its arguments).
    `aggregate_in_sql` picks the tracking path (default: in SQL on PostgreSQL); the tests run both to check
    they agree."""
    start, end = week_bounds(week_start)
    orders = week_orders(week_start)
    in_week = {"order__ordered_at__gte": start, "order__ordered_at__lt": end}
    case_in_week = {"case__order__ordered_at__gte": start, "case__order__ordered_at__lt": end}

    too_long = Q(case__case_type=v.LABEL_CREATED_ONLY, case__window__exceeded=True)
    case_cells = [
        rollups.CaseCell(
            row["counted"],
            row["country"],
            row["case__case_type"],
            row["case__risk_level"],
            row["n"],
            row["m"],
        )
        for row in orders.annotate(counted=counted_product())
        .values("counted", "country", "case__case_type", "case__risk_level")
        .annotate(n=Count("pk"), m=Count("pk", filter=too_long))
    ]
    message_cells = [
        rollups.MessageCell(row["counted"], row["order__country"], row["n"])
        for row in CustomerMessage.objects.filter(direction=Direction.INBOUND, **in_week)
        .order_by()
        .annotate(counted=counted_product("order__case__", "order__"))
        .values("counted", "order__country")
        .annotate(n=Count("pk"))
    ]
    outcome_cells = [
        rollups.OutcomeCell(row["counted"], row["case__order__country"], row["kind"], row["n"])
        for row in Outcome.objects.filter(**case_in_week)
        .order_by()
        .annotate(counted=counted_product("case__", "case__order__"))
        .values("counted", "case__order__country", "kind")
        .annotate(n=Count("case_id", distinct=True))
    ]
    money_cells = [
        rollups.MoneyCell(
            row["counted"],
            row["case__order__country"],
            row["state"] == MoneyState.APPROVED,
            row["currency"],
            row["n"],
            row["amount"],
        )
        for row in MoneyDecision.objects.filter(**case_in_week)
        .order_by()
        .annotate(counted=counted_product("case__", "case__order__"))
        .values("counted", "case__order__country", "state", "currency")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    ]
    products = {
        pk: rollups.ProductInfo(sku, supplier_id)
        for pk, sku, supplier_id in Product.objects.filter(pk__in={cell.product_id for cell in case_cells})
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
    """Common table expressions ending in `per_order`: one row per order of `orders` with the product it
    counts for and that product's supplier, country, ordered_at, label_at, first_scan_at and had_exception
    (0/1), read from the order's current tracking number (the last assigned of its parcels not superseded,
    rules.md section 3a). A wrong_tracking case's number is not this parcel's: its label, first scan and
    exceptions are left out."""
    week_sql, week_params = (
        orders.annotate(counted=counted_product(), supplier=counted_supplier())
        .values_list("pk", "counted", "supplier", "country", "ordered_at", "case__case_type")
        .query.get_compiler(using=orders.db)
        .as_sql()
    )
    links = Parcel._meta.db_table
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
            WHERE link.superseded_at IS NULL AND link.tracking_number_id IS NOT NULL
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


def instant(value) -> datetime | None:
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
                ordered_at=instant(ordered_at),
                label_at=instant(label_at),
                first_scan_at=instant(first_scan_at),
                had_exception=bool(had_exception),
            )
            for product_id, supplier_id, country, ordered_at, label_at, first_scan_at, had_exception in (
                cursor.fetchall()
            )
        ]


def _scans_in_sql(orders) -> dict[rollups.GroupKey, rollups.ScanGroup]:
    """PostgreSQL: one query, grouped by supplier, by SKU, by country and for the whole week. Median and
    p90 index the sorted array with the ranks of `suppliers.scorecard.rollups` (median: (n+1)/2 and
    (n+2)/2; p90: (90 n + 99) / 100, integer division), so both paths give the same numbers."""
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
                -- (suppliers.scorecard.rollups.scan_groups).
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


def latest_built_week() -> date | None:
    """The newest week with stored rollups: the scorecard's default range ends with it."""
    return WeeklyRollup.objects.aggregate(latest=Max("week_start"))["latest"]


def week_rollups(week_start: date, *, aggregate_in_sql: bool | None = None) -> list[rollups.Rollup]:
    """The rollups of the week starting on `week_start` (a Monday), computed from its rows; storing them
    is `suppliers.services.build_weekly_rollups`. `aggregate_in_sql`: as `load_week`."""
    week = load_week(week_start, aggregate_in_sql=aggregate_in_sql)
    return rollups.build(**{part.name: getattr(week, part.name) for part in fields(week)})


# ---------------------------------------------------------------------------------------------------
# Beside the table: what waits for an owner.


def review_triggers(
    *, supplier: Supplier | None = None, shown: int = TRIGGERS_SHOWN
) -> tuple[list[Product], bool, list[Supplier], bool]:
    """The products waiting for an owner's review (oldest first) and the flagged suppliers (by name), of
    `supplier` if given: at most `shown` of each, and whether there are more. Two queries."""
    products = Product.objects.filter(state=Product.State.REVIEW_REQUIRED).select_related("supplier")
    suppliers = Supplier.objects.filter(status=Supplier.Status.FLAGGED)
    if supplier is not None:
        products, suppliers = products.filter(supplier=supplier), suppliers.filter(pk=supplier.pk)
    products = list(products.order_by("state_changed_at", "sku")[: shown + 1])
    suppliers = list(suppliers.order_by("name")[: shown + 1])
    return products[:shown], len(products) > shown, suppliers[:shown], len(suppliers) > shown
