"""Facts from the database (issue: a bounded number of queries, whatever the number of orders)."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Order, OrderTracking, TrackingEvent, TrackingNumber
from cases.selectors.facts import facts_for_orders
from policies.selectors import active_policy_book
from tests.factories import OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db
AS_OF = datetime(2026, 11, 20, 12, tzinfo=UTC)


def orders_with_history(count: int, product) -> list[int]:
    pks = []
    for _ in range(count):
        order = OrderFactory(product=product, ordered_at=AS_OF - timedelta(days=5))
        serial = f"YT{TrackingNumber.objects.count():016d}"
        number = TrackingNumber.objects.create(number=serial, normalized=serial)
        OrderTracking.objects.create(order=order, tracking_number=number)
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
