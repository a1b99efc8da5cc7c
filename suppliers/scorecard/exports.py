"""The scorecard as CSV rows: who the row is and its range, then each declared figure's columns, then notes.

Every row of the filters, in the page's order. The durations are the row's latest week's: that week is
written once, before the first of them. The notes are every week's, each with its week. The view
neutralises every cell (`staletrack.exports.neutralise`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from suppliers.scorecard.card import Scorecard
from suppliers.scorecard.figures import FIGURES, Duration, Figure
from suppliers.scorecard.rows import Row

LEAD = ["dimension", "key", "supplier", "week_from", "week_to", "weeks_built"]
DURATIONS_WEEK = "durations_week"


def _with_durations_week(parts: Iterable[tuple[Figure, list]], week: str) -> list:
    """Each figure's part in order, the durations' week before the first duration's."""
    cells: list = []
    written = False
    for figure, part in parts:
        if isinstance(figure, Duration) and not written:
            cells.append(week)
            written = True
        cells.extend(part)
    return cells


def csv_header(figures: tuple[Figure, ...] = FIGURES) -> list[str]:
    figures = _with_durations_week(((figure, figure.csv_header()) for figure in figures), DURATIONS_WEEK)
    return [*LEAD, *figures, "notes"]


def csv_row(row: Row, week_from: date, week_to: date, figures: tuple[Figure, ...] = FIGURES) -> list:
    latest = row.latest_week.isoformat() if row.latest_week else ""
    figures = _with_durations_week(((figure, figure.csv_values(row.figures)) for figure in figures), latest)
    return [
        row.dimension,
        row.key,
        row.supplier_name,
        week_from.isoformat(),
        week_to.isoformat(),
        len(row.weeks),
        *figures,
        "; ".join(f"{week:%Y-%m-%d}: {note}" for week, note in sorted(row.notes, reverse=True)),
    ]


def csv_rows(card: Scorecard, figures: tuple[Figure, ...] = FIGURES) -> Iterable[list]:
    """The header and the rows, of `figures` (those the user may see: columns.visible_figures)."""
    yield csv_header(figures)
    for row in card.rows:
        yield csv_row(row, card.week_from, card.week_to, figures)
