"""spec examples/README.md: the packets for each example bundle equal its expected file on the compared
keys, imported into an empty database and straight from the bundle."""

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from cases.assessment import assess_many
from cases.assessment.guard import check_draft, guard_context
from cases.intake.bundles.facts import bundle_facts
from cases.intake.bundles.reader import read_bundle
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
# `parcels` is compared where the expected file has it, parcel by parcel in order, on these keys.
PARCEL_EXACT = ("number", "superseded", "case_type", "risk_level", "next_move", "window", "clocks")
# basic.json: version 1. real.json: version 2, one tracking per case (cancelled, refunded, fulfilled
# without tracking, cash on delivery, statuses read from descriptions, carrier local times).
# parcels.json: several line items and parcels per order (rules.md section 3a).
EXAMPLES = ("basic", "real", "parcels")


def comparable(packet: dict) -> dict:
    compared = {key: packet[key] for key in EXACT} | {key: sorted(packet[key]) for key in AS_SETS}
    if "parcels" in packet:
        compared["parcels"] = [
            {key: parcel[key] for key in PARCEL_EXACT} | {"flags": sorted(parcel["flags"])}
            for parcel in packet["parcels"]
        ]
    return compared


def expected_packets(spec_dir, name: str) -> tuple[list[dict], datetime]:
    bundle = json.loads((spec_dir / "examples" / f"{name}.json").read_text())
    expected = json.loads((spec_dir / "examples" / f"{name}.expected.json").read_text())
    return [comparable(p) for p in expected], datetime.fromisoformat(bundle["as_of"])


def differences(packets: list[dict], expected: list[dict]) -> list[str]:
    """One line per packet and key that differs, so a failure says which cases and why."""
    by_order = {p["order_id"]: p for p in packets}
    lines = []
    for want in expected:
        got = by_order.get(want["order_id"])
        if got is None:
            lines.append(f"{want['order_id']}: no packet")
            continue
        lines += [
            f"{want['order_id']} {key}: got {got[key]!r}, expected {want[key]!r}"
            for key in want
            if got[key] != want[key]
        ]
    return lines


@pytest.mark.django_db
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_imported_into_an_empty_database_gives_the_expected_packets(spec_dir, name):
    expected, as_of = expected_packets(spec_dir, name)
    call_command("import_cases", str(spec_dir / "examples" / f"{name}.json"), stdout=StringIO())
    packets = packets_for_orders(Order.objects.values_list("pk", flat=True), as_of)
    assert differences([comparable(p) for p in packets], expected) == []
    assert len(packets) == len(expected)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_from_the_bundle_without_a_database_gives_the_expected_packets(spec_dir, name):
    expected, as_of = expected_packets(spec_dir, name)
    bundle = read_bundle((spec_dir / "examples" / f"{name}.json").read_bytes())
    packets = [comparable(p.to_dict()) for p in assess_many(bundle_facts(bundle), as_of)]
    assert differences(packets, expected) == []
    assert [p["order_id"] for p in packets] == [p["order_id"] for p in expected]


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_draft_of_the_example_passes_the_guard(spec_dir, name):
    _, as_of = expected_packets(spec_dir, name)
    facts = bundle_facts(read_bundle((spec_dir / "examples" / f"{name}.json").read_bytes()))
    drafts = [(p, p.draft_reply) for p in assess_many(facts, as_of) if p.draft_reply]
    assert drafts, "the example has customers waiting, so some drafts are expected"
    for packet, draft in drafts:
        assert check_draft(draft, **guard_context(packet).kwargs()) == [], (packet.order_id, draft)
