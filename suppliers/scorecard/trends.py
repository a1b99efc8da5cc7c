"""The trend column: one figure of a row week by week over the range, drawn as a sparkline.

The trend is a choice of the page (`trend`), with a default per dimension; weeks not built are gaps.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from suppliers.scorecard import sparklines
from suppliers.scorecard.cells import duration_days
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
DEFAULT_TRENDS = {
    SUPPLIER: "label_only_too_long_rate",
    SKU: "customer_messages_per_order",
    COUNTRY: "order_to_first_scan",
}


def trend_svg(row: Row, weeks: list[date], trend: str) -> str:
    """The row's sparkline of `trend` over `weeks` (inline SVG of numbers and escaped text only)."""
    label, value_of = TRENDS[trend]
    values = [value_of(row.weeks[week]) if week in row.weeks else None for week in weeks]
    shown = ", ".join("—" if value is None else f"{value:g}" for value in values)
    title = f"{label} by week, {weeks[0]:%Y-%m-%d} to {weeks[-1]:%Y-%m-%d}: {shown}" if weeks else label
    return sparklines.svg(values, title=title)
