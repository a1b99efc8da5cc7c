"""Overlays 5-6 on writes: the counts of other orders come from their stored assessments."""

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from cases.intake.bundle_import import import_bundle
from cases.intake.bundles.reader import read_bundle
from cases.models import Case
from cases.selectors.case_states import case_states
from cases.selectors.review_counts import stored_review_counts
from policies.selectors import active_policy_book
from tests.factories import CaseFactory, OrderFactory, ProductFactory, SupplierFactory

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


def stored_case(product, *, risk_rank: int = 2, case_type: str = "stale_in_transit", days_ago: int = 3):
    order = OrderFactory(product=product, ordered_at=timezone.now() - timedelta(days=days_ago))
    return CaseFactory(order=order, risk_rank=risk_rank, case_type=case_type)


def test_counts_for_some_products_include_every_sku_spelled_alike():
    lamp = ProductFactory(sku="LAMP-01")
    stored_case(lamp)
    stored_case(ProductFactory(sku=" lamp-01"))
    stored_case(ProductFactory(sku="Lamp-01  "))
    stored_case(ProductFactory(sku="LAMP 01"))  # inner spaces: another SKU
    counts = stored_review_counts(timezone.now(), active_policy_book(), product_ids=[lamp.pk])
    assert dict(counts.products) == {"lamp-01": 3}


def test_counts_for_some_suppliers_include_every_supplier_spelled_alike():
    mine = SupplierFactory(name="Bright Home Supply")
    stored_case(ProductFactory(sku="A", supplier=mine), case_type="supplier_silence")
    stored_case(
        ProductFactory(sku="B", supplier=SupplierFactory(name="bright home supply ")),
        case_type="supplier_silence",
    )
    stored_case(ProductFactory(sku="C", supplier=SupplierFactory(name="Other")), case_type="supplier_silence")
    counts = stored_review_counts(timezone.now(), active_policy_book(), supplier_ids=[mine.pk])
    assert dict(counts.suppliers) == {"bright home supply": 2}


def test_stored_cases_of_orders_placed_after_as_of_are_not_counted():
    lamp = ProductFactory(sku="LAMP-02")
    stored_case(lamp, days_ago=5)
    late = stored_case(lamp, days_ago=3)
    as_of = late.order.ordered_at - timedelta(seconds=1)
    assert stored_review_counts(as_of, active_policy_book()).products["lamp-02"] == 1


@pytest.mark.django_db
def test_an_order_in_parcels_counts_for_its_headline_parcels_sku_and_supplier(tmp_path):
    """The lamp (the first item) is delivered and the rug stuck: the stored case counts for the rug's SKU
    (rules.md section 3a), in the counts and in the case's stored state alike."""
    from suppliers.models import Product, Supplier
    from tests.helpers.parcel_orders import import_and_assess

    as_of = datetime.fromisoformat("2026-11-22T12:00:00+00:00")  # inside the 14-day review window
    import_and_assess(tmp_path, as_of=as_of)
    assert Case.objects.get().case_type == "stale_in_transit"
    counts = stored_review_counts(as_of, active_policy_book())
    assert counts.products == {"rug-1": 1}
    rug = Product.objects.get(sku="RUG-1")
    assert stored_review_counts(as_of, active_policy_book(), product_ids=[rug.pk]).products == {"rug-1": 1}
    lamp = Product.objects.get(sku="LAMP-1")
    assert stored_review_counts(as_of, active_policy_book(), product_ids=[lamp.pk]).products == {}
    (state,) = case_states(list(Case.objects.values_list("order_id", flat=True))).values()
    assert (state.sku, state.supplier) == ("RUG-1", Supplier.objects.get(name="Rug Works").name)
