"""Importing a disputes CSV (docs/disputes.md, *Importing disputes*): all or nothing, and idempotent.

`cases.intake.disputes_csv` reads the file into plain rows; here each row is checked against the database
(its order, the dispute it names) and applied through `cases.services.disputes`, the one writing path of
disputes, so every change is checked, audited, put on the case's timeline and re-assessed as it is from the
admin. A row whose dispute (processor and id) is stored corrects its facts (`update_dispute`, only what
differs) and moves its status when the file says another (`set_dispute_status`); any other row opens one
(`open_dispute`) and then takes the steps its status says, each dated as the file dates it (the evidence's
`evidence_sent_on`, the outcome's `finalized_on`; the import's time when the file gives none). A row that
changes nothing writes nothing: importing the same file twice changes nothing and says so.

Who may do what is checked before anything is written: importing needs `cases.add_dispute`; a row that
moves a status (evidence submitted, an outcome, or back) or corrects a closed dispute is an owner's
(`cases.record_dispute_outcome`, with a second factor). A file with any such row imported by someone who may
not is refused whole, naming each row (`ImportRefused`). Every other problem (of the file, or of a row
against the database) is named by line and column, and the transaction writes nothing.

Columns a person names are remembered for the next file with the same headers once an import with them
succeeds, as the tracking imports do (`cases.intake.tracking_import`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases.choices import DISPUTE_OUTCOMES, DisputeProcessor, DisputeStatus, ImportKind
from cases.intake.column_mappings import remember_column_map, remembered_column_map
from cases.intake.csvfiles import CsvError, CsvIssue
from cases.intake.disputes_csv import COLUMN_OF, FIELDS, DisputeRow, scan_disputes
from cases.intake.order_import import store_zone
from cases.intake.tracking_csv import order_id_spellings, read_header
from cases.intake.tracking_import import ColumnChoice, find_orders
from cases.models import Dispute, Order
from cases.permissions import CHANGE_DISPUTE, OPEN_DISPUTE, RECORD_DISPUTE_OUTCOME
from cases.services.audit import audit_event
from cases.services.disputes import open_dispute, set_dispute_status, update_dispute
from staletrack.batches import chunked
from staletrack.limits import MAX_FILE_BYTES
from staletrack.permissions import require

KIND = ImportKind.DISPUTES
AUDITED_IDS = 1000  # the import's audit event lists this many disputes and counts the rest
SHOWN_LINES = 10  # lines named in the refusal's summary; every row is named on its own all the same
OWNER_STEP = "an owner's step (cases.record_dispute_outcome, with a second factor)"


class ImportRefused(CsvError):
    """The file reads well, but its importer may not apply some of its rows: each is named, nothing was
    imported (`lines`: those rows)."""

    def __init__(self, issues: list[CsvIssue], lines: list[int]):
        super().__init__(issues)
        self.lines = lines


def choose_columns(raw: bytes, *, column_map: Mapping[str, str] | None = None) -> ColumnChoice:
    """The column map an import of `raw` uses: the one given, else (None) the one remembered for a disputes
    file with the same headers, else none (`{}` means none, whatever is remembered)."""
    if column_map is not None:
        unknown = [name for name in column_map if name not in FIELDS]
        if unknown:
            raise CsvError(
                [
                    CsvIssue(
                        None,
                        None,
                        f"{name!r} is not a field of this import; the fields are {', '.join(FIELDS)}",
                    )
                    for name in unknown
                ]
            )
        mapping, remembered = column_map, False
    else:
        mapping = remembered_column_map(kind=KIND, header=read_header(raw))
        remembered = bool(mapping)
    return ColumnChoice({name: mapping[name] for name in FIELDS if name in mapping}, remembered=remembered)


@dataclass
class DisputeImportSummary:
    rows: int = 0
    opened: int = 0
    updated: int = 0
    unchanged: int = 0
    steps: int = 0  # status steps recorded (evidence submitted, outcomes)
    sha256: str = ""
    external_ids: list[str] = field(default_factory=list)  # the disputes opened or updated
    columns: ColumnChoice = field(default_factory=lambda: ColumnChoice({}))
    columns_kept: bool = False  # the given map was remembered for the next file with these headers
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.updated)

    def describe(self) -> str:
        disputes = f"{self.rows} dispute{'s' if self.rows != 1 else ''}"
        counts = f"{self.opened} opened, {self.updated} updated, {self.unchanged} unchanged"
        steps = f"; {self.steps} status step{'s' if self.steps != 1 else ''}" if self.steps else ""
        if self.dry_run and not self.changed:
            return f"Dry run: nothing would change; all {disputes} of this file are already imported."
        if self.dry_run:
            return f"Dry run: importing {disputes} would give {counts}{steps}. Nothing was written."
        if not self.changed:
            return f"Nothing changed: all {disputes} of this file are already imported."
        return f"Imported {disputes}: {counts}{steps}."


@dataclass
class _Plan:
    """What one row does: the order it is about, its stored dispute (None: it opens one), the facts that
    differ from the stored ones (all of the row's for a new one), and the status steps to take."""

    row: DisputeRow
    order: Order
    dispute: Dispute | None
    changes: dict
    steps: list[tuple[str, datetime | None]]

    @property
    def changed(self) -> bool:
        return self.dispute is None or bool(self.changes or self.steps)

    @property
    def corrects_closed(self) -> bool:
        return self.dispute is not None and self.dispute.status in DISPUTE_OUTCOMES and bool(self.changes)


def import_disputes(
    raw: bytes,
    *,
    actor=None,
    via: str = "import_disputes",
    column_map: Mapping[str, str] | None = None,
    processor: str = DisputeProcessor.SHOPIFY_PAYMENTS,
    time_zone: str | None = None,
    dry_run: bool = False,
) -> DisputeImportSummary:
    """Import the disputes CSV `raw`, all or nothing. `processor`: the processor of rows that name none;
    `time_zone`: the zone of times written without an offset (None: refused); `column_map`: see
    `choose_columns`; `dry_run`: check and count, write nothing.

    Raises PermissionDenied when `actor` may not import disputes, ImportRefused naming the rows `actor`
    may not apply, CsvError naming every other problem (file and database alike)."""
    require(actor, OPEN_DISPUTE)
    check_size(raw)
    columns = choose_columns(raw, column_map=column_map)
    rows, issues = scan_disputes(
        raw, column_map=columns.mapping, processor=processor, time_zone=time_zone, store_zone=store_zone()
    )
    summary = DisputeImportSummary(
        rows=len(rows), sha256=hashlib.sha256(raw).hexdigest(), columns=columns, dry_run=dry_run
    )
    now = timezone.now()
    with transaction.atomic():
        plans = _plans(rows, issues)
        _raise_if(issues)
        refusals, lines = _refusals(actor, plans)
        if refusals:
            raise ImportRefused(refusals, lines)
        for plan in plans:
            _apply(plan, summary, issues, actor=actor, via=via, now=now)
        _raise_if(issues)
        _finish(summary, raw=raw, actor=actor, via=via)
    return summary


def check_size(raw: bytes) -> None:
    """CsvError when the file is larger than a CSV import takes (staletrack.limits.MAX_FILE_BYTES)."""
    if len(raw) > MAX_FILE_BYTES:
        raise CsvError(
            [
                CsvIssue(
                    None,
                    None,
                    f"is {len(raw):,} bytes; the limit for a disputes file is {MAX_FILE_BYTES:,} bytes. "
                    "Split it and import the parts.",
                )
            ]
        )


# --- the rows against the database ---------------------------------------------------------------------


def _plans(rows: list[DisputeRow], issues: list[CsvIssue]) -> list[_Plan]:
    """Each row's plan; a row whose order is not stored, that repeats another row's dispute, or that names
    a stored dispute on another order is an issue instead."""
    orders = find_orders(row.order for row in rows)
    stored = _stored_disputes(rows)
    hand_opened = _hand_opened({order.pk for order in orders.values()})
    first_line: dict[tuple[str, str], int] = {}
    plans = []
    for row in rows:
        key = (row.processor, row.external_id)
        if key in first_line:
            issues.append(
                CsvIssue(
                    row.line,
                    "id",
                    f"repeats dispute {row.external_id} of line {first_line[key]}; a dispute has one row",
                )
            )
            continue
        first_line[key] = row.line
        order = orders.get(row.order)
        if order is None:
            issues.append(_unknown_order(row))
            continue
        dispute = stored.get(key)
        if dispute is not None and dispute.order_id != order.pk:
            issues.append(
                CsvIssue(
                    row.line,
                    row.order_column,
                    f"dispute {row.external_id} is on order {dispute.order.order_id}, not on "
                    f"{order.order_id}",
                )
            )
            continue
        if dispute is None:
            dispute = hand_opened.get((order.pk, row.processor))  # opened by hand, before the file knew it
            if dispute is not None:
                del hand_opened[(order.pk, row.processor)]
        if dispute is not None and dispute.status in DISPUTE_OUTCOMES and row.status not in DISPUTE_OUTCOMES:
            issues.append(
                CsvIssue(
                    row.line,
                    "status",
                    f"dispute {row.external_id} is already closed ({dispute.status}); the file says "
                    f"{row.status}: an older export? Correct a recorded outcome on the dispute's page",
                )
            )
            continue
        if dispute is None:
            changes = dict(row.facts)
            steps = steps_to(DisputeStatus.NEEDS_RESPONSE, row)
        elif not dispute.external_id:
            changes = {name: value for name, value in row.facts.items() if getattr(dispute, name) != value}
            changes["external_id"] = row.external_id
            steps = steps_to(dispute.status, row)
        else:
            changes = {name: value for name, value in row.facts.items() if getattr(dispute, name) != value}
            steps = steps_to(dispute.status, row)
        plans.append(_Plan(row=row, order=order, dispute=dispute, changes=changes, steps=steps))
    return plans


def steps_to(current: str, row: DisputeRow) -> list[tuple[str, datetime | None]]:
    """The status steps from `current` to the row's status, each with its date (None: the import's time).
    An outcome whose evidence the file says was sent, on a dispute still waiting for it, goes through
    `submitted` first, so the case keeps when its pack went out (cases.assessment.disputes)."""
    target = row.status
    if current == target:
        return []
    if target == DisputeStatus.SUBMITTED:
        return [(target, row.evidence_sent_on)]
    if target in DISPUTE_OUTCOMES:
        sent = current == DisputeStatus.NEEDS_RESPONSE and row.evidence_sent_on is not None
        return [
            *([(DisputeStatus.SUBMITTED, row.evidence_sent_on)] if sent else []),
            (target, row.finalized_on),
        ]
    return [(target, None)]  # back to needs response: the processor's word corrects the stored one


def _hand_opened(order_pks: set[int]) -> dict[tuple[int, str], Dispute]:
    """The disputes of these orders opened without the processor's id (by hand), by order and processor:
    a file's row for the same order and processor is that dispute, not a second one. Where an order has
    two such disputes of one processor, neither is guessed at."""
    found: dict[tuple[int, str], list[Dispute]] = {}
    for chunk in chunked(sorted(order_pks)):
        for dispute in Dispute.objects.filter(order_id__in=chunk, external_id="").select_related("order"):
            found.setdefault((dispute.order_id, dispute.processor), []).append(dispute)
    return {key: disputes[0] for key, disputes in found.items() if len(disputes) == 1}


def _stored_disputes(rows: list[DisputeRow]) -> dict[tuple[str, str], Dispute]:
    found = {}
    for processor in sorted({row.processor for row in rows}):
        ids = sorted({row.external_id for row in rows if row.processor == processor})
        for chunk in chunked(ids):
            for dispute in Dispute.objects.filter(processor=processor, external_id__in=chunk).select_related(
                "order"
            ):
                found[(dispute.processor, dispute.external_id)] = dispute
    return found


def _unknown_order(row: DisputeRow) -> CsvIssue:
    spellings = " or ".join(order_id_spellings(row.order))
    message = f"no order {spellings} is stored; import the order first"
    if row.order_column == "order_id":
        message += (
            " (Shopify's order_id is its own number for the order: give the order's name, like #1001, in "
            "an order column)"
        )
    return CsvIssue(row.line, row.order_column, message)


# --- who may apply which row -----------------------------------------------------------------------------


def _refusals(actor, plans: list[_Plan]) -> tuple[list[CsvIssue], list[int]]:
    """The rows `actor` may not apply, each named, after one issue per missing permission saying why and
    which lines need it."""
    owner = _refused(actor, RECORD_DISPUTE_OUTCOME)
    change = _refused(actor, CHANGE_DISPUTE)
    needs: dict[str, list[CsvIssue]] = {"an owner": [], CHANGE_DISPUTE: []}
    for plan in plans:
        row = plan.row
        if owner and plan.steps:
            what = "recording its outcome" if row.status in DISPUTE_OUTCOMES else "moving its status"
            needs["an owner"].append(
                CsvIssue(row.line, "status", f"{row.status_word}: {what} is {OWNER_STEP}")
            )
        elif owner and plan.corrects_closed:
            needs["an owner"].append(
                CsvIssue(
                    row.line,
                    COLUMN_OF[next(iter(plan.changes))],
                    f"dispute {row.external_id} is closed ({plan.dispute.status}): correcting it is "
                    f"{OWNER_STEP}",
                )
            )
        elif change and plan.dispute is not None and plan.changes:
            needs[CHANGE_DISPUTE].append(
                CsvIssue(
                    row.line,
                    COLUMN_OF[next(iter(plan.changes))],
                    f"correcting dispute {row.external_id} needs the permission {CHANGE_DISPUTE}",
                )
            )
    heads, named = [], []
    for (who, rows), reason in zip(needs.items(), (owner, change), strict=True):
        if rows:
            heads.append(CsvIssue(None, None, f"{_count(rows)} need {who} ({_lines(rows)}): {reason}"))
            named += rows
    if not named:
        return [], []
    heads[-1] = CsvIssue(None, None, f"{heads[-1].message} Nothing was imported.")
    named.sort(key=lambda issue: issue.line)
    return [*heads, *named], [issue.line for issue in named]


def _count(rows: list) -> str:
    return f"{len(rows)} row{'s' if len(rows) != 1 else ''}"


def _lines(issues: list[CsvIssue]) -> str:
    lines = [str(issue.line) for issue in issues]
    more = f" and {len(lines) - SHOWN_LINES} more" if len(lines) > SHOWN_LINES else ""
    return f"line{'s' if len(lines) > 1 else ''} {', '.join(lines[:SHOWN_LINES])}{more}"


def _refused(actor, permission: str) -> str:
    """Why `actor` may not use `permission` ("" when they may)."""
    try:
        require(actor, permission)
    except PermissionDenied as exc:
        return str(exc)
    return ""


# --- writing ---------------------------------------------------------------------------------------------


def _apply(
    plan: _Plan, summary: DisputeImportSummary, issues: list[CsvIssue], *, actor, via: str, now
) -> None:
    """Apply one row through the disputes service; a value the service refuses becomes the row's issue
    (its savepoint undone, the other rows still checked: one attempt names every problem)."""
    row = plan.row
    if not plan.changed:
        summary.unchanged += 1
        return
    try:
        with transaction.atomic():
            dispute = plan.dispute
            if dispute is None:
                values = {"processor": row.processor, "external_id": row.external_id, **plan.changes}
                dispute = open_dispute(order=plan.order, actor=actor, values=values, via=via)
            elif plan.changes:
                update_dispute(dispute=dispute, actor=actor, changes=plan.changes, via=via)
            for status, at in plan.steps:
                set_dispute_status(dispute=dispute, actor=actor, status=status, at=at or now, via=via)
    except ValidationError as exc:
        issues.extend(_row_issues(row, exc))
        return
    if plan.dispute is None:
        summary.opened += 1
    else:
        summary.updated += 1
    summary.steps += len(plan.steps)
    summary.external_ids.append(row.external_id)


def _row_issues(row: DisputeRow, exc: ValidationError) -> list[CsvIssue]:
    """The service's refusal, by the row's columns (a step's time is its status's)."""
    if not hasattr(exc, "error_dict"):
        return [CsvIssue(row.line, None, message) for message in exc.messages]
    return [
        CsvIssue(row.line, COLUMN_OF.get(name, "status"), message)
        for name, errors in exc.message_dict.items()
        for message in errors
    ]


def _raise_if(issues: list[CsvIssue]) -> None:
    if issues:
        # Raised inside transaction.atomic: whatever this import wrote so far is rolled back.
        raise CsvError(sorted(issues, key=lambda issue: (issue.line or 0, issue.column or "")))


def _finish(summary: DisputeImportSummary, *, raw: bytes, actor, via: str) -> None:
    """The end of an import that found no error, inside its transaction: a dry run undoes everything;
    otherwise a given column map is remembered and the import itself audited (each dispute's change was,
    by the service)."""
    if summary.dry_run:
        transaction.set_rollback(True)
        return
    if summary.columns.mapping and not summary.columns.remembered:
        remember_column_map(kind=KIND, header=read_header(raw), mapping=summary.columns.mapping, user=actor)
        summary.columns_kept = True
    if not summary.changed:
        return
    audit_event(
        action="disputes_imported",
        actor=actor,
        via=via,
        changes={
            "rows": summary.rows,
            "opened": summary.opened,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "steps": summary.steps,
            "disputes": summary.external_ids[:AUDITED_IDS],
            "disputes_total": len(summary.external_ids),
            "sha256": summary.sha256,
        },
        reason=summary.describe(),
    )
