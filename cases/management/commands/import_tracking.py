"""`manage.py import_tracking numbers|events FILE`: the tracking CSVs of issue 4 (docs/imports.md)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cases.csvfiles import CsvError
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
        parser.add_argument(
            "--as-user",
            metavar="USERNAME",
            help="Import as this user, with their permissions checked (default: the server operator).",
        )

    def handle(self, *args, kind, file, as_user=None, **options):
        raw = self.stdin.buffer.read() if file == "-" else self._read(Path(file))
        actor = None
        if as_user:
            actor = get_user_model().objects.filter(username=as_user).first()
            if actor is None:
                raise CommandError(f"No user named {as_user!r}.")
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

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
