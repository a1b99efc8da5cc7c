"""The SKUs column of a tracking-numbers CSV (rules.md section 3a): each number is a parcel of its own,
carrying the line items its row names by key (SKU, else title); a key the order has no line item for is
the row's error, and nothing is written."""

import pytest

from cases.intake.csvfiles import CsvError
from cases.intake.tracking_import import import_tracking_numbers
from cases.models import LineItem, Parcel
from tests.factories import OrderFactory, ProductFactory
from tests.helpers.tracking_files import csv

UPS = "1Z999AA10123456784"
USPS = "9400111899223818218407"


@pytest.fixture
def two_items(db, queued):
    """#1042: a lamp (LAMP-01) and a mug known by its title."""
    lamp = ProductFactory(sku="LAMP-01")
    order = OrderFactory(order_id="#1042", product=lamp)
    mug = ProductFactory(sku="Blue mug", keyed_by_title=True)
    LineItem.objects.create(order=order, product=lamp, title="Sunset lamp", position=0)
    LineItem.objects.create(order=order, product=mug, title="Blue mug", position=1)
    return order


def parcels(order) -> list[tuple[str, list[str]]]:
    return [
        (p.tracking_number.number, p.skus) for p in Parcel.objects.filter(order=order).order_by("position")
    ]


def test_each_number_is_a_parcel_carrying_the_skus_its_row_names(two_items):
    raw = csv(f"order_id,tracking_number,SKUs\n#1042,{UPS},lamp-01\n#1042,{USPS},LAMP-01; blue MUG\n")
    summary = import_tracking_numbers(raw)
    assert parcels(two_items) == [(UPS, ["LAMP-01"]), (USPS, ["LAMP-01", "Blue mug"])]
    assert summary.created["parcels"] == 2
    assert not import_tracking_numbers(raw).changed


def test_keys_may_be_separated_by_commas_and_an_empty_cell_says_nothing(two_items):
    import_tracking_numbers(
        csv(f'order_id,tracking_number,skus\n#1042,{UPS},"LAMP-01, Blue mug"\n#1042,{USPS},\n')
    )
    assert parcels(two_items) == [(UPS, ["LAMP-01", "Blue mug"]), (USPS, [])]


def test_an_unknown_key_is_the_rows_error_and_nothing_is_written(two_items):
    raw = csv(f"order_id,tracking_number,SKUs\n#1042,{UPS},LAMP-01\n#1042,{USPS},LAMP-02\n")
    with pytest.raises(CsvError) as caught:
        import_tracking_numbers(raw)
    assert [str(issue) for issue in caught.value.issues] == [
        "line 3, column 'skus': 'LAMP-02' is not a line item of order #1042 (line items: LAMP-01, Blue mug)"
    ]
    assert not Parcel.objects.exists()


def test_an_order_stored_without_line_items_has_its_product_as_its_one_item(db, queued):
    order = OrderFactory(order_id="#1043", product=ProductFactory(sku="CUP-02"))
    import_tracking_numbers(csv(f"order_id,tracking_number,SKUs\n#1043,{UPS},cup-02\n"))
    assert parcels(order) == [(UPS, ["CUP-02"])]
    with pytest.raises(CsvError, match="'LAMP-01' is not a line item of order #1043"):
        import_tracking_numbers(csv(f"order_id,tracking_number,SKUs\n#1043,{USPS},LAMP-01\n"))
