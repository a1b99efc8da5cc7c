"""Orders imports write every line item (rules.md section 3a; docs/imports-orders.md): Shopify's rows of an
order, the staletrack CSV's line-item rows, each with its own key, title, quantity and vendor; re-importing
changes nothing; an order whose lines changed has them replaced, audited with the order's update.

Every test runs through the batched engine and, on PostgreSQL, through the COPY engine too (whole, and in
two halves at once): both must write the same rows.
"""

from __future__ import annotations

import pytest

from cases.intake import orders_copy
from cases.intake.order_import import import_orders
from cases.intake.orders_csv import Msg
from cases.models import AuditEvent, LineItem, Order
from suppliers.models import Product, Supplier, VendorMapping
from tests.helpers.order_files import SHOPIFY_HEADER, item_row, order_row, shopify

HEADER = [*SHOPIFY_HEADER, "Lineitem requires shipping"]

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["whole", "halves"])
def staging(request, monkeypatch):
    """The COPY engine stages the file whole, or (however small) in two halves at once."""
    monkeypatch.setattr(orders_copy, "HALVES_MIN_BYTES", None if request.param == "whole" else 0)
    return request.param


def run(raw: bytes, engine: str, **kwargs):
    return import_orders(raw, file_name="orders.csv", engine=engine, **kwargs)


def texts(result) -> list[str]:
    return [str(issue) for issue in result.issues]


def lines_of(order_id: str) -> list[tuple]:
    return [
        (item.position, item.product.sku, item.product.keyed_by_title, item.title, item.quantity)
        for item in LineItem.objects.filter(order__order_id=order_id).select_related("product")
    ]


def stored() -> dict:
    """Every stored row an import writes, with its id and last change: equal means nothing was written."""
    return {
        "orders": sorted(Order.objects.values_list("pk", "updated_at", "product_id")),
        "line_items": sorted(LineItem.objects.values_list("pk", "order_id", "position", "product_id")),
        "products": Product.objects.count(),
        "suppliers": Supplier.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def two_vendors() -> bytes:
    """#1: a lamp from ACME (mapped), a gift card (left out), slippers without SKU from Yiwu (3 of them);
    #2: one mug, no quantity given."""
    return shopify(
        order_row("#1", Vendor="ACME Store", **{"Lineitem quantity": "2"}),
        item_row("#1", sku="GIFT-10", item="Gift card", vendor="", **{"Lineitem requires shipping": "false"}),
        item_row(
            "#1", sku="", item="Cloud slippers - Pink / 38", vendor="Yiwu", **{"Lineitem quantity": "3"}
        ),
        order_row("#2", **{"Lineitem sku": "MUG-01", "Lineitem name": "Mug", "Lineitem quantity": ""}),
        header=HEADER,
    )


def test_a_shopify_order_of_two_items_from_two_vendors_gets_two_line_items(engine, staging):
    acme = Supplier.objects.create(name="ACME Lighting")
    VendorMapping.objects.create(vendor="ACME Store", meaning="supplier", supplier=acme)
    result = run(two_vendors(), engine)
    assert texts(result) == [] and result.created == 2
    assert lines_of("#1") == [
        (0, "LAMP-01", False, "Sunset lamp", 2),
        (1, "Cloud slippers - Pink / 38", True, "Cloud slippers - Pink / 38", 3),
    ]
    assert lines_of("#2") == [(0, "MUG-01", False, "Mug", 1)]
    suppliers = dict(Product.objects.values_list("sku", "supplier__name"))
    assert suppliers == {
        "LAMP-01": "ACME Lighting",
        "Cloud slippers - Pink / 38": "Yiwu",
        "MUG-01": "Bright Home Supply",
    }
    assert not Product.objects.filter(sku="GIFT-10").exists()  # gift cards are left out
    order = Order.objects.get(order_id="#1")
    assert order.product.sku == "LAMP-01"  # the first line item's product
    before = stored()
    again = run(two_vendors(), engine)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.describe().startswith("Nothing changed")
    assert stored() == before


def test_an_order_whose_lines_changed_has_them_replaced_and_audited(engine, staging):
    run(two_vendors(), engine)
    seen = AuditEvent.objects.count()
    changed = shopify(
        order_row("#1", Vendor="ACME Store", **{"Lineitem quantity": "1"}),
        item_row("#1", sku="BULB-01", item="Bulb", vendor="Bulbs Co"),
        order_row("#2", **{"Lineitem sku": "MUG-01", "Lineitem name": "Mug", "Lineitem quantity": ""}),
        header=HEADER,
    )
    dry = run(changed, engine, dry_run=True)
    assert dry.counts["update"] == 1 and dry.preview[0].changed == ["line_items"]
    result = run(changed, engine)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert lines_of("#1") == [(0, "LAMP-01", False, "Sunset lamp", 1), (1, "BULB-01", False, "Bulb", 1)]
    assert Product.objects.get(sku="BULB-01").supplier.name == "Bulbs Co"
    assert AuditEvent.objects.count() == seen + 2  # the order's update and the import's own event
    event = AuditEvent.objects.get(action="order_updated_by_import")
    assert event.changes == {
        "line_items": [
            ["2 x LAMP-01 (Sunset lamp)", "3 x Cloud slippers - Pink / 38"],
            ["1 x LAMP-01 (Sunset lamp)", "1 x BULB-01 (Bulb)"],
        ]
    }
    assert run(changed, engine).describe().startswith("Nothing changed")


def test_a_line_item_before_the_one_with_a_sku_is_the_orders_first(engine):
    raw = shopify(
        order_row("#1", **{"Lineitem sku": "", "Lineitem name": "Gift wrap"}),
        item_row("#1", sku="LAMP-01", item="Sunset lamp"),
        header=HEADER,
    )
    run(raw, engine)
    assert Order.objects.get().product.sku == "Gift wrap"
    assert [line[1] for line in lines_of("#1")] == ["Gift wrap", "LAMP-01"]


@pytest.mark.parametrize("quantity", ["0", "-1", "1.5", "two", "1234567890"])
def test_a_quantity_that_is_not_a_whole_number_from_1_is_named(engine, quantity):
    raw = shopify(order_row("#1"), item_row("#1", **{"Lineitem quantity": quantity}), header=HEADER)
    result = run(raw, engine, dry_run=True)
    assert texts(result) == [f"line 3, column 'Lineitem quantity': {Msg.QUANTITY}"]
    assert result.invalid_orders == 1


def test_a_later_line_items_long_key_or_vendor_is_named(engine):
    raw = shopify(
        order_row("#1"),
        item_row("#1", sku="", item="N" * 301),
        item_row("#1", sku="NEW-1", vendor="V" * 201),
        header=HEADER,
    )
    assert texts(run(raw, engine, dry_run=True)) == [
        "line 3, column 'Lineitem name': is longer than 300 characters",
        "line 4, column 'Vendor': is longer than 200 characters",
    ]


STALETRACK_LINES = (
    b"order_id,ordered_at,country,sku,product_title,supplier,quantity,value,currency\n"
    b"#2001,2026-11-02T09:15:00Z,US,LAMP-01,Sunset lamp,Bright Home Supply,2,39.90,USD\n"
    b"#2001,,,,Cloud slippers,Yiwu,,,\n"
    b"#2002,2026-11-04T10:00:00+01:00,GB,MUG-01,Mug,Mugs Ltd,,12.00,GBP\n"
    b"#2002,2026-11-04T10:00:00+01:00,GB,BULB-01,Bulb,Bulbs Co,4,12.00,GBP\n"
)


def test_the_staletrack_csv_takes_line_item_rows(engine, staging):
    result = run(STALETRACK_LINES, engine)
    assert texts(result) == [] and (result.created, result.records) == (2, 4)
    assert lines_of("#2001") == [
        (0, "LAMP-01", False, "Sunset lamp", 2),
        (1, "Cloud slippers", True, "Cloud slippers", 1),
    ]
    assert lines_of("#2002") == [(0, "MUG-01", False, "Mug", 1), (1, "BULB-01", False, "Bulb", 4)]
    assert Product.objects.get(sku="Cloud slippers").supplier.name == "Yiwu"
    before = stored()
    assert run(STALETRACK_LINES, engine).describe().startswith("Nothing changed")
    assert stored() == before


def test_a_staletrack_line_item_row_that_says_another_order_value_is_named(engine):
    raw = STALETRACK_LINES.replace(b"#2001,,,,Cloud", b"#2001,,DE,,Cloud")
    result = run(raw, engine, dry_run=True)
    assert texts(result) == ["line 3, column 'country': conflicts with line 2, where order #2001 has \"US\""]


@pytest.mark.postgres
def test_both_engines_write_the_same_rows(staging):
    written = {}
    for engine in ("batched", "copy"):
        for raw in (two_vendors(), STALETRACK_LINES):
            run(raw, engine)
        items = LineItem.objects.select_related("order", "product__supplier")
        written[engine] = sorted(
            (i.order.order_id, i.position, i.product.sku, i.product.supplier.name, i.title, i.quantity)
            for i in items
        )
        LineItem.objects.all().delete()
        Order.objects.all().delete()
        Product.objects.all().delete()
    assert written["batched"] == written["copy"] != []
