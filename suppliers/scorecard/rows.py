"""The scorecard's rows: the stored rollups of one dimension over a week range, one row per key, sorted.

What a row shows, for the week range of the filters: each figure folded over the weeks as its declaration
says (`figures.py`); the notes the rollups computed when each week was built, every one with its week; and
the weeks themselves, for the trend. A row's supplier is the one each SKU had when its week was built;
nothing per supplier is kept elsewhere. When the vendor map moves products, or an owner changes a SKU's
supplier, `suppliers.services` rebuilds the latest built week after commit, so the default range follows;
older weeks keep the suppliers they were built with until `manage.py build_rollups` rebuilds them.

A page sorts every row of the range, then reads its own rows whole: `load_ranking` picks in SQL only what
the sort needs, `load_rows` reads whole figures; `fold` and each figure's `ranked` do the same arithmetic
(a test keeps the two orders the same).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, IntegerField, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from suppliers.models import Product, Supplier
from suppliers.scorecard.cells import Cell
from suppliers.scorecard.figures import COLUMN, COLUMNS, FIGURES, Column, Duration
from suppliers.scorecard.filters import SUPPLIER
from suppliers.scorecard.links import CaseLinks


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
    figures: dict = field(default_factory=dict)  # folded over the range (`fold`)
    latest_week: date | None = None
    links: CaseLinks | None = None

    @property
    def flagged(self) -> bool:
        return self.supplier_status == Supplier.Status.FLAGGED and self.dimension == SUPPLIER

    @property
    def product_label(self) -> str:
        return Product.State(self.product_state).label if self.product_state else ""

    def cells(self, columns: tuple[Column, ...] = COLUMNS) -> list[tuple[str, Cell]]:
        """Its cell in each of `columns` (default: every column of the table), with the column's name."""
        return [(column.name, column.cell(self.figures, self.links, self.latest_week)) for column in columns]


def fold(weeks: dict[date, dict]) -> tuple[dict, date | None]:
    """The range's figures from one key's weekly figures, each folded as declared. Also the latest week."""
    latest = max(weeks) if weeks else None
    each, last = list(weeks.values()), weeks[latest] if latest else None
    total: dict = {}
    for figure in FIGURES:
        total.update(figure.fold(each, last))
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
    """One query for sorting every row of the range on column `order_name` ("key" or a column's name), no
    joins, no notes, no whole figures. Counts are summed in SQL (one row per key); a duration, the latest
    week's, is picked per week as a number (one per key and week)."""
    column = COLUMN.get(order_name)
    if column is not None and isinstance(column.figure, Duration):
        return _ranking_from_latest(queryset, dimension, column.figure)
    return _ranking_from_sums(queryset, dimension, column)


def _ranking_from_latest(queryset, dimension: str, figure: Duration) -> list[Row]:
    medians: dict[str, float | None] = {}
    # The JSON value (KT would read a JSON null as the text 'null' on SQLite).
    values = queryset.filter(dimension=dimension).values_list("key", f"figures__{figure.median_path}")
    for key, median in values.order_by("key", "week_start"):
        medians[key] = median  # the latest week's wins
    return [
        Row(dimension, key, None, None, figures=figure.ranked({figure.key: median}))
        for key, median in medians.items()
    ]


def _ranking_from_sums(queryset, dimension: str, column: Column | None) -> list[Row]:
    sums = column.figure.sums(column.kind) if column is not None else {}
    total = {name: Sum(Cast(KT(f"figures__{path}"), IntegerField())) for name, path in sums.items()}
    # Counting the weeks groups by key even when the sort (on the key) sums nothing.
    values = queryset.filter(dimension=dimension).values("key").annotate(weeks_=Count("pk"), **total)
    rows = []
    for found in values.order_by("key"):
        picked = {name: found[name] or 0 for name in sums}
        figures = column.figure.ranked(picked, column.kind) if column is not None else {}
        rows.append(Row(dimension, found["key"], None, None, figures=figures))
    return rows


SORTS: dict[str, Callable[[Row], object]] = {
    "key": lambda row: row.key.lower(),
    **{column.name: (lambda row, column=column: column.sort(row.figures)) for column in COLUMNS},
}
DEFAULT_SORT = "-orders"


def sort_rows(rows: list[Row], order: str) -> list[Row]:
    """Sorted by `order` ("name" or "-name"), the key breaking ties; rows without a value last either way."""
    descending = order.startswith("-")
    value_of = SORTS[order.lstrip("-")]
    rows = sorted(rows, key=lambda r: r.key.lower())
    present = [r for r in rows if value_of(r) is not None]
    missing = [r for r in rows if value_of(r) is None]
    return sorted(present, key=value_of, reverse=descending) + missing
