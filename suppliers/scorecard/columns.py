"""Which figure columns the scorecard table shows: a few by default, every other one a click away.

Seventeen figures side by side are wider than a laptop's screen, so the page shows `DEFAULT` and the
person picks the rest in the column picker: checkboxes in the filter form, so the choice travels in the
query string as repeated `col` parameters and every sort, tab and page link keeps it (`_query` in
`views.py` copies the query). The last choice is also kept in the session, so coming back to the page
without `col` shows the same columns; `col=default` brings the default set back. Names that are not
columns are ignored; the table keeps the declared order (`figures.COLUMNS`) whatever order they come in.
The CSV carries every figure whatever is shown. Owner-only figures (disputes' outcomes) are offered,
shown, sorted on and exported only to those who see disputes' outcomes (`visible_figures`).
"""

from __future__ import annotations

from cases.selectors.disputes import sees_outcomes
from suppliers.scorecard.figures import COLUMNS, FIGURES, Column, Figure

PARAMETER = "col"
RESET = "default"
SESSION_KEY = "scorecard_columns"
# What the owner looks at first: volume, the supplier's and the carrier's trouble, and the customers'.
DEFAULT: tuple[str, ...] = (
    "orders",
    "label_only",
    "order_to_scan",
    "stale",
    "exceptions",
    "refund_risk",
    "messages",
)


def visible_figures(user) -> tuple[Figure, ...]:
    """Every figure for one who sees disputes' outcomes; the others without the owner-only ones."""
    return FIGURES if sees_outcomes(user) else tuple(f for f in FIGURES if not f.owner_only)


def visible_columns(user) -> tuple[Column, ...]:
    return tuple(column for figure in visible_figures(user) for column in figure.columns)


def hidden_column_names(user) -> frozenset[str]:
    """The columns `user` may not see, sort on or pick."""
    shown = {column.name for column in visible_columns(user)}
    return frozenset(column.name for column in COLUMNS if column.name not in shown)


def _in_order(names, user=None) -> tuple[Column, ...]:
    wanted = set(names) - (hidden_column_names(user) if user is not None else frozenset())
    return tuple(column for column in COLUMNS if column.name in wanted)


def chosen_columns(request) -> tuple[Column, ...]:
    """The columns this request shows: its `col` parameters, else the session's last choice, else
    `DEFAULT`. A choice made in the query string is remembered in the session (written only when it
    changes); `col=default`, or a choice of no known column, forgets it."""
    asked = request.GET.getlist(PARAMETER)
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if not asked:
        remembered = session.get(SESSION_KEY) if session is not None else None
        return _in_order(remembered or (), user) or _in_order(DEFAULT)
    columns = () if RESET in asked else _in_order(asked, user)
    if session is not None:
        names = [column.name for column in columns]
        if not names:
            session.pop(SESSION_KEY, None)
        elif session.get(SESSION_KEY) != names:
            session[SESSION_KEY] = names
    return columns or _in_order(DEFAULT)


def picker(shown: tuple[Column, ...], available: tuple[Column, ...] = COLUMNS) -> list[dict]:
    """Every column the user may pick: its name, label, title and whether it is shown."""
    names = {column.name for column in shown}
    return [{"name": c.name, "label": c.label, "title": c.title, "shown": c.name in names} for c in available]
