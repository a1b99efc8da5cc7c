"""`manage.py import_tracking numbers|events FILE`: the tracking CSVs (docs/imports.md)."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cases.intake.column_maps import parse_column_options
from cases.intake.csvfiles import CsvError
from cases.intake.tracking_import import FIELDS, IMPORTERS, choose_columns
from cases.management.importing import actor_named, add_column_argument, add_import_arguments, read_input
from cases.permissions import IMPORT_ORDERS
from staletrack.permissions import require

SHOWN_ERRORS = 50  # a file with thousands of bad rows should not bury the last line of the output


class Command(BaseCommand):
    help = (
        "Import a tracking-numbers or tracking-events CSV (docs/imports.md): all or nothing; "
        "the same file imported twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS), help="numbers or events")
        add_import_arguments(
            parser,
            file="Path to the CSV file, or - for standard input.",
            dry_run="Check the file as the import would and say what would change; write nothing.",
        )
        add_column_argument(
            parser,
            example="tracking_number='Tracking Numbers Tracking Number'",
            fields="; ".join(f"{kind}: {', '.join(FIELDS[kind])}" for kind in ("numbers", "events")),
        )

    def handle(self, *args, kind, file, column=(), dry_run=False, as_user=None, **options):
        raw = read_input(file)
        actor = actor_named(as_user)
        nothing = "an import would be refused" if dry_run else "nothing was imported"
        try:
            require(actor, IMPORT_ORDERS)  # before anything of the store is read, remembered maps included
        except PermissionDenied as exc:
            raise CommandError(f"Refused: {exc} Nothing was imported.") from None
        try:
            given = parse_column_options(column, FIELDS[kind]) if column else None
        except CsvError as exc:
            for issue in exc.issues:
                self.stderr.write(f"error: {issue.message}")
            raise CommandError(f"{len(exc.issues)} error(s) in --column; {nothing}.") from None
        try:
            columns = choose_columns(raw, kind=kind, column_map=given)
            if columns.remembered:
                self.stdout.write(
                    f"Using the columns remembered for files with these headers: {columns.describe()} "
                    "(give --column to name others)."
                )
            summary = IMPORTERS[kind](
                raw, actor=actor, via="import_tracking", column_map=given, dry_run=dry_run
            )
        except CsvError as exc:
            for issue in exc.issues[:SHOWN_ERRORS]:
                self.stderr.write(f"error: {issue}")
            if len(exc.issues) > SHOWN_ERRORS:
                self.stderr.write(f"error: and {len(exc.issues) - SHOWN_ERRORS} more")
            raise CommandError(f"{file}: {len(exc.issues)} error(s); {nothing}.") from None
        except PermissionDenied as exc:
            raise CommandError(f"Refused: {exc} Nothing was imported.") from None
        self.stdout.write(summary.describe())
        if summary.columns_kept:
            self.stdout.write(
                f"Columns remembered for the next file with these headers: {summary.columns.describe()}."
            )
