"""Storing tracking CSVs (issue 4; docs/imports.md): all or nothing, and idempotent.

`cases.imports.tracking_csv` names what the file alone shows to be wrong and hands over the valid rows.
What only the database can tell about those (an order id no order has, a number nobody carries) is
collected here, named by line and column like the reader's, and raised with the file's issues as one
`CsvError` inside the transaction, so one attempt names every problem and nothing is written.
Numbers and events go through `cases.services.tracking`, the one write path, so re-importing the same
file adds nothing and says so. The touched orders' cases are re-assessed by a task queued after commit.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from cases.assessment.facts import TrackingEvent as EventFacts
from cases.carriers.normalize import normalize_number
from cases.choices import EventSource
from cases.csvfiles import CsvError, CsvIssue
from cases.imports.tracking_csv import (
    EventRow,
    NumberRow,
    order_id_spellings,
    scan_tracking_events,
    scan_tracking_numbers,
)
from cases.models import Order, OrderTracking, TrackingNumber
from cases.permissions import IMPORT_ORDERS, require
from cases.selectors.rows import chunked
from cases.services import tracking
from cases.services.assessment import queue_reassessment
from cases.services.audit import audit_event

# cases.permissions names no constant for it (yet); the permission is ImportRun's (cases.models).
AUDITED_ORDER_IDS = 1000  # the audit event lists this many order ids and counts the rest


@dataclass
class TrackingImportSummary:
    kind: str  # "tracking numbers" or "tracking events"
    rows: int = 0  # data lines of the file
    created: Counter = field(default_factory=Counter)
    unrecognised_providers: Counter = field(default_factory=Counter)
    order_pks: list[int] = field(default_factory=list)  # orders whose cases are re-assessed
    sha256: str = ""

    @property
    def changed(self) -> bool:
        return bool(+self.created)

    def describe(self) -> str:
        if not self.changed:
            text = f"Nothing changed: all {self.rows} rows of this {self.kind} file are already imported."
        else:
            parts = [f"{n} {name} created" for name, n in sorted(self.created.items()) if n]
            text = f"Imported {self.rows} rows of {self.kind}: " + ", ".join(parts) + "."
            if self.order_pks:
                text += f" Re-assessment of {len(self.order_pks)} orders queued."
        if self.unrecognised_providers:
            names = ", ".join(sorted(self.unrecognised_providers))
            text += f" Carrier detected from the number where the provider was not recognised: {names}."
        return text


def import_tracking_numbers(raw: bytes, *, actor=None, via: str = "import_tracking") -> TrackingImportSummary:
    """Put each row's tracking number on its order, or nothing. Raises CsvError naming every problem
    (file and database alike) and PermissionDenied when `actor` lacks cases.import_orders."""
    require(actor, IMPORT_ORDERS)
    rows, issues = scan_tracking_numbers(raw)
    summary = _summary("tracking numbers", raw, rows)
    summary.unrecognised_providers.update(row.provider for row in rows if row.provider and not row.carrier)
    with transaction.atomic():
        orders = find_orders(row.order_id for row in rows)
        issues += [_unknown_order(row) for row in _unique_lines(rows) if row.order_id not in orders]
        _raise_if(issues)
        linked = []
        for row in rows:
            number, created = tracking.get_or_create_number(row.number, row.carrier)
            summary.created["tracking numbers"] += created
            if tracking.link_number(orders[row.order_id], number):
                summary.created["order tracking links"] += 1
                linked.append(number)
        # A new link touches every order carrying that number: `recycled` (rules.md section 3) compares them.
        _finish(summary, tracking.orders_carrying(linked), actor, via, "tracking_numbers_imported")
    return summary


def import_tracking_events(raw: bytes, *, actor=None, via: str = "import_tracking") -> TrackingImportSummary:
    """Store each row's carrier event on its tracking number, or nothing; events already stored are
    skipped (cases.services.tracking.add_events). A number not yet stored is created and linked when the
    row names its order; a number alone must already be on an order. Raises CsvError naming every
    problem and PermissionDenied when `actor` lacks cases.import_orders."""
    require(actor, IMPORT_ORDERS)
    rows, issues = scan_tracking_events(raw)
    summary = _summary("tracking events", raw, rows)
    with transaction.atomic():
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
        _finish(
            summary,
            tracking.orders_carrying([*touched, *writer.linked]),
            actor,
            via,
            "tracking_events_imported",
        )
    return summary


IMPORTERS = {"numbers": import_tracking_numbers, "events": import_tracking_events}


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
            if tracking.link_number(order, number):
                self.summary.created["order tracking links"] += 1
                self.linked.append(number)

    def resolve(self) -> list[tuple[TrackingNumber, list[EventFacts]]]:
        """Each number with its events (file order kept), after every row's number is known."""
        by_number = self._stored_numbers()
        current = self._current_numbers()
        grouped: dict[int, tuple[TrackingNumber, list[EventFacts]]] = {}
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
                number = current.get(self.orders[row.order_id].pk)
                if number is None:
                    self.issues.append(
                        CsvIssue(
                            row.line,
                            "order_id",
                            f"order {self.orders[row.order_id].order_id} has no tracking number; "
                            "give the tracking_number the event belongs to",
                        )
                    )
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
                normalized__in=chunk, order_trackings__isnull=False
            ).distinct()
        }

    def _current_numbers(self) -> dict[int, TrackingNumber]:
        """For orders named without a number: the number linked last (the order's current one)."""
        order_pks = sorted(
            {
                self.orders[row.order_id].pk
                for row in self.rows
                if not row.number and row.order_id in self.orders
            }
        )
        current: dict[int, TrackingNumber] = {}
        for chunk in chunked(order_pks):
            links = OrderTracking.objects.filter(order_id__in=chunk).select_related("tracking_number")
            for link in links.order_by("order_id", "-assigned_at", "-id"):
                current.setdefault(link.order_id, link.tracking_number)
        return current


def _summary(kind: str, raw: bytes, rows: list[NumberRow] | list[EventRow]) -> TrackingImportSummary:
    return TrackingImportSummary(
        kind=kind, rows=len({row.line for row in rows}), sha256=hashlib.sha256(raw).hexdigest()
    )


def _unique_lines(rows: list[NumberRow]) -> list[NumberRow]:
    """One row per line: a cell with several numbers must not name its unknown order several times."""
    seen: dict[int, NumberRow] = {}
    for row in rows:
        seen.setdefault(row.line, row)
    return list(seen.values())


def _unknown_order(row: NumberRow | EventRow) -> CsvIssue:
    spellings = " or ".join(order_id_spellings(row.order_id))
    return CsvIssue(row.line, "order_id", f"no order {spellings} is stored; import the order first")


def _raise_if(issues: list[CsvIssue]) -> None:
    if issues:
        # Raised inside transaction.atomic: whatever this import wrote so far is rolled back.
        raise CsvError(sorted(issues, key=lambda issue: (issue.line or 0, issue.column or "")))


def _finish(summary: TrackingImportSummary, order_pks: list[int], actor, via: str, action: str) -> None:
    """Audit what changed and queue the re-assessment of the touched orders once the data is committed."""
    if not summary.changed:
        return
    summary.order_pks = sorted(set(order_pks))
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
