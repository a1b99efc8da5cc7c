"""Importing orders CSVs (docs/imports-orders.md).

One entry point for the admin, the Celery task and
`manage.py import_orders`.

`import_orders` reads a Shopify orders export or a staletrack orders CSV (`cases.intake.orders_csv`),
stages and checks it with the engine of the database (`orders_copy`: PostgreSQL COPY and set-based SQL;
`orders_batched`: Python and batched inserts elsewhere) and then, unless it is a dry run:
- the person's answers say how to read what the file leaves open: `time_zone` for order times without an
  offset, `date_order` for local dates like 03/04/2026 that no value settles (rules.md section 1),
  `column_map` for columns under other names (remembered for the next file with the same headers; a
  remembered map is used when none is given);
- a file with row errors writes nothing, unless `only_valid_rows` asks for the valid orders to be imported;
- the write is one transaction: a crash half way leaves nothing half-written;
- unchanged orders are not touched (re-importing the same file writes nothing), changed ones are updated
  with an audit event each, new ones get their case: in the transaction up to `inline_cases()` new orders,
  else right after it commits, with their first assessment (`record_case_backlog`: a large import's write
  is then the orders alone);
- the touched orders' cases are queued for assessment after commit.

The result's `summary` (stored on ImportRun.summary) says what the import read besides its counts:
skipped orders by reason, orders left fulfilled without a tracking number, vendor names the vendor map
does not know, how times were read, the column map used.

`OrderImportRunner` runs it for an `ImportRun` row (status, progress while it runs, counts and errors after):
the Celery task through `handle`, the command and the admin through `run_import`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models.functions import Greatest

from cases.choices import ImportKind
from cases.intake.column_mappings import remember_column_map, remembered_column_map
from cases.intake.csvfiles import CsvError, CsvIssue
from cases.intake.orders_common import (
    MANY_WITHOUT_TRACKING,
    NEW,
    SKIP,
    UNCHANGED,
    UPDATE,
    ImportOptions,
    PreviewRow,
    Written,
)
from cases.intake.orders_csv import (
    DATE_ORDERS,
    DEFAULT_COD_WORDS,
    DEFAULT_PICKUP_WORDS,
    FIELDS,
    FORMAT_LABELS,
    OrderRules,
    OrdersCsv,
    OrderTimesError,
    is_time_zone,
    peek_header,
    scan_file,
)
from cases.models import ORDERS_IMPORTED, ImportRun
from cases.permissions import IMPORT_ORDERS
from cases.services.assessment import queue_reassessment, record_case_backlog
from cases.services.audit import audit_event
from staletrack.permissions import require
from staletrack.runners import StoredRunner

logger = logging.getLogger(__name__)

# Settings (read with getattr so they are optional; docs/imports-orders.md names their env variables).
DEFAULT_MAX_BYTES = 100 * 1024 * 1024  # ORDER_IMPORT_MAX_BYTES: larger files are refused
DEFAULT_ASYNC_BYTES = 2 * 1024 * 1024  # ORDER_IMPORT_ASYNC_BYTES: larger admin uploads run as a task
# ORDER_IMPORT_INLINE_CASES: an import creating more new orders than this creates their cases right after
# it commits (a case backlog), not in its transaction, where they would double the write.
DEFAULT_INLINE_CASES = 2000
PROGRESS_SECONDS = 0.5  # at most this often an ImportRun's progress is written


def pickup_words() -> tuple[str, ...]:
    """ORDER_IMPORT_PICKUP_WORDS: a shipping method that starts with one of these is a store pickup."""
    return tuple(getattr(settings, "ORDER_IMPORT_PICKUP_WORDS", None) or DEFAULT_PICKUP_WORDS)


def cod_words() -> tuple[str, ...]:
    """ORDER_IMPORT_COD_WORDS: a payment method naming one of these is paid on delivery."""
    return tuple(getattr(settings, "ORDER_IMPORT_COD_WORDS", None) or DEFAULT_COD_WORDS)


def store_zone() -> str:
    """The store's time zone (settings.TIME_ZONE, env STALETRACK_TIME_ZONE), offered for order times."""
    return str(getattr(settings, "TIME_ZONE", None) or "UTC")


def max_bytes() -> int:
    return int(getattr(settings, "ORDER_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def async_bytes() -> int:
    return int(getattr(settings, "ORDER_IMPORT_ASYNC_BYTES", DEFAULT_ASYNC_BYTES))


def inline_cases() -> int:
    return int(getattr(settings, "ORDER_IMPORT_INLINE_CASES", DEFAULT_INLINE_CASES))


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB".replace(".0 MB", " MB")


def too_large(size: int) -> CsvIssue:
    return CsvIssue(
        None,
        None,
        f"is {megabytes(size)}; the limit for an orders file is {megabytes(max_bytes())}. "
        "Split it (by date range in Shopify's export) and import the parts.",
    )


Reporter = Callable[[str, int, int], None]  # (phase, processed rows, estimated total rows)


@dataclass
class OrderImportResult:
    file_name: str = ""
    format: str = ""
    sha256: str = ""
    dry_run: bool = False
    only_valid_rows: bool = False
    records: int = 0
    orders: int = 0
    issues: list[CsvIssue] = field(default_factory=list)  # the first ones, by line (orders_common)
    issue_count: int = 0
    error_rows: int = 0
    invalid_orders: int = 0
    file_error: bool = False  # the file as a whole could not be read: nothing was checked row by row
    counts: dict[str, int] = field(default_factory=dict)  # planned: new / update / unchanged / skip
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    preview: list[PreviewRow] = field(default_factory=list)
    written: Written | None = None
    engine: str = ""
    # What the import read besides its counts (stored in ImportRun.summary; docs/imports-orders.md):
    # skipped {reason: n}, fulfilled_without_tracking, import_tracking (True when that is many),
    # cash_on_delivery, keyed_by_title, vendors {unmapped, defaulted}, times {time_zone, date_order,
    # date_order_from}, column_map, column_map_remembered.
    summary: dict = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(self.issue_count)

    @property
    def valid_orders(self) -> int:
        return sum(self.counts.get(action, 0) for action in (NEW, UPDATE, UNCHANGED, SKIP))

    @property
    def created(self) -> int:
        return len(self.written.created_pks) if self.written else 0

    @property
    def updated(self) -> int:
        return len(self.written.updated_pks) if self.written else 0

    @property
    def unchanged(self) -> int:
        return self.written.unchanged if self.written else self.counts.get(UNCHANGED, 0)

    @property
    def skipped(self) -> int:
        return self.written.skipped if self.written else self.counts.get(SKIP, 0)

    def describe(self) -> str:
        if self.file_error:
            return (
                f"{self.file_name or 'The file'} cannot be imported: {self.issues[0]}. Nothing was imported."
            )
        label = FORMAT_LABELS.get(self.format, "orders CSV")
        errors = (
            f"{self.issue_count:,} error{'s' if self.issue_count != 1 else ''} in {self.error_rows:,} "
            f"row{'s' if self.error_rows != 1 else ''} ({self.invalid_orders:,} "
            f"order{'s' if self.invalid_orders != 1 else ''})"
        )
        skipped = ""
        if self.skipped:
            why = ", ".join(f"{n:,} {reason}" for reason, n in sorted(self.skipped_reasons.items()))
            skipped = f"; {self.skipped:,} skipped ({why})"
        if self.dry_run:
            c = self.counts
            text = (
                f"{label}, {self.records:,} rows, {self.orders:,} orders: {c.get(NEW, 0):,} new, "
                f"{c.get(UPDATE, 0):,} to update, {c.get(UNCHANGED, 0):,} unchanged{skipped}"
            )
            return text + (f"; {errors}." if self.has_errors else ".") + self._notes()
        if self.written is None:
            return (
                f"{errors}: nothing was imported. Fix the file, or import only the valid rows "
                f"({self.valid_orders:,} orders)."
            ) + self._notes()
        w = self.written
        left_out = f"; {errors} left out" if self.has_errors else ""
        if not (w.created_pks or w.updated_pks or w.products_created or w.suppliers_created):
            return (
                f"Nothing changed: the {self.unchanged:,} valid orders of this {label} are already imported "
                f"as they are{skipped}{left_out}."
            ) + self._notes()
        text = f"Imported {label}, {self.records:,} rows: "
        text += f"{self.created:,} orders created, {self.updated:,} updated, "
        text += f"{self.unchanged:,} unchanged{skipped}"
        if w.products_created or w.suppliers_created:
            text += f"; {w.products_created:,} new products, {w.suppliers_created:,} new suppliers"
        return text + left_out + "." + self._notes()

    def _notes(self) -> str:
        """Sentences for what the summary holds beyond the counts (each only when it applies)."""
        s = self.summary
        notes = []
        remembered = s.get("column_map") if s.get("column_map_remembered") else None
        if remembered:
            named = ", ".join(f"{name}={header}" for name, header in remembered.items())
            notes.append(f"Columns remembered for these headers were used ({named}).")
        notes += times_notes(s.get("times") or {})
        if s.get("cash_on_delivery"):
            n = s["cash_on_delivery"]
            notes.append(f"{_orders(n)} paid on delivery {'is' if n == 1 else 'are'} cash_on_delivery.")
        if s.get("keyed_by_title"):
            n = s["keyed_by_title"]
            notes.append(f"{_orders(n)} {'has' if n == 1 else 'have'} no SKU: known by the item's name.")
        unmapped = (s.get("vendors") or {}).get("unmapped") or []
        if unmapped:
            shown = ", ".join(unmapped[:10]) + (
                f" and {len(unmapped) - 10:,} more" if len(unmapped) > 10 else ""
            )
            notes.append(
                f"Vendor names the vendor map does not know, taken as supplier names: {shown}; map them in "
                "Suppliers → Vendor map."
            )
        if s.get("import_tracking"):
            notes.append(
                f"{_orders(s['fulfilled_without_tracking'])} fulfilled with no tracking number here: "
                "import their tracking numbers (python manage.py import_tracking numbers FILE, or Tracking "
                "numbers → Import)."
            )
        return "".join(" " + note for note in notes)


def _orders(n: int) -> str:
    return f"{n:,} order{'' if n == 1 else 's'}"


@contextmanager
def _opened(source):
    """A binary stream (bytes, a path, or an open or Django file) and its size."""
    if isinstance(source, bytes | bytearray):
        yield BytesIO(source), len(source)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        with path.open("rb") as stream:
            yield stream, path.stat().st_size
    else:
        opened = getattr(source, "open", None)
        if callable(opened) and getattr(source, "closed", True):
            source.open("rb")
        source.seek(0)
        size = getattr(source, "size", None)
        if size is None:
            source.seek(0, os.SEEK_END)
            size = source.tell()
            source.seek(0)
        try:
            yield source, size
        finally:
            if callable(opened):
                source.close()


def make_engine(layout, name: str | None = None, options: ImportOptions | None = None):
    name = name or ("copy" if connection.vendor == "postgresql" else "batched")
    if name == "copy":
        from cases.intake.orders_copy import CopyEngine

        return CopyEngine(layout, options=options)
    from cases.intake.orders_batched import BatchedEngine

    return BatchedEngine(layout, options=options)


def check_options(
    *, time_zone: str | None = None, date_order: str | None = None, column_map: dict | None = None
) -> None:
    """CsvError naming each answer that cannot be used: an unknown time zone, a date order other than
    day_first / month_first, a column named for a field orders do not have."""
    issues = []
    if time_zone and not is_time_zone(time_zone):
        issues.append(
            CsvIssue(None, None, f"the time zone {time_zone!r} is not a time zone name like Europe/Paris")
        )
    if date_order and date_order not in DATE_ORDERS:
        issues.append(CsvIssue(None, None, f"the date order {date_order!r} is not day_first or month_first"))
    for name in column_map or {}:
        if name not in FIELDS:
            issues.append(
                CsvIssue(
                    None,
                    None,
                    f"{name!r} is not a field of an orders file; the fields are {', '.join(FIELDS)}",
                )
            )
    if issues:
        raise CsvError(issues)


def import_orders(
    source,
    *,
    file_name: str = "",
    actor=None,
    via: str = "import_orders",
    only_valid_rows: bool = False,
    dry_run: bool = False,
    report: Reporter | None = None,
    engine: str | None = None,
    import_run: ImportRun | None = None,
    time_zone: str | None = None,
    date_order: str | None = None,
    column_map: dict[str, str] | None = None,
) -> OrderImportResult:
    """Import an orders CSV (`source`: bytes, a path, or a binary file). Raises CsvError when the file as a
    whole cannot be read (encoding, empty, missing columns, too large, an answer that cannot be used) and
    its subclass OrderTimesError when the file's times need the person's word (`questions` says which:
    `time_zone`, `date_order`); PermissionDenied when `actor` may not import orders. Row errors come back in
    the result; see the module docstring for the rest.

    `time_zone`: an IANA name; `date_order`: "day_first" or "month_first"; `column_map`: {field: header}
    (None: the map remembered for these headers, if any; {}: none)."""
    require(actor, IMPORT_ORDERS)
    check_options(time_zone=time_zone, date_order=date_order, column_map=column_map)
    report = report or (lambda phase, done, total: None)
    result = OrderImportResult(file_name=file_name, dry_run=dry_run, only_valid_rows=only_valid_rows)
    options = ImportOptions(
        time_zone=time_zone or None,
        date_order=date_order or None,
        store_zone=store_zone(),
        rules=OrderRules(pickup_words=pickup_words(), cod_words=cod_words()),
    )
    with _opened(source) as (stream, size):
        if size > max_bytes():
            raise CsvError([too_large(size)])
        scan = scan_file(stream)
        result.sha256 = scan.sha256
        total = max(scan.lines - 1, 0)
        report("reading", 0, total)
        remembered = False
        if column_map is None:
            header = peek_header(stream)
            column_map = remembered_column_map(kind=ImportKind.ORDERS, header=header) if header else {}
            remembered = bool(column_map)
        reader = OrdersCsv(stream, column_map=column_map)
        result.format = reader.layout.format
        if column_map:
            result.summary.update(column_map=dict(column_map), column_map_remembered=remembered)
        chosen = make_engine(reader.layout, engine, options)
        result.engine = chosen.name
        try:
            records = chosen.stage(reader, lambda done: report("reading", done, max(total, done)))
            if records == 0:
                raise CsvError([CsvIssue(None, None, "has a header but no rows")])
            report("checking", records, records)
            checked = chosen.check()
            result.records, result.orders = checked.records, checked.orders
            result.issues, result.issue_count = checked.issues, checked.issue_count
            result.error_rows, result.invalid_orders = checked.error_rows, checked.invalid_orders
            if chosen.times.summary:
                result.summary["times"] = dict(chosen.times.summary)
            if dry_run or (result.has_errors and not only_valid_rows):
                plan = chosen.plan()
                result.counts, result.preview = plan.counts, plan.preview
                _take_plan(result, plan)
                return result
            report("writing", records, records)
            with transaction.atomic():
                if hasattr(chosen, "lock"):
                    chosen.lock()
                plan = chosen.plan()  # again, under the lock: what is stored now
                result.counts = plan.counts
                _take_plan(result, plan)
                create_cases = plan.counts.get(NEW, 0) <= inline_cases()
                written = result.written = chosen.write(actor=actor, via=via, create_cases=create_cases)
                if written.touched_pks or written.products_created or written.suppliers_created:
                    audit_event(
                        action=ORDERS_IMPORTED,
                        obj=import_run,
                        actor=actor,
                        via=via,
                        changes=_audit_changes(result),
                        reason=result.describe(),
                    )
                if create_cases:
                    # New orders' cases are never assessed: the sweep finds them even if no task arrives.
                    queue_reassessment(written.created_pks, new_cases=True)
                else:
                    record_case_backlog(written.created_pks)
                queue_reassessment(written.updated_pks)
                if column_map and not remembered:
                    remember_column_map(
                        kind=ImportKind.ORDERS, header=reader.header, mapping=column_map, user=actor
                    )
        finally:
            chosen.close()
    return result


def _take_plan(result: OrderImportResult, plan) -> None:
    result.skipped_reasons = plan.skipped_reasons
    summary = result.summary
    summary["skipped"] = dict(plan.skipped_reasons)
    summary.update(plan.summary)
    summary["import_tracking"] = summary.get("fulfilled_without_tracking", 0) >= MANY_WITHOUT_TRACKING


def _audit_changes(result: OrderImportResult) -> dict:
    w = result.written
    return {
        "file_name": result.file_name,
        "sha256": result.sha256,
        "format": result.format,
        "rows": result.records,
        "created": len(w.created_pks),
        "updated": len(w.updated_pks),
        "unchanged": w.unchanged,
        "skipped": w.skipped,
        "products_created": w.products_created,
        "suppliers_created": w.suppliers_created,
        "error_rows_left_out": result.error_rows,
        "only_valid_rows": result.only_valid_rows,
        "summary": result.summary,
    }


# --- import runs --------------------------------------------------------------------------------------


def create_run(
    *,
    file_name: str,
    actor=None,
    only_valid_rows: bool = False,
    upload=None,
    time_zone: str | None = None,
    date_order: str | None = None,
    column_map: dict[str, str] | None = None,
) -> ImportRun:
    """An ImportRun for an orders file; `upload` (a Django File) is stored for a background run. The
    answers (`time_zone`, `date_order`, `column_map`: see import_orders) are kept in
    `summary["options"]` for the run, wherever it runs; an answer that cannot be used is refused here
    (CsvError)."""
    require(actor, IMPORT_ORDERS)
    check_options(time_zone=time_zone, date_order=date_order, column_map=column_map)
    run = ImportRun(
        kind=ImportRun.Kind.ORDERS,
        file_name=Path(file_name).name[:255],
        created_by=actor,
        only_valid_rows=only_valid_rows,
        summary={"options": run_options(time_zone=time_zone, date_order=date_order, column_map=column_map)},
    )
    if upload is not None:
        run.file.save(Path(file_name).name, upload, save=False)
    run.save()
    return run


def run_options(
    *, time_zone: str | None = None, date_order: str | None = None, column_map: dict[str, str] | None = None
) -> dict:
    """The answers as ImportRun.summary["options"] keeps them (None: not given)."""
    return {
        "time_zone": time_zone or None,
        "date_order": date_order or None,
        "column_map": dict(column_map) if column_map is not None else None,
    }


def times_notes(times: dict, *, day_first: str = "day-first", month_first: str = "month-first") -> list[str]:
    """How the file's order times were read (a summary's `times`), as sentences; `day_first` and
    `month_first` name the two date orders."""
    notes = []
    if times.get("time_zone"):
        notes.append(f"Order times without a UTC offset were read in {times['time_zone']}.")
    if times.get("date_order"):
        how = day_first if times["date_order"] == "day_first" else month_first
        why = "as the file's dates show" if times.get("date_order_from") == "file" else "as chosen"
        notes.append(f"Dates were read {how}, {why}.")
    return notes


def run_import(run: ImportRun, source=None, **options) -> OrderImportResult | None:
    """Run `run` now (the import_orders command, the admin's import of a small file): `OrderImportRunner`
    with `source` and `options` (its keyword arguments). The answers are those stored by create_run unless
    given here. Never raises for a bad file or a crash: the run says what happened. Returns the import's
    result (None when the file could not be imported whole, or the run could not be claimed)."""
    return OrderImportRunner(source, **options).execute(run)


class OrderImportRunner(StoredRunner):
    """An `ImportRun` of an orders file through `import_orders` (its stored file unless `source` is
    given), the row kept up to date: progress while it runs, counts, errors and message after (and the
    result's summary in `run.summary`, beside the answers it ran with in `summary["options"]`). A file
    that cannot be imported, or a person who may not import, fails the run saying so; a crash fails it
    too (and is logged). The upload is deleted once it is no longer needed."""

    model = ImportRun
    label = "Order import"
    expected = (CsvError, PermissionDenied)

    def __init__(
        self,
        source=None,
        *,
        via: str = "import_orders",
        engine: str | None = None,
        echo: Callable[[str, int, int], None] | None = None,
        time_zone: str | None = None,
        date_order: str | None = None,
        column_map: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.source, self.via, self.engine, self.echo = source, via, engine, echo
        self.answers = {"time_zone": time_zone, "date_order": date_order, "column_map": column_map}

    def queryset(self):
        return ImportRun.objects.select_related("created_by").filter(kind=ImportRun.Kind.ORDERS)

    def run(self, run: ImportRun) -> OrderImportResult:
        stored = (run.summary or {}).get("options") or {}
        options = run_options(
            time_zone=self.answers["time_zone"] or stored.get("time_zone"),
            date_order=self.answers["date_order"] or stored.get("date_order"),
            column_map=self.answers["column_map"]
            if self.answers["column_map"] is not None
            else stored.get("column_map"),
        )
        run.summary = {**(run.summary or {}), "options": options}
        source = self.source
        if source is None:
            if not run.file:
                raise CsvError([CsvIssue(None, None, "is no longer stored; upload it again")])
            source = run.file
        return import_orders(
            source,
            file_name=run.file_name,
            actor=run.created_by,
            via=self.via,
            only_valid_rows=run.only_valid_rows,
            report=self._reporter(run),
            engine=self.engine,
            import_run=run,
            **options,
        )

    def _reporter(self, run: ImportRun) -> Callable[[str, int, int], None]:
        """The progress callback of `import_orders`: the row's bar and message, at most every
        PROGRESS_SECONDS per phase (and `echo`, the command's own line, every time)."""
        last = [0.0, ""]

        def report(phase: str, done: int, total: int) -> None:
            if self.echo is not None:
                self.echo(phase, done, total)
            now = time.monotonic()
            if phase == last[1] and now - last[0] < PROGRESS_SECONDS:
                return
            last[0], last[1] = now, phase
            # The bar moves with the work, not only with the rows read: reading is the first 40 %,
            # checking and writing (one transaction, nothing to report from inside it) the next steps,
            # commit 100 %.
            start, share = PHASE_SHARES.get(phase, (0.0, 0.0))
            fraction = start + share * (done / total if total else 1.0)
            ImportRun.objects.filter(pk=run.pk).update(
                processed_rows=round(max(total, done) * min(fraction, 1.0)),
                total_rows=Greatest(total, done),
                message=PHASES.get(phase, phase),
            )

        return report

    def finished(self, run: ImportRun, result: OrderImportResult) -> dict:
        # Row errors without "import only the valid rows": the file was read, and nothing was written.
        status = ImportRun.Status.SUCCEEDED if result.written is not None else ImportRun.Status.FAILED
        return {
            "status": status,
            "message": result.describe(),
            "errors": [issue.as_dict() for issue in result.issues],
            "summary": {**result.summary, "options": (run.summary or {}).get("options", {})},
            "total_rows": result.records,
            "processed_rows": result.records,
            "created_rows": result.created,
            "updated_rows": result.updated,
            "unchanged_rows": result.unchanged,
            "error_rows": result.error_rows,
        }

    def failed(self, run: ImportRun, error: Exception) -> dict:
        summary, issues = run.summary, error.issues if isinstance(error, CsvError) else []
        if isinstance(error, OrderTimesError):
            summary = {"options": (run.summary or {}).get("options", {}), "questions": error.questions}
        if isinstance(error, CsvError):
            message = _file_message(run, issues)
        elif isinstance(error, PermissionDenied):
            message = f"Refused: {error} Nothing was imported."
        else:  # a crash: the transaction rolled back
            first_line = (str(error).splitlines() or [""])[0]
            message = (
                f"The import stopped with an error ({type(error).__name__}: {first_line}). "
                "Nothing was written."
            )
        return {
            "message": message,
            "errors": [issue.as_dict() for issue in issues],
            "summary": summary,
            "total_rows": 0,
            "processed_rows": 0,
            "error_rows": 0,
        }

    def task_result(self, run: ImportRun) -> dict:
        return {"created": run.created_rows, "updated": run.updated_rows}

    def after(self, run: ImportRun, result: OrderImportResult | None) -> None:
        # Customer data: the upload is kept only while "import only the valid rows" may need it.
        retry_possible = result is not None and result.written is None and result.valid_orders > 0
        if run.file and not (retry_possible and not run.only_valid_rows):
            run.file.delete(save=True)


PHASES = {"reading": "Reading rows…", "checking": "Checking rows…", "writing": "Writing orders…"}
PHASE_SHARES = {"reading": (0.0, 0.4), "checking": (0.4, 0.0), "writing": (0.6, 0.0)}


def _file_message(run: ImportRun, issues: list[CsvIssue]) -> str:
    return f"{run.file_name or 'The file'} cannot be imported: {issues[0]}. Nothing was imported."
