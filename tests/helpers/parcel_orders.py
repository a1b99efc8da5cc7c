"""An order in two parcels from two suppliers, imported as a version 2 bundle and assessed: a lamp (Lumen
Supply, the order's first item) delivered, and a rug (Rug Works) stuck in transit since 2026-11-12, so at
AS_OF the order is stale in transit for the rug (rules.md section 3a). Ordered in the known week."""

import json
from datetime import datetime
from io import StringIO

from django.core.management import call_command

from cases.models import Case
from cases.services.assessment import refresh_cases

AS_OF = datetime.fromisoformat("2026-11-28T12:00:00+00:00")
ORDER = "#3001"


def order_case(order_id: str = ORDER, *, rug_delivered: bool = False) -> dict:
    rug_events = [
        {"at": "2026-11-11T12:00:00Z", "status": "accepted", "country": "CN"},
        {"at": "2026-11-12T12:00:00Z", "status": "in_transit", "country": "US"},
    ]
    if rug_delivered:
        rug_events.append({"at": "2026-11-14T12:00:00Z", "status": "delivered", "country": "US"})
    return {
        "order": {
            "order_id": order_id,
            "ordered_at": "2026-11-10T12:00:00Z",
            "customer_email": "lamp.and.rug@example.com",
            "country": "US",
            "postal_code": "94110",
            "line_items": [
                {"sku": "LAMP-1", "title": "Lamp", "supplier": "Lumen Supply", "quantity": 1},
                {"sku": "RUG-1", "title": "Rug", "supplier": "Rug Works", "quantity": 1},
            ],
            "value": "80.00",
            "currency": "USD",
            "payment_state": "paid",
        },
        "parcels": [
            {
                "number": "LP00530000000001",
                "carrier": None,
                "skus": ["LAMP-1"],
                "events": [
                    {"at": "2026-11-11T12:00:00Z", "status": "accepted", "country": "CN"},
                    {"at": "2026-11-14T12:00:00Z", "status": "delivered", "country": "US"},
                ],
            },
            {"number": "LP00530000000002", "carrier": None, "skus": ["RUG-1"], "events": rug_events},
        ],
    }


def import_and_assess(tmp_path, *cases: dict, as_of: datetime = AS_OF) -> None:
    """Import `cases` (default: the lamp and rug order) as a version 2 bundle and assess them at `as_of`."""
    document = {
        "format": "staletrack.bundle/2",
        "as_of": as_of.isoformat(),
        "cases": list(cases or [order_case()]),
    }
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(document))
    call_command("import_cases", str(path), stdout=StringIO())
    refresh_cases(Case.objects.values_list("order_id", flat=True), as_of=as_of)
