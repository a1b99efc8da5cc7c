"""Facts from the database (issue: a bounded number of queries, whatever the number of orders)."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Order, Parcel, TrackingEvent, TrackingNumber
from cases.selectors.facts import facts_for_orders
from cases.services.assessment import packets_for_orders
from cases.tracking.detect import checksum_invalid, detect, number_standing
from policies.selectors import active_policy_book
from tests.factories import OrderFactory, ProductFactory, SupplierFactory

pytestmark = pytest.mark.django_db
AS_OF = datetime(2026, 11, 20, 12, tzinfo=UTC)


def orders_with_history(count: int, product) -> list[int]:
    pks = []
    for _ in range(count):
        order = OrderFactory(product=product, ordered_at=AS_OF - timedelta(days=5))
        serial = f"YT{TrackingNumber.objects.count():016d}"
        number = TrackingNumber.objects.create(number=serial, normalized=serial)
        Parcel.objects.create(order=order, tracking_number=number)
        TrackingEvent.objects.create(
            tracking_number=number, at=AS_OF - timedelta(days=4), status="info_received"
        )
        pks.append(order.pk)
    return pks


def queries_for(pks) -> int:
    book = active_policy_book()
    with CaptureQueriesContext(connection) as captured:
        facts_for_orders(pks, AS_OF, book)
    return len(captured)


def test_loading_facts_takes_the_same_number_of_queries_for_three_orders_as_for_thirty():
    few = orders_with_history(3, ProductFactory(sku="FEW"))
    many = orders_with_history(30, ProductFactory(sku="MANY"))
    assert queries_for(few) == queries_for(many)


def test_facts_carry_the_other_orders_that_share_a_tracking_number(spec_dir):
    call_command("import_cases", str(spec_dir / "examples" / "basic.json"), stdout=StringIO())
    pk = Order.objects.get(order_id="#1008").pk
    (facts,) = facts_for_orders([pk], AS_OF).facts
    assert [other.order_id for other in facts.tracking.shared_with] == ["#1009"]


def test_peers_on_the_same_sku_are_loaded_for_the_review_count():
    product = ProductFactory(sku="PEER")
    first, *_others = orders_with_history(4, product)
    loaded = facts_for_orders([first], AS_OF)
    assert len(loaded.facts) == 1
    assert len(loaded.peers) == 3


# --- rules.md version 2 ----------------------------------------------------------------------------


def with_number(order, number: str) -> TrackingNumber:
    normalized = number.replace("-", "").upper()
    tracking = TrackingNumber.objects.create(number=number, normalized=normalized)
    Parcel.objects.create(order=order, tracking_number=tracking)
    return tracking


def test_the_order_life_and_approximate_event_times_are_loaded():
    order = OrderFactory(
        ordered_at=AS_OF - timedelta(days=5),
        cancelled_at=AS_OF - timedelta(days=1),
        fulfilled_at=AS_OF - timedelta(days=2),
    )
    number = with_number(order, "LP00412345678901")
    TrackingEvent.objects.create(
        tracking_number=number, at=AS_OF - timedelta(days=4), status="accepted", approximate=True
    )
    TrackingEvent.objects.create(tracking_number=number, at=AS_OF - timedelta(days=3), status="in_transit")
    (facts,) = facts_for_orders([order.pk], AS_OF).facts
    assert facts.order.cancelled_at == AS_OF - timedelta(days=1)
    assert facts.order.fulfilled_at == AS_OF - timedelta(days=2)
    assert [event.approximate for event in facts.tracking.events] == [True, False]
    assert facts.tracking.fits_no_format is False


def test_an_order_without_a_cancellation_or_fulfilment_loads_none():
    order = OrderFactory(ordered_at=AS_OF - timedelta(days=5))
    (facts,) = facts_for_orders([order.pk], AS_OF).facts
    assert (facts.order.cancelled_at, facts.order.fulfilled_at) == (None, None)
    assert facts.tracking is None


def test_a_number_fitting_no_carrier_format_is_loaded_as_such_and_assessed_wrong_tracking():
    order = OrderFactory(ordered_at=AS_OF - timedelta(days=1))
    with_number(order, "ZZ-1234")
    (facts,) = facts_for_orders([order.pk], AS_OF).facts
    assert facts.tracking.fits_no_format is True
    assert facts.tracking.checksum_invalid is False
    (packet,) = packets_for_orders([order.pk], AS_OF)
    assert packet["case_type"] == "wrong_tracking"
    assert "the tracking number fits no known carrier format" in packet["evidence_gaps"]


@pytest.mark.parametrize(
    "number",
    [
        "1Z999AA10123456784",
        "1Z999AA10123456785",
        "RR123456785CN",
        "RR123456789CN",
        "LP00412345678901",
        "number123",
        "",
    ],
)
def test_one_pass_gives_the_carriers_checksum_reading_and_whether_any_format_fits(number):
    assert number_standing(number) == (checksum_invalid(number), bool(number) and not detect(number))


def test_peers_on_a_sku_spelled_in_another_case_or_with_spaces_are_loaded():
    first, *_ = orders_with_history(2, ProductFactory(sku="LAMP-01"))
    orders_with_history(1, ProductFactory(sku=" lamp-01 "))
    orders_with_history(1, ProductFactory(sku="LAMP 01"))  # another SKU: inner spaces count
    loaded = facts_for_orders([first], AS_OF)
    assert sorted(peer.order.sku for peer in loaded.peers) == [" lamp-01 ", "LAMP-01"]


def test_peers_of_a_supplier_spelled_in_another_case_are_loaded():
    mine = ProductFactory(sku="MINE", supplier=SupplierFactory(name="Bright Home Supply"))
    theirs = ProductFactory(sku="THEIRS", supplier=SupplierFactory(name="bright home supply"))
    first, *_ = orders_with_history(1, mine)
    orders_with_history(2, theirs)
    loaded = facts_for_orders([first], AS_OF)
    assert [peer.order.sku for peer in loaded.peers] == ["THEIRS", "THEIRS"]


def test_peers_placed_after_as_of_are_not_loaded():
    product = ProductFactory(sku="LATE")
    first, *_ = orders_with_history(2, product)
    OrderFactory(product=product, ordered_at=AS_OF + timedelta(seconds=1))
    assert len(facts_for_orders([first], AS_OF).peers) == 1
