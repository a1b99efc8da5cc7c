"""Storing tracking CSVs (docs/imports.md): all or nothing, and idempotent.

`cases.intake.tracking_csv` names what the file alone shows to be wrong and hands over the valid rows.
What only the database can tell about those (an order id no order has, a number nobody carries) is
collected here, named by line and column like the reader's, and raised with the file's issues as one
`CsvError` inside the transaction, so one attempt names every problem and nothing is written.
Numbers and events go through `cases.tracking.services`, the one write path, so re-importing the same
file adds nothing and says so, and a carrier named by the file is checked against the number there.
The touched orders' cases are re-assessed by a task queued after commit.

Columns a person names (`column_map`, {field: header}) are remembered for the next file with the same
headers once an import with them succeeds; a file imported without a map uses the one remembered for its
headers (`choose_columns`). A dry run checks everything an import would, inside a transaction it rolls
back: same errors, nothing written, nothing remembered, nothing queued.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction

from cases.assessment.facts import TrackingEvent as EventFacts
from cases.choices import EventSource, ImportKind
from cases.intake.column_mappings import remember_column_map, remembered_column_map
from cases.intake.csvfiles import CsvError, CsvIssue
from cases.intake.tracking_csv import (
    EVENT_FIELDS,
    NUMBER_FIELDS,
    EventRow,
    NumberRow,
    order_id_spellings,
    read_header,
    scan_tracking_events,
    scan_tracking_numbers,
)
from cases.models import LineItem, Order, Parcel, TrackingNumber
from cases.permissions import IMPORT_ORDERS
from cases.services.assessment import queue_reassessment
from cases.services.audit import audit_event
from cases.tracking import services as tracking
from cases.tracking.normalize import normalize_number
from staletrack.batches import chunked
from staletrack.limits import MAX_FILE_BYTES
from staletrack.permissions import require

# cases.permissions names no constant for it (yet); the permission is ImportRun's (cases.models).
AUDITED_ORDER_IDS = 1000  # the audit event lists this many order ids and counts the rest
SHOWN_LINES = 5  # lines named per provider whose carrier the numbers do not fit; the rest are counted

# The two files, by the name the command and the admin use for them.
KINDS = {"numbers": ImportKind.TRACKING_NUMBERS, "events": ImportKind.TRACKING_EVENTS}
FIELDS = {"numbers": NUMBER_FIELDS, "events": EVENT_FIELDS}  # what a column map may name


@dataclass(frozen=True)
class ColumnChoice:
    """The columns an import reads beyond the headers it knows: `{field: header}`, and whether that map
    was remembered for this file's headers rather than given."""

    mapping: dict[str, str]
    remembered: bool = False

    def describe(self) -> str:
        return ", ".join(f"{name}={header!r}" for name, header in self.mapping.items())


def choose_columns(raw: bytes, *, kind: str, column_map: Mapping[str, str] | None = None) -> ColumnChoice:
    """The column map an import of `raw` uses: the one given, else (None) the one remembered for a file of
    this kind ("numbers" or "events") with the same headers, else none. `{}` means none, whatever is
    remembered. Raises CsvError only when the header cannot be read."""
    fields = FIELDS[kind]
    if column_map is not None:
        unknown = [name for name in column_map if name not in fields]
        if unknown:
            raise CsvError(
                [
                    CsvIssue(
                        None,
                        None,
                        f"{name!r} is not a field of this import; the fields are {', '.join(fields)}",
                    )
                    for name in unknown
                ]
            )
        mapping, remembered = column_map, False
    else:
        mapping = remembered_column_map(kind=KINDS[kind], header=read_header(raw))
        remembered = bool(mapping)
    # In the import's field order: a map read back from the database has lost the order it was given in.
    return ColumnChoice({name: mapping[name] for name in fields if name in mapping}, remembered=remembered)


@dataclass
class TrackingImportSummary:
    kind: str  # "tracking numbers" or "tracking events"
    rows: int = 0  # data lines of the file
    created: Counter = field(default_factory=Counter)
    unrecognised_providers: Counter = field(default_factory=Counter)
    # A carrier named for a new number that fits no format of it: provider as written -> its lines.
    unfitting_providers: dict[str, list[int]] = field(default_factory=dict)
    order_pks: list[int] = field(default_factory=list)  # orders whose cases are re-assessed
    sha256: str = ""
    columns: ColumnChoice = field(default_factory=lambda: ColumnChoice({}))
    columns_kept: bool = False  # the given map was remembered for the next file with these headers
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(+self.created)

    def describe(self) -> str:
        parts = [f"{n} {name}" for name, n in sorted(self.created.items()) if n]
        if self.dry_run and not self.changed:
            text = (
                f"Dry run: nothing would change; all {self.rows} rows of this {self.kind} file are "
                "already imported."
            )
        elif self.dry_run:
            text = (
                f"Dry run: importing {self.rows} rows of {self.kind} would create "
                + ", ".join(parts)
                + ". Nothing was written."
            )
        elif not self.changed:
            text = f"Nothing changed: all {self.rows} rows of this {self.kind} file are already imported."
        else:
            text = (
                f"Imported {self.rows} rows of {self.kind}: " + ", ".join(f"{p} created" for p in parts) + "."
            )
            if self.order_pks:
                text += f" Re-assessment of {len(self.order_pks)} orders queued."
        if self.unrecognised_providers:
            names = ", ".join(sorted(self.unrecognised_providers))
            text += f" Carrier detected from the number where the provider was not recognised: {names}."
        if self.unfitting_providers:
            named = "; ".join(
                f"{provider} ({_lines(lines)})"
                for provider, lines in sorted(self.unfitting_providers.items())
            )
            text += (
                f" Carrier detected from the number where it fits no format of the provider named: {named}."
            )
        return text


def import_tracking(
    raw: bytes,
    *,
    kind: str,
    actor=None,
    via: str = "import_tracking",
    column_map: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> TrackingImportSummary:
    """Import a tracking CSV of `kind`, all or nothing:
    - "numbers": put each row's tracking number on its order;
    - "events": store each row's carrier event on its tracking number; events already stored are skipped
      (cases.tracking.services.add_events). A number not yet stored is created and linked when the row
      names its order; a number alone must already be on an order.

    Raises CsvError naming every problem (file, named columns and database alike) and PermissionDenied
    when `actor` lacks cases.import_orders. `column_map`: see `choose_columns`; `dry_run`: check and
    count, write nothing."""
    require(actor, IMPORT_ORDERS)
    check_size(raw)
    columns = choose_columns(raw, kind=kind, column_map=column_map)
    label, scan, write = _STEPS[kind]
    rows, issues = scan(raw, column_map=columns.mapping)
    summary = _summary(label, raw, rows, columns, dry_run)
    with transaction.atomic():
        touched = write(summary, rows, issues)
        _finish(
            summary, touched, raw=raw, kind=kind, actor=actor, via=via, action=f"tracking_{kind}_imported"
        )
    return summary


def _link_numbers(
    summary: TrackingImportSummary, rows: list[NumberRow], issues: list[CsvIssue]
) -> Callable[[], list[int]]:
    """Put each row's number on its order (raising the file's issues and the database's first); the
    orders the new links touch."""
    summary.unrecognised_providers.update(row.provider for row in rows if row.provider and not row.carrier)
    orders = find_orders(row.order_id for row in rows)
    issues += [_unknown_order(row) for row in _unique_lines(rows) if row.order_id not in orders]
    keys = line_item_keys([orders[row.order_id] for row in rows if row.skus and row.order_id in orders])
    named = {}  # line -> the SKUs as the order's line items spell them
    for row in _unique_lines(rows):
        if row.skus and row.order_id in orders:
            named[row.line] = _named_skus(row, orders[row.order_id], keys, issues)
    _raise_if(issues)
    linked = []
    for row in rows:
        number, created = tracking.get_or_create_number(row.number, row.carrier)
        summary.created["tracking numbers"] += created
        if created:
            _note_unfitting(summary, row, number)
        # Each number is a parcel of its own (rules.md section 3a), carrying the SKUs its row names.
        if tracking.link_number(orders[row.order_id], number, named.get(row.line)):
            summary.created["parcels"] += 1
            linked.append(number)
    # A new link touches every order carrying that number: `recycled` (rules.md section 3) compares them.
    return lambda: tracking.orders_carrying(linked)


def _store_events(
    summary: TrackingImportSummary, rows: list[EventRow], issues: list[CsvIssue]
) -> Callable[[], list[int]]:
    """Store each row's event on its number (raising the file's issues and the database's first); the
    orders whose numbers got events or new links."""
    writer = _EventWriter(summary, rows)
    writer.link()
    events = writer.resolve()
    _raise_if(issues + writer.issues)
    touched = []
    for number, facts in events:
        added = tracking.add_events(number, facts, EventSource.CSV)
        summary.created["tracking events"] += added
        if added:
            touched.append(number)
    return lambda: tracking.orders_carrying([*touched, *writer.linked])


# Each kind: its summary's label, its reader, and what it writes.
_STEPS = {
    "numbers": ("tracking numbers", scan_tracking_numbers, _link_numbers),
    "events": ("tracking events", scan_tracking_events, _store_events),
}
import_tracking_numbers = partial(import_tracking, kind="numbers")
import_tracking_events = partial(import_tracking, kind="events")
IMPORTERS = {"numbers": import_tracking_numbers, "events": import_tracking_events}


def check_size(raw: bytes) -> None:
    """CsvError when the file is larger than a CSV import takes (staletrack.limits.MAX_FILE_BYTES, the
    orders import's limit too), before any of it is read."""
    if len(raw) > MAX_FILE_BYTES:
        raise CsvError(
            [
                CsvIssue(
                    None,
                    None,
                    f"is {len(raw):,} bytes; the limit for a tracking file is {MAX_FILE_BYTES:,} bytes. "
                    "Split it and import the parts.",
                )
            ]
        )


def find_orders(order_ids: Iterable[str]) -> dict[str, Order]:
    """The order each id as written means: exact first, then with the '#' added or removed
    (tracking_csv.order_id_spellings). Ids no order has are absent from the result."""
    wanted = set(order_ids) - {""}
    spellings = sorted({spelling for order_id in wanted for spelling in order_id_spellings(order_id)})
    stored = {
        order.order_id: order
        for chunk in chunked(spellings)
        for order in Order.objects.filter(order_id__in=chunk)
    }
    found = {}
    for order_id in wanted:
        for spelling in order_id_spellings(order_id):
            if spelling in stored:
                found[order_id] = stored[spelling]
                break
    return found


class _EventWriter:
    """Finds the tracking number of every event row, linking new numbers to the orders rows name."""

    def __init__(self, summary: TrackingImportSummary, rows: list[EventRow]) -> None:
        self.summary = summary
        self.rows = rows
        self.issues: list[CsvIssue] = []
        self.linked: list[TrackingNumber] = []
        self.orders = find_orders(row.order_id for row in rows)
        for row in rows:
            if row.order_id and row.order_id not in self.orders:
                self.issues.append(_unknown_order(row))

    def link(self) -> None:
        """Rows with an order and a number: the number is created if new and put on the order."""
        for row in self.rows:
            order = self.orders.get(row.order_id)
            if order is None or not row.number:
                continue
            number, created = tracking.get_or_create_number(row.number, row.carrier)
            self.summary.created["tracking numbers"] += created
            if created:
                _note_unfitting(self.summary, row, number)
            if tracking.link_number(order, number):
                self.summary.created["parcels"] += 1
                self.linked.append(number)

    def resolve(self) -> list[tuple[TrackingNumber, list[EventFacts]]]:
        """Each number with its events (file order kept), after every row's number is known. One event
        (same number, time and description) given two statuses is named with both its lines: which one
        the carrier meant is not for the import to pick."""
        by_number = self._stored_numbers()
        current = self._current_numbers()
        grouped: dict[int, tuple[TrackingNumber, list[EventFacts]]] = {}
        first_of: dict[tuple, EventRow] = {}  # (number, time, description) -> its first row
        for row in self.rows:
            if row.order_id and row.order_id not in self.orders:
                continue  # already named as an unknown order
            if row.number:
                number = by_number.get(normalize_number(row.number))
                if number is None:
                    self.issues.append(
                        CsvIssue(
                            row.line,
                            "tracking_number",
                            f"{row.number} is on no order; give the order_id of the order it belongs to",
                        )
                    )
                    continue
            else:
                order = self.orders[row.order_id]
                numbers = current.get(order.pk, [])
                if len(numbers) != 1:
                    held = (
                        f"has {len(numbers)} tracking numbers ({', '.join(n.number for n in numbers)})"
                        if numbers
                        else "has no tracking number"
                    )
                    self.issues.append(
                        CsvIssue(
                            row.line,
                            "order_id",
                            f"order {order.order_id} {held}; give the tracking_number the event belongs to",
                        )
                    )
                    continue
                (number,) = numbers
            first = first_of.setdefault((number.pk, row.event.at, row.event.description), row)
            if first.event.status != row.event.status:
                self.issues.append(_two_statuses(row, first, number))
                continue
            grouped.setdefault(number.pk, (number, []))[1].append(row.event)
        return list(grouped.values())

    def _stored_numbers(self) -> dict[str, TrackingNumber]:
        """Named numbers that some order carries (after link()), by normalized spelling."""
        wanted = sorted({normalize_number(row.number) for row in self.rows if row.number})
        return {
            number.normalized: number
            for chunk in chunked(wanted)
            for number in TrackingNumber.objects.filter(
                normalized__in=chunk, parcels__isnull=False
            ).distinct()
        }

    def _current_numbers(self) -> dict[int, list[TrackingNumber]]:
        """For orders named without a number: the numbers of their parcels in force (not superseded), in
        parcel order. An event names its number when the order has several."""
        order_pks = sorted(
            {
                self.orders[row.order_id].pk
                for row in self.rows
                if not row.number and row.order_id in self.orders
            }
        )
        current: dict[int, list[TrackingNumber]] = {}
        for chunk in chunked(order_pks):
            parcels = Parcel.objects.filter(
                order_id__in=chunk, superseded_at__isnull=True, tracking_number__isnull=False
            ).select_related("tracking_number")
            for parcel in parcels.order_by("order_id", "position", "id"):
                held = current.setdefault(parcel.order_id, [])
                if parcel.tracking_number not in held:
                    held.append(parcel.tracking_number)
        return current


def line_item_keys(orders: Iterable[Order]) -> dict[int, list[str]]:
    """Each order's line item keys (the product's SKU, else its title), in line item order; an order
    stored without line items has its product as its one item."""
    orders = {order.pk: order for order in orders}
    keys: dict[int, list[str]] = {}
    for chunk in chunked(sorted(orders)):
        items = LineItem.objects.filter(order_id__in=chunk).order_by("order_id", "position")
        for order_pk, sku in items.values_list("order_id", "product__sku"):
            keys.setdefault(order_pk, []).append(sku)
    missing = sorted(set(orders) - set(keys))
    for chunk in chunked(missing):
        for order_pk, sku in Order.objects.filter(pk__in=chunk).values_list("pk", "product__sku"):
            keys[order_pk] = [sku]
    return keys


def _named_skus(
    row: NumberRow, order: Order, keys: dict[int, list[str]], issues: list[CsvIssue]
) -> list[str]:
    """The row's SKUs as the order's line items spell them (compared without regard to case or spaces,
    as the bundle reader does); a key the order has no line item for is the row's issue."""
    known = {key.strip().casefold(): key for key in keys.get(order.pk, [])}
    named = []
    for sku in row.skus:
        key = known.get(sku.strip().casefold())
        if key is None:
            issues.append(
                CsvIssue(
                    row.line,
                    "skus",
                    f"{sku!r} is not a line item of order {order.order_id} "
                    f"(line items: {', '.join(known.values()) or 'none'})",
                )
            )
        elif key not in named:
            named.append(key)
    return named


def _summary(
    kind: str, raw: bytes, rows: list[NumberRow] | list[EventRow], columns: ColumnChoice, dry_run: bool
) -> TrackingImportSummary:
    return TrackingImportSummary(
        kind=kind,
        rows=len({row.line for row in rows}),
        sha256=hashlib.sha256(raw).hexdigest(),
        columns=columns,
        dry_run=dry_run,
    )


def _note_unfitting(
    summary: TrackingImportSummary, row: NumberRow | EventRow, number: TrackingNumber
) -> None:
    """A new number stored without the carrier its row named, because it fits none of that carrier's
    formats (cases.tracking.detect.checked_carrier): said in the summary, by provider and line."""
    if row.carrier and number.carrier != row.carrier:
        lines = summary.unfitting_providers.setdefault(row.provider, [])
        if row.line not in lines:
            lines.append(row.line)


def _lines(lines: list[int]) -> str:
    shown = ", ".join(str(line) for line in lines[:SHOWN_LINES])
    more = f" and {len(lines) - SHOWN_LINES} more" if len(lines) > SHOWN_LINES else ""
    return f"line{'s' if len(lines) > 1 else ''} {shown}{more}"


def _unique_lines(rows: list[NumberRow]) -> list[NumberRow]:
    """One row per line: a cell with several numbers must not name its unknown order several times."""
    seen: dict[int, NumberRow] = {}
    for row in rows:
        seen.setdefault(row.line, row)
    return list(seen.values())


def _two_statuses(row: EventRow, first: EventRow, number: TrackingNumber) -> CsvIssue:
    event = row.event
    said = f', "{event.description}"' if event.description else ", no description"
    return CsvIssue(
        row.line,
        "status",
        f"gives the event of line {first.line} ({number.normalized} at {event.at.isoformat()}{said}) "
        f"another status: {event.status} here, {first.event.status} on line {first.line}; "
        "an event has one status",
    )


def _unknown_order(row: NumberRow | EventRow) -> CsvIssue:
    spellings = " or ".join(order_id_spellings(row.order_id))
    return CsvIssue(row.line, "order_id", f"no order {spellings} is stored; import the order first")


def _raise_if(issues: list[CsvIssue]) -> None:
    if issues:
        # Raised inside transaction.atomic: whatever this import wrote so far is rolled back.
        raise CsvError(sorted(issues, key=lambda issue: (issue.line or 0, issue.column or "")))


def _finish(
    summary: TrackingImportSummary, touched, *, raw: bytes, kind: str, actor, via: str, action: str
) -> None:
    """The end of an import that found no error, inside its transaction. A dry run rolls everything back.
    Otherwise a given column map is remembered for these headers, and what changed is audited and the
    touched orders (`touched()`: their primary keys) are queued for re-assessment after commit."""
    if summary.dry_run:
        # Counted, never kept: the whole import (numbers, links, events) is undone here.
        transaction.set_rollback(True)
        return
    if summary.columns.mapping and not summary.columns.remembered:
        remember_column_map(
            kind=KINDS[kind],
            header=read_header(raw),
            mapping=summary.columns.mapping,
            user=actor,
        )
        summary.columns_kept = True
    if not summary.changed:
        return
    summary.order_pks = sorted(set(touched()))
    order_ids = list(
        Order.objects.filter(pk__in=summary.order_pks[:AUDITED_ORDER_IDS])
        .order_by("order_id")
        .values_list("order_id", flat=True)
    )
    audit_event(
        action=action,
        actor=actor,
        via=via,
        changes={
            "created": dict(summary.created),
            "orders": order_ids,
            "orders_total": len(summary.order_pks),
            "rows": summary.rows,
            "sha256": summary.sha256,
        },
        reason=summary.describe(),
    )
    if summary.order_pks:
        # After commit: a worker must read the new facts, and a rolled-back import must queue nothing.
        queue_reassessment(summary.order_pks)
