"""`manage.py import_orders FILE`: import a Shopify or staletrack orders CSV (docs/imports-orders.md)."""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.intake.column_maps import parse_column_options
from cases.intake.csvfiles import CsvError, CsvIssue
from cases.intake.order_import import create_run, import_orders, run_import
from cases.intake.orders_csv import DAY_FIRST, FIELDS, MONTH_FIRST
from cases.management.importing import actor_named, add_column_argument, add_import_arguments
from cases.models import ImportRun
from staletrack.runs import keeps_heartbeat

SHOWN_ERRORS = 50
INTERRUPTED = (
    "The import_orders command was interrupted before the import finished. Nothing was written (the "
    "import is one transaction); run the command again."
)
INTERRUPTED_AFTER_WRITING = (
    "The import_orders command was interrupted after the orders were written, before their counts were "
    "recorded here: the import's audit event has them."
)


class Command(BaseCommand):
    help = (
        "Import orders from a Shopify orders export or a staletrack orders CSV (docs/imports-orders.md). "
        "A file with errors imports nothing unless --only-valid-rows; the same file twice changes nothing. "
        "Order times without a UTC offset need --time-zone; local dates no value settles need --day-first or "
        "--month-first."
    )

    def add_arguments(self, parser):
        add_import_arguments(
            parser,
            file="Path to the CSV file.",
            dry_run="Check the file and say what would change; write nothing.",
        )
        parser.add_argument(
            "--only-valid-rows",
            action="store_true",
            help="Import the valid orders even when other rows have errors (those are listed and left out).",
        )
        parser.add_argument(
            "--time-zone",
            metavar="ZONE",
            help="The time zone (IANA name, e.g. Europe/Paris) of order times the file gives without a UTC "
            "offset; without it such a file is refused.",
        )
        order = parser.add_mutually_exclusive_group()
        order.add_argument(
            "--day-first",
            dest="date_order",
            action="store_const",
            const=DAY_FIRST,
            help="Read dates like 03/04/2026 as 3 April, when no date in the file settles it.",
        )
        order.add_argument(
            "--month-first",
            dest="date_order",
            action="store_const",
            const=MONTH_FIRST,
            help="Read dates like 03/04/2026 as 4 March, when no date in the file settles it.",
        )
        add_column_argument(parser, example="order_id='Order Number'", fields=", ".join(FIELDS))
        parser.add_argument("--engine", choices=("copy", "batched"), help="Override the database's engine.")

    def handle(self, *args, file, dry_run=False, as_user=None, only_valid_rows=False, engine=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Cannot read {path}: no such file.")
        actor = actor_named(as_user)
        given = {"file_name": path.name, "actor": actor, "only_valid_rows": only_valid_rows}
        given |= self._reading(**options)
        if dry_run:
            try:
                result = import_orders(path, dry_run=True, engine=engine, **given)
            except PermissionDenied as exc:
                raise CommandError(f"Refused: {exc} Nothing was checked.") from None
            except CsvError as exc:
                self._errors(exc.issues, len(exc.issues))
                raise CommandError(
                    f"{path.name} cannot be imported; nothing was checked row by row."
                ) from None
            self._errors(result.issues, result.issue_count)
            if result.has_errors and not only_valid_rows:  # as the real import would refuse it
                raise CommandError(result.describe())
            self.stdout.write(result.describe())
            return
        try:
            run = create_run(**given)
        except PermissionDenied as exc:
            raise CommandError(f"Refused: {exc} Nothing was imported.") from None
        except CsvError as exc:
            self._errors(exc.issues, len(exc.issues))
            raise CommandError("Nothing was imported.") from None
        runs_in_this_command(run)
        try:
            with sigterm_exits(), keeps_heartbeat(run):
                result = run_import(
                    run, path, via="import_orders command", engine=engine, echo=self._progress
                )
        except BaseException:
            # Ctrl-C, SystemExit, or an error run_import could not record: no worker's time limit will
            # ever make this run lost (it runs here), so it must not stay running.
            fail_interrupted(run)
            raise
        if self.stdout.isatty():
            self.stdout.write("")
        run.refresh_from_db()
        if result is not None:
            self._errors(result.issues, result.issue_count)
        else:
            self._errors([CsvIssue(**entry) for entry in run.errors], len(run.errors))
        if run.status != run.Status.SUCCEEDED:
            raise CommandError(f"{run.message} (import run {run.pk})")
        self.stdout.write(f"{run.message} (import run {run.pk})")

    def _reading(self, *, time_zone=None, date_order=None, column=(), **options) -> dict:
        """How the file is read, as the options say: the zone of its times, its date order, the columns
        named (`--column`, checked here)."""
        try:
            column_map = parse_column_options(column, FIELDS) if column else None
        except CsvError as exc:
            self._errors(exc.issues, len(exc.issues))
            raise CommandError("Nothing was imported: fix the --column options.") from None
        return {"time_zone": time_zone, "date_order": date_order, "column_map": column_map}

    def _progress(self, phase: str, done: int, total: int) -> None:
        if self.stdout.isatty():
            self.stdout.write(f"\r{phase}: {done:,} of ~{total:,} rows", ending="")
            self.stdout.flush()

    def _errors(self, issues, count: int) -> None:
        for issue in issues[:SHOWN_ERRORS]:
            self.stderr.write(f"error: {issue}")
        if count > SHOWN_ERRORS:
            self.stderr.write(f"... and {count - SHOWN_ERRORS:,} more errors")


def runs_in_this_command(run: ImportRun) -> None:
    """Record that `run` runs in this process, not in a worker task: the task's time limit does not stop
    it, so it must not make the run lost while it still works; its heartbeat, from now on, does
    (staletrack.runs.run_is_lost, keeps_heartbeat). Set on the instance too: run_import saves the whole
    instance when it finishes."""
    run.runs_in, run.heartbeat_at = ImportRun.RunsIn.COMMAND, timezone.now()
    run.save(update_fields=["runs_in", "heartbeat_at"])


def fail_interrupted(run: ImportRun) -> None:
    """End `run`, which the command stopped running, in a state that says so: FAILED with INTERRUPTED
    (the import is one transaction, so an interrupted one wrote nothing). A run that already finished is
    left as it is. If the interruption came after the import's transaction committed
    (`ImportRun.wrote_orders`), the orders were written: the run says that instead of claiming nothing
    was."""
    wrote = run.wrote_orders()
    ImportRun.objects.filter(pk=run.pk, status__in=ImportRun.UNFINISHED).update(
        status=ImportRun.Status.SUCCEEDED if wrote else ImportRun.Status.FAILED,
        finished_at=timezone.now(),
        message=INTERRUPTED_AFTER_WRITING if wrote else INTERRUPTED,
    )


@contextmanager
def sigterm_exits() -> Iterator[None]:
    """While it runs, SIGTERM (what `kill`, systemd and container runtimes send to stop a process) ends the
    command as Ctrl-C does: the import's transaction rolls back and its run is marked failed. By default
    SIGTERM ends the process on the spot, which would leave the run running for good (a run in a command
    has no time limit that makes it lost). Signal handlers can only be set from the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)
