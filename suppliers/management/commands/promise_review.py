"""`manage.py promise_review`: each product's delivery promise beside what its parcels really took."""

import json

from django.core.management.base import BaseCommand, CommandError

from suppliers.promises.review import DEFAULT_WEEKS
from suppliers.promises.selectors import promise_review
from suppliers.promises.text import render_text


class Command(BaseCommand):
    help = (
        "Per product: its delivery promise, and the median and p90 days from order to first carrier scan "
        "and to delivery of its parcels, over the orders placed in the last whole weeks (store time); a "
        "suggestion where the promise is shorter than the p90. Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--weeks",
            default=str(DEFAULT_WEEKS),
            help=f"Whole weeks of orders, ending with the week that ended (default {DEFAULT_WEEKS}).",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, weeks, format, **options):
        try:
            count = int(weeks)
        except ValueError:
            raise CommandError(f"--weeks must be a whole number of weeks, got {weeks!r}.") from None
        if not 1 <= count <= 104:
            raise CommandError(f"--weeks must be from 1 to 104, got {count}.")
        review = promise_review(weeks=count)
        if format == "json":
            self.stdout.write(json.dumps(review.as_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(render_text(review), ending="")
