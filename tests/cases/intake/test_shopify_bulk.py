"""`import_shopify_bulk`: a Shopify bulk operation's JSONL (tests/data/webhooks/shopify/bulk_orders.jsonl, its
query beside it and its origin in SOURCES.md) brings orders with their numbers in, once, all or nothing."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cases.intake.shopify_bulk import BulkError, read_bulk
from cases.models import LineItem, Order, Parcel, TrackingEvent

DATA = Path(__file__).resolve().parents[2] / "data" / "webhooks" / "shopify" / "bulk_orders.jsonl"


def lines() -> list[bytes]:
    return DATA.read_bytes().splitlines(keepends=True)


def test_children_found_by_their_parent_wherever_their_lines_are():
    orders = {bulk.order.order_id: bulk for bulk in read_bulk(lines())}
    assert [len(orders[name].order.rows) for name in ("#1001", "#1002", "#1003")] == [2, 1, 2]
    assert orders["#1003"].order.rows[0]["Lineitem name"] == "Custom item (no SKU)"
    delivered = orders["#1003"].numbers[0].tracker_events[0]
    assert (delivered.status, delivered.approximate) == ("delivered", False)  # Shopify's own time


@pytest.mark.parametrize(
    ("line", "error"),
    [  # the sample has 8 lines
        (b"{not json\n", "line 9: the line is not valid JSON"),
        (
            b'{"id": "gid://shopify/LineItem/9", "__parentId": "gid://shopify/Order/1"}\n',
            "line 9: __parentId",
        ),
        (b"[]\n", "line 9: is not a JSON object"),
    ],
)
def test_a_bad_line_is_named(line, error):
    with pytest.raises(BulkError, match=error):
        read_bulk([*lines(), line])


@pytest.mark.django_db
def test_the_command_imports_orders_numbers_and_deliveries_once():
    out = StringIO()
    call_command("import_shopify_bulk", str(DATA), stdout=out)
    assert "3 orders (3 new, 0 updated), 3 tracking numbers" in out.getvalue()
    order = Order.objects.get(order_id="#1003")
    assert LineItem.objects.filter(order=order).count() == 2
    assert Parcel.objects.filter(order=order).count() == 2
    assert TrackingEvent.objects.filter(status="delivered").count() == 2
    assert Order.objects.get(order_id="#1002").cancelled_at is not None
    call_command("import_shopify_bulk", str(DATA), stdout=out)  # again: nothing new
    assert (Order.objects.count(), Parcel.objects.count(), TrackingEvent.objects.count()) == (3, 3, 2)


@pytest.mark.django_db
def test_a_file_with_a_bad_line_imports_nothing(tmp_path):
    bad = tmp_path / "bulk.jsonl"
    bad.write_bytes(b"".join(lines()) + b"{not json\n")
    with pytest.raises(CommandError, match="line 9"):
        call_command("import_shopify_bulk", str(bad), stdout=StringIO())
    assert not Order.objects.exists()
