"""`manage.py detect_carrier NUMBER … | -`: the carriers a tracking number fits, and its check digit; for a
long barcode, the tracking number it contains."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from cases.tracking.detect import to_json

VERDICT_WORDS = {"valid": "check digit valid", "invalid": "check digit INVALID", "none": "format only"}


class Command(BaseCommand):
    help = (
        "Name the carriers a tracking number fits, whether its check digit holds, and the carrier's "
        "tracking page. Pass numbers, or - to read one number per line from standard input."
    )

    stealth_options = ("stdin",)  # tests pass a stream, as Django's createsuperuser allows

    def add_arguments(self, parser):
        parser.add_argument("numbers", nargs="+", metavar="NUMBER")
        parser.add_argument("--json", action="store_true", help="One JSON object per line.")

    def handle(self, *args, numbers, json: bool = False, **options):
        if numbers == ["-"]:
            stream = options.get("stdin") or sys.stdin
            numbers = [line.strip() for line in stream if line.strip()]
        elif "-" in numbers:
            raise CommandError("Use - alone to read numbers from standard input.")
        for number in numbers:
            result = to_json(number)
            self.stdout.write(_json_line(result) if json else _text(result))


def _json_line(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False)


def _text(result: dict) -> str:
    lines = [f"{result['number']} (normalized {result['normalized']})"]
    if not result["matches"]:
        lines.append("  fits no known carrier format")
    for match in result["matches"]:
        lines.append(
            f"  {match['carrier']}: {match['format']}, {VERDICT_WORDS[match['check_digit']]}"
            # A long barcode names the tracking number it carries: the one to track and to give customers.
            + (f", contains tracking number {match['embedded']}" if "embedded" in match else "")
            + (f", {match['url']}" if match["url"] else "")
        )
    return "\n".join(lines)
