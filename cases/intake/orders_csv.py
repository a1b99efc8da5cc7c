"""Reading orders CSVs (docs/imports-orders.md), without a database.

Two layouts, told apart by their header:
- Shopify's orders export (`Name, Email, Financial Status, ..., Lineitem sku, ..., Vendor, Id`, in every
  generation of it: with or without `Payment ID`, `Duties`, `Risk Level`, ...): one row per line item; a
  multi-item order repeats `Name` on its following rows, with the order columns left empty.
- the plain staletrack orders CSV (`order_id, ordered_at, country, sku, supplier, ...`;
  docs/imports-orders.md): one row per order, and a further row of the same order_id per further line item.

Both map onto the same canonical fields (`FIELDS`); a person may name the column of a field
(`read_layout(header, column_map)`, cases.intake.column_maps). This module streams the file (never
holding it twice), names each encoding fault, empty file, missing column and ragged row by line and column
as `cases.intake.csvfiles` does, and holds the rules every import engine applies: which orders are skipped
and why
(`skip_reason`), the cells of an order's first row (`check_head`), a later row of the same order that says
something else (`conflicts`), which rows are line items (`is_line_item`, `product_key`, `read_quantity`;
rules.md section 3a), how the file's
order times are read (`decide_times`, `TimeReading`: rules.md section 1) and `resolve_*`. The PostgreSQL
engine (`cases.intake.orders_copy`) applies the same rules in SQL; the tests hold both to the same messages.

Why not `cases.intake.csvfiles.read_rows`: it takes the decoded text of the whole file. Orders exports run to
100 MB; this module decodes and parses them chunk by chunk instead, with the same messages.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from operator import itemgetter
from typing import BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cases.choices import PaymentState
from cases.countries import country_code
from cases.currencies import CURRENCIES
from cases.intake.column_maps import check_column_map, with_column_map
from cases.intake.csvfiles import (
    CSV_FIELD_LIMIT,
    LONG_CELL,
    NUL_BYTE,
    CsvError,
    CsvIssue,
    column_names,
    header_key,
    long_cell,
)
from cases.tracking.local_times import localize
from staletrack import limits

# Every cell is read whole, so that one over MAX_CELL is named by line and column (cases.intake.csvfiles).
csv.field_size_limit(CSV_FIELD_LIMIT)
MAX_CELL = limits.MAX_CELL

SHOPIFY = "shopify"
STALETRACK = "staletrack"
FORMAT_LABELS = {SHOPIFY: "Shopify orders export", STALETRACK: "staletrack orders CSV"}

# The canonical fields, in the order every engine stages them.
FIELDS = (
    "order_id",
    "ordered_at",
    "customer_email",
    "country",
    "postal_code",
    "sku",
    "product_title",
    "supplier",
    "value",
    "currency",
    "payment_state",
    "promise_text",
    "cancelled_at",
    "fulfilled_at",
    "fulfillment_status",
    "requires_shipping",
    "shipping_method",
    "payment_method",
    "quantity",
)
INDEX = {name: i for i, name in enumerate(FIELDS)}
# The order's own times: with an offset, or read as the person says (decide_times; rules.md section 1).
TIME_FIELDS = ("ordered_at", "cancelled_at", "fulfilled_at")

SHOPIFY_COLUMNS = {
    "order_id": ("Name",),
    "ordered_at": ("Created at",),
    "customer_email": ("Email",),
    "country": ("Shipping Country",),
    "postal_code": ("Shipping Zip",),
    "sku": ("Lineitem sku",),
    "product_title": ("Lineitem name",),
    "supplier": ("Vendor",),
    "value": ("Total",),
    "currency": ("Currency",),
    "payment_state": ("Financial Status",),
    "cancelled_at": ("Cancelled at",),
    "fulfilled_at": ("Fulfilled at",),
    "fulfillment_status": ("Fulfillment Status",),
    "requires_shipping": ("Lineitem requires shipping",),
    "shipping_method": ("Shipping Method",),
    # Older exports say Payment Method; newer ones and some apps name the gateway.
    "payment_method": ("Payment Method", "Payment Gateway", "Payment Gateway Names", "Gateway"),
    "quantity": ("Lineitem quantity",),
}
# The staletrack orders CSV names its columns as the fields, from the order's id to its fulfilment time,
# and a line item's quantity.
STALETRACK_COLUMNS = {name: (name,) for name in (*FIELDS[: INDEX["fulfilled_at"] + 1], "quantity")}
COLUMNS = {SHOPIFY: SHOPIFY_COLUMNS, STALETRACK: STALETRACK_COLUMNS}
REQUIRED = ("order_id", "ordered_at")  # and a SKU or a title column (read_layout)
# An order spans one row per line item (rules.md section 3a; Shopify repeats the order over its line items,
# the staletrack CSV may add rows that carry only a line item): these columns belong to the row, not to the
# order.
LINE_ITEM_FIELDS = ("sku", "product_title", "supplier", "requires_shipping", "quantity")
LINE_FIELDS = {SHOPIFY: LINE_ITEM_FIELDS, STALETRACK: LINE_ITEM_FIELDS}
# A line item's quantity: a whole number from 1, at most this many digits (it fits Postgres' integer).
MAX_QUANTITY_DIGITS = 9

# Limits of the columns the values are stored in (staletrack.limits); any other cell is held to MAX_CELL.
MAX_LENGTH = {
    "order_id": limits.MAX_ORDER_ID,
    "customer_email": limits.MAX_EMAIL,
    "postal_code": limits.MAX_POSTAL_CODE,
    "sku": limits.MAX_SKU,  # a product's key: its SKU, or its title when the store gave none
    "supplier": limits.MAX_SUPPLIER,
    "promise_text": limits.MAX_PROMISE_TEXT,
}
MAX_TITLE = limits.MAX_SKU  # a product title is cut, not refused: it is only a label (unless it is the key)
BLANK = " \t\r\n"  # what is stripped from a cell (the SQL engine strips the same)

# Payment words: staletrack's own states, and Shopify's financial statuses mapped onto them.
PAYMENT_STATES = {
    "paid": PaymentState.PAID,
    "partially_paid": PaymentState.PAID,
    "authorized": PaymentState.PAID,
    "refunded": PaymentState.REFUNDED,
    "partially_refunded": PaymentState.PARTIALLY_REFUNDED,
    "disputed": PaymentState.DISPUTED,
    "cash_on_delivery": PaymentState.CASH_ON_DELIVERY,
}
# No money was taken: nothing to track or refund. Such orders are skipped (and said so), not imported,
# except a pending order paid on delivery (bundle.md: cash_on_delivery).
SKIPPED_PAYMENT = {"pending": "payment pending", "voided": "payment voided", "expired": "payment expired"}
PENDING = "pending"
DISPUTED = PaymentState.DISPUTED
CASH_ON_DELIVERY = PaymentState.CASH_ON_DELIVERY
DEFAULT_PAYMENT = PaymentState.PAID
# Orders with nothing to ship: no parcel will ever be tracked.
NO_SHIPPING = "no item needs shipping"
PICKUP = "store pickup"
SKIP_REASONS = (*SKIPPED_PAYMENT.values(), NO_SHIPPING, PICKUP)
# `Lineitem requires shipping` cells that mean no (Shopify writes false; spreadsheets FALSE, no, 0).
NOT_REQUIRED = ("false", "no", "0")
FULFILLED = "fulfilled"  # Shopify's Fulfillment Status of an order shipped whole

# Settings ORDER_IMPORT_PICKUP_WORDS and ORDER_IMPORT_COD_WORDS replace these (docs/imports-orders.md).
DEFAULT_PICKUP_WORDS = (
    "pick up",
    "pickup",
    "pick-up",
    "collect",
    "collection",
    "click and collect",
    "retrait",
    "abholung",
)
DEFAULT_COD_WORDS = ("cash on delivery", "cod", "cash_on_delivery", "pay on delivery", "contre-remboursement")
# "Pickup point", "Collection point", "Pick-up station": a carrier delivers the parcel there (tracked):
# shipping, not a store pickup, whatever the pickup words.
CARRIER_PICKUP = ("point", "points", "station", "locker", "lockers")

DAY_FIRST, MONTH_FIRST = "day_first", "month_first"
DATE_ORDERS = (DAY_FIRST, MONTH_FIRST)

# The same patterns run in PostgreSQL (cases.intake.orders_copy): keep them to what both understand, and
# free of capture groups (PostgreSQL's regex engine is slow at extracting them).
DATETIME_RE = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?"
    r" *([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)
# The same shape with every part in range (month 1-12, hour 0-23, offset up to 14 hours, year 1900-2999)
# and an offset; what it still lets through is a day the month does not have (31 April), which a date
# check catches. Every other cell of a time column is read in Python (TimeReading.read), by both engines.
REAL_DATETIME_RE = (
    r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]"
    r"(:[0-5][0-9]([.][0-9]{1,6})?)? *([Zz]|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$"
)
# The offset of a DATETIME_RE match is its last 6, 5 or 3 characters when those start with a sign (+05:30,
# +0530, +05): a valid date and time has no other sign that close to its end.
OFFSET_LENGTHS = (6, 5, 3)
_DIGITS_GONE = str.maketrans("", "", "0123456789")
_DATETIME = re.compile(DATETIME_RE)
_REAL_DATETIME = re.compile(REAL_DATETIME_RE)
_DIGITS = re.compile(r"[0-9]+")
_WORD = re.compile(r"[^0-9a-z]*([0-9a-z]+)")
# A spreadsheet's local date and time: 31/12/2023 22:36, 12/31/2023 10:36 PM, 31.12.2023 22:36:05, with an
# offset or not. Which number is the day is for the file to settle (decide_times).
_LOCAL = re.compile(
    r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})[T ]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?"
    r"(?: *([AaPp])\.?[Mm]\.?)?(?: *([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?))?$"
)


class Msg:
    """Every row message, shared by the engines so a file gets the same words on SQLite and PostgreSQL."""

    REQUIRED = "is required"
    NO_ITEM = "is required: no line item of this order that needs shipping has a SKU or a name"
    QUANTITY = "is not a quantity: a whole number from 1 (empty: 1)"
    DATETIME = "is not a date and time like 2026-11-02 09:15:11 -0500"
    NO_OFFSET = "has no UTC offset, and no time zone was given to read it in"
    NO_DATE_ORDER = "could be day-first or month-first, and neither was chosen"
    BAD_DATETIME = "is not a real date and time"
    EMAIL = "is not an email address"
    COUNTRY = "is not an ISO 3166 country code like US, GB or DE"
    NEGATIVE = "is negative"
    AMOUNT = "is not an amount like 39.90"
    DECIMALS = "has more than 2 decimals"
    TOO_LARGE = "is too large"
    CURRENCY = "is not an ISO 4217 currency code like USD, EUR or GBP"
    TIME_RANGE = limits.TIME_RANGE_MESSAGE
    CELL = LONG_CELL  # any cell over staletrack.limits.MAX_CELL, mapped to a field or not
    PAYMENT = (
        "is not a payment state staletrack knows (paid, authorized, partially_paid, refunded, "
        "partially_refunded, disputed, cash_on_delivery; pending, voided and expired orders are skipped)"
    )

    @staticmethod
    def too_long(limit: int) -> str:
        # The words of staletrack.limits.text_problem, on every path.
        return f"is longer than {limit:,} characters"

    @staticmethod
    def conflict(head_line: int, order_id: str, head_value: str) -> str:
        said = f'has "{head_value}"' if head_value else "leaves it empty"
        return f"conflicts with line {head_line}, where order {order_id} {said}"


# --- the file: bytes to lines -------------------------------------------------------------------------


class LineWatch:
    """Whether a byte stream, fed to it chunk by chunk, has a line longer than MAX_CELL bytes: only such
    a line (or a record over several lines) can hold a cell longer than MAX_CELL characters, so only then
    are a file's cells measured. One search per MAX_CELL bytes, never one per line."""

    def __init__(self) -> None:
        self.long_line = False
        self._gap = 0  # bytes since the last newline

    def feed(self, data: bytes) -> None:
        if self.long_line or not data:
            return
        first = data.find(b"\n")
        if first < 0:
            self._gap += len(data)
            self.long_line = self._gap > MAX_CELL
            return
        if self._gap + first > MAX_CELL:
            self.long_line = True
            return
        last = data.rfind(b"\n")
        at = first
        while last - at > MAX_CELL + 1:
            # The last newline within a line's reach of this one; none: the line after it is longer.
            at = data.rfind(b"\n", at + 1, at + MAX_CELL + 2)
            if at < 0:
                self.long_line = True
                return
        self._gap = len(data) - last - 1
        self.long_line = self._gap > MAX_CELL  # the file's last line may have no newline


def iter_lines(chunks: Iterable[bytes], watch: LineWatch | None = None) -> Iterator[str]:
    """Decode a byte stream as UTF-8 (with or without a byte-order mark), line by line.

    Lines keep their endings, as `csv.reader` wants them. Bytes are decoded between newlines, so a
    multi-byte character is never split, and a byte that is not UTF-8, or a NUL byte, is named by its
    line, in the words of `cases.intake.csvfiles.decode`. At most one chunk and one line are held at a time.
    `watch` is fed every line before the reader sees it.
    """
    pending = b""
    lines_before = 0
    started = False
    for chunk in chunks:
        pending += chunk
        if not started:
            if len(pending) < 3 and b"\n" not in pending:
                continue
            pending = _start(pending)
            started = True
        cut = pending.rfind(b"\n") + 1
        if not cut:
            continue
        piece, pending = pending[:cut], pending[cut:]
        if watch is not None:
            watch.feed(piece)
        yield from _decode_lines(piece, lines_before)
        lines_before += piece.count(b"\n")
    if not started:
        pending = _start(pending)
    if pending:
        if watch is not None:
            watch.feed(pending)
        yield from _decode_lines(pending, lines_before)


def _start(head: bytes) -> bytes:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvError([CsvIssue(None, None, "is UTF-16; save it as UTF-8 (CSV UTF-8 in Excel)")])
    if b"\x00" in head[:4096]:
        raise CsvError(
            [CsvIssue(None, None, "has NUL bytes (UTF-16?); save it as UTF-8 (CSV UTF-8 in Excel)")]
        )
    return head[3:] if head.startswith(b"\xef\xbb\xbf") else head


def _decode_lines(piece: bytes, lines_before: int) -> Iterator[str]:
    # Python's csv module reads a NUL as any character, PostgreSQL refuses it in text (and COPY names no
    # line): it is named here, by its line, whichever engine reads the file.
    nul = piece.find(b"\x00")
    if nul >= 0:
        raise CsvError([CsvIssue(lines_before + piece.count(b"\n", 0, nul) + 1, None, NUL_BYTE)])
    try:
        text = piece.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = lines_before + piece[: exc.start].count(b"\n") + 1
        raise CsvError(
            [CsvIssue(line, None, f"is not UTF-8 (byte {piece[exc.start]:#04x}); save the file as UTF-8")]
        ) from None
    return iter(io.StringIO(text, newline=""))


def read_chunks(stream: BinaryIO, size: int = 1 << 20) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk


# --- the header ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """What the header says: the format, where each canonical field sits, and how the file spells it."""

    format: str
    width: int
    positions: dict[str, int]  # canonical field -> cell index, for the fields the file has
    headers: dict[str, str]  # canonical field -> the header cell as the file spells it
    # cell index -> the field it is read as, else its header as the file spells it (for a long cell)
    names: dict[int, str] = field(default_factory=dict)

    @property
    def present(self) -> frozenset[str]:
        return frozenset(self.positions)

    @property
    def line_fields(self) -> tuple[str, ...]:
        return LINE_FIELDS[self.format]

    @property
    def order_fields(self) -> tuple[str, ...]:
        """The fields every row of one order must agree on (or leave empty)."""
        return tuple(
            f for f in FIELDS if f != "order_id" and f in self.positions and f not in self.line_fields
        )

    def column(self, name: str | None) -> str | None:
        """The column as the file spells it (for messages), else its usual spelling. A name that is no
        field is a header as the file spells it (a column no field is read from)."""
        if name is None:
            return None
        if name not in INDEX:
            return name
        return self.headers.get(name) or COLUMNS[self.format].get(name, (name,))[0]


def read_layout(header: list[str], column_map: Mapping[str, str] | None = None) -> Layout:
    """The layout of `header`, or CsvError naming every required column that is missing. `column_map`
    ({field: header}, cases.intake.column_maps) names the column of some fields; each must exist."""
    if column_map:
        check_column_map(header, column_map)
    keys = [header_key(cell) for cell in header]
    columns = {fmt: with_column_map(cols, column_map or {}) for fmt, cols in COLUMNS.items()}
    scores = {
        fmt: sum(1 for spellings in cols.values() for s in spellings if header_key(s) in keys)
        for fmt, cols in columns.items()
    }
    fmt = SHOPIFY if scores[SHOPIFY] > scores[STALETRACK] else STALETRACK
    spelled = {header_key(s): name for name, spellings in columns[fmt].items() for s in spellings}
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, key in enumerate(keys):
        name = spelled.get(key)
        if name is not None and name not in positions:
            positions[name] = index
            headers[name] = header[index].strip()
    missing = [name for name in REQUIRED if name not in positions]
    if "sku" not in positions and "product_title" not in positions:
        missing.append("sku")  # a line item is known by its SKU, or by its name when it has none
    if missing:
        hint = f" (read as a {FORMAT_LABELS[fmt]})"
        raise CsvError(
            [CsvIssue(1, COLUMNS[fmt][name][0], "required column is missing" + hint) for name in missing]
        )
    return Layout(
        format=fmt,
        width=len(header),
        positions=positions,
        headers=headers,
        names=column_names(header, positions),
    )


def peek_header(stream: BinaryIO) -> list[str] | None:
    """The first record of a seekable stream (None when it cannot be read as one), rewound to its start.
    For looking up a remembered column map; OrdersCsv names whatever is wrong with the header."""
    stream.seek(0)
    try:
        header = next(csv.reader(iter_lines(read_chunks(stream, 1 << 16))), None)
    except (CsvError, csv.Error):
        header = None
    stream.seek(0)
    return header


# --- the rows -----------------------------------------------------------------------------------------


class OrdersCsv:
    """An orders CSV being read: `header` and `layout` from its first line, then `rows()` once.

    `rows()` yields `(line, cells)` where `cells` holds the stripped text of every canonical field in
    `FIELDS` order ("" for a field the file does not have). Blank rows are skipped; a ragged row becomes a
    `CsvIssue` in `issues` and is not yielded. `records` counts every row read, ragged ones included. A
    row with a cell longer than MAX_CELL is yielded all the same, and named in `long_cells` as
    (line, order id, column name: see Layout.names).
    """

    def __init__(
        self, stream: BinaryIO, *, chunk_size: int = 1 << 20, column_map: Mapping[str, str] | None = None
    ):
        self.stream = stream
        self.column_map = dict(column_map or {})
        self._watch = LineWatch()
        self._reader = csv.reader(iter_lines(read_chunks(stream, chunk_size), self._watch))
        try:
            header = next(self._reader, None)
        except csv.Error as exc:
            raise CsvError([CsvIssue(1, None, f"cannot be read as CSV: {exc}")]) from None
        if header is None or not any(cell.strip() for cell in header):
            if header is None or self._only_blank_lines():
                raise CsvError([CsvIssue(None, None, "is empty")])
            raise CsvError([CsvIssue(1, None, "is blank; the first line must be the header")])
        self.header = [cell.strip() for cell in header]
        self.layout = read_layout(header, self.column_map)
        self.issues: list[CsvIssue] = []
        self.long_cells: list[tuple[int, str, str]] = []
        self.records = 0

    def reopen(self) -> OrdersCsv:
        """The same file read again from its first byte (the stream must be seekable)."""
        self.stream.seek(0)
        return OrdersCsv(self.stream, column_map=self.column_map)

    def _only_blank_lines(self) -> bool:
        try:
            return all(not any(c.strip() for c in cells) for cells in self._reader)
        except csv.Error:
            return False

    def rows(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        layout = self.layout
        width = layout.width
        # Fields the file lacks read the empty cell appended at index `width`.
        pick = itemgetter(*(layout.positions.get(name, width) for name in FIELDS))
        reader = self._reader
        last = reader.line_num
        issues = self.issues
        watch, names, order_at = self._watch, layout.names, layout.positions["order_id"]
        try:
            for cells in reader:
                line = last + 1
                last = reader.line_num
                if len(cells) != width:
                    if not any(c.strip(BLANK) for c in cells):
                        continue  # blank lines are common at the end of exports
                    self.records += 1
                    issues.append(CsvIssue(line, None, f"has {len(cells)} cells; the header has {width}"))
                    continue
                # Only a record over several lines, or a file with a line over MAX_CELL, is measured.
                if (last != line or watch.long_line) and (column := long_cell(cells, names, BLANK)):
                    self.long_cells.append((line, cells[order_at].strip(BLANK), column))
                cells.append("")
                values = tuple([c.strip(BLANK) for c in pick(cells)])
                if not any(values) and not any(c.strip(BLANK) for c in cells):
                    continue
                self.records += 1
                yield line, values
        except csv.Error as exc:
            raise CsvError([CsvIssue(last + 1, None, f"cannot be read as CSV: {exc}")]) from None


@dataclass(frozen=True)
class FileScan:
    sha256: str
    lines: int  # physical lines, the header included (a last line without a newline counts)


def scan_file(stream: BinaryIO) -> FileScan:
    """The digest and line count of a seekable stream, read once without parsing; rewinds it."""
    position = stream.tell()
    digest = hashlib.sha256()
    lines, last = 0, b""
    for chunk in read_chunks(stream):
        digest.update(chunk)
        lines += chunk.count(b"\n")
        last = chunk
    stream.seek(position)
    if last and not last.endswith(b"\n"):
        lines += 1
    return FileScan(digest.hexdigest(), lines)


def scan_records(
    stream: BinaryIO, layout: Layout, *, every_row: bool
) -> tuple[int, list[tuple[int, str, str]]]:
    """How many records follow the header, as Python's csv module reads them (from the first byte), and
    those with a cell longer than MAX_CELL: (record, order id, column name), record 1 the first after the
    header. For a file PostgreSQL copied whose lines cannot rule such a cell out: the records over several
    lines are measured, and every record when `every_row` (the file has a line longer than MAX_CELL)."""
    stream.seek(0)
    reader = csv.reader(iter_lines(read_chunks(stream)))
    next(reader, None)
    width, names, order_at = layout.width, layout.names, layout.positions["order_id"]
    records, long, last = 0, [], reader.line_num
    for records, cells in enumerate(reader, 1):  # the last number is the count
        first, last = last + 1, reader.line_num
        if (
            (every_row or last != first)
            and len(cells) == width
            and (column := long_cell(cells, names, BLANK))
        ):
            long.append((records, cells[order_at].strip(BLANK), column))
    return records, long


def record_lines(stream: BinaryIO, records: set[int]) -> dict[int, int]:
    """The line each of these records starts on (record 1 is the first after the header), for a file
    whose quoted cells span lines. Reads from the start; stops after the last record asked for."""
    stream.seek(0)
    reader = csv.reader(iter_lines(read_chunks(stream)))
    next(reader, None)
    out: dict[int, int] = {}
    last, top = reader.line_num, max(records, default=0)
    for number, _ in enumerate(reader, 1):
        if number in records:
            out[number] = last + 1
        last = reader.line_num
        if number >= top:
            break
    return out


# --- the rules ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class OrderValues:
    """An order's validated values. `None` for a field means: the file does not say (keep what is stored)."""

    ordered_at: datetime | None = None
    customer_email: str | None = None
    country: str | None = None
    postal_code: str | None = None
    value: Decimal | None = None
    value_given: bool = False
    currency: str | None = None
    payment_state: str | None = None
    promise_text: str | None = None
    cancelled_at: datetime | None = None
    cancelled_given: bool = False
    fulfilled_at: datetime | None = None
    fulfilled: bool = False  # Fulfillment Status says fulfilled
    fulfilled_given: bool = False
    skip_reason: str | None = None


@dataclass(slots=True)
class HeadCheck:
    values: OrderValues
    issues: list[tuple[str, str]] = field(default_factory=list)  # (field, message)


def _offset(text: str) -> str | None:
    """The offset of a DATETIME_RE match ("Z", "+05:30", "-0500", "+05"), or None."""
    if text[-1] in "Zz":
        return "Z"
    return next((text[-n:] for n in OFFSET_LENGTHS if len(text) > n and text[-n] in "+-"), None)


def _zone_of(offset: str) -> tzinfo | None:
    if offset in ("Z", "z"):
        return UTC
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if offset[0] == "-" else delta)


def parse_datetime_cell(text: str) -> tuple[datetime | None, str | None]:
    """An ISO 8601 time with its offset, checked as the SQL engine checks it: DATETIME_RE, an offset,
    REAL_DATETIME_RE, a real day. A time without an offset is TimeReading's to read."""
    if not _DATETIME.match(text):
        return None, Msg.DATETIME
    offset = _offset(text)
    if offset is None:
        return None, Msg.NO_OFFSET
    if not _REAL_DATETIME.match(text):
        return None, Msg.BAD_DATETIME
    second = int(text[17:19]) if text[16:17] == ":" else 0
    fraction = _DIGITS.match(text, 20).group(0) if text[19:20] == "." else "0"
    try:
        parsed = datetime(
            int(text[0:4]),
            int(text[5:7]),
            int(text[8:10]),
            int(text[11:13]),
            int(text[14:16]),
            second,
            int(fraction.ljust(6, "0")),
            tzinfo=_zone_of(offset),
        )
    except ValueError:  # 31 April, 29 February of a common year
        return None, Msg.BAD_DATETIME
    return parsed, None


def needs_reading(text: str) -> bool:
    """A time cell that is not a plain ISO time with its offset (REAL_DATETIME_RE): TimeReading reads it.
    The SQL engine sends exactly these cells to Python."""
    return bool(text) and not _REAL_DATETIME.match(text)


@dataclass(frozen=True)
class TimeReading:
    """How a file's order times are read (rules.md section 1): with their own offset when they carry one;
    otherwise as wall time in `zone` (the zone the person named); a local date like 03/04/2026 with its
    day first or its month first, as the file settles it or the person chose (`decide_times`)."""

    zone: tzinfo | None = None
    date_order: str | None = None
    summary: dict = field(default_factory=dict)  # how the times were read, for the import's summary

    def read(self, text: str) -> tuple[datetime | None, str | None]:
        """The time `text` says, or the message saying why it cannot be read or stored. A year outside
        1900-2999 is not a real date and time here; every reading passes the one gate of stored times
        (staletrack.limits.time_problem: 2000 to 2100, UTC), which the SQL engine applies to the cells it
        reads itself (orders_copy, `time_error`)."""
        parsed, problem = self._read(text)
        if parsed is not None and limits.time_problem(parsed):
            return None, Msg.TIME_RANGE
        return parsed, problem

    def _read(self, text: str) -> tuple[datetime | None, str | None]:
        if _REAL_DATETIME.match(text):
            return parse_datetime_cell(text)
        local = _LOCAL.match(text)
        if local is not None:
            return self._local(local)
        if not _DATETIME.match(text):
            return None, Msg.DATETIME
        if _offset(text) is not None:
            return None, Msg.BAD_DATETIME  # an ISO time with an offset that REAL_DATETIME_RE refuses
        if self.zone is None:
            return None, Msg.NO_OFFSET
        parsed, problem = parse_datetime_cell(text + "Z")
        if problem:
            return None, problem
        return localize(parsed.replace(tzinfo=None), self.zone), None

    def _local(self, match: re.Match) -> tuple[datetime | None, str | None]:
        first, second, year, hour, minute, seconds, half, offset = match.groups()
        if self.date_order is None:
            return None, Msg.NO_DATE_ORDER
        day, month = (first, second) if self.date_order == DAY_FIRST else (second, first)
        hour = int(hour)
        if half:
            if not 1 <= hour <= 12:
                return None, Msg.BAD_DATETIME
            hour = hour % 12 + (12 if half in "Pp" else 0)
        if not 1900 <= int(year) <= 2999:
            return None, Msg.BAD_DATETIME
        try:
            naive = datetime(int(year), int(month), int(day), hour, int(minute), int(seconds or 0))
        except ValueError:
            return None, Msg.BAD_DATETIME
        if offset:
            zone = _zone_of(offset)
            return (naive.replace(tzinfo=zone), None) if zone else (None, Msg.BAD_DATETIME)
        if self.zone is None:
            return None, Msg.NO_OFFSET
        return localize(naive, self.zone), None


class OrderTimesError(CsvError):
    """The file's order times cannot be read without the person's word (or contradict it).

    `questions` names what to ask: {"time_zone": {...}, "date_order": {...}}, each with the column, the
    line and the example value, and for the time zone the store's zone as `suggested`. An issue that is
    no question (a file that mixes day-first and month-first dates) has no entry there."""

    def __init__(self, issues: list[CsvIssue], questions: dict[str, dict]):
        super().__init__(issues)
        self.questions = questions


def _local_numbers(text: str) -> tuple[int, int] | None:
    match = _LOCAL.match(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _without_offset(text: str) -> bool:
    match = _LOCAL.match(text)
    if match is not None:
        return not match.group(8)
    return bool(_DATETIME.match(text)) and _offset(text) is None


def decide_times(
    samples: Iterable[tuple[str, str, int]],
    *,
    column,
    time_zone: str | None = None,
    date_order: str | None = None,
    store_zone: str = "UTC",
) -> TimeReading:
    """How to read the file's order times, from the time cells that are not plain ISO times with an offset
    (`samples`: (field, text, first line) for each distinct value; `column(field)` spells the field's
    column for messages). Never a silent guess:

    - a local date (31/12/2023 22:36, 12/31/2023 10:36 PM) is day-first when some value has a day above 12
      in the first place, month-first when one has it in the second; the person's choice
      (`date_order`) settles a file with neither; a file with both, or against the choice, is refused;
    - a time without an offset is read in `time_zone`, and refused without one (the store's zone,
      `store_zone`, is offered).
    Raises OrderTimesError naming the column, the line and an example value."""
    ordered = sorted(samples, key=lambda s: (s[2], FIELDS.index(s[0]), s[1]))
    day_first = month_first = undecided = no_offset = None
    for sample in ordered:
        numbers = _local_numbers(sample[1])
        if numbers is not None:
            first, second = numbers
            if 12 < first <= 31 and 1 <= second <= 12:
                day_first = day_first or sample
            elif 12 < second <= 31 and 1 <= first <= 12:
                month_first = month_first or sample
            elif first <= 12 and second <= 12:
                undecided = undecided or sample
        if no_offset is None and _without_offset(sample[1]):
            no_offset = sample
    issues: list[CsvIssue] = []
    questions: dict[str, dict] = {}
    settled = DAY_FIRST if day_first else MONTH_FIRST if month_first else None
    words = {DAY_FIRST: "day-first", MONTH_FIRST: "month-first"}
    if day_first and month_first:
        (f1, t1, l1), (_, t2, l2) = day_first, month_first
        issues.append(
            CsvIssue(
                None,
                column(f1),
                f'mixes day-first dates ("{t1}", line {l1}) and month-first dates ("{t2}", line {l2}); '
                "write all its dates one way",
            )
        )
    elif settled and date_order and date_order != settled:
        f1, t1, l1 = day_first or month_first
        issues.append(
            CsvIssue(
                None,
                column(f1),
                f'has {words[settled]} dates ("{t1}", line {l1}), but {words[date_order]} was chosen',
            )
        )
    elif undecided and not settled and not date_order:
        f1, t1, l1 = undecided
        issues.append(
            CsvIssue(
                None,
                column(f1),
                f'has dates like "{t1}" (line {l1}) that read day-first as well as month-first, and no '
                "date in the file settles it; say which (--day-first or --month-first)",
            )
        )
        questions["date_order"] = {"column": column(f1), "line": l1, "example": t1}
    if no_offset and not time_zone:
        f1, t1, l1 = no_offset
        issues.append(
            CsvIssue(
                None,
                column(f1),
                f'has times without a UTC offset, like "{t1}" (line {l1}); say which time zone they are '
                f"in (--time-zone {store_zone} for the store's time zone, or another, like Europe/Paris)",
            )
        )
        questions["time_zone"] = {"column": column(f1), "line": l1, "example": t1, "suggested": store_zone}
    if issues:
        raise OrderTimesError(issues, questions)
    chosen = settled or date_order
    summary: dict = {}
    if no_offset:
        summary["time_zone"] = time_zone
    if undecided or settled:
        summary["date_order"] = chosen
        summary["date_order_from"] = "file" if settled else "choice"
    zone = _named_zone(time_zone) if time_zone else None
    return TimeReading(zone=zone, date_order=chosen, summary=summary)


def _named_zone(name: str) -> tzinfo:
    return ZoneInfo(name)


def is_time_zone(name: str) -> bool:
    """Whether the tz database knows `name` (an IANA zone such as Europe/Paris)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return True


def is_amount(text: str) -> bool:
    """Digits, optionally a point and more digits: 39.90, 0, 12 (what SQL checks with translate())."""
    return text != "" and text.translate(_DIGITS_GONE) in ("", ".") and text[0] != "." and text[-1] != "."


def amount_message(text: str) -> str | None:
    if is_amount(text):
        whole, _, decimals = text.partition(".")
        if len(decimals) > 2:
            return Msg.DECIMALS
        if len(whole.lstrip("0")) > 10:
            return Msg.TOO_LARGE
        return None
    return Msg.NEGATIVE if text.startswith("-") and is_amount(text[1:]) else Msg.AMOUNT


def is_email(text: str) -> bool:
    """Something@something, one @, no spaces: a typo check, not RFC 5322 (the SQL engine checks the same)."""
    at = text.find("@")
    return 0 < at < len(text) - 1 and "@" not in text[at + 1 :] and " " not in text


def is_currency(text: str) -> bool:
    """An ISO 4217 code (cases.currencies), in any case; three ASCII letters first, as the SQL engine
    checks them, so that no other alphabet's case mapping makes one."""
    return len(text) == 3 and text.isascii() and text.isalpha() and text.upper() in CURRENCIES


def payment_word(text: str) -> str:
    """'Partially refunded', 'partially-refunded' and 'partially_refunded' are one word."""
    return text.lower().replace(" ", "_").replace("-", "_")


def strip_postal_code(text: str) -> str:
    # Shopify writes zips as '02134 so that spreadsheets keep the leading zero.
    return text[1:].strip(" ") if text.startswith("'") else text


def plain_words(text: str) -> str:
    """Lower case, `_` and `-` as spaces, runs of spaces as one: 'Cash_on-Delivery  (COD)' is
    'cash on delivery (cod)'."""
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


@dataclass
class OrderRules:
    """The words that make an order paid on delivery (in its payment method) and a store pickup (in its
    shipping method), matched as whole words without regard to case, `_` or `-`. Settings
    ORDER_IMPORT_COD_WORDS and ORDER_IMPORT_PICKUP_WORDS."""

    pickup_words: tuple[str, ...] = DEFAULT_PICKUP_WORDS
    cod_words: tuple[str, ...] = DEFAULT_COD_WORDS
    _pickup: dict[str, bool] = field(default_factory=dict, repr=False)
    _cod: dict[str, bool] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._pickup_re = _phrases(self.pickup_words)
        self._cod_re = _phrases(self.cod_words)

    def is_pickup(self, method: str) -> bool:
        """'Pick up in store', 'Local pickup', 'Collect from Main Street'; not 'Pickup point delivery'."""
        if method not in self._pickup:
            words = plain_words(method)
            matches = self._pickup_re.finditer(words) if self._pickup_re else ()
            self._pickup[method] = any(not _carrier_point(words[m.end() :]) for m in matches)
        return self._pickup[method]

    def is_cod(self, method: str) -> bool:
        """'Cash on Delivery (COD)', 'COD', 'cash_on_delivery', anywhere in the payment method."""
        if method not in self._cod:
            self._cod[method] = bool(self._cod_re and self._cod_re.search(plain_words(method)))
        return self._cod[method]


def _carrier_point(rest: str) -> bool:
    """The pickup word is followed by 'point', 'station', 'locker': a carrier's, not the store's."""
    following = _WORD.match(rest)
    return following is not None and following.group(1) in CARRIER_PICKUP


def _phrases(words: Iterable[str]) -> re.Pattern | None:
    """Any of `words` as whole words (not 'cod' in 'code')."""
    phrases = sorted({plain_words(w) for w in words if plain_words(w)}, key=len, reverse=True)
    if not phrases:
        return None
    body = "|".join(re.escape(p) for p in phrases)
    return re.compile(f"(?<![0-9a-z])(?:{body})(?![0-9a-z])")


def requires_shipping(cell: str) -> bool:
    return cell.lower() not in NOT_REQUIRED


def skip_reason(
    cells: tuple[str, ...], present: frozenset[str], *, ships: bool, rules: OrderRules
) -> str | None:
    """Why an order is left out, checked before any of its cells (a skipped order has no errors): no
    money was taken (pending, voided, expired; a pending order paid on delivery is imported), no item
    needs shipping (gift cards), or the customer picks it up. None: it is imported."""
    if "payment_state" in present:
        word = payment_word(cells[INDEX["payment_state"]])
        if word in SKIPPED_PAYMENT and not (word == PENDING and rules.is_cod(cells[INDEX["payment_method"]])):
            return SKIPPED_PAYMENT[word]
    if not ships:
        return NO_SHIPPING
    if rules.is_pickup(cells[INDEX["shipping_method"]]):
        return PICKUP
    return None


def check_head(
    cells: tuple[str, ...], present: frozenset[str], times: TimeReading, *, cod: bool = False
) -> HeadCheck:
    """The order-level cells of an order's first row: the values, or (field, message) for each fault.
    `cod`: its payment method says cash on delivery (a pending order is then `cash_on_delivery`)."""
    check = HeadCheck(OrderValues())
    values, issues = check.values, check.issues
    order_id = cells[0]
    if len(order_id) > MAX_LENGTH["order_id"]:
        issues.append(("order_id", Msg.too_long(MAX_LENGTH["order_id"])))

    text = cells[INDEX["ordered_at"]]
    if not text:
        issues.append(("ordered_at", Msg.REQUIRED))
    else:
        values.ordered_at, problem = times.read(text)
        if problem:
            issues.append(("ordered_at", problem))

    if "customer_email" in present:
        text = cells[INDEX["customer_email"]]
        if len(text) > MAX_LENGTH["customer_email"]:
            issues.append(("customer_email", Msg.too_long(MAX_LENGTH["customer_email"])))
        elif text and not is_email(text):
            issues.append(("customer_email", Msg.EMAIL))
        values.customer_email = text

    # A store may sell things it never ships to an address (digital goods, services): no country is fine.
    text = cells[INDEX["country"]]
    values.country = country_code(text)
    if text and not values.country:
        issues.append(("country", Msg.COUNTRY))

    if "postal_code" in present:
        text = strip_postal_code(cells[INDEX["postal_code"]])
        if len(text) > MAX_LENGTH["postal_code"]:
            issues.append(("postal_code", Msg.too_long(MAX_LENGTH["postal_code"])))
        values.postal_code = text

    if "value" in present:
        text = cells[INDEX["value"]]
        values.value_given = True
        if text:
            problem = amount_message(text)
            if problem:
                issues.append(("value", problem))
            else:
                values.value = Decimal(text).quantize(Decimal("0.01"))

    if "currency" in present:
        text = cells[INDEX["currency"]]
        if text and not is_currency(text):
            issues.append(("currency", Msg.CURRENCY))
        values.currency = text.upper()

    if "payment_state" in present and (text := cells[INDEX["payment_state"]]):
        word = payment_word(text)
        if word == PENDING and cod:
            values.payment_state = CASH_ON_DELIVERY
        elif word in PAYMENT_STATES:
            values.payment_state = PAYMENT_STATES[word]
        elif word in SKIPPED_PAYMENT:
            values.skip_reason = SKIPPED_PAYMENT[word]
        else:
            issues.append(("payment_state", Msg.PAYMENT))

    if "promise_text" in present:
        text = cells[INDEX["promise_text"]]
        if len(text) > MAX_LENGTH["promise_text"]:
            issues.append(("promise_text", Msg.too_long(MAX_LENGTH["promise_text"])))
        values.promise_text = text

    if "cancelled_at" in present:
        values.cancelled_given = True
        if text := cells[INDEX["cancelled_at"]]:
            values.cancelled_at, problem = times.read(text)
            if problem:
                issues.append(("cancelled_at", problem))

    if "fulfilled_at" in present or "fulfillment_status" in present:
        values.fulfilled_given = True
        values.fulfilled = payment_word(cells[INDEX["fulfillment_status"]]) == FULFILLED
        if text := cells[INDEX["fulfilled_at"]]:
            values.fulfilled_at, problem = times.read(text)
            if problem:
                issues.append(("fulfilled_at", problem))
    return check


def product_key(cells: tuple[str, ...]) -> tuple[str, bool]:
    """The key of the product a line item is: its SKU, else its name (keyed_by_title; bundle.md)."""
    sku = cells[INDEX["sku"]]
    return (sku, False) if sku else (cells[INDEX["product_title"]], True)


def is_line_item(cells: tuple[str, ...]) -> bool:
    """A row that is a line item of its order (rules.md section 3a): it needs shipping and has a key (SKU or
    name). Others (gift cards, digital goods, a row without either) are passed over."""
    return requires_shipping(cells[INDEX["requires_shipping"]]) and bool(
        cells[INDEX["sku"]] or cells[INDEX["product_title"]]
    )


def read_quantity(text: str) -> int | None:
    """A line item's quantity: empty is 1; else a whole number from 1 (None: not one)."""
    if not text:
        return 1
    if len(text) <= MAX_QUANTITY_DIGITS and text.isascii() and text.isdigit():
        return int(text) or None
    return None


def check_product(cells: tuple[str, ...]) -> list[tuple[str, str]]:
    """A line item: its key (SKU or name) and vendor fit their columns, its quantity is one. An empty
    vendor is fine: the vendor map's default supplier takes a new product (suppliers.vendor_map)."""
    issues = []
    key, by_title = product_key(cells)
    if len(key) > MAX_LENGTH["sku"]:
        issues.append(("product_title" if by_title else "sku", Msg.too_long(MAX_LENGTH["sku"])))
    if len(cells[INDEX["supplier"]]) > MAX_LENGTH["supplier"]:
        issues.append(("supplier", Msg.too_long(MAX_LENGTH["supplier"])))
    if read_quantity(cells[INDEX["quantity"]]) is None:
        issues.append(("quantity", Msg.QUANTITY))
    return issues


def conflicts(
    cells: tuple[str, ...], head: tuple[str, ...], head_line: int, order_fields: tuple[str, ...]
) -> list[tuple[str, str]]:
    """A later row of an order: every order-level cell it fills must say what the first row says."""
    out = []
    for name in order_fields:
        i = INDEX[name]
        if cells[i] and cells[i] != head[i]:
            out.append((name, Msg.conflict(head_line, head[0], head[i])))
    return out


def resolve_payment_state(stored: str | None, given: str | None) -> str:
    """An import never clears `disputed` (a person set it, e.g. from a bundle); an empty cell keeps what is
    stored; a new order without one is paid."""
    if stored == DISPUTED:
        return DISPUTED
    return given or stored or DEFAULT_PAYMENT


def resolve_fulfilled_at(stored: datetime | None, values: OrderValues, now: datetime) -> datetime | None:
    """`Fulfilled at` when the file gives it. Shopify's older exports (and orders fulfilled outside
    Shopify) may say `Fulfillment Status` fulfilled with no time: the order was fulfilled by the time of
    the export, so a new order takes the time of the import (never `Created at`: that would make it look
    fulfilled before it was) and a stored one keeps the time it has. A file without either column keeps
    what is stored; an order the file says is not fulfilled has no fulfilled_at."""
    if not values.fulfilled_given:
        return stored
    if values.fulfilled_at is not None:
        return values.fulfilled_at
    if values.fulfilled:
        return stored or now
    return None
