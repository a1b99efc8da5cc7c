"""Orders for the evidence pack's tests, as plain facts (`facts`, `parcel`, `event`, ...) and stored
(`store_order`): a parcel delivered to the order's address, one stuck at its label, one in transit, one
delivered to another postal code. Times are UTC around T0 (the order time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from cases.evidence.facts import (
    DisputeInfo,
    Event,
    EvidenceFacts,
    EvidenceRecord,
    Item,
    Message,
    OrderInfo,
    ParcelInfo,
)
from cases.models import (
    CustomerMessage,
    Dispute,
    LineItem,
    Parcel,
    SupplierEvidence,
    TrackingEvent,
    TrackingNumber,
)
from policies.values import PolicyValues
from tests.factories import OrderFactory, ProductFactory, SupplierFactory

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
NUMBER = "1Z999AA10123456784"  # a UPS number whose check digit holds


def at(days: float, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


# -- plain facts ---------------------------------------------------------------------------------------


def event(days: float, status: str, **fields) -> Event:
    return Event(at=at(days), status=status, **fields)


def delivered_timeline(**delivered_fields) -> tuple[Event, ...]:
    delivered = {
        "description": "Delivered, front door",
        "location": "San Francisco",
        "postal_code": "94110",
        "country": "US",
    }
    delivered.update(delivered_fields)
    return (
        event(1, "info_received", description="Shipment information received"),
        event(2, "accepted", description="Picked up", location="Shenzhen", country="CN"),
        event(6, "in_transit", description="Arrived at facility", location="Los Angeles", country="US"),
        event(9, "out_for_delivery", location="San Francisco", country="US"),
        event(9.3, "delivered", **delivered),
    )


def label_timeline() -> tuple[Event, ...]:
    return (event(1, "info_received", description="Label created, shipment information sent to UPS"),)


def in_transit_timeline() -> tuple[Event, ...]:
    return (
        event(1, "info_received"),
        event(2, "accepted", description="Picked up", location="Shenzhen", country="CN"),
        event(4, "in_transit", description="Departed from facility", location="Hong Kong", country="HK"),
    )


def parcel(*events: Event, number: str | None = NUMBER, carrier: str = "ups", **fields) -> ParcelInfo:
    return ParcelInfo(position=0, number=number, carrier=carrier if number else "", events=events, **fields)


def stripe_inr(**fields) -> DisputeInfo:
    values = {
        "processor": "stripe",
        "opened_at": at(20),
        "external_id": "dp_1Abc",
        "kind": "chargeback",
        "reason": "product_not_received",
        "network_reason_code": "13.1",
        "amount": Decimal("29.90"),
        "currency": "USD",
        "evidence_due_by": at(30),
        "status": "needs_response",
    }
    values.update(fields)
    return DisputeInfo(**values)


def facts(*parcels: ParcelInfo, disputes=(), messages=None, evidence=(), **order_fields) -> EvidenceFacts:
    order = {
        "order_id": "#1001",
        "ordered_at": T0,
        "customer_email": "ana@example.com",
        "country": "US",
        "postal_code": "94110",
        "value": Decimal("29.90"),
        "currency": "USD",
        "payment_state": "disputed",
    }
    order.update(order_fields)
    if messages is None:
        messages = (
            Message(at(12), "inbound", "Hi, my lamp has not arrived. Where is it?"),
            Message(at(12.5), "outbound", "We are looking into it with the carrier."),
            Message(at(15), "inbound", "Still nothing. I will ask my bank."),
        )
    return EvidenceFacts(
        order=OrderInfo(**order),
        items=(Item("LAMP-01", "Sunset lamp", 1, "Bright Home", "Ships in 7-12 business days", 12),),
        parcels=tuple(parcels),
        supplier_evidence=tuple(evidence),
        customer_messages=tuple(messages),
        policy=PolicyValues(version="v1"),
        disputes=tuple(disputes),
    )


def pickup_proof() -> EvidenceRecord:
    return EvidenceRecord(
        at(2), "pickup_proof", "Carrier receipt: UPS picked up 1 parcel", "evidence/2026/11/r.png"
    )


# -- stored orders ---------------------------------------------------------------------------------------

TIMELINES = {
    "delivered": delivered_timeline,
    "label": label_timeline,
    "in_transit": in_transit_timeline,
    "wrong_address": lambda: delivered_timeline(postal_code="10001", location="New York"),
}


def number_of(order_id: str, position: int = 0) -> str:
    """#1001's first parcel carries NUMBER; any other parcel a UPS-shaped number of its own."""
    if order_id == "#1001" and position == 0:
        return NUMBER
    digits = "".join(c for c in order_id if c.isdigit())
    return f"1Z999AA1{digits:0>8}{position:02d}"


def store_order(kind: str = "delivered", *, order_id: str = "#1001", dispute: bool = True, parcels: int = 1):
    """An order with `parcels` parcels (each with its own number, `number_of`) whose timelines are `kind`,
    three customer messages, the supplier's pickup proof and (with `dispute`) a Stripe "item not received"
    dispute."""
    product = ProductFactory(
        sku="LAMP-01",
        title="Sunset lamp",
        supplier=SupplierFactory(name="Bright Home"),
        promise_text="Ships in 7-12 business days",
    )
    order = OrderFactory(order_id=order_id, ordered_at=T0, customer_email="ana@example.com", product=product)
    LineItem.objects.create(order=order, product=product, title="Sunset lamp", quantity=1, position=0)
    for position in range(parcels):
        number = number_of(order_id, position)
        tracking = TrackingNumber.objects.create(number=number, normalized=number, carrier="ups")
        Parcel.objects.create(order=order, tracking_number=tracking, position=position)
        # Written newest first: the pack reads them in time order whatever the order they were stored in.
        for e in reversed(TIMELINES[kind]()):
            TrackingEvent.objects.create(
                tracking_number=tracking,
                at=e.at,
                status=e.status,
                description=e.description,
                location=e.location,
                country=e.country,
                postal_code=e.postal_code,
            )
    CustomerMessage(
        order=order, at=at(15), direction="inbound", text="Still nothing. I will ask my bank."
    ).save()
    CustomerMessage(order=order, at=at(12), direction="inbound", text="My lamp has not arrived.").save()
    CustomerMessage(order=order, at=at(12.5), direction="outbound", text="We are looking into it.").save()
    SupplierEvidence(order=order, at=at(2), kind="pickup_proof", text="UPS picked up 1 parcel").save()
    if dispute:
        # Straight into the table: the writing service (cases.services.disputes) has tests of its own.
        Dispute.objects.create(
            order=order,
            processor="stripe",
            external_id=f"dp_{order.pk}",
            reason="product_not_received",
            network_reason_code="13.1",
            amount=Decimal("29.90"),
            currency="USD",
            opened_at=at(20),
            evidence_due_by=at(30),
        )
    return order
