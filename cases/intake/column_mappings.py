"""Remembering the columns a person named for a CSV import, for the next file with the same headers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cases.intake.column_maps import headers_key
from cases.models import ColumnMapping


def remembered_column_map(*, kind: str, header: Iterable[str]) -> dict[str, str]:
    """The map last used for a file of this kind with exactly these headers, or {}."""
    row = ColumnMapping.objects.filter(kind=kind, headers_key=headers_key(header)).first()
    return dict(row.mapping) if row else {}


def remember_column_map(*, kind: str, header: Iterable[str], mapping: Mapping[str, str], user=None) -> None:
    """Keep `mapping` for the next file of this kind with these headers (an empty map forgets it)."""
    cells = [cell.strip() for cell in header]
    key = headers_key(cells)
    if not mapping:
        ColumnMapping.objects.filter(kind=kind, headers_key=key).delete()
        return
    ColumnMapping.objects.update_or_create(
        kind=kind,
        headers_key=key,
        defaults={"headers": cells, "mapping": dict(mapping), "updated_by": user},
    )


def import_done_message(summary) -> str:
    """What an import's page says when it is done: its summary, and the columns it read by a name a person
    gave (remembered from the last file with these headers, or kept for the next one). `summary` has
    `describe()`, `columns` (with `remembered` and `describe()`) and `columns_kept`."""
    text = summary.describe()
    if summary.columns.remembered:
        text += f" Columns as named for the last file with these headers: {summary.columns.describe()}."
    elif summary.columns_kept:
        text += (
            f" The columns you named ({summary.columns.describe()}) are remembered for the next file "
            "with these headers."
        )
    return text
