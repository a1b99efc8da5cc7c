"""Overlays 5-6 on writes: the counts of other orders come from their stored assessments."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.bundles.reader import read_bundle
from cases.models import Case
from cases.selectors.case_states import case_states
from cases.selectors.review_counts import stored_review_counts
from cases.services.bundle_import import import_bundle
from policies.selectors import active_policy_book

pytestmark = pytest.mark.django_db


def stale_order(order_id: str, sku: str = "LAMP-01") -> dict:
    """In transit, last moved 9 days ago: stale (customer_update), so it counts for product review."""
    now = timezone.now()
    return {
        "order": {
            "order_id": order_id,
            "ordered_at": (now - timedelta(days=12)).isoformat(),
            "country": "US",
            "sku": sku,
            "supplier": "Bright Home Supply",
        },
        "tracking": {
            "number": f"YT24312200000{order_id[1:]:0>5}",
            "events": [{"at": (now - timedelta(days=9)).isoformat(), "status": "in_transit"}],
        },
    }


def import_orders(*cases) -> None:
    import_bundle(read_bundle(json.dumps({"format": "staletrack.bundle/1", "cases": list(cases)})))


def test_stored_cases_are_counted_for_product_review():
    import_orders(stale_order("#1"), stale_order("#2"))
    counts = stored_review_counts(timezone.now(), active_policy_book())
    assert counts.products["lamp-01"] == 2


def test_a_case_assessed_alone_is_flagged_when_stored_cases_bring_the_sku_to_the_threshold():
    import_orders(stale_order("#1"), stale_order("#2"))
    assert "product_review" not in Case.objects.get(order__order_id="#1").flags
    import_orders(stale_order("#3"))
    assert "product_review" in Case.objects.get(order__order_id="#3").flags


def test_the_case_being_reassessed_is_not_counted_twice():
    import_orders(stale_order("#1"), stale_order("#2"))
    case = Case.objects.get(order__order_id="#1")
    counts = stored_review_counts(timezone.now(), active_policy_book())
    assert counts.outside([case_states([case.order_id])[case.order_id]]) == {("product", "lamp-01"): 1}
