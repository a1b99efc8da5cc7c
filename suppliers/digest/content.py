"""What the weekly digest says, from plain values: the week's rollup rows and the week before's, the
outcomes recorded, the promises to review. Pure: no ORM, no clock; `suppliers.digest.selectors` reads them.

The digest's week is the scorecard's (`suppliers.models.WeeklyRollup`): the orders placed from Monday 00:00
to the next Monday 00:00 in the store's time zone, their cases as they stood when the week's rollups were
built (on the Monday morning of the weekly review). "The week before" is the week before's rollups as they
were built then, so both weeks' orders are seen at the same age.

Figures of a row (a supplier, a SKU, a destination country, or the store: the sum of the supplier rows, as
every order counts for one supplier):

- `orders`: orders placed in the week;
- `problems`: their cases that need someone, one per case: label-only past its window
  (`label_only_too_long`) and the case types PROBLEM_TYPES (rules.md section 4: no tracking past the window
  or a silent supplier, out of stock, stale in transit, carrier exception, wrong tracking, wrong destination,
  delivered but disputed, unclear); `problem_rate` = problems / orders;
- `messages`: inbound customer messages on those orders;
- `money_risk`: cases at refund_risk or chargeback_watch;
- `first_scan_median`: median days from order to first carrier scan (none for the store: the rollups keep
  no store-wide median).

Outcomes: the cases with an outcome of each kind recorded in the week (by when it was recorded, whatever
week the order was placed in), the seed's outcomes and the endings (OUTCOME_KINDS); the workbench's own
steps (assigned, proof recorded, money steps, notes) are not outcomes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from cases.assessment import vocabulary as v
from suppliers.promises.review import PromiseLine, PromiseReview
from suppliers.scorecard.rollups import OUTCOME_KINDS as ROLLUP_OUTCOME_KINDS
from suppliers.scorecard.rollups import rate

STORE = "store"
SUPPLIER = "supplier"
SKU = "sku"
COUNTRY = "country"
NAMES = {SUPPLIER: "supplier", SKU: "SKU", COUNTRY: "country"}

PROBLEM_TYPES: tuple[str, ...] = (
    v.SUPPLIER_SILENCE,
    v.SUPPLIER_BLOCKED,
    v.STALE_IN_TRANSIT,
    v.CARRIER_EXCEPTION,
    v.WRONG_TRACKING,
    v.WRONG_DESTINATION,
    v.DELIVERED_CONFLICT,
    v.UNCLEAR,
)
OUTCOME_KINDS: tuple[str, ...] = (*ROLLUP_OUTCOME_KINDS, "resolved")

SUPPLIERS_SHOWN = 20  # the suppliers with most problems; the scorecard has the rest
SKUS_SHOWN = 10  # the SKUs with most problems
PROMISES_SHOWN = 10  # the promises furthest past what their parcels take; `manage.py promise_review` has all
COUNTRIES_SHOWN = 10  # the countries with most orders
CHANGES_SHOWN = 3  # the largest rises and falls of problems, each
CHANGE_MIN = 2  # problems must move by at least this many to be a change worth a line
NOTES_SHOWN = 10  # the rollups' notes that are new this week
CHART_WEEKS = 8  # weeks of the trend charts, ending with the digest's week


@dataclass(frozen=True)
class Figures:
    orders: int = 0
    problems: int = 0
    messages: int = 0
    money_risk: int = 0
    first_scan_median: float | None = None

    @property
    def problem_rate(self) -> float | None:
        return rate(self.problems, self.orders)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.orders + other.orders,
            self.problems + other.problems,
            self.messages + other.messages,
            self.money_risk + other.money_risk,
            None,
        )


def note_kind(note: str) -> str:
    """What a rollup note says without its numbers ("prints labels before hand-off: # of # label-only
    cases"): a note is new when the week before had none of its kind, whatever its numbers."""
    return re.sub(r"\d+(?:[.,]\d+)*x?", "#", note)


def problems_of(figures: Mapping) -> int:
    by_type = figures.get("cases_by_type") or {}
    return (figures.get("label_only_too_long") or 0) + sum(by_type.get(kind) or 0 for kind in PROBLEM_TYPES)


def figures_of(figures: Mapping | None) -> Figures | None:
    """A row's digest figures from a stored rollup's figures (None: no row)."""
    if figures is None:
        return None
    return Figures(
        orders=figures.get("orders") or 0,
        problems=problems_of(figures),
        messages=figures.get("customer_messages") or 0,
        money_risk=(figures.get("refund_risk") or 0) + (figures.get("chargeback_watch") or 0),
        first_scan_median=(figures.get("order_to_first_scan_days") or {}).get("median"),
    )


@dataclass(frozen=True)
class StoredRow:
    """One stored rollup row, as the selector reads it."""

    week_start: date
    dimension: str
    key: str
    supplier_id: int | None
    product_id: int | None
    figures: Mapping
    notes: Sequence[str] = ()


@dataclass(frozen=True)
class Row:
    """One supplier, SKU, country or the store: this week's figures, the week before's (None: no row
    then) and the trends over the chart's weeks (None: no row that week)."""

    dimension: str
    key: str
    now: Figures
    before: Figures | None
    supplier_id: int | None = None
    product_id: int | None = None
    notes: tuple[str, ...] = ()
    new_notes: tuple[str, ...] = ()  # this week's notes of a kind the week before did not have
    problems_trend: tuple[int | None, ...] = ()
    orders_trend: tuple[int | None, ...] = ()

    def change(self, name: str) -> float | int | None:
        """This week's figure minus the week before's; None when either is missing."""
        now = getattr(self.now, name)
        before = None if self.before is None else getattr(self.before, name)
        if now is None or before is None:
            return None
        return round(now - before, 4) if isinstance(now, float) or isinstance(before, float) else now - before

    @property
    def problems_change(self) -> int | None:
        return self.change("problems")


@dataclass(frozen=True)
class OutcomeLine:
    kind: str
    now: int
    before: int

    @property
    def label(self) -> str:
        return self.kind.replace("_", " ")


@dataclass(frozen=True)
class Flagged:
    """A product marked for review, or a supplier flagged, since the week began."""

    ident: int
    name: str
    detail: str  # the product's title, or ""
    reason: str
    at: datetime | None


@dataclass
class Digest:
    week_start: date
    built_at: datetime | None  # when the week's rollups were built; None: not built
    store: Row
    suppliers: list[Row] = field(default_factory=list)
    skus: list[Row] = field(default_factory=list)
    supplier_total: int = 0
    sku_total: int = 0  # SKUs with orders in the week
    countries: list[Row] = field(default_factory=list)
    country_total: int = 0
    outcomes: list[OutcomeLine] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    promises: PromiseReview | None = None
    products_marked: list[Flagged] = field(default_factory=list)
    suppliers_flagged: list[Flagged] = field(default_factory=list)
    products_waiting: int = 0  # every product waiting for an owner's review, whenever marked
    suppliers_waiting: int = 0  # every flagged supplier
    chart_weeks: list[date] = field(default_factory=list)

    @property
    def built(self) -> bool:
        return self.built_at is not None

    @property
    def promises_to_review(self) -> list[PromiseLine]:
        """Every promise too short, the furthest past what its parcels take first."""
        return [] if self.promises is None else self.promises.to_review

    @property
    def promises_shown(self) -> list[PromiseLine]:
        return self.promises_to_review[:PROMISES_SHOWN]


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _signed(number: int) -> str:
    return f"+{number}" if number > 0 else str(number)


def _rows(
    dimension: str,
    now: Mapping[str, StoredRow],
    before: Mapping[str, StoredRow],
    trends: Mapping[tuple[str, str], Mapping[date, Mapping]],
    chart_weeks: Sequence[date],
) -> list[Row]:
    rows = []
    for key, stored in now.items():
        previous = before.get(key)
        by_week = trends.get((dimension, key), {})
        notes = tuple(stored.notes)
        old_kinds = {note_kind(note) for note in previous.notes} if previous is not None else set()
        rows.append(
            Row(
                dimension=dimension,
                key=key,
                now=figures_of(stored.figures),
                before=figures_of(previous.figures) if previous is not None else None,
                supplier_id=stored.supplier_id,
                product_id=stored.product_id,
                notes=notes,
                new_notes=tuple(note for note in notes if note_kind(note) not in old_kinds),
                problems_trend=tuple(
                    problems_of(by_week[week]) if week in by_week else None for week in chart_weeks
                ),
                orders_trend=tuple(
                    (by_week[week].get("orders") or 0) if week in by_week else None for week in chart_weeks
                ),
            )
        )
    return rows


def _store(suppliers: list[Row], trends, chart_weeks: Sequence[date]) -> Row:
    """The store: the sum of the supplier rows (each order counts for one supplier)."""
    now = sum((row.now for row in suppliers), Figures())
    befores = [row.before for row in suppliers if row.before is not None]
    before = sum(befores, Figures()) if befores else None
    weekly = [
        [trends[key][week] for key in trends if key[0] == SUPPLIER and week in trends[key]]
        for week in chart_weeks
    ]
    return Row(
        dimension=STORE,
        key="the store",
        now=now,
        before=before,
        problems_trend=tuple(sum(problems_of(f) for f in week) if week else None for week in weekly),
        orders_trend=tuple(sum(f.get("orders") or 0 for f in week) if week else None for week in weekly),
    )


def _changes(store: Row, rows: Sequence[Row]) -> list[str]:
    """The plain sentences of what changed against the week before: the store's orders and problems,
    the largest rises and falls of problems among suppliers and SKUs (at least CHANGE_MIN), and the notes
    that are new this week."""
    lines = []
    if store.before is not None:
        orders, problems = store.change("orders"), store.change("problems")
        lines.append(
            f"Orders: {store.now.orders} ({_signed(orders)} on the week before); "
            f"problem cases: {store.now.problems} ({_signed(problems)})."
        )
    else:
        lines.append(
            f"Orders: {store.now.orders}; problem cases: {store.now.problems} (the week before is not built)."
        )
    moved = [
        (row, change)
        for row in rows
        if row.dimension in (SUPPLIER, SKU)
        and (change := row.problems_change) is not None
        and abs(change) >= CHANGE_MIN
    ]
    rises = sorted((m for m in moved if m[1] > 0), key=lambda m: (-m[1], m[0].dimension, m[0].key))
    falls = sorted((m for m in moved if m[1] < 0), key=lambda m: (m[1], m[0].dimension, m[0].key))
    for row, change in rises[:CHANGES_SHOWN] + falls[:CHANGES_SHOWN]:
        more = "More" if change > 0 else "Fewer"
        lines.append(
            f"{more} problems on {NAMES[row.dimension]} {row.key}: {row.now.problems} ({_signed(change)}), "
            f"of {_plural(row.now.orders, 'order')}."
        )
    new_notes = [
        f"New note on {NAMES[row.dimension]} {row.key}: {note}." for row in rows for note in row.new_notes
    ]
    lines += new_notes[:NOTES_SHOWN]
    if len(new_notes) > NOTES_SHOWN:
        lines.append(f"And {len(new_notes) - NOTES_SHOWN} more new notes: the scorecard lists them.")
    return lines


def _ranked(dimension: str, rows: Sequence, figures) -> list:
    """`rows` (StoredRow or Row) of one dimension in the digest's order: suppliers all, by problems then
    orders; SKUs with orders, by problems then orders; countries with orders, by orders then problems."""
    if dimension == SUPPLIER:
        return sorted(rows, key=lambda r: (-figures(r).problems, -figures(r).orders, r.key))
    with_orders = [r for r in rows if figures(r).orders]
    if dimension == SKU:
        return sorted(with_orders, key=lambda r: (-figures(r).problems, -figures(r).orders, r.key))
    return sorted(with_orders, key=lambda r: (-figures(r).orders, -figures(r).problems, r.key))


def listed_keys(now: Sequence[StoredRow]) -> dict[str, list[str]]:
    """The keys the digest lists of each dimension (the selector reads their trends)."""
    shown = {SUPPLIER: SUPPLIERS_SHOWN, SKU: SKUS_SHOWN, COUNTRY: COUNTRIES_SHOWN}
    result = {}
    for dimension, limit in shown.items():
        rows = [r for r in now if r.dimension == dimension]
        result[dimension] = [r.key for r in _ranked(dimension, rows, lambda r: figures_of(r.figures))][:limit]
    return result


def build(
    *,
    week_start: date,
    built_at: datetime | None,
    now: Sequence[StoredRow],
    before: Sequence[StoredRow],
    trends: Mapping[tuple[str, str], Mapping[date, Mapping]] | None = None,
    chart_weeks: Sequence[date] = (),
    outcomes_now: Mapping[str, int] | None = None,
    outcomes_before: Mapping[str, int] | None = None,
    promises: PromiseReview | None = None,
    products_marked: Sequence[Flagged] = (),
    suppliers_flagged: Sequence[Flagged] = (),
    products_waiting: int = 0,
    suppliers_waiting: int = 0,
) -> Digest:
    """The digest of the week starting on `week_start` from its stored rows (`now`), the week before's
    (`before`), `trends` ((dimension, key) -> week -> figures, for the chart's weeks) and the rest as named.
    Suppliers and SKUs: the SUPPLIERS_SHOWN and SKUS_SHOWN with most problems (then orders);
    countries the COUNTRIES_SHOWN with most orders (`_ranked`)."""
    trends = trends or {}
    by_dimension: dict[str, dict[str, StoredRow]] = {SUPPLIER: {}, SKU: {}, COUNTRY: {}}
    before_by_dimension: dict[str, dict[str, StoredRow]] = {SUPPLIER: {}, SKU: {}, COUNTRY: {}}
    for stored in now:
        by_dimension[stored.dimension][stored.key] = stored
    for stored in before:
        before_by_dimension[stored.dimension][stored.key] = stored
    rows = {
        dimension: _rows(dimension, stored, before_by_dimension[dimension], trends, chart_weeks)
        for dimension, stored in by_dimension.items()
    }
    # A SKU or country listed has orders this week (suppliers: every one has a row, zeros included).
    suppliers, skus, countries = (_ranked(d, rows[d], lambda r: r.now) for d in (SUPPLIER, SKU, COUNTRY))
    store = _store(rows[SUPPLIER], trends, chart_weeks)
    outcomes_now, outcomes_before = outcomes_now or {}, outcomes_before or {}
    outcomes = [
        OutcomeLine(kind, outcomes_now.get(kind, 0), outcomes_before.get(kind, 0))
        for kind in OUTCOME_KINDS
        if outcomes_now.get(kind) or outcomes_before.get(kind)
    ]
    return Digest(
        week_start=week_start,
        built_at=built_at,
        store=store,
        suppliers=suppliers[:SUPPLIERS_SHOWN],
        supplier_total=len(suppliers),
        skus=skus[:SKUS_SHOWN],
        sku_total=len(skus),
        countries=countries[:COUNTRIES_SHOWN],
        country_total=len(countries),
        outcomes=outcomes,
        changes=_changes(store, [*suppliers, *skus, *countries]) if built_at is not None else [],
        promises=promises,
        products_marked=list(products_marked),
        suppliers_flagged=list(suppliers_flagged),
        products_waiting=products_waiting,
        suppliers_waiting=suppliers_waiting,
        chart_weeks=list(chart_weeks),
    )
