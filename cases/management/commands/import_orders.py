from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cases.csvfiles import CsvError, CsvIssue
from cases.management.importing import actor_named, add_as_user_argument
from cases.services.order_import import create_run, import_orders, run_import

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Import orders from a Shopify orders export or a staletrack orders CSV (docs/imports-orders.md). "
        "A file with errors imports nothing unless --only-valid-rows; the same file twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV file.")
        parser.add_argument(
            "--only-valid-rows",
            action="store_true",
            help="Import the valid orders even when other rows have errors (those are listed and left out).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and say what would change; write nothing."
        )
        add_as_user_argument(parser)
        parser.add_argument("--engine", choices=("copy", "batched"), help="Override the database's engine.")

    def handle(self, *args, file, only_valid_rows=False, dry_run=False, as_user=None, engine=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Cannot read {path}: no such file.")
        actor = actor_named(as_user)
        if dry_run:
            try:
                result = import_orders(path, file_name=path.name, actor=actor, dry_run=True, engine=engine)
            except PermissionDenied as exc:
                raise CommandError(f"Refused: {exc} Nothing was checked.") from None
            except CsvError as exc:
                self._errors(exc.issues, len(exc.issues))
                raise CommandError(
                    f"{path.name} cannot be imported; nothing was checked row by row."
                ) from None
            self._errors(result.issues, result.issue_count)
            self.stdout.write(result.describe())
            return
        try:
            run = create_run(file_name=path.name, actor=actor, only_valid_rows=only_valid_rows)
        except PermissionDenied as exc:
            raise CommandError(f"Refused: {exc} Nothing was imported.") from None
        result = run_import(run, path, via="import_orders command", engine=engine, echo=self._progress)
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

    def _progress(self, phase: str, done: int, total: int) -> None:
        if self.stdout.isatty():
            self.stdout.write(f"\r{phase}: {done:,} of ~{total:,} rows", ending="")
            self.stdout.flush()

    def _errors(self, issues, count: int) -> None:
        for issue in issues[:SHOWN_ERRORS]:
            self.stderr.write(f"error: {issue}")
        if count > SHOWN_ERRORS:
            self.stderr.write(f"... and {count - SHOWN_ERRORS:,} more errors")
