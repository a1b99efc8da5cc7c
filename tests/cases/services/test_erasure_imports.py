"""An order whose customer's data was erased on request keeps it erased: a later orders file or bundle that
carries the email and postal code again does not bring them back (both order engines, bundles)."""

import json

import pytest

from cases.intake.bundle_import import import_bundle
from cases.intake.bundles.reader import read_bundle
from cases.intake.order_import import import_orders
from cases.models import Order
from cases.services import erasure
from tests.factories import UserFactory
from tests.helpers.order_files import order_row, shopify
from tests.helpers.otp import verified

pytestmark = pytest.mark.django_db


def erased_order(engine) -> Order:
    file = shopify(order_row("#1001", Email="ana@example.com", **{"Shipping Zip": "02134"}))
    assert not import_orders(file, file_name="orders.csv", engine=engine).has_errors
    owner = verified(UserFactory(username="olga", role="Owner"))
    erasure.erase_customer(actor=owner, reason="The customer asked on 2026-12-01.", email="ana@example.com")
    order = Order.objects.get(order_id="#1001")
    assert order.erased_at is not None and order.customer_email == "" and order.postal_code == ""
    return order


def test_an_orders_file_does_not_bring_erased_data_back(engine):
    order = erased_order(engine)
    again = shopify(order_row("#1001", Email="ana@example.com", Total="41.00", **{"Shipping Zip": "02134"}))
    result = import_orders(again, file_name="orders.csv", engine=engine)
    assert not result.has_errors and result.updated == 1  # the other facts still change
    order.refresh_from_db()
    assert (order.customer_email, order.postal_code, str(order.value)) == ("", "", "41.00")


def test_a_bundle_does_not_bring_erased_data_back():
    order = erased_order("batched")
    document = {
        "format": "staletrack.bundle/1",
        "cases": [
            {
                "order": {
                    "order_id": "#1001",
                    "ordered_at": "2026-11-02T14:15:11Z",
                    "customer_email": "ana@example.com",
                    "country": "US",
                    "postal_code": "02134",
                    "sku": "LAMP-01",
                    "supplier": order.product.supplier.name,
                    "value": "39.90",
                    "currency": "USD",
                }
            }
        ],
    }
    import_bundle(read_bundle(json.dumps(document).encode()), raw=b"", actor=None, via="test")
    order.refresh_from_db()
    assert (order.customer_email, order.postal_code) == ("", "")
