"""One set of limits for everything a user sends, on every path.

Files, webhook, bundles, admin forms, commands, the API: the same limit gives the same error wherever
a value enters.

Text limits are those of the columns the values are stored in; a value over its limit is refused with
a named error, never cut silently (a label that is only shown, like a product title, is the exception
its reader documents). Times outside `EARLIEST`..`LATEST` are refused: nothing a dropshipping store
does happens before 2000 or after 2100, and PostgreSQL stores years that Python cannot read back
(0001-01-01 with a +14:00 offset is a BC date; year 10000 does not fit a datetime).
"""

from __future__ import annotations

from datetime import UTC, datetime

# Text: characters, as stored (cases.models, suppliers.models).
MAX_ORDER_ID = 64
MAX_TRACKING_NUMBER = 64
MAX_EMAIL = 254
MAX_POSTAL_CODE = 20
MAX_SKU = 300
MAX_SUPPLIER = 200
MAX_PROMISE_TEXT = 300
MAX_RAW_STATUS = 100
MAX_DESCRIPTION = 500
MAX_LOCATION = 200
MAX_TEXT = 10_000  # free text: proof, messages, notes, reasons
MAX_CELL = 100_000  # any one cell of a CSV file, before the column's own limit is looked at

# Files and bodies: bytes.
MAX_FILE_BYTES = 100 * 1024 * 1024  # an orders or tracking CSV (settings may lower it)
MAX_BUNDLE_BYTES = 10 * 1024 * 1024  # a case bundle or replay file, from the admin or a command
MAX_WEBHOOK_BYTES = 1024 * 1024

# JSON: how deep a document may nest (a version-2 bundle is 7 levels deep; a webhook body about 6).
MAX_JSON_DEPTH = 32

# Money: an amount has at most 2 decimals and fewer than 10 digits before the point (numeric(12, 2)).
MAX_AMOUNT_DIGITS = 10
MAX_AMOUNT_DECIMALS = 2

# Times.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
TIME_RANGE_MESSAGE = "must be between 2000-01-01 and 2100-01-01 (UTC)"


def time_problem(value: datetime) -> str | None:
    """Why `value` (an aware datetime) cannot be stored, or None: the one gate for every time that enters."""
    if value.tzinfo is None or value.utcoffset() is None:
        return "must carry a time zone"
    try:
        in_utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        return TIME_RANGE_MESSAGE
    if not (EARLIEST <= in_utc < LATEST):
        return TIME_RANGE_MESSAGE
    return None


def text_problem(value: str, limit: int) -> str | None:
    """Why a text cannot be stored under `limit` characters (NUL is never stored: PostgreSQL refuses it)."""
    if "\x00" in value:
        return "contains a NUL character"
    if len(value) > limit:
        return f"is longer than {limit:,} characters"
    return None


def whole_number(value, low: int, high: int) -> bool:
    """Whether `value` is a whole number from `low` to `high` (True and False, ints to Python, are not)."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
