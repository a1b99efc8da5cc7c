"""The supplier scorecard.

A custom admin view over the weekly rollups, its CSV export, and the
owner's one-click pause of a product waiting for review.

Reading it needs `suppliers.view_weeklyrollup` (Staff and Owner), checked here on the server for the page
and the CSV; pausing needs `suppliers.pause_product` (Owner) and is a POST. The views are mounted under the
weekly rollup admin (`WeeklyRollupAdmin.get_urls`), so `admin_view` sends anyone not logged in to the login.

What a row shows, for the week range of the filters (one dimension at a time):

- counts (orders, cases by type, label-only past their window, stale in transit, exceptions, refund risk,
  chargeback watch, money decisions and amounts, customer messages, outcomes) are summed over the weeks of
  the range, which are disjoint order cohorts; rates are recomputed from the sums;
- the median and p90 days (order to first scan, label to first scan) are the row's latest week in the range:
  percentiles of different weeks do not add up, and the rollups keep no raw durations;
- the notes are the rollups' own, computed when each week was built: the page shows the row's latest week
  with notes and how many earlier weeks had some; the CSV carries them all with their week;
- the sparkline is one figure (the `trend` choice) week by week over the range; weeks not built are gaps.

A row's supplier is the one each SKU had when its week was built; nothing per supplier is kept elsewhere.
When the vendor map moves products, or an owner changes a SKU's supplier, `suppliers.services` rebuilds the
latest built week after commit, so the default range follows; older weeks keep the suppliers they were
built with until `manage.py build_rollups` rebuilds them.

Every non-zero figure links to the case changelist filtered to the cases behind it: the row's supplier, SKU
or country, the orders placed in the range (the latest week for the durations) and the figure's own
condition. Two links are wider than their figure, as the case changelist cannot say more: `exceptions`
lists the cases with an exception or returned event on any of the order's tracking numbers (the figure
reads the current number only and leaves wrong_tracking out), and `unassessed` lists the cases never
assessed (the figure also counts orders with no case yet). `CASE_LOOKUPS` lists every lookup the links
use; `cases.admin.cases.CaseAdmin` must allow them (Django's admin answers a related lookup it does not
allow with 400, DisallowedModelAdminLookup).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from html import escape
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, Max, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from cases.assessment import vocabulary as v
from staletrack.exports import neutralise
from suppliers import rollups, sparklines
from suppliers.filters import COUNTRY, SKU, SUPPLIER, WeeklyRollupFilter, with_defaults
from suppliers.models import Product, Supplier, WeeklyRollup
from suppliers.permissions import PAUSE_PRODUCT
from suppliers.selectors import week_bounds, week_that_ended
from suppliers.services import set_product_state

VIEW_SCORECARD = "suppliers.view_weeklyrollup"
PER_PAGE = 100
TRIGGERS_SHOWN = 50

# Every lookup the figure links put on the case changelist (cases.admin.cases.CaseAdmin must allow them).
CASE_LOOKUPS = frozenset(
    {
        "order__product__supplier__id__exact",
        "order__product__id__exact",
        "country",  # CaseAdmin's CountryFilter parameter
        "order__ordered_at__gte",
        "order__ordered_at__lt",
        "case_type__exact",
        "risk_level__exact",
        "window__exceeded__iexact",
        "outcomes__kind__exact",
        "money_decisions__isnull",
        "money_decisions__state__exact",
        "order__customer_messages__direction__exact",
        "order__tracking_numbers__events__status__in",
    }
)

# Outcomes shown as columns (the six); the CSV carries every kind.
OUTCOME_COLUMNS = (
    ("customer_updated", "updated"),
    ("supplier_chased", "chased"),
    ("case_held", "held"),
    ("refunded", "refunded"),
    ("replaced", "replaced"),
    ("lost", "lost"),
)
ADDITIVE = (
    "orders",
    "unassessed",
    "label_only_cases",
    "label_only_too_long",
    "stale_in_transit",
    "exceptions",
    "refund_risk",
    "chargeback_watch",
    "customer_messages",
)
NO_DURATION = {"count": 0, "median": None, "p90": None}
RATES = (
    ("label_only_too_long", "label_only_too_long_rate", rollups.RATE_PLACES),
    ("stale_in_transit", "stale_in_transit_rate", rollups.RATE_PLACES),
    ("customer_messages", "customer_messages_per_order", rollups.PER_ORDER_PLACES),
)


# ---------------------------------------------------------------------------------------------------
# Rows: the rollups of one dimension over a week range, folded per key.


@dataclass
class Row:
    dimension: str
    key: str
    supplier_id: int | None
    product_id: int | None
    supplier_name: str = ""
    supplier_status: str = ""
    product_state: str = ""
    weeks: dict[date, dict] = field(default_factory=dict)
    notes: list[tuple[date, str]] = field(default_factory=list)
    figures: dict = field(default_factory=dict)  # summed over the range; durations from `latest_week`
    latest_week: date | None = None
    links: CaseLinks | None = None

    @property
    def flagged(self) -> bool:
        return self.supplier_status == Supplier.Status.FLAGGED and self.dimension == SUPPLIER

    @property
    def product_label(self) -> str:
        return Product.State(self.product_state).label if self.product_state else ""


def fold(weeks: dict[date, dict]) -> tuple[dict, date | None]:
    """The range's figures from one key's weekly figures: counts summed, rates recomputed, durations of
    the latest week. Also that latest week."""
    total: dict = {name: 0 for name in ADDITIVE}
    total["cases_by_type"] = dict.fromkeys(v.CASE_TYPES, 0)
    total["outcomes"] = dict.fromkeys(rollups.OUTCOME_KINDS, 0)
    money: dict[str, dict] = {
        name: {"count": 0, "amount": defaultdict(Decimal)} for name in ("money_requested", "money_approved")
    }
    for figures in weeks.values():
        for name in ADDITIVE:
            total[name] += figures.get(name) or 0
        for name in ("cases_by_type", "outcomes"):
            for kind, count in (figures.get(name) or {}).items():
                total[name][kind] = total[name].get(kind, 0) + count
        for name, sums in money.items():
            decided = figures.get(name) or {}
            sums["count"] += decided.get("count", 0)
            for currency, amount in (decided.get("amount") or {}).items():
                sums["amount"][currency] += Decimal(amount)
    for name, sums in money.items():
        total[name] = {
            "count": sums["count"],
            "amount": {c: rollups.money(sums["amount"][c]) for c in sorted(sums["amount"])},
        }
    orders = total["orders"]
    total["label_only_too_long_rate"] = rollups.rate(total["label_only_too_long"], orders)
    total["stale_in_transit_rate"] = rollups.rate(total["stale_in_transit"], orders)
    total["customer_messages_per_order"] = rollups.rate(
        total["customer_messages"], orders, rollups.PER_ORDER_PLACES
    )
    latest = max(weeks) if weeks else None
    for name in ("order_to_first_scan_days", "label_to_first_scan_days"):
        total[name] = dict(weeks[latest].get(name) or NO_DURATION) if latest else dict(NO_DURATION)
    return total, latest


def load_rows(queryset, dimension: str, *, keys=None) -> list[Row]:
    """One query: the filtered rollups of `dimension` (of `keys` if given), folded into one Row per key."""
    rows: dict[str, Row] = {}
    queryset = queryset.filter(dimension=dimension)
    if keys is not None:
        queryset = queryset.filter(key__in=keys)
    values = queryset.values_list(
        "week_start",
        "key",
        "supplier_id",
        "product_id",
        "supplier__name",
        "supplier__status",
        "product__state",
        "figures",
        "notes",
    ).order_by("key", "week_start")
    for week, key, supplier_id, product_id, supplier_name, status, state, figures, notes in values:
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(dimension, key, supplier_id, product_id)
        # The latest week's links win: a SKU moved to another supplier is filed under the new one.
        row.supplier_id, row.product_id = supplier_id or row.supplier_id, product_id or row.product_id
        row.supplier_name, row.supplier_status = supplier_name or "", status or ""
        row.product_state = state or ""
        row.weeks[week] = figures or {}
        row.notes.extend((week, note) for note in notes or ())
    for row in rows.values():
        row.figures, row.latest_week = fold(row.weeks)
    return list(rows.values())


def load_ranking(queryset, dimension: str, order_name: str) -> list[Row]:
    """One query for sorting every row of the range on column `order_name`, no joins, no notes, no whole
    figures; the page then reads its own rows whole (`load_rows` with `keys`). Counts are summed in SQL
    (one row per key); a duration, the latest week's, is picked per week as a number (one per key and week).
    `fold` does the same arithmetic on whole figures; a test keeps the two orders the same."""
    latest = SORT_LATEST.get(order_name)
    if latest is None:
        return _ranking_from_sums(queryset, dimension, SORT_SUMS[order_name])
    figure, path = latest
    medians: dict[str, float | None] = {}
    # The JSON value (KT would read a JSON null as the text 'null' on SQLite).
    values = queryset.filter(dimension=dimension).values_list("key", f"figures__{path}")
    for key, median in values.order_by("key", "week_start"):
        medians[key] = median  # the latest week's wins
    return [Row(dimension, key, None, None, figures={figure: {"median": m}}) for key, m in medians.items()]


def _ranking_from_sums(queryset, dimension: str, sums: dict[str, str]) -> list[Row]:
    total = {name: Sum(Cast(KT(f"figures__{path}"), IntegerField())) for name, path in sums.items()}
    values = queryset.filter(dimension=dimension).values("key").annotate(weeks_=Count("pk"), **total)
    rows = []
    for found in values.order_by("key"):
        row = Row(dimension, found["key"], None, None)
        picked = {name: found[name] or 0 for name in sums}
        figures = {name: count for name, count in picked.items() if name in ADDITIVE}
        for name in ("money_requested", "money_approved"):
            if name in picked:
                figures[name] = {"count": picked[name]}
        if "outcome" in picked:
            figures["outcomes"] = {sums["outcome"].rsplit("__", 1)[1]: picked["outcome"]}
        row.figures = _rates(figures)
        rows.append(row)
    return rows


def _rates(figures: dict) -> dict:
    orders = figures.get("orders", 0)
    for part, rate_name, places in RATES:
        if part in figures:
            figures[rate_name] = rollups.rate(figures[part], orders, places)
    return figures


# ---------------------------------------------------------------------------------------------------
# Links to the cases behind a figure.


class CaseLinks:
    """Case changelist URLs for one row: its group, the orders of a week range, and a figure's condition."""

    def __init__(self, changelist: str, row: Row, week_from: date, week_to: date):
        self.changelist = changelist
        group = self.group(row)
        self.enabled = group is not None
        self.range_query = self._encode({**(group or {}), **self.weeks(week_from, week_to)})
        latest = row.latest_week or week_to
        self.latest_query = self._encode({**(group or {}), **self.weeks(latest, latest)})

    @staticmethod
    def group(row: Row) -> dict | None:
        if row.dimension == SUPPLIER:
            if row.supplier_id is None:
                return None
            return {"order__product__supplier__id__exact": row.supplier_id}
        if row.dimension == SKU:
            return None if row.product_id is None else {"order__product__id__exact": row.product_id}
        return {"country": row.key}  # CaseAdmin's CountryFilter

    @staticmethod
    def weeks(week_from: date, week_to: date) -> dict:
        start, _ = week_bounds(week_from)
        _, end = week_bounds(week_to)
        return {"order__ordered_at__gte": start.isoformat(), "order__ordered_at__lt": end.isoformat()}

    @staticmethod
    def _encode(params: dict) -> str:
        return urlencode(params)

    def url(self, *, latest: bool = False, **condition) -> str | None:
        if not self.enabled:
            return None
        query = self.latest_query if latest else self.range_query
        if condition:
            query += "&" + urlencode(condition)
        return f"{self.changelist}?{query}"


# What each figure's link adds to the row's cases.
FIGURE_CONDITIONS: dict[str, dict] = {
    "orders": {},
    "unassessed": {"case_type__exact": ""},
    "label_only_cases": {"case_type__exact": v.LABEL_CREATED_ONLY},
    "label_only_too_long": {"case_type__exact": v.LABEL_CREATED_ONLY, "window__exceeded__iexact": "true"},
    "stale_in_transit": {"case_type__exact": v.STALE_IN_TRANSIT},
    "exceptions": {"order__tracking_numbers__events__status__in": f"{v.EXCEPTION},{v.RETURNED}"},
    "refund_risk": {"risk_level__exact": v.REFUND_RISK},
    "chargeback_watch": {"risk_level__exact": v.CHARGEBACK_WATCH},
    "money_requested": {"money_decisions__isnull": "False"},
    "money_approved": {"money_decisions__state__exact": "approved"},
    "customer_messages": {"order__customer_messages__direction__exact": "inbound"},
}


def figure_url(row: Row, figure: str, kind: str | None = None) -> str | None:
    if row.links is None:
        return None
    if figure == "cases_by_type":
        return row.links.url(case_type__exact=kind)
    if figure == "outcomes":
        return row.links.url(outcomes__kind__exact=kind)
    if figure in ("order_to_first_scan_days", "label_to_first_scan_days"):
        return row.links.url(latest=True)
    return row.links.url(**FIGURE_CONDITIONS[figure])


# ---------------------------------------------------------------------------------------------------
# Columns: what the table shows, how it sorts, what it links to.


@dataclass(frozen=True)
class Cell:
    text: str
    url: str | None = None
    title: str = ""
    detail: str = ""


def _number(value) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _amounts(amount: dict) -> str:
    return ", ".join(f"{currency} {value}" for currency, value in amount.items())


def _count_cell(row: Row, figure: str, title: str = "") -> Cell:
    count = row.figures[figure]
    return Cell(str(count), figure_url(row, figure) if count else None, title)


def _rate_cell(row: Row, figure: str, rate_name: str, rate: Callable[[float | None], str]) -> Cell:
    count = row.figures[figure]
    return Cell(str(count), figure_url(row, figure) if count else None, detail=rate(row.figures[rate_name]))


# Why orders are left out of a duration (suppliers.rollups: a first scan before its start is no duration).
LEFT_OUT = {
    "order_to_first_scan_days": "first scan before the order",
    "label_to_first_scan_days": "first scan before the label",
}


def duration_days(value: float | None) -> float | None:
    """A duration as the scorecard shows, sorts and charts it: never negative. Rollups built before first
    scans before the order were left out may hold one; it is shown as not measured (rebuild the week)."""
    return None if value is None or value < 0 else value


def _duration_cell(row: Row, figure: str) -> Cell:
    d = row.figures[figure]
    left_out = d.get("left_out") or 0
    note = f"{left_out} left out: {LEFT_OUT[figure]}" if left_out else ""
    median = duration_days(d.get("median"))
    if not d.get("count") or median is None:
        return Cell("—", title=note, detail=note)
    week = f"week of {row.latest_week:%Y-%m-%d}" if row.latest_week else ""
    return Cell(
        _number(median),
        figure_url(row, figure),
        title=f"median of {d['count']} orders, {week}" + (f"; {note}" if note else ""),
        detail="; ".join(part for part in (f"p90 {_number(duration_days(d.get('p90')))}", note) if part),
    )


def _money_cell(row: Row, figure: str) -> Cell:
    decided = row.figures[figure]
    count = decided["count"]
    return Cell(str(count), figure_url(row, figure) if count else None, detail=_amounts(decided["amount"]))


def _messages_cell(row: Row) -> Cell:
    count = row.figures["customer_messages"]
    return Cell(
        str(count),
        figure_url(row, "customer_messages") if count else None,
        detail=f"{_number(row.figures['customer_messages_per_order'])}/order",
    )


def _outcome_cell(row: Row, kind: str) -> Cell:
    count = row.figures["outcomes"].get(kind, 0)
    return Cell(str(count), figure_url(row, "outcomes", kind) if count else None)


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    sort: Callable[[Row], object]
    cell: Callable[[Row], Cell]
    title: str = ""


def _duration_sort(figure: str) -> Callable[[Row], object]:
    return lambda row: duration_days(row.figures[figure].get("median"))


COLUMNS: tuple[Column, ...] = (
    Column("orders", "Orders", lambda r: r.figures["orders"], lambda r: _count_cell(r, "orders")),
    Column(
        "label_only",
        "Label only too long",
        lambda r: r.figures["label_only_too_long_rate"],
        lambda r: _rate_cell(r, "label_only_too_long", "label_only_too_long_rate", _percent),
        "label-only cases past their window, and their share of the orders",
    ),
    Column(
        "order_to_scan",
        "Order → 1st scan (d)",
        _duration_sort("order_to_first_scan_days"),
        lambda r: _duration_cell(r, "order_to_first_scan_days"),
        "median and p90 days, latest week of the range",
    ),
    Column(
        "label_to_scan",
        "Label → 1st scan (d)",
        _duration_sort("label_to_first_scan_days"),
        lambda r: _duration_cell(r, "label_to_first_scan_days"),
        "median and p90 days, latest week of the range",
    ),
    Column(
        "stale",
        "Stale in transit",
        lambda r: r.figures["stale_in_transit_rate"],
        lambda r: _rate_cell(r, "stale_in_transit", "stale_in_transit_rate", _percent),
    ),
    Column(
        "exceptions", "Exceptions", lambda r: r.figures["exceptions"], lambda r: _count_cell(r, "exceptions")
    ),
    Column(
        "refund_risk",
        "Refund risk",
        lambda r: r.figures["refund_risk"],
        lambda r: _count_cell(r, "refund_risk"),
    ),
    Column(
        "chargeback_watch",
        "Chargeback watch",
        lambda r: r.figures["chargeback_watch"],
        lambda r: _count_cell(r, "chargeback_watch"),
    ),
    Column(
        "money_requested",
        "Money requested",
        lambda r: r.figures["money_requested"]["count"],
        lambda r: _money_cell(r, "money_requested"),
    ),
    Column(
        "money_approved",
        "Money approved",
        lambda r: r.figures["money_approved"]["count"],
        lambda r: _money_cell(r, "money_approved"),
    ),
    Column(
        "messages",
        "Customer messages",
        lambda r: r.figures["customer_messages_per_order"],
        _messages_cell,
        "inbound messages, and per order",
    ),
    *(
        Column(
            f"outcome_{kind}",
            label.capitalize(),
            lambda r, kind=kind: r.figures["outcomes"].get(kind, 0),
            lambda r, kind=kind: _outcome_cell(r, kind),
            f"cases with a {kind.replace('_', ' ')} outcome",
        )
        for kind, label in OUTCOME_COLUMNS
    ),
)
SORTS: dict[str, Callable[[Row], object]] = {
    "key": lambda r: r.key.lower(),
    **{column.name: column.sort for column in COLUMNS},
}
DEFAULT_SORT = "-orders"
# The sorts on a duration: the latest week's median, read per week as a number.
SORT_LATEST: dict[str, tuple[str, str]] = {
    "order_to_scan": ("order_to_first_scan_days", "order_to_first_scan_days__median"),
    "label_to_scan": ("label_to_first_scan_days", "label_to_first_scan_days__median"),
}
# The sorts on counts, summed over the weeks in SQL: name in the ranking figures -> path in `figures`.
SORT_SUMS: dict[str, dict[str, str]] = {
    "key": {},
    "orders": {"orders": "orders"},
    "label_only": {"label_only_too_long": "label_only_too_long", "orders": "orders"},
    "stale": {"stale_in_transit": "stale_in_transit", "orders": "orders"},
    "exceptions": {"exceptions": "exceptions"},
    "refund_risk": {"refund_risk": "refund_risk"},
    "chargeback_watch": {"chargeback_watch": "chargeback_watch"},
    "money_requested": {"money_requested": "money_requested__count"},
    "money_approved": {"money_approved": "money_approved__count"},
    "messages": {"customer_messages": "customer_messages", "orders": "orders"},
    **{f"outcome_{kind}": {"outcome": f"outcomes__{kind}"} for kind, _ in OUTCOME_COLUMNS},
}

TRENDS: dict[str, tuple[str, Callable[[dict], float | None]]] = {
    "orders": ("orders", lambda f: f.get("orders")),
    "label_only_too_long_rate": ("label-only too long rate", lambda f: f.get("label_only_too_long_rate")),
    "order_to_first_scan": (
        "median days order to first scan",
        lambda f: duration_days((f.get("order_to_first_scan_days") or {}).get("median")),
    ),
    "stale_in_transit_rate": ("stale-in-transit rate", lambda f: f.get("stale_in_transit_rate")),
    "customer_messages_per_order": (
        "customer messages per order",
        lambda f: f.get("customer_messages_per_order"),
    ),
    "exceptions": ("exceptions", lambda f: f.get("exceptions")),
}
DEFAULT_TRENDS = {
    SUPPLIER: "label_only_too_long_rate",
    SKU: "customer_messages_per_order",
    COUNTRY: "order_to_first_scan",
}


def sort_rows(rows: list[Row], order: str) -> list[Row]:
    """Sorted by `order` ("name" or "-name"), the key breaking ties; rows without a value last either way."""
    descending = order.startswith("-")
    value_of = SORTS[order.lstrip("-")]
    rows = sorted(rows, key=lambda r: r.key.lower())
    present = [r for r in rows if value_of(r) is not None]
    missing = [r for r in rows if value_of(r) is None]
    return sorted(present, key=value_of, reverse=descending) + missing


def mondays(week_from: date, week_to: date) -> list[date]:
    count = (week_to - week_from).days // 7 + 1
    return [week_from + timedelta(weeks=i) for i in range(max(count, 0))]


def trend_svg(row: Row, weeks: list[date], trend: str) -> str:
    label, value_of = TRENDS[trend]
    values = [value_of(row.weeks[week]) if week in row.weeks else None for week in weeks]
    shown = ", ".join("—" if value is None else f"{value:g}" for value in values)
    title = f"{label} by week, {weeks[0]:%Y-%m-%d} to {weeks[-1]:%Y-%m-%d}: {shown}" if weeks else label
    return sparklines.svg(values, title=title)


# ---------------------------------------------------------------------------------------------------
# The request: filters, defaults, rows.


@dataclass
class Scorecard:
    filterset: WeeklyRollupFilter
    dimension: str
    week_from: date | None
    week_to: date | None
    order: str
    trend: str
    rows: list[Row]  # every row (full) or the page's rows
    page: Page | None = None

    @property
    def valid(self) -> bool:
        return self.filterset.is_valid()


def latest_week() -> date:
    week = WeeklyRollup.objects.aggregate(latest=Max("week_start"))["latest"]
    return week or week_that_ended(timezone.now())


def build_scorecard(request, *, full: bool = False) -> Scorecard:
    """The rows of the request's filters, sorted. `full`: every row with every figure (the CSV). Else one
    page: every row of the range sorted on the figures its sort needs (picked in SQL), then the page's
    rows read whole. Either way a fixed number of queries."""
    data = with_defaults(request.GET, latest_week())
    filterset = WeeklyRollupFilter(data, queryset=WeeklyRollup.objects.order_by(), request=request)
    dimension = data["dimension"] if data["dimension"] in dict(WeeklyRollup.Dimension.choices) else SUPPLIER
    order = request.GET.get("o") or DEFAULT_SORT
    if order.lstrip("-") not in SORTS:
        order = DEFAULT_SORT
    trend = request.GET.get("trend") or DEFAULT_TRENDS[dimension]
    if trend not in TRENDS:
        trend = DEFAULT_TRENDS[dimension]
    if not filterset.is_valid():
        return Scorecard(filterset, dimension, None, None, order, trend, [])
    week_from, week_to = filterset.form.cleaned_data["week_from"], filterset.form.cleaned_data["week_to"]
    # The range as its Mondays too: PostgreSQL then reads the (week_start, dimension, key) unique index.
    queryset = filterset.qs.filter(week_start__in=mondays(week_from, week_to))
    page = None
    if full:
        rows = sort_rows(load_rows(queryset, dimension), order)
    else:
        ranked = sort_rows(load_ranking(queryset, dimension, order.lstrip("-")), order)
        page = Paginator(ranked, PER_PAGE).get_page(request.GET.get("p"))
        whole = {row.key: row for row in load_rows(queryset, dimension, keys=[r.key for r in page])}
        rows = [whole[row.key] for row in page if row.key in whole]
    changelist = reverse("admin:cases_case_changelist")
    for row in rows:
        row.links = CaseLinks(changelist, row, week_from, week_to)
    return Scorecard(filterset, dimension, week_from, week_to, order, trend, rows, page)


def _query(request, **changes) -> str:
    params = request.GET.copy()
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return params.urlencode()


def _headers(request, order: str) -> list[dict]:
    current, descending = order.lstrip("-"), order.startswith("-")
    headers = []
    for name, label, title in [("key", "", ""), *((c.name, c.label, c.title) for c in COLUMNS)]:
        # A first click sorts numbers worst (largest) first and names from A.
        first = name if name == "key" else f"-{name}"
        target = (name if descending else f"-{name}") if name == current else first
        sort_state = ("descending" if descending else "ascending") if name == current else ""
        headers.append(
            {
                "name": name,
                "label": label,
                "title": title,
                "url": "?" + _query(request, o=target, p=None),
                "sorted": sort_state,
            }
        )
    return headers


def _triggers(supplier) -> tuple[list[Product], bool, list[Supplier], bool]:
    products = Product.objects.filter(state=Product.State.REVIEW_REQUIRED).select_related("supplier")
    suppliers = Supplier.objects.filter(status=Supplier.Status.FLAGGED)
    if supplier is not None:
        products, suppliers = products.filter(supplier=supplier), suppliers.filter(pk=supplier.pk)
    products = list(products.order_by("state_changed_at", "sku")[: TRIGGERS_SHOWN + 1])
    suppliers = list(suppliers.order_by("name")[: TRIGGERS_SHOWN + 1])
    return (
        products[:TRIGGERS_SHOWN],
        len(products) > TRIGGERS_SHOWN,
        suppliers[:TRIGGERS_SHOWN],
        len(suppliers) > TRIGGERS_SHOWN,
    )


def cells_html(cells: list[tuple[str, Cell]]) -> SafeString:
    """The figure cells of one row, rendered here rather than in the template: a page of SKUs has a hundred
    rows of seventeen cells, and template loops would take most of the page's time. Every piece of text
    is escaped."""
    parts = []
    for name, cell in cells:
        title = f' title="{escape(cell.title)}"' if cell.title else ""
        text = escape(cell.text)
        if cell.url:
            text = f'<a href="{escape(cell.url)}" class="figure" data-figure="{name}">{text}</a>'
        detail = f'<span class="detail">{escape(cell.detail)}</span>' if cell.detail else ""
        parts.append(f'<td class="figure-{name}"{title}>{text}{detail}</td>')
    return mark_safe("".join(parts))  # escaped above; names are COLUMNS' own


def case_types_html(case_types: list[tuple[str, int, str | None]]) -> SafeString:
    """The row's cases by type, each count linking to its cases (escaped as `cells_html`)."""
    if not case_types:
        return mark_safe("")
    lines = "".join(
        f'<div><a href="{escape(url)}" class="figure" data-figure="cases_{kind}">{count}</a> '
        f"{escape(kind)}</div>"
        if url
        else f"<div>{count} {escape(kind)}</div>"
        for kind, count, url in case_types
    )
    return mark_safe(f"<details><summary>cases by type</summary>{lines}</details>")


def notes_html(notes: list[tuple[date, str]], *, multiple_weeks: bool) -> SafeString:
    """The row's notes: those of its latest week with notes, and how many earlier weeks of the range had
    some (the CSV lists them all)."""
    if not notes:
        return mark_safe("")
    latest = max(week for week, _ in notes)
    items = "".join(
        f"<li>{escape(note)}{f' (week of {week:%Y-%m-%d})' if multiple_weeks else ''}</li>"
        for week, note in notes
        if week == latest
    )
    earlier = len({week for week, _ in notes if week != latest})
    if earlier:
        items += f'<li class="earlier">notes in {earlier} earlier week{"s" if earlier > 1 else ""} too</li>'
    return mark_safe(f'<ul class="notes">{items}</ul>')


def _require_view(request) -> None:
    if not request.user.has_perm(VIEW_SCORECARD):
        raise PermissionDenied


# ---------------------------------------------------------------------------------------------------
# Views (mounted by suppliers.admin.WeeklyRollupAdmin.get_urls, inside admin_site.admin_view).


def scorecard_view(request, model_admin):
    _require_view(request)
    card = build_scorecard(request)
    page = card.page
    weeks = mondays(card.week_from, card.week_to) if card.valid else []
    table = [
        {
            "row": row,
            "sparkline": mark_safe(trend_svg(row, weeks, card.trend)),  # numbers and escaped text only
            "cells": (cells := [(column.name, column.cell(row)) for column in COLUMNS]),
            "cells_html": cells_html(cells),
            "case_types": (
                case_types := [
                    (kind, count, figure_url(row, "cases_by_type", kind))
                    for kind, count in row.figures["cases_by_type"].items()
                    if count
                ]
            ),
            "case_types_html": case_types_html(case_types),
            "notes": sorted(row.notes, reverse=True),
            "notes_html": notes_html(row.notes, multiple_weeks=len(weeks) > 1),
        }
        for row in card.rows
    ]
    supplier = card.filterset.form.cleaned_data.get("supplier") if card.valid else None
    products, more_products, flagged, more_flagged = _triggers(supplier)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Supplier scorecard",
        "opts": model_admin.model._meta,
        "card": card,
        "filter_form": card.filterset.form,
        "table": table,
        "page": page,
        "headers": _headers(request, card.order),
        "dimension_label": WeeklyRollup.Dimension(card.dimension).label,
        "dimension_tabs": [
            (value, label, "?" + _query(request, dimension=value, o=None, p=None, trend=None))
            for value, label in WeeklyRollup.Dimension.choices
        ],
        "trend_choices": [(name, label) for name, (label, _) in TRENDS.items()],
        "trend_label": TRENDS[card.trend][0],
        "csv_url": reverse("admin:suppliers_weeklyrollup_scorecard_csv") + "?" + _query(request, p=None),
        "previous_url": "?" + _query(request, p=page.previous_page_number())
        if page and page.has_previous()
        else "",
        "next_url": "?" + _query(request, p=page.next_page_number()) if page and page.has_next() else "",
        "review_products": products,
        "more_review_products": more_products,
        "flagged_suppliers": flagged,
        "more_flagged_suppliers": more_flagged,
        "can_pause": request.user.has_perm(PAUSE_PRODUCT),
        "here": request.get_full_path(),
        "week_count": len(weeks),
    }
    return TemplateResponse(request, "admin/suppliers/scorecard.html", context)


def csv_header() -> list[str]:
    return [
        "dimension",
        "key",
        "supplier",
        "week_from",
        "week_to",
        "weeks_built",
        "orders",
        *(f"cases_{kind}" for kind in v.CASE_TYPES),
        "unassessed",
        "label_only_cases",
        "label_only_too_long",
        "label_only_too_long_rate",
        "durations_week",
        "order_to_first_scan_count",
        "order_to_first_scan_median_days",
        "order_to_first_scan_p90_days",
        "label_to_first_scan_count",
        "label_to_first_scan_median_days",
        "label_to_first_scan_p90_days",
        "stale_in_transit",
        "stale_in_transit_rate",
        "exceptions",
        "refund_risk",
        "chargeback_watch",
        "money_requested_count",
        "money_requested_amount",
        "money_approved_count",
        "money_approved_amount",
        "customer_messages",
        "customer_messages_per_order",
        *(f"outcome_{kind}" for kind in rollups.OUTCOME_KINDS),
        "notes",
    ]


def _blank(value) -> object:
    return "" if value is None else value


def csv_row(row: Row, week_from: date, week_to: date) -> list:
    f = row.figures
    to_scan, label_scan = f["order_to_first_scan_days"], f["label_to_first_scan_days"]
    return [
        row.dimension,
        row.key,
        row.supplier_name,
        week_from.isoformat(),
        week_to.isoformat(),
        len(row.weeks),
        f["orders"],
        *(f["cases_by_type"].get(kind, 0) for kind in v.CASE_TYPES),
        f["unassessed"],
        f["label_only_cases"],
        f["label_only_too_long"],
        _blank(f["label_only_too_long_rate"]),
        row.latest_week.isoformat() if row.latest_week else "",
        to_scan.get("count", 0),
        _blank(to_scan.get("median")),
        _blank(to_scan.get("p90")),
        label_scan.get("count", 0),
        _blank(label_scan.get("median")),
        _blank(label_scan.get("p90")),
        f["stale_in_transit"],
        _blank(f["stale_in_transit_rate"]),
        f["exceptions"],
        f["refund_risk"],
        f["chargeback_watch"],
        f["money_requested"]["count"],
        _amounts(f["money_requested"]["amount"]),
        f["money_approved"]["count"],
        _amounts(f["money_approved"]["amount"]),
        f["customer_messages"],
        _blank(f["customer_messages_per_order"]),
        *(f["outcomes"].get(kind, 0) for kind in rollups.OUTCOME_KINDS),
        "; ".join(f"{week:%Y-%m-%d}: {note}" for week, note in sorted(row.notes, reverse=True)),
    ]


def csv_rows(card: Scorecard) -> Iterable[list]:
    yield csv_header()
    for row in card.rows:
        yield csv_row(row, card.week_from, card.week_to)


def scorecard_csv_view(request, model_admin):
    """The scorecard as CSV, every row of the filters in the page's order, every cell neutralised
    (`staletrack.exports.neutralise`: a leading =, +, -, @, tab or CR gets an apostrophe)."""
    _require_view(request)
    card = build_scorecard(request, full=True)
    if not card.valid:
        return HttpResponse(
            "Invalid filters: " + "; ".join(" ".join(e) for e in card.filterset.errors.values()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    name = f"scorecard-{card.dimension}-{card.week_from:%Y-%m-%d}-{card.week_to:%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    for cells in csv_rows(card):
        writer.writerow([neutralise(cell) for cell in cells])
    return response


@require_POST
def pause_product_view(request, model_admin, product_id: int):
    """The owner's one-click pause of a product (from the review list). Anyone else: 403, nothing written."""
    if not request.user.has_perm(PAUSE_PRODUCT):
        raise PermissionDenied
    product = get_object_or_404(Product, pk=product_id)
    reason = "Paused from the supplier scorecard."
    if product.state_reason:
        reason += f" Review reason: {product.state_reason}"
    if product.state == Product.State.PAUSED:
        messages.info(request, f"{product.sku} was already paused.")
    else:
        set_product_state(product, Product.State.PAUSED, actor=request.user, reason=reason)
        messages.success(request, f"{product.sku} paused.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:suppliers_weeklyrollup_scorecard")
    return redirect(target)
