"""The pieces of the scorecard table rendered in Python rather than in the template.

A page of SKUs has a hundred rows of seventeen cells, and template loops would take most of the page's
time. Every piece of text is escaped here; the results are marked safe.
"""

from __future__ import annotations

from datetime import date
from html import escape

from django.utils.safestring import SafeString, mark_safe

from suppliers.scorecard.cells import Cell


def cells_html(cells: list[tuple[str, Cell]]) -> SafeString:
    """The figure cells of one row, each as (column name, cell)."""
    parts = []
    for name, cell in cells:
        title = f' title="{escape(cell.title)}"' if cell.title else ""
        text = escape(cell.text)
        if cell.url:
            text = f'<a href="{escape(cell.url)}" class="figure" data-figure="{name}">{text}</a>'
        detail = f'<span class="detail">{escape(cell.detail)}</span>' if cell.detail else ""
        parts.append(f'<td class="figure-{name}"{title}>{text}{detail}</td>')
    return mark_safe("".join(parts))  # escaped above; names are the declared columns' own


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
