"""The digest page's small charts, as inline SVG: numbers in, markup out. Pure: no ORM, no script.

A trend is the scorecard's sparkline (`suppliers.scorecard.sparklines`: its points and path, gaps where a
week was not built) with a dot on every week, each dot carrying its own <title> ("week of 2026-11-09: 12
problem cases"), so the number of any week is one hover away; the whole chart's <title> lists them all
for a screen reader. Bars: the store's orders per week, the problem cases drawn inside them, each bar
with its <title>.

Only numbers, dates and escaped text go into the markup, so it is safe to mark safe. The email leaves the
charts out: mail clients drop inline SVG (Gmail, Outlook), and the email links to this page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.utils.html import escape

from suppliers.scorecard import sparklines
from suppliers.scorecard.sparklines import fmt

WIDTH = 120
HEIGHT = 26
PAD = 3.0
BAR_WIDTH = 240
BAR_HEIGHT = 64
COLOUR = "#417690"
PROBLEM_COLOUR = "#c62828"


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "not built"
    shown = f"{value:g}"
    return f"{shown} {unit}" if unit else shown


def trend_svg(values: Sequence[float | None], weeks: Sequence[date], *, label: str, unit: str = "") -> str:
    """A sparkline of `values` (one a week of `weeks`), titled `label`, a dot per week with its number."""
    weekly = list(zip(weeks, values, strict=True))
    shown = "; ".join(f"{week:%Y-%m-%d}: {_value(value, unit)}" for week, value in weekly)
    title = escape(f"{label}, by week: {shown}")
    d = sparklines.path(values, WIDTH, HEIGHT, PAD)
    line = f'<path d="{d}" fill="none" stroke="{COLOUR}" stroke-width="1.5"/>' if d else ""
    dots = "".join(
        f'<circle cx="{fmt(point[0])}" cy="{fmt(point[1])}" r="2.5" fill="{COLOUR}">'
        f"<title>{escape(f'week of {week:%Y-%m-%d}: {_value(value, unit)}')}</title></circle>"
        for point, (week, value) in zip(sparklines.points(values, WIDTH, HEIGHT, PAD), weekly, strict=True)
        if point is not None
    )
    return (
        f'<svg class="digest-chart trend" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title}">'
        f"<title>{title}</title>{line}{dots}</svg>"
    )


def bars_svg(
    orders: Sequence[int | None], problems: Sequence[int | None], weeks: Sequence[date], *, label: str
) -> str:
    """One bar a week: its height the orders, its red part the problem cases; a week not built is a gap."""
    known = [value for value in orders if value is not None]
    top = max(known, default=0) or 1
    slot = BAR_WIDTH / max(len(weeks), 1)
    bars = []
    for index, (week, total, trouble) in enumerate(zip(weeks, orders, problems, strict=True)):
        if total is None:
            continue
        x = index * slot + 1
        width = max(slot - 2, 1)
        height = total / top * (BAR_HEIGHT - 2)
        red = (trouble or 0) / top * (BAR_HEIGHT - 2)
        tip = escape(f"week of {week:%Y-%m-%d}: {total} orders, {trouble or 0} problem cases")
        bars.append(
            f"<g><title>{tip}</title>"
            f'<rect x="{fmt(x)}" y="{fmt(BAR_HEIGHT - height)}" width="{fmt(width)}" '
            f'height="{fmt(height)}" fill="{COLOUR}" opacity="0.35"/>'
            f'<rect x="{fmt(x)}" y="{fmt(BAR_HEIGHT - red)}" width="{fmt(width)}" '
            f'height="{fmt(red)}" fill="{PROBLEM_COLOUR}"/></g>'
        )
    shown = "; ".join(
        f"{week:%Y-%m-%d}: {_value(total, 'orders')}, {_value(trouble, 'problem cases')}"
        for week, total, trouble in zip(weeks, orders, problems, strict=True)
    )
    title = escape(f"{label}, by week: {shown}")
    return (
        f'<svg class="digest-chart bars" xmlns="http://www.w3.org/2000/svg" width="{BAR_WIDTH}" '
        f'height="{BAR_HEIGHT}" viewBox="0 0 {BAR_WIDTH} {BAR_HEIGHT}" role="img" aria-label="{title}">'
        f"<title>{title}</title>{''.join(bars)}</svg>"
    )
