"""Cursor pages: a cursor is the position of the last row a page gave, opaque to the caller."""

from __future__ import annotations

import base64
import binascii
import json

from staletrack.limits import whole_number

MESSAGE = "cursor: not a cursor this API gave (use next_cursor as it came)."


class BadCursor(ValueError):
    """A cursor this API did not give."""


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, length: int) -> list:
    """The values of a cursor this API gave (`next_cursor`), else BadCursor naming the field."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor(MESSAGE) from None
    if not isinstance(values, list) or len(values) != length:
        raise BadCursor(MESSAGE)
    if any(isinstance(value, str) and "\x00" in value for value in values):
        raise BadCursor(MESSAGE)  # never one this API gave, and PostgreSQL refuses to compare it
    return values


def id_page(queryset, *, cursor: str | None, limit: int, newest_first: bool) -> tuple[list, str | None]:
    """One page of `queryset` by id (newest first, or oldest first) after `cursor`, and the next page's
    cursor (None on the last). One query."""
    if cursor:
        (last,) = decode_cursor(cursor, length=1)
        if not whole_number(last, 1, 2**63 - 1):
            raise BadCursor(MESSAGE)
        queryset = queryset.filter(pk__lt=last) if newest_first else queryset.filter(pk__gt=last)
    rows = list(queryset.order_by("-pk" if newest_first else "pk")[: limit + 1])
    return rows[:limit], encode_cursor([rows[limit - 1].pk]) if len(rows) > limit else None
