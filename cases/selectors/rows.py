"""Plain rows by id lists, for the selectors that read millions of rows (facts, case states).

Model instances and Django's Python timestamp parser cost several times the query itself at that
scale, so these read tuples; on PostgreSQL the cursor uses psycopg's C timestamp loader (the
connection's time zone is UTC, so the values are the ones the ORM would give).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import psycopg
from django.db import connection
from psycopg.pq import Format

from staletrack.batches import chunked

TIMESTAMPTZ = psycopg.postgres.types["timestamptz"].oid


def fetch_by_ids(sql: str, ids: list, params: Iterable = (), *, times: tuple[int, ...] = ()) -> list[tuple]:
    """Rows of `sql` (with `{ids}` standing for the id list), one query per chunk of ids. `times` are
    the positions of timestamp columns, which SQLite returns as text."""
    rows = []
    for chunk in chunked(ids):
        if not chunk:
            continue
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                _fast_loaders(cursor.cursor)
                # One array parameter: a statement with 5,000 placeholders costs more to send than to run.
                # The array goes as its text form: psycopg's list dumper costs more than the query.
                array = "{" + ",".join(map(str, map(int, chunk))) + "}"
                cursor.execute(sql.format(ids="SELECT unnest(%s::bigint[])"), [*params, array])
            else:
                cursor.execute(sql.format(ids=", ".join(["%s"] * len(chunk))), [*params, *chunk])
            rows.extend(cursor.fetchall())
    if times and connection.vendor != "postgresql":
        rows = [_sqlite_times(row, times) for row in rows]
    return rows


def _fast_loaders(cursor) -> None:
    # Django registers a Python timestamptz loader on its connections; on this one cursor, psycopg's
    # own (C) loader takes over. The connection's time zone is UTC, so the values are identical.
    cursor.adapters.register_loader(TIMESTAMPTZ, psycopg.adapters.get_loader(TIMESTAMPTZ, Format.TEXT))


def _sqlite_times(row: tuple, times: tuple[int, ...]) -> tuple:
    # Django stores timestamps in SQLite as naive UTC ("2026-11-20 12:00:00[.ffffff]"); its cursor
    # may or may not have parsed them, depending on the declared column type.
    row = list(row)
    for index in times:
        value = row[index]
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        row[index] = value
    return tuple(row)
