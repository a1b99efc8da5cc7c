"""Reading tracking CSVs (docs/imports.md), without a database.

Two files:
- tracking numbers, as tracking plugins export them (WooCommerce Shipment Tracking / Advanced Shipment
  Tracking columns `order_id, tracking_provider, tracking_number, date_shipped`, or Shopify-style headers
  `Name`/`Order`, `Tracking Company`, `Tracking Number`, `Fulfilled at`), or as a carrier's tool exports
  them with the columns a person names (`column_map`, cases.intake.column_maps);
- tracking events: order id and/or tracking number, a time (with an offset, or local time at the event's
  place: rules.md section 1), a status word and/or a description (section 3b), and where it happened.

`read_tracking_numbers` and `read_tracking_events` return validated rows or raise `CsvError` carrying
EVERY problem of the file, each named by line and column (`cases.intake.csvfiles`). What only the database can
tell (does this order exist? does anyone carry this number?) is checked by `cases.intake.tracking_import`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from cases.assessment.facts import TrackingEvent
from cases.countries import country_code
from cases.intake.column_maps import check_column_map, with_column_map
from cases.intake.csvfiles import CsvError, CsvIssue, CsvRow, decode, read_rows
from cases.tracking.detect import checked_carrier
from cases.tracking.formats import CARRIER_NAMES
from cases.tracking.local_times import carrier_local_time
from cases.tracking.normalize import MIN_NUMBER_CHARACTERS, is_tracking_number, normalize_number
from cases.tracking.statuses import STATUS_SOURCES, read_event_status
from staletrack import limits
from staletrack.limits import time_problem

# A carrier's local time is read in its country's zone; a year this far out cannot be (nor stored).
_LOCAL_YEARS = range(limits.EARLIEST.year - 1, limits.LATEST.year + 1)

# Header spellings, compared folded by cases.intake.csvfiles.header_key (case, "_" and "-" ignored).
ORDER_ID = ("order_id", "order", "name", "order number", "order name", "order no", "order #")
TRACKING_NUMBER = ("tracking_number", "tracking", "tracking no", "tracking code", "tracking id")
TRACKING_NUMBER += ("fulfillment: tracking number",)
PROVIDER = (
    "tracking_provider",
    "tracking company",
    "carrier",
    "courier",
    "shipping carrier",
    "shipping provider",
    "provider",
    "fulfillment: tracking company",
)

NUMBER_COLUMNS = {
    "order_id": ORDER_ID,
    "tracking_number": TRACKING_NUMBER,
    "tracking_provider": PROVIDER,
    # WooCommerce Shipment Tracking writes the provider's name here when its slug column is empty.
    "custom_tracking_provider": ("custom_tracking_provider", "custom provider"),
    "date_shipped": (
        "date_shipped",
        "shipped at",
        "shipped on",
        "shipped date",
        "ship date",
        "shipping date",
        "fulfilled at",
    ),
    # The line items the parcel carries (rules.md section 3a), by key: the SKU, else the item's title.
    "skus": ("skus", "sku", "line item skus", "parcel skus"),
}
NUMBER_REQUIRED = ("order_id", "tracking_number")
NUMBER_FIELDS = tuple(NUMBER_COLUMNS)  # what `--column FIELD=HEADER` may name

EVENT_COLUMNS = {
    "order_id": ORDER_ID,
    "tracking_number": TRACKING_NUMBER,
    "carrier": PROVIDER,
    "time": (
        "time",
        "at",
        "timestamp",
        "date",
        "datetime",
        "date time",
        "event time",
        "event date",
        "checkpoint time",
        "occurred at",
    ),
    "status": ("status", "tag", "event status", "normalized status"),
    "raw_status": ("raw_status", "carrier status", "substatus", "subtag", "status detail"),
    "tracker": ("tracker", "status source"),
    "description": ("description", "message", "details", "event", "event description", "checkpoint"),
    "location": ("location", "city", "place"),
    "country": ("country", "country code"),
    "postal_code": ("postal_code", "postcode", "zip", "zip code"),
}
EVENT_FIELDS = tuple(EVENT_COLUMNS)
# Each entry: columns of which at least one must be present (checked together, so every missing one is named).
# A description alone says what happened (rules.md section 3b).
EVENT_REQUIRED = (("time",), ("order_id", "tracking_number"), ("status", "raw_status", "description"))

# Several numbers in one cell ("1Z…, 1Z…") are how some exports write a multi-parcel fulfillment.
# No carrier's number contains a comma or a semicolon, so splitting on them cannot cut a number.
_SEVERAL_NUMBERS = re.compile(r"[,;]")


@dataclass(frozen=True, slots=True)
class NumberRow:
    """One tracking number for one order. A cell with several numbers gives several rows of one line."""

    line: int
    order_id: str
    number: str  # as written, stripped
    carrier: str | None  # our carrier code when the provider's name was recognised; else detected later
    provider: str  # the provider as written ("" when none)
    # The line item keys the parcel carries, as written; None: the row does not say (the importer checks
    # them against the order's line items).
    skus: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class EventRow:
    line: int
    order_id: str  # "" when the row names only a tracking number
    number: str  # "" when the row names only an order
    carrier: str | None  # used only when the number is new
    event: TrackingEvent
    provider: str = ""  # the carrier as written ("" when none)


# --- carriers by name --------------------------------------------------------------------------------


def _fold(name: str) -> str:
    """'U.S. Postal Service', 'us-postal-service' and 'US POSTAL SERVICE' are one key."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


# Names and plugin slugs seen in tracking exports, beyond our codes and display names (formats.py).
# Postal operators map to "s10" (the UPU format they share); the number decides the operator's page.
_PROVIDER_NAMES = {
    "ups": ("United Parcel Service", "UPS Mail Innovations", "UPS SurePost"),
    "usps": ("US Postal Service", "United States Postal Service", "U.S.P.S."),
    "fedex": ("Federal Express", "FedEx Ground", "FedEx Express", "FedEx SmartPost"),
    "dhl": ("DHL Express", "DHL US", "DHL Paket", "DHL Parcel", "Deutsche Post DHL"),
    "dhl_ecommerce": ("DHL eCommerce Solutions", "DHL Global Mail"),
    "amazon": ("Amazon", "Amazon Shipping", "Amazon Logistics"),
    "canada_post": ("Canada Post", "Postes Canada"),
    "lasership": ("LaserShip", "OnTrac LaserShip"),
    "yunexpress": ("Yun Express", "YunTrack"),
    "cainiao": ("AliExpress Standard Shipping", "Cainiao Super Economy", "AliExpress Shipping"),
    "4px": ("4PX Express", "4PX Worldwide Express"),
    "yanwen": ("Yanwen Express", "Yanwen Logistics"),
    "jt": ("J&T", "J&T Express", "JT Express", "J and T Express"),
    "sf_express": ("SF", "SF Express", "S.F. Express", "Shunfeng"),
    # "Hermes" alone stays unrecognised: Hermes Germany is another carrier than Evri (Hermes UK).
    "evri": ("Evri (Hermes)", "Hermes UK", "myHermes", "Hermes Parcelnet"),
    "dpd": ("DPD UK", "DPD Local", "DPD Group"),
    "purolator": ("Purolator Courier", "Purolator Inc"),
    "canpar": ("Canpar", "Canpar Courier"),
    "yodel": ("Yodel Direct", "Yodel Delivery Network"),
    "parcelforce": ("Parcelforce", "Parcel Force", "Parcelforce Worldwide"),
    "landmark": ("Landmark", "Landmark Global Logistics"),
    "gofo": ("GOFO", "GoFo Express", "GOFO Express US"),
    "speedee": ("Spee-Dee", "Speedee", "Spee Dee Delivery"),
    "old_dominion": ("Old Dominion", "ODFL", "Old Dominion Freight"),
    "s10": (
        "China Post",
        "China Post Registered Air Mail",
        "China EMS",
        "EMS",
        "ePacket",
        "Royal Mail",
        "La Poste",
        "Colissimo",
        "Australia Post",
        "PostNL",
        "Deutsche Post",
        "Japan Post",
        "Korea Post",
        "Singapore Post",
        "Swiss Post",
        "Poste Italiane",
        "Correos",
        "PostNord",
        "An Post",
        "NZ Post",
        "New Zealand Post",
        "Hongkong Post",
    ),
}

CARRIER_BY_NAME: dict[str, str] = {}
for _code, _display in CARRIER_NAMES.items():
    CARRIER_BY_NAME[_fold(_code)] = _code
    CARRIER_BY_NAME[_fold(_display)] = _code
for _code, _names in _PROVIDER_NAMES.items():
    for _name in _names:
        CARRIER_BY_NAME.setdefault(_fold(_name), _code)

# "UPS Ground", "fedex-2day", "DHL Express Worldwide": a service after the carrier's name. Only names of
# three characters or more count as a prefix, so "jt" or "sf" cannot swallow an unrelated word.
_PREFIXES = sorted((key for key in CARRIER_BY_NAME if len(key) >= 3), key=len, reverse=True)


def carrier_code(provider: str) -> str | None:
    """Our carrier code for a provider's free-text name ("UPS", "U.S. Postal Service", "YunExpress"),
    or None when it is not recognised (the carrier is then detected from the number)."""
    key = _fold(provider or "")
    if not key:
        return None
    if key in CARRIER_BY_NAME:
        return CARRIER_BY_NAME[key]
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            return CARRIER_BY_NAME[prefix]
    return None


# --- the header and the columns a person names ---------------------------------------------------------


def read_header(raw: bytes) -> list[str]:
    """The file's header cells as it spells them (stripped): what a column map names, and what a map is
    remembered by (cases.intake.column_mappings). CsvError when the file cannot be read as CSV."""
    text = decode(raw)
    if not text.strip():
        raise CsvError([CsvIssue(None, None, "is empty")])
    try:
        header = next(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise CsvError([CsvIssue(1, None, f"cannot be read as CSV: {exc}")]) from None
    return [cell.strip() for cell in header]


def _columns(raw: bytes, columns: dict, column_map: Mapping[str, str] | None) -> dict:
    """The import's header spellings, with the columns a person named (CsvError naming each named header
    the file does not have)."""
    if not column_map:
        return columns
    check_column_map(read_header(raw), column_map)
    return with_column_map(columns, column_map)


# --- tracking numbers --------------------------------------------------------------------------------


def read_tracking_numbers(raw: bytes, *, column_map: Mapping[str, str] | None = None) -> list[NumberRow]:
    """Validated rows of a tracking-numbers CSV, or CsvError naming every problem (line and column)."""
    return _valid(*scan_tracking_numbers(raw, column_map=column_map))


def scan_tracking_numbers(
    raw: bytes, *, column_map: Mapping[str, str] | None = None
) -> tuple[list[NumberRow], list[CsvIssue]]:
    """The valid rows and the issues of the others. Raises CsvError only when the file as a whole cannot
    be read (encoding, empty, missing columns, a named column it does not have); the importer checks the
    valid rows against the database in the same pass, so one attempt names every problem of the file.
    `column_map` ({field: header}) names the column of a field whose header the import does not know."""
    reader = _Reader(raw, _columns(raw, NUMBER_COLUMNS, column_map), NUMBER_REQUIRED)
    rows: list[NumberRow] = []
    for row in reader.rows():
        order_id = reader.order_id(row, required=True)
        numbers = reader.numbers(row, several=True)
        provider = row.values.get("tracking_provider") or row.values.get("custom_tracking_provider", "")
        reader.date_shipped(row)
        skus = reader.skus(row)
        if reader.clean(row):
            rows.extend(
                NumberRow(row.line, order_id, n, carrier_code(provider), provider, skus) for n in numbers
            )
    return rows, reader.found_issues()


# --- tracking events ---------------------------------------------------------------------------------


def read_tracking_events(raw: bytes, *, column_map: Mapping[str, str] | None = None) -> list[EventRow]:
    """Validated rows of a tracking-events CSV, or CsvError naming every problem (line and column)."""
    return _valid(*scan_tracking_events(raw, column_map=column_map))


def scan_tracking_events(
    raw: bytes, *, column_map: Mapping[str, str] | None = None
) -> tuple[list[EventRow], list[CsvIssue]]:
    """The valid rows and the issues of the others (see scan_tracking_numbers).

    Status: `cases.tracking.statuses.read_event_status`, the one reading of every importer: a word no
    mapping knows is kept as `raw_status` and is never an error; without a status word, or with one no
    mapping knows, the description says what happened (rules.md section 3b). A row with neither a status
    word nor a description is an error. A time without an offset is local time at the event's country,
    and the event is approximate (rules.md section 1)."""
    reader = _Reader(raw, _columns(raw, EVENT_COLUMNS, column_map), ())
    missing = [_missing_column(names) for names in EVENT_REQUIRED if not set(names) & reader.found]
    if missing:
        raise CsvError(missing)
    rows: list[EventRow] = []
    for row in reader.rows():
        order_id = reader.order_id(row, required=False)
        numbers = reader.numbers(row, several=False, required=False)
        if not order_id and not numbers and not reader.failed_on(row, "order_id", "tracking_number"):
            reader.fail(row, "tracking_number", "give a tracking number, an order id, or both")
        country = reader.country(row)
        at, approximate = reader.time(row, country)
        texts = {
            name: reader.text(row, name, limit)
            for name, limit in (
                ("description", limits.MAX_DESCRIPTION),
                ("location", limits.MAX_LOCATION),
                ("postal_code", limits.MAX_POSTAL_CODE),
            )
        }
        provider = row.values.get("carrier", "")
        # The carrier whose own event codes the row may use (a USPS "03"): named and fitting the number, else
        # the one the number shows; without a number, the one named.
        code_carrier = (
            checked_carrier(carrier_code(provider), numbers[0]) if numbers else carrier_code(provider)
        )
        status, raw_status = reader.status(row, carrier=code_carrier or "")
        if reader.clean(row) and at is not None and status is not None:
            rows.append(
                EventRow(
                    line=row.line,
                    order_id=order_id,
                    number=numbers[0] if numbers else "",
                    carrier=carrier_code(provider),
                    provider=provider,
                    event=TrackingEvent(
                        at=at,
                        status=status,
                        raw_status=raw_status,
                        country=country,
                        approximate=approximate,
                        **texts,
                    ),
                )
            )
    return rows, reader.found_issues()


def _valid(rows: list, issues: list[CsvIssue]) -> list:
    if issues:
        raise CsvError(issues)
    return rows


def _missing_column(names: tuple[str, ...]) -> CsvIssue:
    either = f"; give {', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else ""
    return CsvIssue(1, names[0], f"required column is missing{either}")


# --- order ids ---------------------------------------------------------------------------------------


def order_id_spellings(order_id: str) -> tuple[str, ...]:
    """The order ids a cell may mean, best first: as written, then with the '#' added or removed.

    Shopify names orders "#1042" while plugins and spreadsheets often drop the '#'; an exact match
    always wins, so when both "#1042" and "1042" exist each cell means the one it spells."""
    order_id = order_id.strip()
    if not order_id:
        return ()
    other = order_id[1:].strip() if order_id.startswith("#") else f"#{order_id}"
    return (order_id, other) if other and other != "#" else (order_id,)


# --- the reader --------------------------------------------------------------------------------------


class _Reader:
    """Walks the rows of one file, collecting issues instead of stopping at the first."""

    def __init__(self, raw: bytes, columns: dict, required: tuple[str, ...]) -> None:
        found, self._rows = read_rows(decode(raw), columns, required)
        self.found = set(found)
        self.issues: list[CsvIssue] = []
        self._failed: set[tuple[int, str | None]] = set()
        self._failed_lines: set[int] = set()
        self.lines = 0

    def rows(self) -> Iterator[CsvRow]:
        for row in self._rows:
            self.lines += 1
            if row.problem is not None:
                self.issues.append(row.problem)
                continue
            yield row

    def fail(self, row: CsvRow, column: str | None, message: str) -> None:
        self.issues.append(CsvIssue(row.line, column, message))
        self._failed.add((row.line, column))
        self._failed_lines.add(row.line)

    def failed_on(self, row: CsvRow, *columns: str) -> bool:
        return any((row.line, column) in self._failed for column in columns)

    def clean(self, row: CsvRow) -> bool:
        return row.line not in self._failed_lines

    def found_issues(self) -> list[CsvIssue]:
        if not self.lines:
            return [CsvIssue(None, None, "has a header but no rows")]
        return self.issues

    # Cells ------------------------------------------------------------------------------------------

    def order_id(self, row: CsvRow, *, required: bool) -> str:
        value = row.values.get("order_id", "")
        if not value:
            if required:
                self.fail(row, "order_id", "is empty; every row needs the order it belongs to")
            return ""
        problem = limits.text_problem(value, limits.MAX_ORDER_ID)
        if problem:
            self.fail(row, "order_id", problem)
            return ""
        return value

    def numbers(self, row: CsvRow, *, several: bool, required: bool = True) -> list[str]:
        value = row.values.get("tracking_number", "")
        parts = [part.strip() for part in _SEVERAL_NUMBERS.split(value)] if value else []
        parts = [part for part in parts if part]
        if not parts or not all(normalize_number(part) for part in parts):
            if required or value:
                self.fail(row, "tracking_number", "is empty; every row needs a tracking number")
            return []
        if len(parts) > 1 and not several:
            self.fail(row, "tracking_number", "holds several numbers; an event belongs to one number")
            return []
        too_long = [part for part in parts if len(part) > limits.MAX_TRACKING_NUMBER]
        if too_long:
            self.fail(
                row,
                "tracking_number",
                f"{too_long[0][:20]!r}… is longer than {limits.MAX_TRACKING_NUMBER} characters",
            )
            return []
        too_short = [part for part in parts if not is_tracking_number(part)]
        if too_short:
            self.fail(
                row,
                "tracking_number",
                f"{too_short[0]!r} is no tracking number: it has fewer than {MIN_NUMBER_CHARACTERS} "
                "letters or digits",
            )
            return []
        return parts

    def skus(self, row: CsvRow) -> tuple[str, ...] | None:
        """The SKUs cell: line item keys separated by ";" or ","; None when empty or absent."""
        value = row.values.get("skus", "")
        keys = tuple(dict.fromkeys(key.strip() for key in _SEVERAL_NUMBERS.split(value) if key.strip()))
        for key in keys:
            problem = limits.text_problem(key, limits.MAX_SKU)
            if problem:
                self.fail(row, "skus", f"{key[:20]!r}: {problem}")
                return None
        return keys or None

    def date_shipped(self, row: CsvRow) -> None:
        # Validated, never stored: no rule reads a ship date (rules.md sections 3-4 start their clocks at
        # the order and the carrier's events), so a date without a time or offset is fine here.
        value = row.values.get("date_shipped", "")
        if value and not _is_a_date(value):
            self.fail(
                row,
                "date_shipped",
                f"{value!r} is not a date; use YYYY-MM-DD, an ISO 8601 timestamp, DD-MM-YYYY or MM-DD-YYYY",
            )

    def time(self, row: CsvRow, country: str) -> tuple[datetime | None, bool]:
        """The event's time, and whether it is approximate: a time without an offset is the carrier's
        local time at the event's country (rules.md section 1; UTC for a country outside its table)."""
        value = row.values.get("time", "")
        if not value:
            self.fail(row, "time", "is empty; every event needs its time")
            return None, False
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.fail(row, "time", f"{value!r} is not an ISO 8601 timestamp")
            return None, False
        approximate = parsed.tzinfo is None or parsed.utcoffset() is None
        if approximate:
            if _is_date_only(value):
                # A day without a time of day is not a carrier's local time: midnight would be invented.
                self.fail(row, "time", f"{value!r} is a date without a time; give the time of the event")
                return None, False
            if parsed.year in _LOCAL_YEARS:
                parsed = carrier_local_time(parsed, country)
        # The one gate of every time that is stored (staletrack.limits): PostgreSQL would keep a year 1
        # with a +14:00 offset as a BC date that no page could read back.
        problem = time_problem(parsed) if parsed.tzinfo is not None else limits.TIME_RANGE_MESSAGE
        if problem:
            self.fail(row, "time", f"{value!r} {problem}")
            return None, False
        return parsed, approximate

    def status(self, row: CsvRow, *, carrier: str = "") -> tuple[str | None, str]:
        status, raw_status = row.values.get("status", ""), row.values.get("raw_status", "")
        description = row.values.get("description", "")
        tracker = row.values.get("tracker", "").lower() or None
        if tracker is not None and tracker not in STATUS_SOURCES:
            self.fail(row, "tracker", f"{tracker!r} is not known; use one of {', '.join(STATUS_SOURCES)}")
            return None, ""
        if not status and not raw_status and not description:
            self.fail(
                row,
                "status",
                "is empty and so is the description; every event needs a status or a description",
            )
            return None, ""
        # The word a mapping does not settle is kept as the event's raw status: either column may give it,
        # and a word too long to keep is refused like a description, never cut.
        long_words = [
            (name, problem)
            for name, word in (("status", status), ("raw_status", raw_status))
            if (problem := limits.text_problem(word, limits.MAX_RAW_STATUS))
        ]
        for name, problem in long_words:
            self.fail(row, name, problem)
        if long_words:
            return None, ""
        status, kept = read_event_status(
            status=status or None,
            raw_status=raw_status or None,
            description=description or None,
            source=tracker,
            carrier=carrier,
        )
        return status, kept or ""

    def text(self, row: CsvRow, name: str, limit: int) -> str:
        value = row.values.get(name, "")
        problem = limits.text_problem(value, limit)
        if problem:
            self.fail(row, name, problem)
            return ""
        return value

    def country(self, row: CsvRow) -> str:
        # destination_mismatch (rules.md section 3) compares codes; a country name would be cut to two
        # letters by the database and compare wrong, so only a code is accepted (alpha-3 is read as its
        # alpha-2, as trackers write `CHN`).
        value = row.values.get("country", "")
        code = country_code(value)
        if value and not code:
            self.fail(
                row,
                "country",
                f"{value!r} is not an ISO 3166 country code such as US or USA (alpha-2 or alpha-3)",
            )
        return code


_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")


def _is_a_date(value: str) -> bool:
    """ISO 8601 (date or timestamp, offset optional), or the DD-MM-YYYY / MM-DD-YYYY dates Advanced
    Shipment Tracking writes. Which of day and month comes first is not guessed: nothing reads it."""
    try:
        datetime.fromisoformat(value)
        return True
    except ValueError:
        pass
    found = _DAY_MONTH_YEAR.fullmatch(value)
    if found is None:
        return False
    first, second, year = (int(part) for part in found.groups())
    return any(_valid_date(year, month, day) for day, month in ((first, second), (second, first)))


def _is_date_only(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
