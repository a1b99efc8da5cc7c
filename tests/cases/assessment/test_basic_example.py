"""spec/examples/basic.json assessed at its as_of gives basic.expected.json (examples/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cases.assessment import assess_many, check_draft, guard_context
from tests.helpers.basic_example import AS_OF, CASES, EXPECTED
from tests.helpers.bundle_cases import load_cases

COMPARED_AS_SETS = ("flags", "also")
COMPARED = ("order_id", "case_type", "risk_level", "next_move", "route", "window", "clocks")
SPEC_EXAMPLES = Path(__file__).resolve().parents[2] / "spec" / "examples"  # the copy in tests/spec


def _compared(packet: dict) -> dict:
    view = {key: packet[key] for key in (*COMPARED, "requires_owner_approval")}
    view.update({key: sorted(packet[key]) for key in COMPARED_AS_SETS})
    return view


@pytest.mark.parametrize("index", range(len(EXPECTED)), ids=[p["order_id"] for p in EXPECTED])
def test_basic_example_packet_matches_expected(index):
    packets = assess_many(CASES, AS_OF)
    assert _compared(packets[index].to_dict()) == _compared(EXPECTED[index])


def test_basic_example_drafts_pass_the_guard():
    for packet in assess_many(CASES, AS_OF):
        for draft in (packet.draft_reply,):
            if draft is not None:
                assert check_draft(draft, **guard_context(packet).kwargs()) == []


def test_basic_example_refund_case_drafts_a_reply_that_says_review():
    packet = assess_many(CASES, AS_OF)[6]
    assert packet.draft_reply is not None
    assert "review" in packet.draft_reply


@pytest.mark.skipif(not SPEC_EXAMPLES.exists(), reason="spec examples not reachable from here")
def test_basic_example_transcription_matches_the_spec_files():
    bundle = json.loads((SPEC_EXAMPLES / "basic.json").read_text(encoding="utf-8"))
    expected = json.loads((SPEC_EXAMPLES / "basic.expected.json").read_text(encoding="utf-8"))
    loaded = load_cases(bundle)
    assert [_compared(p) for p in expected] == [_compared(p) for p in EXPECTED]
    assert [_strip_policy(c) for c in loaded] == [_strip_policy(c) for c in CASES]
    packets = assess_many(loaded, AS_OF)
    assert [_compared(p.to_dict()) for p in packets] == [_compared(p) for p in expected]


def _strip_policy(case):
    return (case.order, case.tracking, case.customer_messages)
