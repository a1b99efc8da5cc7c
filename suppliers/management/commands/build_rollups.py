"""Build or rebuild the weekly supplier, SKU and country rollups of past weeks."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from suppliers.selectors import monday_of, week_that_ended
from suppliers.services import build_weekly_rollups


class Command(BaseCommand):
    help = (
        "Rebuild the weekly rollups (orders placed Monday to Sunday, store time zone). Default: the week "
        "that ended. A rebuilt week's rows are replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--week",
            type=date.fromisoformat,
            help="YYYY-MM-DD: the week holding this day, the latest to build (default: the week that ended).",
        )
        parser.add_argument("--weeks", type=int, default=1, help="How many weeks, ending with --week.")

    def handle(self, *args, week=None, weeks=1, **options):
        if weeks < 1:
            raise CommandError("--weeks must be at least 1.")
        last_ended = week_that_ended(timezone.now())
        latest = monday_of(week) if week is not None else last_ended
        if latest > last_ended:
            raise CommandError(
                f"The week of {latest.isoformat()} has not ended; the latest whole week starts on "
                f"{last_ended.isoformat()}."
            )
        for back in range(weeks - 1, -1, -1):
            week_start = latest - timedelta(weeks=back)
            counts = build_weekly_rollups(week_start)
            self.stdout.write(
                f"week of {week_start.isoformat()}: "
                + ", ".join(f"{count} {dimension}" for dimension, count in counts.items())
            )
