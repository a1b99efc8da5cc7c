"""The promise review: each product's delivery promise beside what its parcels really took. Pure: no ORM,
no clock; `suppliers.promises.selectors` reads the rows.

The seed's rollout asks for it on day 6 (docs/rules.md has no section on promises; `texts.py` says how a
promise is read). What is measured, per product, over the orders placed in a window of whole weeks:

- a parcel is one of an order's parcels with a tracking number, not superseded (rules.md section 3a), of an
  order whose case is not wrong_tracking (that number's events are not this parcel's, as the scorecard
  leaves them out). It counts once, for the product section 3a gives it: the line item of the first SKU it
  names, else the order's first item;
- `first_scan`: days from the order to the parcel's first carrier scan (rules.md section 3: the earliest
  event that is neither info_received, unknown nor no_information); `delivery`: days from the order to its
  first `delivered` event. Each is `{count, median, p90}` over the parcels that have that instant, with the
  median and nearest-rank p90 of `suppliers.scorecard.rollups` (so both pages give one number for one
  thing; p90 is a duration some parcel really took). A scan or delivery dated before the order is no
  duration: left out and counted (`left_out`), never clamped to zero.
- Parcels still on their way have no delivery yet: they are not in `delivery`, which therefore understates
  the real p90 of a window whose last weeks are young. A suggestion made on it is the safer for it: the
  promise is too short even before the late parcels arrive.

The verdict, with day counts in whole days rounded down (rules.md section 1):

- `too_short`: at least MIN_PARCELS delivered and the delivery p90 is longer than the promise allows
  (`Promise.calendar_days`: its upper bound; for business days its longest span with weekends); or, with
  fewer deliveries, at least MIN_PARCELS first scans whose p90 alone is longer than the promise;
- `holds`: at least MIN_PARCELS delivered within it at the p90;
- `too_few`: not enough parcels to say;
- `no_promise`: the product page has no promise text and no promised_delivery_days;
- `unread`: a text that names no duration `texts.py` reads, and no promised_delivery_days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from suppliers.promises.texts import Promise, business_days_covering, promise_of
from suppliers.scorecard.rollups import SECONDS_PER_DAY, Durations, days, durations

MIN_PARCELS = 5  # parcels measured before a verdict is given
DEFAULT_WEEKS = 8

TOO_SHORT = "too_short"
HOLDS = "holds"
TOO_FEW = "too_few"
NO_PROMISE = "no_promise"
UNREAD = "unread"
NO_DURATIONS = Durations()
VERDICTS = (TOO_SHORT, UNREAD, NO_PROMISE, HOLDS, TOO_FEW)  # the order the review lists them in


@dataclass(frozen=True, slots=True)
class ParcelRow:
    """One parcel's instants, as the selector reads them (None: not there)."""

    product_id: int
    ordered_at: datetime
    first_scan_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class ParcelFigures:
    """One product's parcels: how many, and the two durations in seconds."""

    parcels: int = 0
    first_scan: Durations = NO_DURATIONS
    delivery: Durations = NO_DURATIONS
    scan_before_order: int = 0
    delivered_before_order: int = 0


@dataclass(frozen=True, slots=True)
class ProductPromise:
    """What the review shows of a product: its page's promise text (or, when the page has none, the text
    its orders in the window carried) and promised_delivery_days."""

    product_id: int
    sku: str
    title: str
    supplier: str
    state: str
    promise_text: str
    promised_delivery_days: int | None
    text_from_orders: bool = False


def parcel_figures(rows: Iterable[ParcelRow]) -> dict[int, ParcelFigures]:
    """Per product, its parcels' figures (the portable path; PostgreSQL computes the same in SQL)."""
    counts: dict[int, int] = defaultdict(int)
    to_scan: dict[int, list[float]] = defaultdict(list)
    to_delivery: dict[int, list[float]] = defaultdict(list)
    scan_before: dict[int, int] = defaultdict(int)
    delivered_before: dict[int, int] = defaultdict(int)
    for row in rows:
        counts[row.product_id] += 1
        if row.first_scan_at is not None:
            seconds = (row.first_scan_at - row.ordered_at).total_seconds()
            if seconds >= 0:
                to_scan[row.product_id].append(seconds)
            else:
                scan_before[row.product_id] += 1
        if row.delivered_at is not None:
            seconds = (row.delivered_at - row.ordered_at).total_seconds()
            if seconds >= 0:
                to_delivery[row.product_id].append(seconds)
            else:
                delivered_before[row.product_id] += 1
    return {
        product_id: ParcelFigures(
            parcels=count,
            first_scan=durations(to_scan[product_id]),
            delivery=durations(to_delivery[product_id]),
            scan_before_order=scan_before[product_id],
            delivered_before_order=delivered_before[product_id],
        )
        for product_id, count in counts.items()
    }


def whole_days(seconds: float | None) -> int | None:
    """Whole days, rounded down (rules.md section 1)."""
    return None if seconds is None else int(seconds // SECONDS_PER_DAY)


def _duration(d: Durations) -> dict:
    return {"count": d.count, "median": days(d.median), "p90": days(d.p90)}


@dataclass(frozen=True)
class PromiseLine:
    """One product of the review: its promise, its parcels' figures (days, 2 places) and the verdict."""

    product: ProductPromise
    promise: Promise | None
    read_from: str  # "text", "promised_delivery_days" or ""
    figures: ParcelFigures
    verdict: str
    suggestion: str = ""
    excess_days: int = 0  # how many whole days the p90 the verdict rests on passes the promise

    @property
    def first_scan(self) -> dict:
        return _duration(self.figures.first_scan)

    @property
    def delivery(self) -> dict:
        return _duration(self.figures.delivery)

    @property
    def still_on_the_way(self) -> int:
        """Parcels without a delivery yet (nor one dated before the order)."""
        f = self.figures
        return f.parcels - f.delivery.count - f.delivered_before_order

    def as_dict(self) -> dict:
        p, f = self.product, self.figures
        return {
            "sku": p.sku,
            "title": p.title,
            "supplier": p.supplier,
            "state": p.state,
            "promise_text": p.promise_text,
            "promise_text_from_orders": p.text_from_orders,
            "promised_delivery_days": p.promised_delivery_days,
            "promise": None
            if self.promise is None
            else {
                "low": self.promise.low,
                "high": self.promise.high,
                "unit": self.promise.unit,
                "words": self.promise.words,
                "calendar_days_at_most": self.promise.calendar_days,
                "read_from": self.read_from,
            },
            "parcels": f.parcels,
            "first_scan_days": self.first_scan,
            "delivery_days": self.delivery,
            "still_on_the_way": self.still_on_the_way,
            "left_out": {
                "scan_before_order": f.scan_before_order,
                "delivered_before_order": f.delivered_before_order,
            },
            "verdict": self.verdict,
            "suggestion": self.suggestion,
        }


def _allowance(promise: Promise) -> str:
    if promise.business:
        return f" (at most {promise.calendar_days} days with weekends)"
    return ""


def _suggestion(product: ProductPromise, promise: Promise, p90_days: int, delivered: bool) -> str:
    """The plain sentence of a promise too short: what the page says, what 90% of parcels took, and the
    promise that would cover it (in the page's own unit)."""
    covering = f"{business_days_covering(p90_days)} business days" if promise.business else f"{p90_days} days"
    took = (
        f"90% of parcels took up to {p90_days} days from order to delivery"
        if delivered
        else f"90% of parcels waited up to {p90_days} days for their first carrier scan alone"
    )
    supplier = product.supplier or "the supplier"
    faster = "ship faster" if delivered else "hand parcels to the carrier sooner"
    return (
        f"The page promises {promise.words}{_allowance(promise)}; {took}. "
        f"Promise up to {covering}, or ask {supplier} to {faster}."
    )


def judge(product: ProductPromise, figures: ParcelFigures, *, min_parcels: int = MIN_PARCELS) -> PromiseLine:
    """One product's line: its promise read (`texts.promise_of`) and the verdict (module docstring)."""
    promise, read_from = promise_of(product.promise_text, product.promised_delivery_days)
    if promise is None:
        verdict = UNREAD if product.promise_text.strip() else NO_PROMISE
        return PromiseLine(product, None, "", figures, verdict)
    allowed = promise.calendar_days
    for durations_, delivered in ((figures.delivery, True), (figures.first_scan, False)):
        p90 = whole_days(durations_.p90)
        if durations_.count >= min_parcels and p90 > allowed:
            suggestion = _suggestion(product, promise, p90, delivered)
            return PromiseLine(product, promise, read_from, figures, TOO_SHORT, suggestion, p90 - allowed)
    verdict = HOLDS if figures.delivery.count >= min_parcels else TOO_FEW
    return PromiseLine(product, promise, read_from, figures, verdict)


@dataclass(frozen=True)
class PromiseReview:
    """The review of the orders placed in [start, end) (`weeks` whole weeks, store time)."""

    start: datetime
    end: datetime
    weeks: int
    lines: list[PromiseLine] = field(default_factory=list)
    min_parcels: int = MIN_PARCELS

    @property
    def to_review(self) -> list[PromiseLine]:
        return [line for line in self.lines if line.verdict == TOO_SHORT]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for line in self.lines:
            counts[line.verdict] += 1
        return counts

    def as_dict(self) -> dict:
        return {
            "orders_placed_from": self.start.isoformat(),
            "orders_placed_before": self.end.isoformat(),
            "weeks": self.weeks,
            "min_parcels": self.min_parcels,
            "verdicts": self.counts(),
            "products": [line.as_dict() for line in self.lines],
        }


def build_review(
    *,
    start: datetime,
    end: datetime,
    weeks: int,
    products: Mapping[int, ProductPromise],
    figures: Mapping[int, ParcelFigures],
    min_parcels: int = MIN_PARCELS,
) -> PromiseReview:
    """Every product with parcels in the window, judged; the promises too short first (the furthest past
    their promise first), then unread and missing promises, those that hold and those with too few parcels,
    each by parcels (most first) and SKU."""
    lines = [
        judge(products[product_id], product_figures, min_parcels=min_parcels)
        for product_id, product_figures in figures.items()
        if product_id in products
    ]
    lines.sort(
        key=lambda line: (
            VERDICTS.index(line.verdict),
            -line.excess_days,
            -line.figures.parcels,
            line.product.sku,
        )
    )
    return PromiseReview(start=start, end=end, weeks=weeks, lines=lines, min_parcels=min_parcels)
