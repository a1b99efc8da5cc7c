"""The scorecard of one request: its filters with their defaults, its sort and trend, and its rows.

One dimension at a time. The page reads one page of rows (every row of the range ranked on what its sort
needs, then the page's rows read whole), the CSV every row; either way a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.paginator import Page, Paginator
from django.urls import reverse
from django.utils import timezone

from suppliers.models import WeeklyRollup
from suppliers.scorecard import links
from suppliers.scorecard.columns import hidden_column_names
from suppliers.scorecard.filters import SUPPLIER, WeeklyRollupFilter, with_defaults
from suppliers.scorecard.rows import DEFAULT_SORT, SORTS, Row, load_ranking, load_rows, sort_rows
from suppliers.scorecard.selectors import latest_built_week
from suppliers.scorecard.trends import DEFAULT_TRENDS, TRENDS
from suppliers.selectors import week_that_ended

PER_PAGE = 100


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


def mondays(week_from: date, week_to: date) -> list[date]:
    count = (week_to - week_from).days // 7 + 1
    return [week_from + timedelta(weeks=i) for i in range(max(count, 0))]


def latest_week() -> date:
    """The week the default range ends with: the latest built, or the week that ended."""
    return latest_built_week() or week_that_ended(timezone.now())


def build_scorecard(request, *, full: bool = False) -> Scorecard:
    """The rows of the request's filters, sorted, with their links. `full`: every row with every figure
    (the CSV). Else one page: every row of the range sorted on the figures its sort needs (picked in SQL),
    then the page's rows read whole."""
    data = with_defaults(request.GET, latest_week())
    filterset = WeeklyRollupFilter(data, queryset=WeeklyRollup.objects.order_by(), request=request)
    dimension = data["dimension"] if data["dimension"] in dict(WeeklyRollup.Dimension.choices) else SUPPLIER
    order = request.GET.get("o") or DEFAULT_SORT
    if order.lstrip("-") not in SORTS or order.lstrip("-") in hidden_column_names(request.user):
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
        group = links.group(
            dimension=row.dimension, key=row.key, supplier_id=row.supplier_id, product_id=row.product_id
        )
        row.links = links.CaseLinks(
            changelist, group=group, week_from=week_from, week_to=week_to, latest_week=row.latest_week
        )
    return Scorecard(filterset, dimension, week_from, week_to, order, trend, rows, page)
