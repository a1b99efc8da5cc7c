"""The scorecard's figures: one declaration each, from which the table, sorts, links and CSV follow.

A figure is computed by `rollups.py` and stored under its `key` in `WeeklyRollup.figures`; `FIGURES` declares
it once, with its kind, which says how the weeks of a range add up, how rows sort on it, and how it is
shown and exported:

- `Count`: a count summed over the weeks of the range (the weeks are disjoint order cohorts);
- `Rate`: a count summed over the weeks, and its rate over the orders recomputed from the sums;
- `Duration`: the median and p90 days of the row's latest week in the range: percentiles of different
  weeks do not add up, and the rollups keep no raw durations;
- `Money`: the money decisions counted, and their amounts summed per currency;
- `ByKind`: a count per kind (case type, outcome), summed kind by kind.

A figure marked `owner_only` (disputes' outcomes) is shown, in the table, the picker, the sorts and the
CSV, only to those who see disputes' outcomes (`columns.visible_figures`).

A declaration with a `label` is a column of the table, shown and sortable (a `ByKind`: one column per kind
it `shows`); one without is in the CSV only. Every non-zero figure links to the case changelist filtered to
the cases behind it: the row's group and weeks (`links.CaseLinks`) and the figure's own `condition`. Two
links are wider than their figure, as the case changelist cannot say more: `exceptions` lists the cases with
an exception or returned event on any of the order's tracking numbers (the figure reads the current number
only and leaves wrong_tracking out), and `unassessed` lists the cases never assessed (the figure also counts
orders with no case yet). `CASE_LOOKUPS`, every lookup the links use, comes from the declarations;
`cases.workbench.admin.CaseAdmin` allows them (Django's admin answers a related lookup it does not allow with
400, DisallowedModelAdminLookup).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import date
from decimal import Decimal

from cases.assessment import vocabulary as v
from suppliers.scorecard import rollups
from suppliers.scorecard.cells import Cell, amounts, blank, duration_days, number, per_order, percent
from suppliers.scorecard.links import GROUP_LOOKUPS, WEEK_LOOKUPS, CaseLinks

ORDERS = "orders"  # the figure rates are over
NO_DURATION = {"count": 0, "median": None, "p90": None}


@dataclass(frozen=True)
class Column:
    """One column of the table: a figure, or one kind of a figure by kind. `name` is its sort parameter and
    its cells' class."""

    name: str
    label: str
    title: str
    figure: Figure
    kind: str | None = None

    def sort(self, figures: dict) -> object:
        """The value a row sorts on, from its figures (None: nothing to sort on, last either way)."""
        return self.figure.sort_value(figures, self.kind)

    def cell(self, figures: dict, links: CaseLinks | None, latest_week: date | None) -> Cell:
        return self.figure.cell(figures, links, latest_week, self.kind)


@dataclass(frozen=True)
class Figure:
    """What every figure declares: `key`, its name in a rollup's figures; `label`, `title` and `column` (the
    column's name, by default the key), its column in the table (no label: CSV only); `condition`, what its
    link adds to the row's cases. Each kind answers the rest."""

    key: str
    _: KW_ONLY
    column: str | None = None
    label: str = ""
    title: str = ""
    condition: Mapping[str, str] = field(default_factory=dict)
    owner_only: bool = False  # shown (table, picker, CSV) only to those who see disputes' outcomes

    @property
    def columns(self) -> tuple[Column, ...]:
        return (Column(self.column or self.key, self.label, self.title, self),) if self.label else ()

    @property
    def lookups(self) -> frozenset[str]:
        """The case changelist lookups its links use."""
        return frozenset(self.condition)

    def url(self, links: CaseLinks | None, kind: str | None = None) -> str | None:
        return None if links is None else links.url(**self.condition)

    def fold(self, weeks: Sequence[dict], latest: dict | None) -> dict:
        """Its entries in a range's figures, from the figures of each week and of the latest week."""
        raise NotImplementedError

    def sort_value(self, figures: dict, kind: str | None = None) -> object:
        raise NotImplementedError

    def sums(self, kind: str | None = None) -> dict[str, str]:
        """What ranking rows on it sums over the weeks in SQL: name -> path in the stored figures."""
        raise NotImplementedError

    def ranked(self, picked: dict, kind: str | None = None) -> dict:
        """The figures `sort_value` reads, from those sums (`picked`, by name)."""
        raise NotImplementedError

    def cell(self, figures: dict, links: CaseLinks | None, latest_week: date | None, kind=None) -> Cell:
        raise NotImplementedError

    def csv_header(self) -> list[str]:
        raise NotImplementedError

    def csv_values(self, figures: dict) -> list:
        raise NotImplementedError


def _summed(weeks: Sequence[dict], key: str) -> int:
    return sum(figures.get(key) or 0 for figures in weeks)


@dataclass(frozen=True)
class Count(Figure):
    """A count, summed over the weeks."""

    def fold(self, weeks, latest):
        return {self.key: _summed(weeks, self.key)}

    def sort_value(self, figures, kind=None):
        return figures[self.key]

    def sums(self, kind=None):
        return {self.key: self.key}

    def ranked(self, picked, kind=None):
        return {self.key: picked[self.key]}

    def cell(self, figures, links, latest_week, kind=None):
        count = figures[self.key]
        return Cell(str(count), self.url(links) if count else None)

    def csv_header(self):
        return [self.key]

    def csv_values(self, figures):
        return [figures[self.key]]


@dataclass(frozen=True, kw_only=True)
class Rate(Figure):
    """A count summed over the weeks, and `rate`, that count over the orders, recomputed from the sums and
    rounded to `places`; rows sort on the rate, and the cell shows the rate `shown` under the count."""

    rate: str
    places: int = rollups.RATE_PLACES
    shown: Callable[[float | None], str] = percent

    def fold(self, weeks, latest):
        count = _summed(weeks, self.key)
        return {self.key: count, self.rate: rollups.rate(count, _summed(weeks, ORDERS), self.places)}

    def sort_value(self, figures, kind=None):
        return figures[self.rate]

    def sums(self, kind=None):
        return {self.key: self.key, ORDERS: ORDERS}

    def ranked(self, picked, kind=None):
        count, orders = picked[self.key], picked[ORDERS]
        return {self.key: count, ORDERS: orders, self.rate: rollups.rate(count, orders, self.places)}

    def cell(self, figures, links, latest_week, kind=None):
        count = figures[self.key]
        return Cell(str(count), self.url(links) if count else None, detail=self.shown(figures[self.rate]))

    def csv_header(self):
        return [self.key, self.rate]

    def csv_values(self, figures):
        return [figures[self.key], blank(figures[self.rate])]


@dataclass(frozen=True, kw_only=True)
class Duration(Figure):
    """`{count, median, p90}` days of the latest week of the range, linking to that week's cases. Orders
    the rollups `left_out` (a first scan before the instant it starts at) are said in the cell. Its CSV
    columns are named after its key without `_days`; the CSV carries the week once, before the first
    duration (`exports.py`)."""

    left_out: str
    title: str = "median and p90 days, latest week of the range"

    def fold(self, weeks, latest):
        return {self.key: dict((latest or {}).get(self.key) or NO_DURATION)}

    def sort_value(self, figures, kind=None):
        return duration_days(figures[self.key].get("median"))

    @property
    def median_path(self) -> str:
        """Ranking rows on it reads the median of each week (the latest week's wins), not sums."""
        return f"{self.key}__median"

    def ranked(self, picked, kind=None):
        return {self.key: {"median": picked[self.key]}}

    def url(self, links, kind=None):
        return None if links is None else links.url(latest=True, **self.condition)

    def cell(self, figures, links, latest_week, kind=None):
        d = figures[self.key]
        left_out = d.get("left_out") or 0
        note = f"{left_out} left out: {self.left_out}" if left_out else ""
        median = duration_days(d.get("median"))
        if not d.get("count") or median is None:
            return Cell("—", title=note, detail=note)
        week = f"week of {latest_week:%Y-%m-%d}" if latest_week else ""
        p90 = f"p90 {number(duration_days(d.get('p90')))}"
        return Cell(
            number(median),
            self.url(links),
            title=f"median of {d['count']} orders, {week}" + (f"; {note}" if note else ""),
            detail="; ".join(part for part in (p90, note) if part),
        )

    def csv_header(self):
        name = self.key.removesuffix("_days")
        return [f"{name}_count", f"{name}_median_days", f"{name}_p90_days"]

    def csv_values(self, figures):
        d = figures[self.key]
        return [d.get("count", 0), blank(d.get("median")), blank(d.get("p90"))]


@dataclass(frozen=True)
class Money(Figure):
    """`{count, amount}` of money decisions: the count summed, the amounts summed per currency."""

    def fold(self, weeks, latest):
        count, summed = 0, defaultdict(Decimal)
        for figures in weeks:
            decided = figures.get(self.key) or {}
            count += decided.get("count", 0)
            for currency, amount in (decided.get("amount") or {}).items():
                summed[currency] += Decimal(amount)
        return {self.key: {"count": count, "amount": {c: rollups.money(summed[c]) for c in sorted(summed)}}}

    def sort_value(self, figures, kind=None):
        return figures[self.key]["count"]

    def sums(self, kind=None):
        return {self.key: f"{self.key}__count"}

    def ranked(self, picked, kind=None):
        return {self.key: {"count": picked[self.key]}}

    def cell(self, figures, links, latest_week, kind=None):
        decided = figures[self.key]
        count = decided["count"]
        return Cell(str(count), self.url(links) if count else None, detail=amounts(decided["amount"]))

    def csv_header(self):
        return [f"{self.key}_count", f"{self.key}_amount"]

    def csv_values(self, figures):
        return [figures[self.key]["count"], amounts(figures[self.key]["amount"])]


@dataclass(frozen=True, kw_only=True)
class ByKind(Figure):
    """A count per kind, summed kind by kind. `kinds`: every kind the rollups count, each a CSV column
    `prefix + kind`; `shows`: (kind, label) of the kinds that are also columns, named the same, titled
    `title` with the kind in it. A kind's link sets `lookup` to it."""

    kinds: tuple[str, ...]
    lookup: str
    prefix: str
    shows: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self):
        return tuple(
            Column(f"{self.prefix}{kind}", label, self.title.format(kind=kind.replace("_", " ")), self, kind)
            for kind, label in self.shows
        )

    @property
    def lookups(self):
        return frozenset({self.lookup, *self.condition})

    def url(self, links, kind=None):
        return None if links is None else links.url(**self.condition, **{self.lookup: kind})

    def fold(self, weeks, latest):
        total = dict.fromkeys(self.kinds, 0)
        for figures in weeks:
            for kind, count in (figures.get(self.key) or {}).items():
                total[kind] = total.get(kind, 0) + count
        return {self.key: total}

    def sort_value(self, figures, kind=None):
        return figures[self.key].get(kind, 0)

    def sums(self, kind=None):
        return {f"{self.key}_{kind}": f"{self.key}__{kind}"}

    def ranked(self, picked, kind=None):
        return {self.key: {kind: picked[f"{self.key}_{kind}"]}}

    def cell(self, figures, links, latest_week, kind=None):
        count = figures[self.key].get(kind, 0)
        return Cell(str(count), self.url(links, kind) if count else None)

    def csv_header(self):
        return [f"{self.prefix}{kind}" for kind in self.kinds]

    def csv_values(self, figures):
        return [figures[self.key].get(kind, 0) for kind in self.kinds]


# The declarations, in the order of the CSV columns; the table's columns follow the same order.
FIGURES: tuple[Figure, ...] = (
    Count(ORDERS, label="Orders"),
    ByKind("cases_by_type", kinds=v.CASE_TYPES, lookup="case_type__exact", prefix="cases_"),
    Count("unassessed", condition={"case_type__exact": ""}),
    Count("label_only_cases", condition={"case_type__exact": v.LABEL_CREATED_ONLY}),
    Rate(
        "label_only_too_long",
        rate="label_only_too_long_rate",
        column="label_only",
        label="Label only too long",
        title="label-only cases past their window, and their share of the orders",
        condition={"case_type__exact": v.LABEL_CREATED_ONLY, "window__exceeded__iexact": "true"},
    ),
    Duration(
        "order_to_first_scan_days",
        column="order_to_scan",
        label="Order → 1st scan (d)",
        left_out="first scan before the order",
    ),
    Duration(
        "label_to_first_scan_days",
        column="label_to_scan",
        label="Label → 1st scan (d)",
        left_out="first scan before the label",
    ),
    Rate(
        "stale_in_transit",
        rate="stale_in_transit_rate",
        column="stale",
        label="Stale in transit",
        condition={"case_type__exact": v.STALE_IN_TRANSIT},
    ),
    Count(
        "exceptions",
        label="Exceptions",
        condition={"order__tracking_numbers__events__status__in": f"{v.EXCEPTION},{v.RETURNED}"},
    ),
    Count("refund_risk", label="Refund risk", condition={"risk_level__exact": v.REFUND_RISK}),
    Count("chargeback_watch", label="Chargeback watch", condition={"risk_level__exact": v.CHARGEBACK_WATCH}),
    Money("money_requested", label="Money requested", condition={"money_decisions__isnull": "False"}),
    Money("money_approved", label="Money approved", condition={"money_decisions__state__exact": "approved"}),
    Rate(
        "customer_messages",
        rate="customer_messages_per_order",
        places=rollups.PER_ORDER_PLACES,
        shown=per_order,
        column="messages",
        label="Customer messages",
        title="inbound messages, and per order",
        condition={"order__customer_messages__direction__exact": "inbound"},
    ),
    # Every outcome kind in the CSV; six of them as columns.
    ByKind(
        "outcomes",
        kinds=rollups.OUTCOME_KINDS,
        lookup="outcomes__kind__exact",
        prefix="outcome_",
        shows=(
            ("customer_updated", "Updated"),
            ("supplier_chased", "Chased"),
            ("case_held", "Held"),
            ("refunded", "Refunded"),
            ("replaced", "Replaced"),
            ("lost", "Lost"),
        ),
        title="cases with a {kind} outcome",
    ),
    Count(
        "disputes_opened",
        label="Disputes",
        title="cases with a chargeback or payment dispute opened",
        condition={"outcomes__kind__exact": rollups.DISPUTE_OPENED},
    ),
    ByKind(
        "dispute_outcomes",
        kinds=rollups.DISPUTE_OUTCOME_KINDS,
        lookup="outcomes__kind__exact",
        prefix="",
        shows=(("dispute_won", "Disputes won"), ("dispute_lost", "Disputes lost")),
        title="cases with a {kind}",
        owner_only=True,
    ),
)

FIGURE: dict[str, Figure] = {figure.key: figure for figure in FIGURES}
COLUMNS: tuple[Column, ...] = tuple(column for figure in FIGURES for column in figure.columns)
COLUMN: dict[str, Column] = {column.name: column for column in COLUMNS}
# Every lookup the links put on the case changelist (cases.workbench.admin.CaseAdmin allows them).
CASE_LOOKUPS: frozenset[str] = frozenset().union(
    GROUP_LOOKUPS, WEEK_LOOKUPS, *(figure.lookups for figure in FIGURES)
)
