"""Reading orders CSVs (issue 5, docs/imports-orders.md), without a database.

Two layouts, told apart by their header:
- Shopify's orders export (`Name, Email, Financial Status, ..., Lineitem sku, ..., Vendor, Id`): one row per
  line item; a multi-item order repeats `Name` on its following rows, with the order columns left empty.
- the plain staletrack orders CSV (`order_id, ordered_at, country, sku, supplier, ...`;
  docs/imports-orders.md).

Both map onto the same canonical fields (`FIELDS`). This module streams the file (never holding it twice),
names each encoding fault, empty file, missing column and ragged row by line and column as `cases.csvfiles`
does, and holds the row rules every import engine applies: `check_head` (the cells of an order's first row),
`conflict_message` (a later row of the same order that says something else) and `resolve_*`. The PostgreSQL
engine (`cases.imports.orders_copy`) applies the same rules in SQL; the tests hold both to the same messages.

Why not `cases.csvfiles.read_rows`: it takes the decoded text of the whole file. Orders exports run to
100 MB; this module decodes and parses them chunk by chunk instead, with the same messages.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from operator import itemgetter
from typing import BinaryIO

from cases.choices import PaymentState
from cases.countries import is_country_code
from cases.csvfiles import CsvError, CsvIssue, header_key

# A cell of an orders export is never this long; longer means a broken quote (as cases.csvfiles says).
csv.field_size_limit(1_000_000)

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
)
INDEX = {name: i for i, name in enumerate(FIELDS)}

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
}
STALETRACK_COLUMNS = {
    "order_id": ("order_id",),
    "ordered_at": ("ordered_at",),
    "customer_email": ("customer_email",),
    "country": ("country",),
    "postal_code": ("postal_code",),
    "sku": ("sku",),
    "product_title": ("product_title",),
    "supplier": ("supplier",),
    "value": ("value",),
    "currency": ("currency",),
    "payment_state": ("payment_state",),
    "promise_text": ("promise_text",),
}
COLUMNS = {SHOPIFY: SHOPIFY_COLUMNS, STALETRACK: STALETRACK_COLUMNS}
REQUIRED = ("order_id", "ordered_at", "country", "sku", "supplier")
# Shopify repeats an order over its line items: these columns belong to the row, not to the order.
LINE_FIELDS = {SHOPIFY: ("sku", "product_title", "supplier"), STALETRACK: ()}

# Limits of the columns the values are stored in (cases.models, suppliers.models).
MAX_LENGTH = {
    "order_id": 64,
    "customer_email": 254,
    "postal_code": 20,
    "sku": 100,
    "supplier": 200,
    "promise_text": 300,
}
MAX_TITLE = 300  # a product title is cut, not refused: it is only a label
BLANK = " \t\r\n"  # what is stripped from a cell (the SQL engine strips the same)

# Payment words: staletrack's own states, and Shopify's financial statuses mapped onto them.
PAYMENT_STATES = {
    "paid": PaymentState.PAID,
    "partially_paid": PaymentState.PAID,
    "authorized": PaymentState.PAID,
    "refunded": PaymentState.REFUNDED,
    "partially_refunded": PaymentState.PARTIALLY_REFUNDED,
    "disputed": PaymentState.DISPUTED,
}
# No money was taken: nothing to track or refund. Such orders are skipped (and said so), not imported.
SKIPPED_PAYMENT = {"pending": "payment pending", "voided": "payment voided", "expired": "payment expired"}
DISPUTED = PaymentState.DISPUTED
DEFAULT_PAYMENT = PaymentState.PAID

# The same patterns run in PostgreSQL (cases.imports.orders_copy): keep them to what both understand, and
# free of capture groups (PostgreSQL's regex engine is slow at extracting them).
DATETIME_RE = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?"
    r" *([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)
# The same shape with every part in range (month 1-12, hour 0-23, offset up to 14 hours, year 1900-2999);
# what it still lets through is a day the month does not have (31 April), which a date check catches.
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


class Msg:
    """Every row message, shared by the engines so a file gets the same words on SQLite and PostgreSQL."""

    REQUIRED = "is required"
    NO_SKU = "is required: no row of this order has a SKU"
    SUPPLIER_FOR_NEW_SKU = "is required for a SKU staletrack does not know yet"
    DATETIME = "is not a date and time like 2026-11-02 09:15:11 -0500"
    NO_OFFSET = "has no UTC offset; add one like -0500, +01:00 or Z"
    BAD_DATETIME = "is not a real date and time"
    EMAIL = "is not an email address"
    COUNTRY = "is not an ISO 3166 country code like US, GB or DE"
    NEGATIVE = "is negative"
    AMOUNT = "is not an amount like 39.90"
    DECIMALS = "has more than 2 decimals"
    TOO_LARGE = "is too large"
    CURRENCY = "is not a 3-letter currency code like USD"
    PAYMENT = (
        "is not a payment state staletrack knows (paid, authorized, partially_paid, refunded, "
        "partially_refunded, disputed; pending, voided and expired orders are skipped)"
    )

    @staticmethod
    def too_long(limit: int) -> str:
        return f"is longer than {limit} characters"

    @staticmethod
    def conflict(head_line: int, order_id: str, head_value: str) -> str:
        said = f'has "{head_value}"' if head_value else "leaves it empty"
        return f"conflicts with line {head_line}, where order {order_id} {said}"

    @staticmethod
    def skipped(reason: str) -> str:
        return f"skipped: {reason}; staletrack tracks orders that were paid"


# --- the file: bytes to lines -------------------------------------------------------------------------


def iter_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Decode a byte stream as UTF-8 (with or without a byte-order mark), line by line.

    Lines keep their endings, as `csv.reader` wants them. Bytes are decoded between newlines, so a
    multi-byte character is never split, and a byte that is not UTF-8 is named by its line, in the words
    of `cases.csvfiles.decode`. At most one chunk and one line are held at a time.
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
        yield from _decode_lines(piece, lines_before)
        lines_before += piece.count(b"\n")
    if not started:
        pending = _start(pending)
    if pending:
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
        """The column as the file spells it (for messages), else its usual spelling."""
        if name is None:
            return None
        return self.headers.get(name) or COLUMNS[self.format].get(name, (name,))[0]


def read_layout(header: list[str]) -> Layout:
    """The layout of `header`, or CsvError naming every required column that is missing."""
    keys = [header_key(cell) for cell in header]
    scores = {
        fmt: sum(1 for spellings in cols.values() for s in spellings if header_key(s) in keys)
        for fmt, cols in COLUMNS.items()
    }
    fmt = SHOPIFY if scores[SHOPIFY] > scores[STALETRACK] else STALETRACK
    spelled = {header_key(s): name for name, spellings in COLUMNS[fmt].items() for s in spellings}
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, key in enumerate(keys):
        name = spelled.get(key)
        if name is not None and name not in positions:
            positions[name] = index
            headers[name] = header[index].strip()
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        hint = f" (read as a {FORMAT_LABELS[fmt]})"
        raise CsvError(
            [CsvIssue(1, COLUMNS[fmt][name][0], "required column is missing" + hint) for name in missing]
        )
    return Layout(format=fmt, width=len(header), positions=positions, headers=headers)


# --- the rows -----------------------------------------------------------------------------------------


class OrdersCsv:
    """An orders CSV being read: `layout` from its header, then `rows()` once.

    `rows()` yields `(line, cells)` where `cells` holds the stripped text of every canonical field in
    `FIELDS` order ("" for a field the file does not have). Blank rows are skipped; a ragged row becomes a
    `CsvIssue` in `issues` and is not yielded. `records` counts every row read, ragged ones included.
    """

    def __init__(self, stream: BinaryIO, *, chunk_size: int = 1 << 20):
        self.stream = stream
        self._reader = csv.reader(iter_lines(read_chunks(stream, chunk_size)))
        try:
            header = next(self._reader, None)
        except csv.Error as exc:
            raise CsvError([CsvIssue(1, None, f"cannot be read as CSV: {exc}")]) from None
        if header is None or not any(cell.strip() for cell in header):
            if header is None or self._only_blank_lines():
                raise CsvError([CsvIssue(None, None, "is empty")])
            raise CsvError([CsvIssue(1, None, "is blank; the first line must be the header")])
        self.layout = read_layout(header)
        self.issues: list[CsvIssue] = []
        self.records = 0

    def reopen(self) -> OrdersCsv:
        """The same file read again from its first byte (the stream must be seekable)."""
        self.stream.seek(0)
        return OrdersCsv(self.stream)

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


def count_records(stream: BinaryIO) -> int:
    """How many records follow the header, as Python's csv module reads them (from the first byte)."""
    stream.seek(0)
    reader = csv.reader(iter_lines(read_chunks(stream)))
    next(reader, None)
    return sum(1 for _ in reader)


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
    skip_reason: str | None = None


@dataclass(slots=True)
class HeadCheck:
    values: OrderValues
    issues: list[tuple[str, str]] = field(default_factory=list)  # (field, message)


def parse_datetime_cell(text: str) -> tuple[datetime | None, str | None]:
    """Checked as the SQL engine checks it: DATETIME_RE, an offset, REAL_DATETIME_RE, a real day."""
    if not _DATETIME.match(text):
        return None, Msg.DATETIME
    offset = "Z" if text[-1] in "Zz" else next((text[-n:] for n in OFFSET_LENGTHS if text[-n] in "+-"), None)
    if offset is None:
        return None, Msg.NO_OFFSET
    if not _REAL_DATETIME.match(text):
        return None, Msg.BAD_DATETIME
    second = int(text[17:19]) if text[16:17] == ":" else 0
    fraction = _DIGITS.match(text, 20).group(0) if text[19:20] == "." else "0"
    if offset == "Z":
        tz = UTC
    else:
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        tz = timezone(-delta if offset[0] == "-" else delta)
    try:
        parsed = datetime(
            int(text[0:4]),
            int(text[5:7]),
            int(text[8:10]),
            int(text[11:13]),
            int(text[14:16]),
            second,
            int(fraction.ljust(6, "0")),
            tzinfo=tz,
        )
    except ValueError:  # 31 April, 29 February of a common year
        return None, Msg.BAD_DATETIME
    return parsed, None


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
    return len(text) == 3 and text.isascii() and text.isalpha()


def payment_word(text: str) -> str:
    """'Partially refunded', 'partially-refunded' and 'partially_refunded' are one word."""
    return text.lower().replace(" ", "_").replace("-", "_")


def strip_postal_code(text: str) -> str:
    # Shopify writes zips as '02134 so that spreadsheets keep the leading zero.
    return text[1:].strip(" ") if text.startswith("'") else text


def check_head(cells: tuple[str, ...], present: frozenset[str]) -> HeadCheck:
    """The order-level cells of an order's first row: the values, or (field, message) for each fault."""
    check = HeadCheck(OrderValues())
    values, issues = check.values, check.issues
    order_id = cells[0]
    if len(order_id) > MAX_LENGTH["order_id"]:
        issues.append(("order_id", Msg.too_long(MAX_LENGTH["order_id"])))

    text = cells[INDEX["ordered_at"]]
    if not text:
        issues.append(("ordered_at", Msg.REQUIRED))
    else:
        values.ordered_at, problem = parse_datetime_cell(text)
        if problem:
            issues.append(("ordered_at", problem))

    if "customer_email" in present:
        text = cells[INDEX["customer_email"]]
        if len(text) > MAX_LENGTH["customer_email"]:
            issues.append(("customer_email", Msg.too_long(MAX_LENGTH["customer_email"])))
        elif text and not is_email(text):
            issues.append(("customer_email", Msg.EMAIL))
        values.customer_email = text

    text = cells[INDEX["country"]]
    if not text:
        issues.append(("country", Msg.REQUIRED))
    elif not is_country_code(text.upper()):
        issues.append(("country", Msg.COUNTRY))
    values.country = text.upper()

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
        if word in PAYMENT_STATES:
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
    return check


def check_product(cells: tuple[str, ...], known_sku: bool) -> list[tuple[str, str]]:
    """The SKU and supplier cells of the row an order is tracked under."""
    issues = []
    sku, supplier = cells[INDEX["sku"]], cells[INDEX["supplier"]]
    if len(sku) > MAX_LENGTH["sku"]:
        issues.append(("sku", Msg.too_long(MAX_LENGTH["sku"])))
    if len(supplier) > MAX_LENGTH["supplier"]:
        issues.append(("supplier", Msg.too_long(MAX_LENGTH["supplier"])))
    elif not supplier and not known_sku:
        issues.append(("supplier", Msg.SUPPLIER_FOR_NEW_SKU))
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
