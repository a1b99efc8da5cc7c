"""Reading a disputes CSV (docs/disputes.md, *Importing disputes*), without a database.

The columns are those of Shopify's Dispute resource (Admin API: `id`, `order_id`, `type`, `amount`,
`currency`, `reason`, `network_reason_code`, `status`, `evidence_due_by`, `evidence_sent_on`,
`finalized_on`, `initiated_at`), the spellings of Stripe's dispute export where they say the same thing
(`Dispute Reason`, `Evidence Due By`, `Created (UTC)`, ...), an `order` column naming the order as staletrack
knows it (`#1001`), and an optional `processor`; a person may name the column of any field
(`column_map`, cases.intake.column_maps).

`scan_disputes` returns the rows it could read as plain values (`DisputeRow`) and a `CsvIssue` for every
bad cell, named by line (the header is line 1) and column, as every CSV import names them
(`cases.intake.csvfiles`). What only the database can tell (is the order stored? is the dispute already
known?) is `cases.intake.dispute_import`'s to check.

Times carry their UTC offset (ISO 8601, `2026-11-02T09:15:00-05:00` or `…Z`), as Shopify's API writes
them. A time without one is never guessed: it is refused, naming the row and column, unless the person says
which zone the file's times are in (`time_zone`), as the orders import reads them
(`cases.intake.orders_csv`, rules.md section 1). A column whose header says `(UTC)` (Stripe's export) says
its zone itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from cases.choices import DisputeProcessor, DisputeStatus
from cases.intake.column_maps import check_column_map, with_column_map
from cases.intake.csvfiles import CsvError, CsvIssue, CsvRow, decode, header_key, read_rows
from cases.intake.orders_csv import Msg, amount_message, is_currency, is_time_zone, parse_datetime_cell
from cases.intake.tracking_csv import read_header
from cases.tracking.local_times import localize
from staletrack import limits

# Header spellings, compared folded (csvfiles.header_key: case, "_" and "-" ignored). The field names are
# Shopify's; Stripe's export spellings follow where they mean the same thing.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "dispute id", "dispute_id", "legacyResourceId"),
    # The order as staletrack knows it: the store's order name (#1001).
    "order": ("order", "order_name", "order name", "name", "order number", "order #"),
    # Shopify's own id of the order: read only when it is also the order's id in staletrack.
    "order_id": ("order_id", "order id"),
    "processor": ("processor", "payment processor"),
    "type": ("type", "dispute type", "kind"),
    "amount": ("amount", "disputed amount", "dispute amount"),
    "currency": ("currency",),
    "reason": ("reason", "dispute reason"),
    "network_reason_code": ("network_reason_code", "network reason code", "reason code"),
    "status": ("status", "dispute status"),
    "evidence_due_by": ("evidence_due_by", "evidence due by", "due by"),
    "evidence_sent_on": ("evidence_sent_on", "evidence sent on", "evidence submitted at"),
    "finalized_on": ("finalized_on", "finalized on", "closed at"),
    "initiated_at": ("initiated_at", "initiated at", "opened_at", "opened at", "created", "created at"),
}
TIME_COLUMNS = ("initiated_at", "evidence_due_by", "evidence_sent_on", "finalized_on")
UTC_SUFFIX = " (utc)"  # a header that says its times are in UTC ("Evidence Due By (UTC)", Stripe's)
for _name in TIME_COLUMNS:
    COLUMNS[_name] += tuple(f"{spelling}{UTC_SUFFIX}" for spelling in COLUMNS[_name])
FIELDS = tuple(COLUMNS)  # what `--column FIELD=HEADER` may name
# Columns every file needs; and of these, at least one (checked together, every missing one named).
REQUIRED = (("id",), ("order", "order_id"), ("status",), ("initiated_at",))

# The dispute's fields (cases.services.disputes.DISPUTE_FIELDS) by the column that gives them.
FACT_COLUMNS = {
    "kind": "type",
    "reason": "reason",
    "network_reason_code": "network_reason_code",
    "amount": "amount",
    "currency": "currency",
    "opened_at": "initiated_at",
    "evidence_due_by": "evidence_due_by",
}
COLUMN_OF = {**FACT_COLUMNS, "external_id": "id", "processor": "processor", "status": "status"}

# Limits of the columns the values are stored in (cases.models.Dispute).
MAX_EXTERNAL_ID = 64
MAX_REASON = 40
MAX_NETWORK_REASON_CODE = 20

KINDS = ("chargeback", "inquiry")
# The processors' status words, folded (`_word`), as staletrack's. Shopify's and Stripe's share most of
# them; Stripe's `warning_*` are an inquiry's stages (which also says the dispute's type).
STATUSES = {
    "needs_response": DisputeStatus.NEEDS_RESPONSE,
    "warning_needs_response": DisputeStatus.NEEDS_RESPONSE,
    "under_review": DisputeStatus.SUBMITTED,
    "warning_under_review": DisputeStatus.SUBMITTED,
    "submitted": DisputeStatus.SUBMITTED,
    "won": DisputeStatus.WON,
    "lost": DisputeStatus.LOST,
    "accepted": DisputeStatus.ACCEPTED,
    "charge_refunded": DisputeStatus.ACCEPTED,
}
INQUIRY_STATUSES = frozenset({"warning_needs_response", "warning_under_review"})
# Words a processor writes that no staletrack status says without a guess: named, never mapped.
UNSETTLED_STATUSES = {
    "warning_closed": "an inquiry closed without becoming a chargeback, neither won nor lost",
    "prevented": "a dispute prevented from becoming a chargeback, neither won nor lost",
}
PROCESSORS = {
    **{value: value for value in DisputeProcessor.values},
    "shopify": DisputeProcessor.SHOPIFY_PAYMENTS,
    **{label.lower().replace(" ", "_"): value for value, label in DisputeProcessor.choices},
}


@dataclass(frozen=True, slots=True)
class DisputeRow:
    """One dispute as a row of the file says it. `facts` holds the fields of
    `cases.services.disputes.DISPUTE_FIELDS` the row fills (an empty cell says nothing: it leaves a stored
    value alone); the step times are the status's own."""

    line: int
    processor: str
    external_id: str
    order: str  # the order as the row names it
    order_column: str  # the column that named it: "order", or "order_id"
    status: str  # staletrack's status (DisputeStatus)
    status_word: str  # as the file writes it
    facts: dict = field(default_factory=dict)
    evidence_sent_on: datetime | None = None
    finalized_on: datetime | None = None


def read_disputes(raw: bytes, **options) -> list[DisputeRow]:
    """The rows of a disputes CSV, or CsvError naming every problem (line and column)."""
    rows, issues = scan_disputes(raw, **options)
    if issues:
        raise CsvError(issues)
    return rows


def scan_disputes(
    raw: bytes,
    *,
    column_map: Mapping[str, str] | None = None,
    processor: str = DisputeProcessor.SHOPIFY_PAYMENTS,
    time_zone: str | None = None,
    store_zone: str = "UTC",
) -> tuple[list[DisputeRow], list[CsvIssue]]:
    """The rows that read well, and the issues of the others. Raises CsvError only when the file as a whole
    cannot be read (encoding, empty, a required column missing, a named column it does not have, a
    processor or time zone that is none). `processor`: the processor of rows without a processor cell;
    `time_zone`: the IANA zone of times written without an offset (None: such times are refused);
    `store_zone`: offered in the message that refuses them."""
    if processor not in DisputeProcessor.values:
        raise CsvError([CsvIssue(None, "processor", _processor_problem(processor))])
    if time_zone and not is_time_zone(time_zone):
        raise CsvError([CsvIssue(None, None, f"{time_zone!r} is not a time zone (e.g. Europe/Paris)")])
    columns = COLUMNS
    if column_map:
        check_column_map(read_header(raw), column_map)
        columns = with_column_map(COLUMNS, column_map)
    reader = _Reader(raw, columns, processor, ZoneInfo(time_zone) if time_zone else None)
    rows = [row for csv_row in reader.rows() if (row := reader.read(csv_row)) is not None]
    issues = reader.found_issues()
    if reader.without_offset:
        column, text, line = reader.without_offset
        issues.insert(
            0,
            CsvIssue(
                None,
                column,
                f'has times without a UTC offset, like "{text}" (line {line}); give them with their offset '
                f"(2026-11-02T09:15:00-05:00), or say which time zone they are in ({store_zone} is the "
                "store's)",
            ),
        )
    return rows, issues


def _processor_problem(value: str) -> str:
    return f"{value!r} is not a processor: one of {', '.join(DisputeProcessor.values)}"


def _word(text: str) -> str:
    """'Under Review', 'under-review' and 'UNDER_REVIEW' are one word."""
    return "_".join(text.lower().replace("-", " ").replace("_", " ").split())


class _Reader:
    """Walks the rows of one file, collecting issues instead of stopping at the first."""

    def __init__(self, raw: bytes, columns: dict, processor: str, zone: tzinfo | None) -> None:
        header = read_header(raw)
        found, self._rows = read_rows(decode(raw), columns, ())
        self.found = set(found)
        missing = [names for names in REQUIRED if not set(names) & self.found]
        if missing:
            raise CsvError([_missing_column(names) for names in missing])
        self.processor = processor
        self.zone = zone
        self.utc_columns = _utc_columns(header, columns)
        self.issues: list[CsvIssue] = []
        self.without_offset: tuple[str, str, int] | None = None
        self.lines = 0

    def rows(self):
        for row in self._rows:
            self.lines += 1
            if row.problem is not None:
                self.issues.append(row.problem)
                continue
            yield row

    def found_issues(self) -> list[CsvIssue]:
        if not self.lines:
            return [CsvIssue(None, None, "has a header but no rows")]
        return self.issues

    def read(self, row: CsvRow) -> DisputeRow | None:
        before = len(self.issues)
        cell = _Cells(self, row)
        external_id = cell.text("id", MAX_EXTERNAL_ID, required="the processor's id of the dispute")
        processor = cell.processor()
        order, order_column = cell.order()
        status, word = cell.status()
        facts: dict = {}
        kind = cell.kind()
        if not kind and word in INQUIRY_STATUSES:
            kind = "inquiry"  # Stripe's inquiry stages say the type the export has no column for
        facts["kind"] = kind
        reason = cell.text("reason", MAX_REASON)
        facts["reason"] = _word(reason)
        facts["network_reason_code"] = cell.text("network_reason_code", MAX_NETWORK_REASON_CODE)
        facts["amount"], facts["currency"] = cell.money()
        times = {name: cell.time(name) for name in TIME_COLUMNS}
        if row.values.get("initiated_at", "") == "" and "initiated_at" not in cell.failed:
            cell.fail("initiated_at", "is empty; every row needs when the dispute was opened")
        opened = times["initiated_at"]
        for name, words in (
            ("evidence_due_by", "The evidence cannot be due before the dispute was opened"),
            ("evidence_sent_on", "The evidence cannot be sent before the dispute was opened"),
            ("finalized_on", "A dispute cannot be closed before it was opened"),
        ):
            if opened is not None and times[name] is not None and times[name] < opened:
                cell.fail(name, f"{words} ({row.values['initiated_at']})")
        facts["opened_at"], facts["evidence_due_by"] = opened, times["evidence_due_by"]
        if len(self.issues) > before:
            return None
        return DisputeRow(
            line=row.line,
            processor=processor,
            external_id=external_id,
            order=order,
            order_column=order_column,
            status=status,
            status_word=word,
            facts={name: value for name, value in facts.items() if value not in (None, "")},
            evidence_sent_on=times["evidence_sent_on"],
            finalized_on=times["finalized_on"],
        )


class _Cells:
    """The cells of one row, each read into its value or named as the row's issue."""

    def __init__(self, reader: _Reader, row: CsvRow) -> None:
        self.reader, self.row = reader, row
        self.failed: set[str] = set()

    def fail(self, column: str, message: str) -> None:
        self.reader.issues.append(CsvIssue(self.row.line, column, message))
        self.failed.add(column)

    def text(self, column: str, limit: int, *, required: str = "") -> str:
        value = self.row.values.get(column, "")
        if not value:
            if required:
                self.fail(column, f"is empty; every row needs {required}")
            return ""
        if problem := limits.text_problem(value, limit):
            self.fail(column, problem)
            return ""
        return value

    def processor(self) -> str:
        value = self.row.values.get("processor", "")
        if not value:
            return self.reader.processor
        found = PROCESSORS.get(_word(value))
        if found is None:
            self.fail("processor", _processor_problem(value))
            return ""
        return found

    def order(self) -> tuple[str, str]:
        """The order the row names: its `order` cell (the order's name in the store), else its `order_id`."""
        for column in ("order", "order_id"):
            if value := self.text(column, limits.MAX_ORDER_ID):
                return value, column
            if column in self.failed:
                return "", column
        column = "order" if "order" in self.reader.found else "order_id"
        self.fail(column, "is empty; every row needs the order the dispute is about (its name, like #1001)")
        return "", column

    def status(self) -> tuple[str, str]:
        value = self.row.values.get("status", "")
        if not value:
            self.fail("status", "is empty; every row needs the dispute's status")
            return "", ""
        word = _word(value)
        if word in STATUSES:
            return STATUSES[word], word
        if word in UNSETTLED_STATUSES:
            self.fail(
                "status",
                f"{value!r} is {UNSETTLED_STATUSES[word]}: staletrack has no status for it; record the "
                "dispute by hand, or leave the row out",
            )
        else:
            self.fail(
                "status",
                f"{value[:40]!r} is not a dispute status; use one of {', '.join(STATUSES)} (Shopify's and "
                "Stripe's words)",
            )
        return "", ""

    def kind(self) -> str:
        value = self.row.values.get("type", "")
        if not value:
            return ""
        word = _word(value)
        if word not in KINDS:
            self.fail("type", f"{value[:40]!r} is not a dispute type; use chargeback or inquiry")
            return ""
        return word

    def money(self) -> tuple[Decimal | None, str]:
        amount, currency = self.row.values.get("amount", ""), self.row.values.get("currency", "")
        value = None
        if amount:
            # The currency's major unit, as both exports write it (11.50); Msg: the orders import's words.
            if problem := amount_message(amount):
                self.fail("amount", f"{amount[:40]!r} {problem}")
            else:
                value = Decimal(amount)
        if currency and not is_currency(currency):
            self.fail("currency", f"{currency[:40]!r} {Msg.CURRENCY}")
            return None, ""
        if value is not None and not currency:
            self.fail(
                "currency", "is empty; a disputed amount needs its currency (an ISO 4217 code like USD)"
            )
        return value, currency.upper()

    def time(self, column: str) -> datetime | None:
        text = self.row.values.get(column, "")
        if not text:
            return None
        zone = UTC if column in self.reader.utc_columns else self.reader.zone
        parsed, problem = read_time(text, zone)
        if problem == Msg.NO_OFFSET and self.reader.without_offset is None:
            self.reader.without_offset = (column, text, self.row.line)
        if problem:
            self.fail(column, f"{text[:40]!r} {problem}")
        return parsed


def read_time(text: str, zone: tzinfo | None) -> tuple[datetime | None, str | None]:
    """The time `text` says (ISO 8601 with its offset; without one, wall time in `zone`), or why it cannot
    be read or stored: the orders import's words (`orders_csv.Msg`) and the one gate of stored times
    (staletrack.limits.time_problem)."""
    parsed, problem = parse_datetime_cell(text)
    if problem == Msg.NO_OFFSET and zone is not None:
        parsed, problem = parse_datetime_cell(f"{text}Z")
        if parsed is not None:
            parsed = localize(parsed.replace(tzinfo=None), zone)
    elif problem == Msg.DATETIME and _is_date_only(text):
        # Shopify's GraphQL writes some dispute dates without a time: midnight would be invented.
        problem = "is a date without a time of day; give the date and time with its UTC offset"
    if parsed is not None and limits.time_problem(parsed):
        return None, Msg.TIME_RANGE
    return parsed, problem


def _is_date_only(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _utc_columns(header: list[str], columns: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    """The time columns whose header, as read (the first header spelled as the field), ends in `(UTC)`."""
    spelled = {header_key(spelling): name for name, spellings in columns.items() for spelling in spellings}
    seen: dict[str, str] = {}
    for cell in header:
        name = spelled.get(header_key(cell))
        if name is not None:
            seen.setdefault(name, cell)
    return frozenset(
        name for name in TIME_COLUMNS if name in seen and header_key(seen[name]).endswith(UTC_SUFFIX)
    )


def _missing_column(names: tuple[str, ...]) -> CsvIssue:
    either = f"; give {', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else ""
    return CsvIssue(1, names[0], f"required column is missing{either}")
