"""Bundles with past decisions for the replay tests, and what those tests read back.

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

`stored_counts()` is what a replay must leave as it is; `replay_command(*args)` the output of
`manage.py replay`.
"""

import copy
import json
import random
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from cases.models import AuditEvent, Case, Order, PastDecision
from tests.helpers.stored_rows import row_counts

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


def many_past_cases(n: int, seed: int = 9) -> dict:
    """`n` past cases for the batching tests: three SKUs of two suppliers, parcels labelled, accepted,
    moving, stalled or delivered, some with an unanswered customer message, decided at many instants
    (several sharing one) between the order and Nov 20, with actuals that sometimes agree, sometimes give
    no next move, sometimes none at all."""
    rng = random.Random(seed)
    moves = ["wait", "chase_supplier", "draft_update", "escalate", "request_proof", "close"]
    risks = ["normal_watch", "supplier_chase", "customer_update", "refund_risk"]
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    cases = []
    for i in range(n):
        ordered = start + timedelta(hours=rng.randrange(0, 40 * 24))
        statuses = ["info_received", "accepted", "in_transit", "in_transit", "delivered"][
            : rng.randrange(0, 6)
        ]
        at, events = ordered, []
        for status in statuses:
            at += timedelta(hours=rng.randrange(6, 24 * 9))
            events.append(
                {"at": _z(at), "status": status, "country": "CN" if status != "delivered" else "US"}
            )
        case = {
            "order": {
                "order_id": f"#M{i:04d}",
                "ordered_at": _z(ordered),
                "customer_email": f"m{i}@example.com",
                "country": "US",
                "postal_code": "94110",
                "sku": f"SKU-M{i % 3}",
                "supplier": f"Supplier M{i % 3 % 2}",
            },
            "decided_at": _z(ordered + timedelta(hours=6 * rng.randrange(1, 4 * 45))),
        }
        if rng.random() < 0.2:
            case["decided_at"] = "2026-11-20T12:00:00Z"  # many decisions at one instant
        if events:
            case["tracking"] = {"number": f"YT{2431220000000000 + i:016d}", "carrier": None, "events": events}
        if rng.random() < 0.3:
            case["customer_messages"] = [
                {"at": _z(ordered + timedelta(days=2)), "direction": "inbound", "text": "Where is my order?"}
            ]
        roll = rng.random()
        if roll < 0.7:
            case["actual"] = {"next_move": rng.choice(moves), "risk_level": rng.choice(risks)}
        elif roll < 0.85:
            case["actual"] = {"risk_level": rng.choice(risks), "outcome": "no move recorded"}
        cases.append(case)
    return {"format": "staletrack.bundle/1", "cases": cases}


def _z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def stored_counts():
    return (
        *row_counts(AuditEvent, Case, Order, PastDecision),
        list(Case.objects.order_by("pk").values_list("packet_digest", "assessed_at", "next_move")),
    )


def replay_command(*args) -> str:
    out = StringIO()
    call_command("replay", *args, stdout=out, stderr=StringIO())
    return out.getvalue()
