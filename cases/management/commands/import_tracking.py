"""`manage.py import_tracking numbers|events FILE`: the tracking CSVs of issue 4 (docs/imports.md)."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cases.csvfiles import CsvError
from cases.management.importing import actor_named, add_as_user_argument, read_input
from cases.services.tracking_import import IMPORTERS

SHOWN_ERRORS = 50  # a file with thousands of bad rows should not bury the last line of the output


class Command(BaseCommand):
    help = (
        "Import a tracking-numbers or tracking-events CSV (docs/imports.md): all or nothing; "
        "the same file imported twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS), help="numbers or events")
        parser.add_argument("file", help="Path to the CSV file, or - for standard input.")
        add_as_user_argument(parser)

    def handle(self, *args, kind, file, as_user=None, **options):
        raw = read_input(file)
        actor = actor_named(as_user)
        try:
            summary = IMPORTERS[kind](raw, actor=actor, via="import_tracking")
        except CsvError as exc:
            for issue in exc.issues[:SHOWN_ERRORS]:
                self.stderr.write(f"error: {issue}")
            if len(exc.issues) > SHOWN_ERRORS:
                self.stderr.write(f"error: and {len(exc.issues) - SHOWN_ERRORS} more")
            raise CommandError(f"{file}: {len(exc.issues)} error(s); nothing was imported.") from None
        except PermissionDenied as exc:
            raise CommandError(f"Refused: {exc} Nothing was imported.") from None
        self.stdout.write(summary.describe())
