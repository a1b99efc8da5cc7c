"""`manage.py evidence_pack ORDER_ID`: a dispute's evidence pack of one order, as PDF, JSON or HTML
(docs/disputes.md, "The evidence pack"). Reads only; staletrack submits nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.evidence.pack import build_pack
from cases.evidence.render import FORMATS, render_pack
from cases.selectors.evidence import evidence_facts, find_order

STDOUT = "-"


class Command(BaseCommand):
    help = (
        "Build the evidence pack of an order (its facts, the carrier's timelines, the supplier's records, "
        "the customer's messages, an honest summary, and the processors' evidence fields) as PDF, JSON or "
        "HTML. Writes nothing to the database and submits nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "order_id", metavar="ORDER_ID", help='The store\'s order id, with or without "#".'
        )
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            default=STDOUT,
            help='Where to write it; "-" (the default) is standard output, for JSON and HTML only.',
        )
        parser.add_argument(
            "--facts-only",
            action="store_true",
            help="HTML and PDF: leave out the summary and the processors' fields (the file to upload to a "
            "processor).",
        )

    def handle(self, *args, **options):
        fmt, output = options["format"], options["output"]
        if fmt == "pdf" and output == STDOUT:
            raise CommandError("A PDF is written to a file: name it with -o FILE.")
        target = None if output == STDOUT else Path(output)
        if target is not None and not target.parent.is_dir():
            raise CommandError(f"-o {output}: the folder {target.parent} does not exist.")
        order = find_order(options["order_id"])
        if order is None:
            raise CommandError(
                f"No order with id {options['order_id']!r} (looked for it with and without '#')."
            )
        pack = build_pack(evidence_facts(order), generated_at=timezone.now())
        if pack["dispute"] is None:
            self.stderr.write(
                f"note: no dispute is recorded on order {order.order_id}; the pack is built all the same."
            )
        data = render_pack(pack, fmt, facts_only=options["facts_only"])
        if target is None:
            self.stdout.write(data.decode(), ending="" if data.endswith(b"\n") else "\n")
            return
        try:
            target.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"-o {output}: cannot write it: {exc.strerror or exc}.") from exc
        self.stdout.write(
            f"Wrote the evidence pack of order {order.order_id} to {target} ({len(data):,} bytes)."
        )
