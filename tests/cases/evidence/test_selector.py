"""The facts of one order's pack, read from the database in a fixed number of queries, nothing of the ORM
leaving."""

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.evidence.facts import EvidenceFacts
from cases.models import Dispute, Order
from cases.selectors.evidence import evidence_facts, find_order
from tests.helpers.evidence_orders import NUMBER, store_order

pytestmark = pytest.mark.django_db


def plain(value) -> bool:
    """Nothing in `value` is a model instance or a queryset."""
    if dataclasses.is_dataclass(value):
        return all(plain(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, (tuple, list)):
        return all(plain(v) for v in value)
    return not hasattr(value, "_meta") and not hasattr(value, "query")


def test_every_fact_of_the_order_is_read_in_time_order(delivered_order):
    facts = evidence_facts(delivered_order)
    assert isinstance(facts, EvidenceFacts) and plain(facts)
    assert dataclasses.is_dataclass(facts) and facts.__dataclass_params__.frozen
    assert (facts.order.order_id, facts.order.postal_code, facts.order.country) == ("#1001", "94110", "US")
    (parcel,) = facts.parcels
    assert (parcel.number, parcel.carrier) == (NUMBER, "ups")
    # Stored newest first; read in time order, every one of them.
    assert [e.status for e in parcel.events] == [
        "info_received",
        "accepted",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    assert parcel.events[-1].postal_code == "94110"
    assert [(m.direction, m.text) for m in facts.customer_messages] == [
        ("inbound", "My lamp has not arrived."),
        ("outbound", "We are looking into it."),
        ("inbound", "Still nothing. I will ask my bank."),
    ]
    assert [(r.kind, r.text) for r in facts.supplier_evidence] == [("pickup_proof", "UPS picked up 1 parcel")]
    assert [(i.sku, i.quantity, i.promise_text) for i in facts.items] == [
        ("LAMP-01", 1, "Ships in 7-12 business days")
    ]
    assert facts.policy is not None and facts.policy.version.startswith("v")
    (dispute,) = facts.disputes
    assert (dispute.processor, dispute.reason, dispute.status) == (
        "stripe",
        "product_not_received",
        "needs_response",
    )
    assert evidence_facts(delivered_order.pk) == facts


def test_the_queries_do_not_grow_with_parcels_events_or_messages(db):
    small = store_order("label", order_id="#2001")
    large = store_order("delivered", order_id="#2002", parcels=3)

    def queries(order) -> int:
        with CaptureQueriesContext(connection) as captured:
            evidence_facts(order.pk)
        return len(captured)

    assert queries(small) == queries(large) <= 10


def test_an_outcome_shows_only_to_who_may_see_it(delivered_order):
    Dispute.objects.filter(order=delivered_order).update(status="won")
    assert evidence_facts(delivered_order).disputes[0].status == "won"
    assert evidence_facts(delivered_order, show_outcomes=False).disputes[0].status == "closed"


def test_an_unknown_order_raises(db):
    with pytest.raises(Order.DoesNotExist):
        evidence_facts(999_999)


@pytest.mark.parametrize("typed", ["#1001", "1001", " #1001 ", "##1001"])
def test_an_order_is_found_with_or_without_its_hash(delivered_order, typed):
    assert find_order(typed) == delivered_order


def test_an_order_stored_without_a_hash_is_found_with_one(db):
    order = store_order("label", order_id="5001", dispute=False)
    assert find_order("#5001") == order and find_order("5001") == order
    assert find_order("") is None and find_order("#9") is None
