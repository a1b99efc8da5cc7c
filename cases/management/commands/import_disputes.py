"""`manage.py import_disputes FILE`: a disputes CSV, Shopify's or Stripe's (docs/disputes.md)."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cases.choices import DisputeProcessor
from cases.intake.column_maps import parse_column_options
from cases.intake.csvfiles import CsvError
from cases.intake.dispute_import import FIELDS, ImportRefused, choose_columns, import_disputes
from cases.management.importing import actor_named, add_column_argument, add_import_arguments, read_input
from cases.permissions import OPEN_DISPUTE
from staletrack.permissions import require

SHOWN_ERRORS = 50  # a file with thousands of bad rows should not bury the last line of the output


class Command(BaseCommand):
    help = (
        "Import disputes from a CSV (Shopify's dispute fields, or Stripe's export; docs/disputes.md): all or "
        "nothing; the same file imported twice changes nothing. Rows that record an outcome or move a "
        "status are an owner's."
    )

    def add_arguments(self, parser):
        add_import_arguments(
            parser,
            file="Path to the CSV file, or - for standard input.",
            dry_run="Check the file as the import would and say what would change; write nothing.",
        )
        parser.add_argument(
            "--processor",
            choices=DisputeProcessor.values,
            default=DisputeProcessor.SHOPIFY_PAYMENTS,
            help="The processor of rows without a processor column or cell (default: shopify_payments).",
        )
        parser.add_argument(
            "--time-zone",
            metavar="ZONE",
            help="The time zone (IANA name, e.g. Europe/Paris) of times the file gives without a UTC offset; "
            "without it such a file is refused.",
        )
        add_column_argument(parser, example="order='Order Name'", fields=", ".join(FIELDS))

    def handle(
        self, *args, file, column=(), dry_run=False, as_user=None, processor, time_zone=None, **options
    ):
        raw = read_input(file)
        actor = actor_named(as_user)
        nothing = "an import would be refused" if dry_run else "nothing was imported"
        try:
            require(actor, OPEN_DISPUTE)  # before anything of the store is read, remembered maps included
        except PermissionDenied as exc:
            raise CommandError(f"Refused: {exc} Nothing was imported.") from None
        try:
            given = parse_column_options(column, FIELDS) if column else None
        except CsvError as exc:
            for issue in exc.issues:
                self.stderr.write(f"error: {issue.message}")
            raise CommandError(f"{len(exc.issues)} error(s) in --column; {nothing}.") from None
        try:
            columns = choose_columns(raw, column_map=given)
            if columns.remembered:
                self.stdout.write(
                    f"Using the columns remembered for files with these headers: {columns.describe()} "
                    "(give --column to name others)."
                )
            summary = import_disputes(
                raw,
                actor=actor,
                via="import_disputes",
                column_map=given,
                processor=processor,
                time_zone=time_zone,
                dry_run=dry_run,
            )
        except ImportRefused as exc:
            self._errors(exc.issues)
            raise CommandError(
                f"Refused: {len(exc.lines)} row(s) of {file} need a permission {as_user} lacks "
                f"(named above); {nothing}."
            ) from None
        except CsvError as exc:
            self._errors(exc.issues)
            raise CommandError(f"{file}: {len(exc.issues)} error(s); {nothing}.") from None
        except PermissionDenied as exc:
            raise CommandError(f"Refused: {exc} Nothing was imported.") from None
        self.stdout.write(summary.describe())
        if summary.columns_kept:
            self.stdout.write(
                f"Columns remembered for the next file with these headers: {summary.columns.describe()}."
            )

    def _errors(self, issues) -> None:
        for issue in issues[:SHOWN_ERRORS]:
            self.stderr.write(f"error: {issue}")
        if len(issues) > SHOWN_ERRORS:
            self.stderr.write(f"error: and {len(issues) - SHOWN_ERRORS} more")
