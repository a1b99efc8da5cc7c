from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cases.bundles.reader import BundleError, read_bundle
from cases.management.importing import actor_named, add_as_user_argument, read_input
from cases.services.bundle_import import import_bundle


class Command(BaseCommand):
    help = "Import a case bundle (bundle.md): all or nothing; the same file imported twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the bundle JSON file, or - for standard input.")
        add_as_user_argument(parser)

    def handle(self, *args, file, as_user=None, **options):
        raw = read_input(file)
        actor = actor_named(as_user)
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
