"""The migration to line items and parcels (rules.md section 3a), on version-1 data: every order gets its
product as its one line item; every stored number is a parcel, the newest in force and each older one
superseded when the next newer one was assigned (version 1 replaced an order's number by the next)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("cases", "0017_safety_fields")
AFTER = ("cases", "0019_line_items_and_parcels_of_stored_orders")
T0 = datetime(2026, 11, 3, 8, tzinfo=UTC)
NUMBERS = ("1Z999AA10123456784", "9400111899223818218407", "RR123456785CN", "LX123456785CN")


def migrate(cases_at=None):
    """The project's models with the cases app at `cases_at` (None: its latest) and every other app at its
    latest, after migrating the database there."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    targets = [node for node in leaves if node[0] != "cases" or cases_at is None]
    if cases_at is not None:
        targets.append(cases_at)
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def back_to_version_1():
    """The database at the migration before parcels; at the latest again afterwards."""
    apps = migrate(BEFORE)
    yield apps
    migrate()


def version_1_data(apps) -> dict[str, int]:
    Supplier = apps.get_model("suppliers", "Supplier")
    Product = apps.get_model("suppliers", "Product")
    Order = apps.get_model("cases", "Order")
    Number = apps.get_model("cases", "TrackingNumber")
    OrderTracking = apps.get_model("cases", "OrderTracking")
    product = Product.objects.create(
        sku="LAMP-01", title="Sunset lamp", supplier=Supplier.objects.create(name="S")
    )
    numbers = [Number.objects.create(number=n, normalized=n) for n in NUMBERS]
    orders = {
        order_id: Order.objects.create(order_id=order_id, ordered_at=T0, product=product).pk
        for order_id in ("#1", "#2", "#3")
    }

    def assign(order_id: str, number, hours: int):
        link = OrderTracking.objects.create(order_id=orders[order_id], tracking_number=number)
        OrderTracking.objects.filter(pk=link.pk).update(assigned_at=T0 + timedelta(hours=hours))

    # #1 had three numbers, the first assigned last in id order; #2 one (shared with #1); #3 none.
    assign("#1", numbers[1], 10)
    assign("#1", numbers[0], 5)
    assign("#1", numbers[2], 20)
    assign("#2", numbers[2], 1)
    return orders


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_order_gets_its_line_item_and_older_numbers_are_superseded(back_to_version_1):
    orders = version_1_data(back_to_version_1)
    apps = migrate(AFTER)
    LineItem = apps.get_model("cases", "LineItem")
    Parcel = apps.get_model("cases", "Parcel")

    items = LineItem.objects.order_by("order_id").values_list(
        "order_id", "product__sku", "title", "quantity", "position"
    )
    assert list(items) == [(orders[o], "LAMP-01", "Sunset lamp", 1, 0) for o in ("#1", "#2", "#3")]

    first = Parcel.objects.filter(order_id=orders["#1"]).order_by("position")
    assert [(p.tracking_number.number, p.position, p.superseded_at, p.superseded_reason) for p in first] == [
        (NUMBERS[0], 0, T0 + timedelta(hours=10), "replaced by a newer number"),
        (NUMBERS[1], 1, T0 + timedelta(hours=20), "replaced by a newer number"),
        (NUMBERS[2], 2, None, ""),
    ]
    (second,) = Parcel.objects.filter(order_id=orders["#2"])
    assert (second.position, second.superseded_at, second.skus) == (0, None, [])
    assert not Parcel.objects.filter(order_id=orders["#3"]).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_facts_of_a_migrated_order_read_its_current_number_as_version_1_did(back_to_version_1):
    from cases.models import Order
    from cases.selectors.facts import facts_for_orders

    orders = version_1_data(back_to_version_1)
    migrate()  # through AFTER to the latest: today's facts loader reads today's tables
    facts = {
        f.order.order_id: f
        for f in facts_for_orders(list(orders.values()), T0 + timedelta(days=9), with_peers=False).facts
    }
    in_force = [p for p in facts["#1"].parcels if p.superseded_at is None]
    assert [p.tracking.number for p in in_force] == [NUMBERS[2]]
    assert [o.order_id for o in in_force[0].tracking.shared_with] == ["#2"]
    assert facts["#2"].tracking.number == NUMBERS[2] and facts["#2"].parcels == ()
    assert facts["#3"].all_parcels() == ()
    assert Order.objects.get(pk=orders["#1"]).product.sku == "LAMP-01"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_packet_is_the_same_after_the_migration_but_for_its_parcels(back_to_version_1):
    """Version 1 read an order's newest number as its tracking; after the migration the order lists every
    number as a parcel, the older ones superseded: the packets (at any instant after the newest number
    was assigned) are the version-1 packets plus `parcels`."""
    from cases.assessment import assess_many
    from cases.selectors.facts import facts_for_orders

    orders = version_1_data(back_to_version_1)
    Event = back_to_version_1.get_model("cases", "TrackingEvent")
    Number = back_to_version_1.get_model("cases", "TrackingNumber")
    for number, status, hours in ((NUMBERS[1], "exception", 12), (NUMBERS[2], "in_transit", 30)):
        Event.objects.create(
            tracking_number=Number.objects.get(number=number), at=T0 + timedelta(hours=hours), status=status
        )
    migrate()
    as_of = T0 + timedelta(days=9)
    loaded = facts_for_orders(list(orders.values()), as_of, with_peers=False).facts
    newest = {
        facts.order.order_id: max(
            (p for p in facts.all_parcels() if p.tracking is not None),
            key=lambda p: p.superseded_at is None,
            default=None,
        )
        for facts in loaded
    }
    version_1 = [
        replace(
            facts,
            parcels=(),
            tracking=newest[facts.order.order_id].tracking if newest[facts.order.order_id] else None,
        )
        for facts in loaded
    ]
    after = [p.to_dict() for p in assess_many(loaded, as_of)]
    before = [p.to_dict() for p in assess_many(version_1, as_of)]
    assert len(after[0]["parcels"]) == 3 and [p["superseded"] for p in after[0]["parcels"]] == [
        True,
        True,
        False,
    ]

    def without_parcels(packet: dict) -> dict:
        return {key: value for key, value in packet.items() if key != "parcels"}

    assert [without_parcels(p) for p in after] == [without_parcels(p) for p in before]
