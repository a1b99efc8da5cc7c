"""`manage.py import_shopify_bulk FILE`: a store's Shopify orders with their fulfillments' tracking numbers,
from the JSONL a Shopify bulk operation writes (docs/connections.md: the query and how to run it)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.intake.shopify_bulk import BulkError
from cases.intake.shopify_bulk_import import import_shopify_bulk
from cases.management.importing import actor_named


class Command(BaseCommand):
    help = "Import a Shopify bulk operation's JSONL of orders with their fulfillments (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSONL file the bulk operation wrote.")
        parser.add_argument("--as-user", help="Act as this user; default: the operator at the shell.")

    def handle(self, *args, file, as_user=None, **options):
        path = Path(file)
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        with stream:
            try:
                result = import_shopify_bulk(stream, actor=actor_named(as_user))
            except BulkError as error:
                shown = "\n".join(f"  line {line}: {message}" for line, message in error.errors[:50])
                raise CommandError(f"{path}: nothing was imported:\n{shown}") from None
        self.stdout.write(
            f"{path}: {result.orders} orders ({result.orders_created} new, {result.orders_updated} updated), "
            f"{result.numbers} tracking numbers, {result.events_created} events added."
        )
