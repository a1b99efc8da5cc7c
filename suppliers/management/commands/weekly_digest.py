"""`manage.py weekly_digest`: print the weekly digest of a week, or send it to the owners (once each)."""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from suppliers.digest import selectors
from suppliers.digest.links import DigestLinks
from suppliers.digest.render import render_text, subject
from suppliers.digest.services import send_weekly_digest
from suppliers.selectors import monday_of, week_that_ended


class Command(BaseCommand):
    help = (
        "Print the weekly digest of the week holding --week (Monday to Sunday, store time; default: the week "
        "that ended), or with --send email it to every owner who has not had it (once per owner and week)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--week", metavar="YYYY-MM-DD", help="A day of the week (default: the week that ended)."
        )
        parser.add_argument(
            "--send", action="store_true", help="Email it to the owners instead of printing it."
        )

    def handle(self, *args, week=None, send=False, **options):
        week_start = self._week(week)
        if selectors.built_at(week_start) is None:
            prefix = f"--week {week}: the" if week else "The"
            raise CommandError(
                f"{prefix} rollups of the week of {week_start.isoformat()} are not built "
                f"(manage.py build_rollups --week {week_start.isoformat()})."
            )
        if not send:
            digest = selectors.weekly_digest(week_start)
            self.stdout.write(f"Subject: {subject(digest)}\n\n")
            links = DigestLinks(week_start, settings.STALETRACK_BASE_URL)
            self.stdout.write(render_text(digest, links), ending="")
            return
        result = send_weekly_digest(week_start=week_start)
        for name in result.sent:
            self.stdout.write(f"sent to {name}")
        for name in result.already_sent:
            self.stdout.write(f"already sent to {name}: not sent again")
        if not (result.sent or result.already_sent or result.failed):
            self.stdout.write("No owner with an email address: nothing sent.")
        if result.failed:
            raise CommandError(
                "Not sent to " + "; ".join(f"{name} ({error})" for name, error in result.failed.items())
            )

    def _week(self, week: str | None) -> date:
        last_ended = week_that_ended(timezone.now())
        if week is None:
            return last_ended
        try:
            week_start = monday_of(date.fromisoformat(week.strip()))
        except ValueError:
            raise CommandError(f"--week {week!r} is not a date (YYYY-MM-DD).") from None
        if week_start > last_ended:
            raise CommandError(
                f"--week {week}: the week of {week_start.isoformat()} has not ended; the latest whole week "
                f"starts on {last_ended.isoformat()}."
            )
        return week_start
