"""Weekly rollup figures and notes from plain rows. Pure: no ORM, no clock.

`suppliers.scorecard.selectors` loads one week's rows (set-based, a fixed number of queries); `build` folds
them into one `Rollup` per supplier, SKU and destination country; `suppliers.services` writes them. How the
scorecard adds up a figure over weeks, shows, sorts and exports it is its declaration in
`suppliers.scorecard.figures`.

The week is an order cohort: the orders placed from Monday 00:00 to the next Monday 00:00 in the store's
time zone, read with their cases, messages, outcomes and money decisions as they stand when the rollup
is built (a rebuild later shows the same orders further on).

Rows: every supplier gets one (a supplier without orders that week shows zeros, so the scorecard lists it);
SKUs and countries get one when they had an order that week. An order counts once, with all its figures,
for one SKU and its supplier: the product its case counts for (rules.md section 3a: an order in several
parcels, for its headline parcel's first item; `selectors.counted_product`).

Figures (each row holds all of them; a rate or duration with nothing to measure is null):

- `orders`: orders placed in the week.
- `cases_by_type`: those orders' cases by stored case type, every case type listed (zeros included).
- `unassessed`: orders with no case yet, or a case never assessed (empty case type).
- `label_only_cases`: cases of type label_created_only. `label_only_too_long`: those whose window
  (label_created_max_days) is exceeded. `label_only_too_long_rate` = label_only_too_long / orders.
- `order_to_first_scan_days` and `label_to_first_scan_days`: `{count, median, p90}` over the orders that have
  both instants, in days (real, rounded to 2 places). First scan and label as in rules.md section 3, read
  from the order's current tracking number (the last assigned, as the assessment does): first scan = the
  earliest event whose status is not info_received, unknown or no_information; label = the earliest
  info_received event. Orders whose case is wrong_tracking are left out: their number's events are not
  this parcel's. `count` is the number of orders measured. A first scan before the order (or before the
  label) is no duration: a carrier clock or a store export that is wrong, or a recycled number. Such
  orders are left out of that figure, never clamped to zero (which would pull the median down), and
  counted in its `left_out` (present only when there are any), which the scorecard shows: no duration
  is ever negative.
- `stale_in_transit`: cases of type stale_in_transit. `stale_in_transit_rate` = stale_in_transit / orders.
- `exceptions`: orders whose current tracking number has any `exception` or `returned` event (their
  history, whatever the case type is now; wrong_tracking cases left out as above).
- `refund_risk`, `chargeback_watch`: cases whose stored risk level is that level.
- `money_requested`, `money_approved`: `{count, amount}` of the money decisions on those cases, all of them
  and the approved ones; `amount` maps currency to the sum as a string with 2 decimals.
- `customer_messages`: inbound customer messages on those orders (the support load; replies are not
  counted). `customer_messages_per_order` = customer_messages / orders, rounded to 2 places.
- `outcomes`: per outcome kind, the number of cases with at least one outcome of that kind.

Rates are rounded to 4 places. Percentiles (one definition for every path, including the PostgreSQL
aggregation in `suppliers.scorecard.selectors`, which uses the same ranks):

- `median`: the middle value of the sorted values; for an even count, the mean of the two middle values.
- `p90`: nearest rank: the value at 1-based rank ceil(90 x n / 100) of the n sorted values (integer
  arithmetic, so no rounding of 0.9 x n), i.e. the smallest value with at least 90% of values at or below it.

Notes: plain sentences computed from the figures, on the dimension they are about (thresholds below).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from cases.assessment import vocabulary as v

SUPPLIER = "supplier"
SKU = "sku"
COUNTRY = "country"
DIMENSIONS: tuple[str, ...] = (SUPPLIER, SKU, COUNTRY)
STORE = ("store", None)  # the whole week, for the notes that compare with the store

# The scorecard's outcome columns: the seed's outcomes and the four endings, the first ten of
# cases.choices.OutcomeKind (a test keeps them so); the workbench's own steps are not columns.
OUTCOME_KINDS: tuple[str, ...] = (
    "customer_updated",
    "supplier_chased",
    "case_held",
    "refund_reviewed",
    "product_paused",
    "supplier_flagged",
    "delivered",
    "lost",
    "refunded",
    "replaced",
)

# A dispute's steps as the scorecard counts them (cases.choices.OutcomeKind): the cases with a dispute
# opened, and those with each outcome (an owner's columns: only owners see disputes' outcomes).
DISPUTE_OPENED = "dispute_opened"
DISPUTE_OUTCOME_KINDS: tuple[str, ...] = ("dispute_won", "dispute_lost", "dispute_accepted")

SECONDS_PER_DAY = 86_400
DAYS_PLACES = 2
RATE_PLACES = 4
PER_ORDER_PLACES = 2

# Note thresholds.
LABEL_NOTE_MIN = 3  # label-only cases past their window, on one supplier ...
LABEL_NOTE_SHARE = 0.5  # ... and at least this share of the supplier's label-only cases
SLOW_SCAN_FACTOR = 2.0  # a country's median order-to-first-scan at least this many times the store's ...
SLOW_SCAN_MIN_ORDERS = 3  # ... measured on at least this many orders of the country
MESSAGES_NOTE_MIN = 5  # inbound messages on one SKU ...
MESSAGES_NOTE_PER_ORDER = 1.0  # ... and at least this many per order
STALE_NOTE_MIN = 3  # stale-in-transit cases on one SKU ...
STALE_NOTE_RATE = 0.2  # ... and at least this share of its orders

GroupKey = tuple[str, object]  # (dimension, supplier id | product id | country code)


# ---------------------------------------------------------------------------------------------------
# Plain rows, as the selectors load them. A "cell" is one (product, destination country) pair, the product
# being the one the order counts for (its headline parcel's, rules.md section 3a: selectors.counted_product):
# every order sits in exactly one, so cell counts add up to supplier, SKU and country counts.


@dataclass(frozen=True, slots=True)
class ProductInfo:
    sku: str
    supplier_id: int


@dataclass(frozen=True, slots=True)
class CaseCell:
    product_id: int
    country: str
    case_type: str | None  # None or "" when the order has no assessed case
    risk_level: str | None
    orders: int
    label_too_long: int  # of them, label_created_only with the window exceeded


@dataclass(frozen=True, slots=True)
class MessageCell:
    product_id: int
    country: str
    inbound: int


@dataclass(frozen=True, slots=True)
class OutcomeCell:
    product_id: int
    country: str
    kind: str
    cases: int  # distinct cases with an outcome of this kind


@dataclass(frozen=True, slots=True)
class MoneyCell:
    product_id: int
    country: str
    approved: bool
    currency: str
    count: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One order's tracking instants (None where unknown or not counted)."""

    product_id: int
    supplier_id: int
    country: str
    ordered_at: datetime
    label_at: datetime | None
    first_scan_at: datetime | None
    had_exception: bool


@dataclass(frozen=True, slots=True)
class Durations:
    """A percentile summary in seconds: how many values, their median and p90."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True, slots=True)
class ScanGroup:
    exceptions: int = 0
    order_to_first_scan: Durations = Durations()
    label_to_first_scan: Durations = Durations()
    scan_before_order: int = 0  # orders left out of order_to_first_scan: first scan before the order
    scan_before_label: int = 0  # orders left out of label_to_first_scan: first scan before the label


@dataclass(frozen=True, slots=True)
class Rollup:
    dimension: str
    key: str
    supplier_id: int | None
    product_id: int | None
    figures: dict
    notes: list[str]


# ---------------------------------------------------------------------------------------------------
# Percentiles, rates, rounding.


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    # 1-based ranks (n + 1) // 2 and (n + 2) // 2: the same element when n is odd.
    return (ordered[(n + 1) // 2 - 1] + ordered[(n + 2) // 2 - 1]) / 2


def p90_rank(n: int) -> int:
    """ceil(90 n / 100) in integers: the 1-based nearest rank of the 90th percentile of n values."""
    return (90 * n + 99) // 100


def p90(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[p90_rank(len(ordered)) - 1]


def durations(seconds: Iterable[float]) -> Durations:
    values = list(seconds)
    return Durations(count=len(values), median=median(values), p90=p90(values))


def days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / SECONDS_PER_DAY, DAYS_PLACES)


def rate(part: int, whole: int, places: int = RATE_PLACES) -> float | None:
    return round(part / whole, places) if whole else None


def money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


# ---------------------------------------------------------------------------------------------------
# Tracking durations from per-order rows (the portable path; PostgreSQL aggregates the same in SQL).


def scan_groups(rows: Iterable[ScanRow]) -> dict[GroupKey, ScanGroup]:
    """Durations and exceptions per supplier, SKU, country and for the whole store (key STORE)."""
    to_scan: dict[GroupKey, list[float]] = defaultdict(list)
    label_to_scan: dict[GroupKey, list[float]] = defaultdict(list)
    before_order: dict[GroupKey, int] = defaultdict(int)
    before_label: dict[GroupKey, int] = defaultdict(int)
    exceptions: dict[GroupKey, int] = defaultdict(int)
    keys: set[GroupKey] = set()
    for row in rows:
        groups = ((SUPPLIER, row.supplier_id), (SKU, row.product_id), (COUNTRY, row.country), STORE)
        keys.update(groups)
        to_order = to_label = None
        if row.first_scan_at is not None:
            to_order = (row.first_scan_at - row.ordered_at).total_seconds()
            if row.label_at is not None:
                to_label = (row.first_scan_at - row.label_at).total_seconds()
        for key in groups:
            exceptions[key] += row.had_exception
            # A first scan before the order or the label is left out of that duration, and counted.
            if to_order is not None:
                if to_order >= 0:
                    to_scan[key].append(to_order)
                else:
                    before_order[key] += 1
            if to_label is not None:
                if to_label >= 0:
                    label_to_scan[key].append(to_label)
                else:
                    before_label[key] += 1
    return {
        key: ScanGroup(
            exceptions=exceptions[key],
            order_to_first_scan=durations(to_scan[key]),
            label_to_first_scan=durations(label_to_scan[key]),
            scan_before_order=before_order[key],
            scan_before_label=before_label[key],
        )
        for key in keys
    }


# ---------------------------------------------------------------------------------------------------
# Folding cells into groups.


@dataclass
class _Tally:
    orders: int = 0
    unassessed: int = 0
    by_type: dict[str, int] = field(default_factory=lambda: dict.fromkeys(v.CASE_TYPES, 0))
    label_too_long: int = 0
    refund_risk: int = 0
    chargeback_watch: int = 0
    messages: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOME_KINDS, 0))
    disputes_opened: int = 0
    dispute_outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DISPUTE_OUTCOME_KINDS, 0))
    requested: int = 0
    requested_amount: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    approved: int = 0
    approved_amount: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))


def build(
    *,
    suppliers: Mapping[int, str],
    products: Mapping[int, ProductInfo],
    case_cells: Iterable[CaseCell],
    message_cells: Iterable[MessageCell] = (),
    outcome_cells: Iterable[OutcomeCell] = (),
    money_cells: Iterable[MoneyCell] = (),
    scans: Mapping[GroupKey, ScanGroup] | None = None,
) -> list[Rollup]:
    """One rollup per supplier (all of `suppliers`), per SKU and per country with orders in the cells."""
    scans = scans or {}
    tallies: dict[GroupKey, _Tally] = {(SUPPLIER, supplier_id): _Tally() for supplier_id in suppliers}

    def groups(product_id: int, country: str) -> list[_Tally]:
        keys = ((SUPPLIER, products[product_id].supplier_id), (SKU, product_id), (COUNTRY, country))
        return [tallies.setdefault(key, _Tally()) for key in keys]

    for cell in case_cells:
        for t in groups(cell.product_id, cell.country):
            t.orders += cell.orders
            if cell.case_type:
                t.by_type[cell.case_type] = t.by_type.get(cell.case_type, 0) + cell.orders
            else:
                t.unassessed += cell.orders
            t.label_too_long += cell.label_too_long
            t.refund_risk += cell.orders if cell.risk_level == v.REFUND_RISK else 0
            t.chargeback_watch += cell.orders if cell.risk_level == v.CHARGEBACK_WATCH else 0
    for cell in message_cells:
        for t in groups(cell.product_id, cell.country):
            t.messages += cell.inbound
    for cell in outcome_cells:
        for t in groups(cell.product_id, cell.country):
            if cell.kind == DISPUTE_OPENED:
                t.disputes_opened += cell.cases
            elif cell.kind in DISPUTE_OUTCOME_KINDS:
                t.dispute_outcomes[cell.kind] += cell.cases
            else:
                t.outcomes[cell.kind] = t.outcomes.get(cell.kind, 0) + cell.cases
    for cell in money_cells:
        for t in groups(cell.product_id, cell.country):
            t.requested += cell.count
            t.requested_amount[cell.currency] += cell.amount
            if cell.approved:
                t.approved += cell.count
                t.approved_amount[cell.currency] += cell.amount

    store = scans.get(STORE, ScanGroup())
    store_median = days(store.order_to_first_scan.median)
    result = []
    for (dimension, ident), tally in tallies.items():
        if dimension == SUPPLIER:
            key, supplier_id, product_id = suppliers.get(ident, str(ident)), ident, None
        elif dimension == SKU:
            info = products[ident]
            key, supplier_id, product_id = info.sku, info.supplier_id, ident
        else:
            key, supplier_id, product_id = ident, None, None
        figures = _figures(tally, scans.get((dimension, ident), ScanGroup()))
        result.append(
            Rollup(
                dimension, key, supplier_id, product_id, figures, notes(dimension, key, figures, store_median)
            )
        )
    result.sort(key=lambda r: (DIMENSIONS.index(r.dimension), r.key))
    return result


def _durations_figure(d: Durations, left_out: int) -> dict:
    """`left_out` (only when there are any): orders not measured because their first scan came before
    the instant the duration starts at."""
    figure = {"count": d.count, "median": days(d.median), "p90": days(d.p90)}
    if left_out:
        figure["left_out"] = left_out
    return figure


def _money_figure(count: int, amounts: Mapping[str, Decimal]) -> dict:
    return {"count": count, "amount": {currency: money(amounts[currency]) for currency in sorted(amounts)}}


def _figures(t: _Tally, scan: ScanGroup) -> dict:
    label_only = t.by_type.get(v.LABEL_CREATED_ONLY, 0)
    stale = t.by_type.get(v.STALE_IN_TRANSIT, 0)
    return {
        "orders": t.orders,
        "cases_by_type": dict(t.by_type),
        "unassessed": t.unassessed,
        "label_only_cases": label_only,
        "label_only_too_long": t.label_too_long,
        "label_only_too_long_rate": rate(t.label_too_long, t.orders),
        "order_to_first_scan_days": _durations_figure(scan.order_to_first_scan, scan.scan_before_order),
        "label_to_first_scan_days": _durations_figure(scan.label_to_first_scan, scan.scan_before_label),
        "stale_in_transit": stale,
        "stale_in_transit_rate": rate(stale, t.orders),
        "exceptions": scan.exceptions,
        "refund_risk": t.refund_risk,
        "chargeback_watch": t.chargeback_watch,
        "money_requested": _money_figure(t.requested, t.requested_amount),
        "money_approved": _money_figure(t.approved, t.approved_amount),
        "customer_messages": t.messages,
        "customer_messages_per_order": rate(t.messages, t.orders, PER_ORDER_PLACES),
        "outcomes": dict(t.outcomes),
        "disputes_opened": t.disputes_opened,
        "dispute_outcomes": dict(t.dispute_outcomes),
    }


# ---------------------------------------------------------------------------------------------------
# Notes.


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _times(ratio: float) -> str:
    return f"{round(ratio, 1):g}x"


def notes(dimension: str, key: str, figures: dict, store_median_days: float | None) -> list[str]:
    """The plain-language notes of one rollup row:

    - supplier: "prints labels before hand-off: 6 of 9 label-only cases" when at least LABEL_NOTE_MIN
      label-only cases are past their window and they are at least LABEL_NOTE_SHARE of its label-only cases;
    - country: "first scans in BR take 3x the store median" when the country's median order-to-first-scan
      is at least SLOW_SCAN_FACTOR times the store's (the whole week's orders), over at least
      SLOW_SCAN_MIN_ORDERS orders (the ratio of the two medians as shown, to one decimal place);
    - SKU: "this SKU made 14 customer messages for 9 orders" when it has at least MESSAGES_NOTE_MIN inbound
      messages and at least MESSAGES_NOTE_PER_ORDER per order;
    - SKU: "stale in transit on 4 of 10 orders: the product page may need clearer delivery language" when
      at least STALE_NOTE_MIN of its cases are stale in transit and they are at least STALE_NOTE_RATE of its
      orders.
    """
    result = []
    orders = figures["orders"]
    if dimension == SUPPLIER:
        stuck, label_only = figures["label_only_too_long"], figures["label_only_cases"]
        if stuck >= LABEL_NOTE_MIN and stuck >= LABEL_NOTE_SHARE * label_only:
            result.append(f"prints labels before hand-off: {stuck} of {label_only} label-only cases")
    elif dimension == COUNTRY:
        scan = figures["order_to_first_scan_days"]
        if (
            scan["count"] >= SLOW_SCAN_MIN_ORDERS
            and store_median_days
            and store_median_days > 0
            and scan["median"] >= SLOW_SCAN_FACTOR * store_median_days
        ):
            ratio = _times(scan["median"] / store_median_days)
            result.append(f"first scans in {key} take {ratio} the store median")
    elif dimension == SKU:
        messages = figures["customer_messages"]
        if messages >= MESSAGES_NOTE_MIN and messages >= MESSAGES_NOTE_PER_ORDER * orders:
            result.append(f"this SKU made {messages} customer messages for {_plural(orders, 'order')}")
        stale = figures["stale_in_transit"]
        if stale >= STALE_NOTE_MIN and orders and stale >= STALE_NOTE_RATE * orders:
            result.append(
                f"stale in transit on {stale} of {_plural(orders, 'order')}: "
                "the product page may need clearer delivery language"
            )
    return result
