"""Bundles with past decisions for the replay tests (issue 9).

`basic_with_actuals` is the spec's basic.json with every case decided at the bundle's as_of (so the packets
are those of basic.expected.json) and actuals picked so that some agree and some do not:

| order | packet (basic.expected.json)              | actual                                   |
|-------|-------------------------------------------|------------------------------------------|
| #1001 | chase_supplier, supplier_chase            | chase_supplier, supplier_chase           |
| #1002 | wait, normal_watch                        | wait, customer_update (risk differs)     |
| #1003 | draft_update, customer_update             | wait, normal_watch (both differ)         |
| #1004 | request_proof, refund_risk                | request_proof, refund_risk               |
| #1005 | chase_supplier, supplier_chase            | risk supplier_chase only (no next move)  |
| #1006 | draft_update, customer_update             | escalate, owner_only (both differ)       |
| #1007 | prepare_refund_review, refund_risk        | prepare_refund_review, refund_risk       |
| #1008 | request_proof, supplier_chase             | request_proof                            |
| #1009 | request_proof, supplier_chase             | none (decided_at only)                   |
"""

import copy
import json
from pathlib import Path

AS_OF = "2026-11-20T12:00:00Z"

ACTUALS = {
    "#1001": {"next_move": "chase_supplier", "risk_level": "supplier_chase", "outcome": "pickup proof came"},
    "#1002": {"next_move": "wait", "risk_level": "customer_update"},
    "#1003": {"next_move": "wait", "risk_level": "normal_watch", "outcome": "delivered 3 days later"},
    "#1004": {"next_move": "request_proof", "risk_level": "refund_risk", "outcome": "refunded"},
    "#1005": {"risk_level": "supplier_chase"},
    "#1006": {"next_move": "escalate", "risk_level": "owner_only", "outcome": "replacement sent"},
    "#1007": {"next_move": "prepare_refund_review", "risk_level": "refund_risk", "outcome": "refunded"},
    "#1008": {"next_move": "request_proof"},
    "#1009": None,
}


def basic_document(spec_dir: Path) -> dict:
    return json.loads((spec_dir / "examples" / "basic.json").read_text())


def basic_with_actuals(spec_dir: Path, actuals: dict | None = None, decided_at: str = AS_OF) -> dict:
    document = basic_document(spec_dir)
    for case in document["cases"]:
        actual = (ACTUALS if actuals is None else actuals).get(case["order"]["order_id"])
        case["decided_at"] = decided_at
        if actual is not None:
            case["actual"] = copy.deepcopy(actual)
    return document


def write_bundle(tmp_path: Path, document: dict, name: str = "past.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def lamp_orders() -> dict:
    """Three orders of one SKU, each with an unanswered customer message a day after it was placed (so
    each is a problem case for the product review of rules.md section 6, overlay 5), placed on
    Nov 2, 5 and 6. #L1 is decided on Nov 4, before the others exist; #L3 on Nov 8, when all three do."""

    def case(order_id, day, decided_day):
        return {
            "order": {
                "order_id": order_id,
                "ordered_at": f"2026-11-{day:02d}T09:00:00Z",
                "customer_email": f"{order_id[1:].lower()}@example.com",
                "country": "US",
                "postal_code": "94110",
                "sku": "LAMP-01",
                "supplier": "Bright Home Supply",
            },
            "customer_messages": [
                {"at": f"2026-11-{day + 1:02d}T09:00:00Z", "direction": "inbound", "text": "Where is it?"}
            ],
            "decided_at": f"2026-11-{decided_day:02d}T12:00:00Z",
            "actual": {"next_move": "draft_update"},
        }

    return {
        "format": "staletrack.bundle/1",
        "cases": [case("#L1", 2, 4), case("#L2", 5, 7), case("#L3", 6, 8)],
    }
