"""`manage.py import_cases FILE`: import a case bundle, all or nothing."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cases.intake.bundle_import import import_bundle
from cases.intake.bundles.files import read_bundle_file
from cases.intake.bundles.reader import BundleError, read_bundle
from cases.management.importing import actor_named, add_import_arguments


class Command(BaseCommand):
    help = (
        "Import a case bundle (bundle.md, version 1 or 2): all or nothing; the same file imported twice "
        "changes nothing. A file with errors exits non-zero, with every error named. A file larger than "
        "the admin's upload limit (settings BUNDLE_MAX_BYTES) is refused the same way."
    )

    def add_arguments(self, parser):
        add_import_arguments(
            parser,
            file="Path to the bundle JSON file, or - for standard input.",
            dry_run="Check the file against the database and say what would change; write nothing.",
        )

    def handle(self, *args, file, as_user=None, dry_run=False, **options):
        limit = settings.BUNDLE_MAX_BYTES
        try:
            raw = read_bundle_file(file, max_bytes=limit)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        actor = actor_named(as_user)
        nothing = "nothing would be imported" if dry_run else "nothing was imported"
        try:
            summary = import_bundle(
                read_bundle(raw, max_bytes=limit), raw=raw, actor=actor, via="import_cases", dry_run=dry_run
            )
        except BundleError as exc:
            for issue in exc.issues:
                self.stderr.write(f"error: {issue}")
            raise CommandError(f"{file}: {len(exc.issues)} error(s); {nothing}.") from None
        except PermissionDenied as exc:
            raise CommandError(f"Refused: {exc} {nothing[0].upper()}{nothing[1:]}.") from None
        self.stdout.write(summary.describe())
        if summary.as_of and not dry_run:
            self.stdout.write(
                f"This bundle's clock is {summary.as_of}: "
                f"`python manage.py packet --all --as-of {summary.as_of}` shows its packets as of then."
            )
