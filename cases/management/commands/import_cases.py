from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cases.bundles.reader import BundleError, read_bundle
from cases.services.bundle_import import import_bundle


class Command(BaseCommand):
    help = "Import a case bundle (bundle.md): all or nothing; the same file imported twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the bundle JSON file, or - for standard input.")
        parser.add_argument(
            "--as-user",
            metavar="USERNAME",
            help="Import as this user, with their permissions checked (default: the server operator).",
        )

    def handle(self, *args, file, as_user=None, **options):
        raw = self.stdin.buffer.read() if file == "-" else self._read(Path(file))
        actor = None
        if as_user:
            actor = get_user_model().objects.filter(username=as_user).first()
            if actor is None:
                raise CommandError(f"No user named {as_user!r}.")
        try:
            summary = import_bundle(read_bundle(raw), raw=raw, actor=actor, via="import_cases")
        except BundleError as exc:
            for issue in exc.issues:
                self.stderr.write(f"error: {issue}")
            raise CommandError(f"{file}: {len(exc.issues)} error(s); nothing was imported.") from None
        except PermissionDenied as exc:
            raise CommandError(f"Refused: {exc} Nothing was imported.") from None
        self.stdout.write(summary.describe())
        if summary.as_of:
            self.stdout.write(
                f"This bundle's clock is {summary.as_of}: "
                f"`python manage.py packet --all --as-of {summary.as_of}` shows its packets as of then."
            )

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
