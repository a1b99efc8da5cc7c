"""Facts of orders with several line items and parcels, from the database (rules.md section 3a): the same
line items, parcels and shared numbers as the bundle they were imported from (`bundle_facts`)."""

import json
from datetime import UTC, datetime

import pytest

from cases.assessment.facts import LineItem
from cases.intake.bundle_import import import_bundle
from cases.intake.bundles.facts import bundle_facts
from cases.intake.bundles.reader import read_bundle
from cases.models import LineItem as StoredLineItem
from cases.models import Order, Parcel
from cases.selectors.facts import facts_for_orders

UPS = "1Z999AA10123456784"
USPS = "9400111899223818218407"
S10 = "RR123456785CN"
AS_OF = datetime(2026, 11, 20, tzinfo=UTC)


def order(order_id: str, line_items: list[dict]) -> dict:
    return {
        "order_id": order_id,
        "ordered_at": "2026-11-02T09:15:00Z",
        "country": "US",
        "postal_code": "94110",
        "customer_email": f"{order_id[1:]}@example.com",
        "line_items": line_items,
    }


def parcel(number: str | None, skus=None, superseded_at=None, events=()) -> dict:
    found = {"number": number, "events": list(events)} if number else {}
    if skus is not None:
        found["skus"] = skus
    if superseded_at is not None:
        found["superseded_at"] = superseded_at
    return found


# Events belong to the number, not to one order's parcel: every parcel of a number gives them all.
USPS_EVENTS = [{"at": "2026-11-04T03:00:00Z", "status": "info_received"}]

SEVERAL = {
    "format": "staletrack.bundle/2",
    "cases": [
        {
            # Two items, one without a SKU; a wrong number replaced, a second parcel sharing a number with
            # #3002, and a parcel without a number yet.
            "order": order(
                "#3001",
                [
                    {
                        "sku": "LAMP-01",
                        "title": "Sunset lamp",
                        "supplier": "Bright Home Supply",
                        "quantity": 2,
                    },
                    {"title": "Blue mug", "supplier": "Mug Makers"},
                ],
            ),
            "parcels": [
                parcel(USPS, ["lamp-01"], "2026-11-05T10:00:00Z", USPS_EVENTS),
                parcel(UPS, ["LAMP-01"], events=[{"at": "2026-11-06T03:00:00Z", "status": "in_transit"}]),
                parcel(S10, ["Blue mug"]),
                parcel(None, ["Blue mug"]),
            ],
        },
        {
            # One parcel, all items: the one-parcel shape; its number is #3001's third parcel's.
            "order": order("#3002", [{"sku": "CUP-02", "title": "Cup", "supplier": "Mug Makers"}]),
            "parcels": [parcel(S10)],
        },
        {
            # USPS only on a superseded parcel of #3001: not shared; the same number twice on this order.
            "order": order("#3003", [{"sku": "CUP-02", "title": "Cup", "supplier": "Mug Makers"}]),
            "parcels": [parcel(USPS, events=USPS_EVENTS), parcel(USPS, ["CUP-02"], events=USPS_EVENTS)],
        },
    ],
}


@pytest.fixture
def imported(db):
    raw = json.dumps(SEVERAL).encode()
    bundle = read_bundle(raw)
    import_bundle(bundle, raw=raw)
    return bundle


def stored_facts():
    pks = list(Order.objects.order_by("order_id").values_list("pk", flat=True))
    return {facts.order.order_id: facts for facts in facts_for_orders(pks, AS_OF, with_peers=False).facts}


def test_facts_from_the_database_are_the_bundles(imported):
    stored = stored_facts()
    for expected in bundle_facts(imported):
        found = stored[expected.order.order_id]
        assert found.order.line_items == expected.order.line_items
        assert (found.order.sku, found.order.supplier) == (expected.order.sku, expected.order.supplier)
        assert found.all_parcels() == expected.all_parcels()


def test_several_parcels_are_given_in_order_and_one_parcel_in_its_own_shape(imported):
    stored = stored_facts()
    several = stored["#3001"]
    assert several.tracking is None
    assert [(p.tracking.number if p.tracking else None, p.skus) for p in several.parcels] == [
        (USPS, ("LAMP-01",)),
        (UPS, ("LAMP-01",)),
        (S10, ("Blue mug",)),
        (None, ("Blue mug",)),
    ]
    assert several.parcels[0].superseded_at == datetime(2026, 11, 5, 10, tzinfo=UTC)
    assert several.order.line_items == (
        LineItem("LAMP-01", "Bright Home Supply", "Sunset lamp", 2),
        LineItem("Blue mug", "Mug Makers", "Blue mug", 1),
    )
    one = stored["#3002"]
    assert one.parcels == () and one.tracking.number == S10
    assert [o.order_id for o in one.tracking.shared_with] == ["#3001"]
    assert [o.order_id for o in several.parcels[2].tracking.shared_with] == ["#3002"]


def test_a_number_twice_on_one_order_is_not_shared_with_itself(imported):
    twice = stored_facts()["#3003"]
    assert [p.tracking.number for p in twice.parcels] == [USPS, USPS]
    # #3001 holds USPS only through a superseded parcel: it no longer holds that number; its superseded
    # parcel still lists who does.
    assert all(p.tracking.shared_with == () for p in twice.parcels)
    superseded = stored_facts()["#3001"].parcels[0]
    assert [o.order_id for o in superseded.tracking.shared_with] == ["#3003"]


def test_importing_the_bundle_again_changes_nothing(imported):
    raw = json.dumps(SEVERAL).encode()
    before = (Parcel.objects.count(), StoredLineItem.objects.count())
    summary = import_bundle(read_bundle(raw), raw=raw)
    assert not summary.changed, summary.describe()
    assert (Parcel.objects.count(), StoredLineItem.objects.count()) == before == (7, 4)


def test_an_item_without_sku_is_a_product_keyed_by_title(imported):
    item = StoredLineItem.objects.select_related("product").get(order__order_id="#3001", position=1)
    assert (item.product.sku, item.product.keyed_by_title, item.product.supplier.name) == (
        "Blue mug",
        True,
        "Mug Makers",
    )
    assert Order.objects.get(order_id="#3001").product.sku == "LAMP-01"


def test_facts_of_parcels_take_a_fixed_number_of_queries(imported, django_assert_max_num_queries):
    pks = list(Order.objects.values_list("pk", flat=True))
    with django_assert_max_num_queries(12):
        facts_for_orders(pks, AS_OF, with_peers=False)
