"""Cases in each lane of the default policy (docs/fast-lane.md), imported from a bundle placed relative to
now, and stored cases with any case type, risk and route for the lanes' filters."""

import json
from datetime import timedelta

from django.utils import timezone

from cases.assessment.vocabulary import risk_rank
from cases.intake.bundle_import import import_bundle
from cases.intake.bundles.reader import read_bundle
from cases.models import Case
from tests.factories import CaseFactory

WHERE = "Hello, where is my order? It has been weeks."
REFUND = "Where is my order? I want a refund."
# A reply the guard of rules.md section 8 passes for a parcel in transit, and one it refuses.
FINE = "Your parcel is with the carrier; its last scan was in transit. We are checking with the carrier."
PROMISE = "Good news: your parcel will arrive on Friday."


def lane_case(i: int, kind: str = "fast", *, now=None) -> dict:
    """One bundle case:
    - "fast": in transit, no movement for 10 days (stale), the customer asked where it is: stale in transit
      at customer update, a draft to send;
    - "refund": the same, but the customer asked for a refund: refund risk, owner-only;
    - "exception": a carrier exception yesterday, the customer waiting: carrier exception inside its grace
      at customer update, standard."""
    now = now or timezone.now().replace(microsecond=0)

    def at(days: float) -> str:
        return (now - timedelta(days=days)).isoformat()

    events = [
        {"at": at(18), "status": "info_received"},
        {"at": at(17), "status": "accepted", "description": "Accepted at origin"},
        {"at": at(10), "status": "in_transit", "description": "Departed facility"},
    ]
    if kind == "exception":
        events.append({"at": at(1), "status": "exception", "description": "Delivery attempt failed"})
    return {
        "order": {
            "order_id": f"#L{i}",
            "ordered_at": at(20),
            "customer_email": f"lane{i}@example.com",
            "country": "US",
            "postal_code": "94110",
            "currency": "USD",
            "value": "29.90",
            "sku": f"LANE-{i}",
            "supplier": f"Lane Supplier {i}",
        },
        "tracking": {"number": f"YT{2431230000000000 + i:016d}", "events": events},
        "customer_messages": [
            {"at": at(1), "direction": "inbound", "text": REFUND if kind == "refund" else WHERE}
        ],
    }


def import_lane_cases(*kinds: str, first: int = 0) -> list[Case]:
    """Import one case of each kind (numbered from `first`) and return their cases, in that order."""
    now = timezone.now().replace(microsecond=0)
    cases = [lane_case(first + n, kind, now=now) for n, kind in enumerate(kinds)]
    import_bundle(read_bundle(json.dumps({"format": "staletrack.bundle/1", "cases": cases})))
    by_order = {case.order.order_id: case for case in Case.objects.select_related("order")}
    return [by_order[f"#L{first + n}"] for n in range(len(kinds))]


def stored_case(case_type: str, risk_level: str, route: str = "", **fields) -> Case:
    """A case with these stored columns, never assessed (the lanes' filters read only the columns)."""
    return CaseFactory(
        case_type=case_type,
        risk_level=risk_level,
        risk_rank=risk_rank(risk_level) if risk_level else 0,
        route=route,
        **fields,
    )
