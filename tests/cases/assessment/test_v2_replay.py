"""A replay sees an order's cancellation and fulfilment only from their dates (rules.md section 1)."""

from __future__ import annotations

import json

from cases.intake.bundles.reader import read_bundle
from cases.replay.engine import replayed_bundle


def bundle(**order_fields) -> bytes:
    order = {
        "order_id": "#R1",
        "ordered_at": "2026-11-01T12:00:00Z",
        "customer_email": "r1@example.com",
        "country": "US",
        "postal_code": "94110",
        "sku": "LAMP-01",
        "supplier": "Bright Home Supply",
    } | order_fields
    cases = [
        {"order": order, "decided_at": "2026-11-06T12:00:00Z", "actual": {"next_move": "chase_supplier"}}
    ]
    return json.dumps({"format": "staletrack.bundle/2", "cases": cases}).encode()


def replayed_case_type(**order_fields) -> str:
    (item,) = replayed_bundle(read_bundle(bundle(**order_fields))).replayed
    return item.packet["case_type"]


def test_a_cancellation_after_the_decision_is_not_seen_at_the_decision():
    assert replayed_case_type(cancelled_at="2026-11-06T12:00:01Z") == "supplier_silence"
    assert replayed_case_type(cancelled_at="2026-11-06T12:00:00Z") == "cancelled"


def test_a_fulfilment_after_the_decision_is_not_seen_at_the_decision():
    assert replayed_case_type(fulfilled_at="2026-11-06T12:00:01Z") == "supplier_silence"
    assert replayed_case_type(fulfilled_at="2026-11-05T12:00:00Z") == "fulfilled_no_tracking"
