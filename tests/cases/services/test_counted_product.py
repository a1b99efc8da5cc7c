"""The product a case counts for (rules.md section 3a): its headline parcel's first item, stored with the
packet, for the scorecard to group by."""

import pytest

from cases.models import Case
from cases.services.assessment import counted_products, refresh_cases
from suppliers.models import Product
from tests.helpers.parcel_orders import AS_OF, ORDER, import_and_assess, order_case

pytestmark = pytest.mark.django_db


def test_an_order_counts_for_its_stuck_parcels_item_not_its_first(tmp_path):
    import_and_assess(tmp_path)
    case = Case.objects.select_related("order__product").get(order__order_id=ORDER)
    assert case.case_type == "stale_in_transit"
    assert case.order.product.sku == "LAMP-1"  # the order's product stays its first item's
    assert case.counted_product == Product.objects.get(sku="RUG-1")


def test_when_its_headline_is_the_first_item_it_counts_for_the_orders_product(tmp_path):
    import_and_assess(tmp_path)
    # The rug arrives: both parcels delivered, the first in input order (the lamp) is the headline.
    import_and_assess(tmp_path, order_case(rug_delivered=True))
    case = Case.objects.get(order__order_id=ORDER)
    assert case.case_type == "delivered"
    assert case.counted_product is None


def test_an_order_of_one_parcel_counts_for_its_own_product(tmp_path):
    single = order_case("#3002")
    single["parcels"] = single["parcels"][1:]
    single["parcels"][0].pop("skus")
    import_and_assess(tmp_path, single)
    assert Case.objects.get(order__order_id="#3002").counted_product is None


def test_an_unchanged_packet_keeps_what_it_counts_for(tmp_path):
    import_and_assess(tmp_path)
    refresh_cases(Case.objects.values_list("order_id", flat=True), as_of=AS_OF)
    assert Case.objects.get(order__order_id=ORDER).counted_product.sku == "RUG-1"


def test_the_headline_item_is_matched_as_the_engine_matches_it(tmp_path):
    """Without regard to case or spaces; an item no line item has counts for the first."""
    import_and_assess(tmp_path)
    case = Case.objects.get(order__order_id=ORDER)
    rug = Product.objects.get(sku="RUG-1").pk
    assert counted_products([{"id": case.pk, "counted_item": "  rug-1 "}]) == {case.pk: rug}
    assert counted_products([{"id": case.pk, "counted_item": "NOPE"}]) == {}
    assert counted_products([{"id": case.pk, "counted_item": "lamp-1"}]) == {}
    assert counted_products([{"id": case.pk, "counted_item": None}]) == {}


def test_the_migration_sets_it_on_cases_already_assessed(tmp_path):
    """A stored packet that does not change is not written again: the migration that adds the column
    sets it from the packets already stored."""
    from importlib import import_module

    from django.apps import apps

    import_and_assess(tmp_path)
    Case.objects.update(counted_product=None)
    import_module("cases.migrations.0021_case_counted_product").set_counted_products(apps, None)
    assert Case.objects.get(order__order_id=ORDER).counted_product.sku == "RUG-1"
