"""The trend column: one figure of a row week by week over the range, drawn as a sparkline.

The trend is a choice of the page (`trend`), with a default per dimension; weeks not built are gaps. The
numbers are one hover or one click away: each week's strip of the sparkline has its own title, and the
chart is the summary of a `<details>` whose body lists the weeks and their values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape

from suppliers.scorecard import sparklines
from suppliers.scorecard.cells import duration_days, number, per_order, percent
from suppliers.scorecard.filters import COUNTRY, SKU, SUPPLIER
from suppliers.scorecard.rows import Row

# name -> (label, the value of one week's figures)
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
# How each trend writes one week's value, as the table's cells write that figure.
SHOWN: dict[str, Callable[[float | None], str]] = {
    "label_only_too_long_rate": percent,
    "stale_in_transit_rate": percent,
    "customer_messages_per_order": per_order,
    "order_to_first_scan": lambda value: f"{number(value)} d",
}
DEFAULT_TRENDS = {
    SUPPLIER: "label_only_too_long_rate",
    SKU: "customer_messages_per_order",
    COUNTRY: "order_to_first_scan",
}
NOT_BUILT = "no rollup"


def weekly_values(row: Row, weeks: list[date], trend: str) -> list[float | None]:
    value_of = TRENDS[trend][1]
    return [value_of(row.weeks[week]) if week in row.weeks else None for week in weeks]


def _shown(trend: str, value: float | None) -> str:
    if value is None:
        return "—"
    return SHOWN.get(trend, number)(value)


def _week_texts(row: Row, weeks: list[date], trend: str, values: list[float | None]) -> list[str]:
    """Each week's value as the table writes it, or NOT_BUILT for a week without a rollup."""
    return [
        _shown(trend, value) if week in row.weeks else NOT_BUILT
        for week, value in zip(weeks, values, strict=True)
    ]


def _svg(trend: str, weeks: list[date], values: list[float | None], texts: list[str]) -> str:
    label = TRENDS[trend][0]
    shown = ", ".join("—" if value is None else f"{value:g}" for value in values)
    title = f"{label} by week, {weeks[0]:%Y-%m-%d} to {weeks[-1]:%Y-%m-%d}: {shown}" if weeks else label
    labels = [f"week of {week:%Y-%m-%d}: {text}" for week, text in zip(weeks, texts, strict=True)]
    return sparklines.svg(values, title=title, labels=labels)


def trend_svg(row: Row, weeks: list[date], trend: str) -> str:
    """The row's sparkline of `trend` over `weeks` (inline SVG of numbers and escaped text only), each
    week's value in the title of its hover strip."""
    values = weekly_values(row, weeks, trend)
    return _svg(trend, weeks, values, _week_texts(row, weeks, trend, values))


def trend_html(row: Row, weeks: list[date], trend: str) -> str:
    """The sparkline as the summary of a `<details>` listing each week's value, latest first: the chart
    at a glance, the numbers a click away (escaped text and numbers only)."""
    values = weekly_values(row, weeks, trend)
    texts = _week_texts(row, weeks, trend, values)
    lines = "".join(
        f"<tr><th>{week:%Y-%m-%d}</th><td>{escape(text)}</td></tr>"
        for week, text in reversed(list(zip(weeks, texts, strict=True)))
    )
    return (
        f'<details class="trend-numbers"><summary>{_svg(trend, weeks, values, texts)}</summary>'
        f'<table class="trend-weeks"><caption>{escape(TRENDS[trend][0])}</caption>'
        f"<thead><tr><th>week of</th><th>value</th></tr></thead><tbody>{lines}</tbody></table></details>"
    )
