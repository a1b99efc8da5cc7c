"""Trend sparklines as inline SVG: numbers in, markup out.

Pure: no ORM, no script, no external
file, so the scorecard page draws one per row without any request of its own.

A value of None (a week not built, or a rate with no orders to measure) is a gap: the line stops and starts
again after it; a lone point between gaps is drawn as a dot. All values equal draw a flat line in the middle.
The latest value gets a dot of its own, so the eye finds where the line ends.

The numbers are one hover away: the whole chart's `<title>` lists them, and with `labels` each value
gets a strip of the chart's full height (invisible, but it takes the pointer) whose own `<title>` says
that value alone ("week of 2026-11-09: 16.7%"), which a browser shows as the pointer rests on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape

WIDTH = 96
HEIGHT = 22
PAD = 2.0


def fmt(number: float) -> str:
    text = f"{number:.1f}"
    return text[:-2] if text.endswith(".0") else text


def points(
    values: Sequence[float | None], width: float = WIDTH, height: float = HEIGHT, pad: float = PAD
) -> list[tuple[float, float] | None]:
    """Each value's (x, y) in the box (y grows downwards, the highest value at the top), None for gaps."""
    known = [value for value in values if value is not None]
    if not known:
        return [None] * len(values)
    low, high = min(known), max(known)
    span = high - low
    step = (width - 2 * pad) / (len(values) - 1) if len(values) > 1 else 0.0
    result: list[tuple[float, float] | None] = []
    for index, value in enumerate(values):
        if value is None:
            result.append(None)
            continue
        x = pad + index * step if len(values) > 1 else width / 2
        y = height / 2 if span == 0 else pad + (high - value) / span * (height - 2 * pad)
        result.append((round(x, 1), round(y, 1)))
    return result


def path(
    values: Sequence[float | None], width: float = WIDTH, height: float = HEIGHT, pad: float = PAD
) -> str:
    """The `d` attribute of the trend line: "M x y L x y ..." with a new "M" after every gap. Empty when
    there is nothing to draw."""
    parts: list[str] = []
    pen_down = False
    for point in points(values, width, height, pad):
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{fmt(point[0])} {fmt(point[1])}")
        pen_down = True
    return " ".join(parts)


def lone_points(
    values: Sequence[float | None], width: float = WIDTH, height: float = HEIGHT, pad: float = PAD
) -> list[tuple[float, float]]:
    """Points with a gap (or the edge) on both sides: a path would not show them, so they get a dot."""
    drawn = points(values, width, height, pad)
    return [
        point
        for index, point in enumerate(drawn)
        if point is not None
        and (index == 0 or drawn[index - 1] is None)
        and (index == len(drawn) - 1 or drawn[index + 1] is None)
    ]


def strips(count: int, width: float = WIDTH, pad: float = PAD) -> list[tuple[float, float]]:
    """(x, width) of the hover strip of each of `count` values: the chart split at the midpoints between
    neighbouring values' x, the first and last strips reaching the edges."""
    if count < 1:
        return []
    if count == 1:
        return [(0.0, float(width))]
    step = (width - 2 * pad) / (count - 1)
    edges = [0.0, *(pad + (i + 0.5) * step for i in range(count - 1)), float(width)]
    return [(round(edges[i], 1), round(edges[i + 1] - edges[i], 1)) for i in range(count)]


def svg(
    values: Sequence[float | None],
    *,
    title: str = "",
    labels: Sequence[str] | None = None,
    width: float = WIDTH,
    height: float = HEIGHT,
    pad: float = PAD,
    colour: str = "#417690",
) -> str:
    """A complete inline <svg> element for `values`, with `title` (escaped) as its accessible name and,
    when `labels` (one per value) are given, a hover strip per value titled with its label. The markup is
    built from numbers and escaped text only, so it is safe to mark safe."""
    if labels is not None and len(labels) != len(values):
        raise ValueError("one label per value")
    d = path(values, width, height, pad)
    drawn = points(values, width, height, pad)
    lone = lone_points(values, width, height, pad)
    latest = next((point for point in reversed(drawn) if point is not None), None)
    dots = [*lone, *([latest] if latest is not None and latest not in lone else [])]
    marks = "".join(f'<circle cx="{fmt(x)}" cy="{fmt(y)}" r="1.5" fill="{colour}"/>' for x, y in dots)
    line = f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.5"/>' if d else ""
    hover = ""
    if labels is not None:
        hover = "".join(
            f'<rect class="week" x="{fmt(x)}" y="0" width="{fmt(w)}" height="{fmt(height)}" '
            f'fill="{colour}" fill-opacity="0" pointer-events="all"><title>{escape(text)}</title></rect>'
            for (x, w), text in zip(strips(len(values), width, pad), labels, strict=True)
        )
    label = escape(title)
    return (
        f'<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" width="{fmt(width)}" '
        f'height="{fmt(height)}" viewBox="0 0 {fmt(width)} {fmt(height)}" role="img" '
        f'aria-label="{label}"><title>{label}</title>{line}{marks}{hover}</svg>'
    )
