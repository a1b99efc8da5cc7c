"""The `packet` command's contract (rules.md section 9): flags, JSON keys, text, errors."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.helpers.spec_tables import SPEC_PACKET_KEYS

AS_OF = "2026-11-20T12:00:00Z"


def packet(*args) -> str:
    out = StringIO()
    call_command("packet", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def imported(spec_dir, db):
    call_command("import_cases", str(spec_dir / "examples" / "basic.json"), stdout=StringIO())


def test_packet_all_prints_one_packet_per_order_with_every_key_of_section_9(imported):
    packets = json.loads(packet("--all", "--as-of", AS_OF, "--format", "json"))
    assert len(packets) == 9
    for item in packets:
        assert set(item) >= SPEC_PACKET_KEYS


def test_packet_for_one_order(imported):
    (item,) = json.loads(packet("--order", "#1001", "--as-of", AS_OF))
    assert item["order_id"] == "#1001"
    assert item["policy_version"] == "v1"


def test_packet_text_names_the_case_and_its_next_move(imported):
    text = packet("--order", "#1001", "--as-of", AS_OF, "--format", "text")
    assert (
        "#1001" in text and "label_created_only" in text.replace(" ", "_").lower()
    ) or "label" in text.lower()


def test_packet_for_an_unknown_order_is_an_error(imported):
    with pytest.raises(CommandError, match="No order with id #9999"):
        packet("--order", "#9999")


def test_packet_as_of_without_offset_is_an_error(imported):
    with pytest.raises(CommandError, match="no UTC offset"):
        packet("--all", "--as-of", "2026-11-20T12:00:00")


def test_packet_from_a_bundle_needs_no_import(spec_dir, db):
    packets = json.loads(packet("--bundle", str(spec_dir / "examples" / "basic.json")))
    assert [p["order_id"] for p in packets][:2] == ["#1001", "#1002"]
    from cases.models import Order

    assert Order.objects.count() == 0
