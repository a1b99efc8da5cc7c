"""Cases placed relative to now, so the clock tests read the same whatever day they run."""

import json
from datetime import timedelta

from django.utils import timezone

from cases.intake.bundle_import import import_bundle
from cases.intake.bundles.reader import read_bundle
from cases.models import Case


def iso(moment) -> str:
    return moment.isoformat()


def label_only_bundle(count: int = 1, *, label_days_ago: float = 1.0, first: int = 0) -> dict:
    """Orders with a label created `label_days_ago` and no scan: inside the 5-day label window."""
    now = timezone.now().replace(microsecond=0)
    cases = []
    for i in range(first, first + count):
        cases.append(
            {
                "order": {
                    "order_id": f"#C{i}",
                    "ordered_at": iso(now - timedelta(days=label_days_ago + 1)),
                    "customer_email": f"c{i}@example.com",
                    "country": "US",
                    "postal_code": "94110",
                    "currency": "USD",
                    "sku": f"CLOCK-{i}",
                    "supplier": f"Clock Supplier {i}",
                },
                "tracking": {
                    "number": f"YT{2431220000000000 + i:016d}",
                    "events": [{"at": iso(now - timedelta(days=label_days_ago)), "status": "info_received"}],
                },
            }
        )
    return {"format": "staletrack.bundle/1", "cases": cases}


def import_label_only_cases(count: int = 1, **kwargs) -> list[Case]:
    """Import the cases and return them (all stored cases, in order id order)."""
    import_bundle(read_bundle(json.dumps(label_only_bundle(count, **kwargs))))
    return list(Case.objects.order_by("order__order_id"))
