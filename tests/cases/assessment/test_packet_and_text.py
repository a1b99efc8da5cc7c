"""rules.md section 9: packet keys and formats, and the plain-text rendering."""

from __future__ import annotations

import json

from cases.assessment import assess, render_text
from cases.assessment.packet import PACKET_KEYS
from tests.helpers.case_builders import case, in_transit_case, label_case
from tests.helpers.case_pieces import at, ev, inbound, tracking
from tests.helpers.spec_tables import SPEC_PACKET_KEYS


def test_packet_has_exactly_the_spec_keys_plus_our_three():
    data = assess(in_transit_case(at(3)), at(5)).to_dict()
    assert list(data) == list(PACKET_KEYS)
    assert set(data) == SPEC_PACKET_KEYS | {"supplier_draft", "draft_notes", "as_of", "dispute"}


def test_packet_is_plain_json():
    data = assess(label_case(at(1), messages=[inbound(at(2), "refund")]), at(8)).to_dict()
    assert json.loads(json.dumps(data)) == data


def test_window_and_clocks_shapes():
    data = assess(in_transit_case(at(3)), at(5, hours=6)).to_dict()
    assert data["window"] == {
        "name": "stale_in_transit_days",
        "days": 7,
        "started_at": "2026-11-04T12:00:00Z",
        "elapsed_days": 2,
        "exceeded": False,
    }
    assert data["clocks"] == {
        "order_age_days": 5,
        "tracking_age_days": 4,
        "days_since_first_scan": 3,
        "days_since_last_movement": 2,
    }
    assert data["as_of"] == "2026-11-06T18:00:00Z"


def test_clocks_are_null_where_unknown_and_window_null_for_delivered():
    facts = case(tracking=tracking(ev(at(2), "accepted"), ev(at(3), "delivered")))
    data = assess(facts, at(4)).to_dict()
    assert data["window"] is None
    assert data["clocks"]["tracking_age_days"] is None


def test_carrier_comes_from_the_tracking():
    facts = case(tracking=tracking(ev(at(1), "info_received"), carrier="yanwen"))
    assert assess(facts, at(2)).to_dict()["carrier"] == "yanwen"
    assert assess(case(), at(2)).to_dict()["carrier"] is None


# --- text ------------------------------------------------------------------------------------


def test_text_has_the_key_lines():
    facts = label_case(at(1), messages=[inbound(at(7), "refund please")], order_id="#42")
    text = render_text(assess(facts, at(8)))
    assert text.startswith("Order #42: label created only\n")
    assert "Risk: refund risk. Next move: prepare refund review (also: draft update, chase supplier)." in text
    assert "Route: refund" in text
    window = "Window: label created to first carrier scan, 5 days from 2026-11-02 12:00 UTC"
    assert f"{window}; 7 days elapsed, EXCEEDED" in text
    assert "Clocks: order 8 days, label 7 days, first scan -, last movement -" in text
    assert "  - no supplier pickup proof" in text
    assert "Flags: customer_waiting, label_only" in text
    assert "Owner approval: REQUIRED for the refund review" in text
    assert "  - label created 7 days ago; the label window is 5 days" in text
    assert "Customer draft (review before sending):" in text
    assert "Supplier draft (review before sending):" in text
    assert "Next assessment: none" in text or "Next assessment: 2026-" in text


def test_text_of_a_quiet_case_says_none_plainly():
    text = render_text(assess(in_transit_case(at(3)), at(5)))
    assert "Owner approval: not needed" in text
    assert "Customer draft: none" in text
    assert "Gaps: none" in text
    assert "Flags: none" in text
    assert "Next assessment: 2026-11-11T12:00:01Z." in text
    assert "\x1b" not in text
