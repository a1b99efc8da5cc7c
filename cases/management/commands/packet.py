"""`manage.py packet`: print decision packets of stored orders, or of a bundle file."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.assessment import assess_many
from cases.assessment.text import render_text
from cases.intake.bundles.facts import bundle_facts
from cases.intake.bundles.reader import parse_timestamp
from cases.management.importing import read_bundle_input
from cases.models import Order
from cases.services.assessment import packets_for_orders


class Command(BaseCommand):
    help = (
        "Print decision packets (spec rules.md section 9) "
        "for stored orders, or for a bundle file without touching the database. "
        "JSON is always a list of packets."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="Every stored order.")
        which.add_argument("--order", action="append", metavar="ID", help="One order id (repeatable).")
        which.add_argument(
            "--bundle", metavar="FILE", help="Assess a bundle file directly, without a database."
        )
        parser.add_argument(
            "--as-of",
            metavar="ISO",
            help="The clock, with offset (e.g. 2026-11-20T12:00:00Z). Default: now, or a bundle's own as_of.",
        )
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args, **options):
        self.failures = 0
        as_of = None
        if options["as_of"]:
            as_of = parse_timestamp(options["as_of"])
            if isinstance(as_of, str):
                raise CommandError(f"--as-of {as_of}")
        if options["bundle"]:
            packets = self._from_bundle(str(Path(options["bundle"])), as_of)
        else:
            packets = self._from_database(options["order"], as_of or timezone.now())
        if options["format"] == "json":
            self.stdout.write(json.dumps(packets, indent=1, ensure_ascii=False))
        else:
            self.stdout.write("\n\n".join(render_text(packet) for packet in packets))
        if self.failures:
            raise CommandError(
                f"{self.failures} order(s) cannot be assessed (named above); the others are printed."
            )

    def _from_database(self, order_ids: list[str] | None, as_of) -> list[dict]:
        orders = Order.objects.all()
        if order_ids:
            orders = orders.filter(order_id__in=order_ids)
            missing = set(order_ids) - set(orders.values_list("order_id", flat=True))
            if missing:
                raise CommandError(f"No order with id {', '.join(sorted(missing))}.")
        failed: dict[int, Exception] = {}
        packets = packets_for_orders(
            orders.values_list("pk", flat=True),
            as_of,
            on_failure=lambda pk, error: failed.setdefault(pk, error),
        )
        if failed:
            names = dict(Order.objects.filter(pk__in=failed).values_list("pk", "order_id"))
            for pk, error in sorted(failed.items()):
                self.stderr.write(
                    f"error: order {names.get(pk, pk)} cannot be assessed: {type(error).__name__}: {error}"
                )
            self.failures = len(failed)
        position = {order_id: i for i, order_id in enumerate(order_ids or [])}
        return sorted(packets, key=lambda p: position.get(p["order_id"], 0)) if order_ids else packets

    def _from_bundle(self, file: str, as_of) -> list[dict]:
        bundle = read_bundle_input(self, file)
        as_of = as_of or bundle.as_of or timezone.now()
        return [packet.to_dict() for packet in assess_many(bundle_facts(bundle), as_of)]
