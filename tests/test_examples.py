"""spec examples/README.md: the packets for basic.json equal basic.expected.json on the compared keys,
imported into an empty database and straight from the bundle."""

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from cases.assessment import assess_many
from cases.assessment.guard import check_draft, guard_context
from cases.bundles.facts import bundle_facts
from cases.bundles.reader import read_bundle
from cases.models import Order
from cases.services.assessment import packets_for_orders

EXACT = (
    "order_id",
    "case_type",
    "risk_level",
    "next_move",
    "route",
    "window",
    "clocks",
    "requires_owner_approval",
)
AS_SETS = ("flags", "also")


def comparable(packet: dict) -> dict:
    return {key: packet[key] for key in EXACT} | {key: sorted(packet[key]) for key in AS_SETS}


def expected_packets(spec_dir) -> tuple[list[dict], datetime]:
    bundle = json.loads((spec_dir / "examples" / "basic.json").read_text())
    expected = json.loads((spec_dir / "examples" / "basic.expected.json").read_text())
    return [comparable(p) for p in expected], datetime.fromisoformat(bundle["as_of"])


@pytest.mark.django_db
def test_basic_example_imported_into_an_empty_database_gives_the_expected_packets(spec_dir):
    expected, as_of = expected_packets(spec_dir)
    call_command("import_cases", str(spec_dir / "examples" / "basic.json"), stdout=StringIO())
    packets = packets_for_orders(Order.objects.values_list("pk", flat=True), as_of)
    by_order = {p["order_id"]: comparable(p) for p in packets}
    assert [by_order[p["order_id"]] for p in expected] == expected


def test_basic_example_from_the_bundle_without_a_database_gives_the_expected_packets(spec_dir):
    expected, as_of = expected_packets(spec_dir)
    bundle = read_bundle((spec_dir / "examples" / "basic.json").read_bytes())
    packets = [p.to_dict() for p in assess_many(bundle_facts(bundle), as_of)]
    assert [comparable(p) for p in packets] == expected


def test_every_draft_of_the_basic_example_passes_the_guard(spec_dir):
    _, as_of = expected_packets(spec_dir)
    facts = bundle_facts(read_bundle((spec_dir / "examples" / "basic.json").read_bytes()))
    drafts = [(p, p.draft_reply) for p in assess_many(facts, as_of) if p.draft_reply]
    assert drafts, "the example has customers waiting, so some drafts are expected"
    for packet, draft in drafts:
        assert check_draft(draft, **guard_context(packet).kwargs()) == [], (packet.order_id, draft)
