"""`manage.py import_tickets FILE [--source NAME] [--column FIELD=HEADER]...`: a helpdesk's messages from a
CSV export (docs/helpdesk.md: the columns), each kept once and put on its order, or left unmatched for
staff in the admin. All or nothing: a file with any problem brings in nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cases.intake.column_maps import parse_column_options
from cases.intake.csvfiles import CsvError
from cases.intake.helpdesk.ticket_csv import FIELDS
from cases.intake.ticket_messages import import_ticket_file
from cases.management.importing import actor_named, read_input
from staletrack.permissions import require


class Command(BaseCommand):
    help = "Import a helpdesk's messages from a CSV export (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file, or - for standard input.")
        parser.add_argument("--source", default="csv", help="The helpdesk's name, kept with each message.")
        parser.add_argument(
            "--column", action="append", default=[], help="FIELD=HEADER: read FIELD from this column."
        )
        parser.add_argument("--as-user", help="Act as this user; default: the operator at the shell.")

    def handle(self, *args, file, source="csv", column=(), as_user=None, **options):
        actor = actor_named(as_user)
        require(actor, "cases.add_customermessage")
        source = source.strip()[:16] or "csv"
        try:
            column_map = parse_column_options(column, FIELDS) if column else None
            count, taken = import_ticket_file(
                raw=read_input(file),
                source=source,
                column_map=column_map,
                via=f"import_tickets:{source}",
                actor=actor,
            )
        except CsvError as error:
            shown = "\n".join(f"  {issue}" for issue in error.issues[:50])
            raise CommandError(f"{file}: nothing was imported:\n{shown}") from None
        self.stdout.write(
            f"{file}: {count} messages: {taken.attached} put on their orders, {taken.unmatched} "
            f"waiting for staff (admin: Ticket messages), {taken.duplicates} already kept."
        )
