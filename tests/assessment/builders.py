"""Small builders for CaseFacts in tests: every field defaults to something dull, times are UTC.

`T0` is the order time of the default case; `at(days, hours)` is an instant relative to it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cases.assessment.facts import (
    CaseFacts,
    CustomerMessage,
    OrderFacts,
    SharedNumberOrder,
    SupplierChase,
    SupplierEvidence,
    Tracking,
    TrackingEvent,
)
from policies.values import PolicyValues

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def at(days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def ev(when: datetime, status: str, **fields) -> TrackingEvent:
    return TrackingEvent(at=when, status=status, **fields)


def inbound(when: datetime, text: str = "Where is my order?", intents=None) -> CustomerMessage:
    return CustomerMessage(at=when, direction="inbound", text=text, intents=intents)


def outbound(when: datetime, text: str = "We are looking into it.") -> CustomerMessage:
    return CustomerMessage(at=when, direction="outbound", text=text)


def evidence(when: datetime, kind: str, text: str = "") -> SupplierEvidence:
    return SupplierEvidence(at=when, kind=kind, text=text)


def chase(when: datetime) -> SupplierChase:
    return SupplierChase(at=when)


def shared(order_id: str, email: str, postal: str, ordered_at: datetime = T0) -> SharedNumberOrder:
    return SharedNumberOrder(
        order_id=order_id, customer_email=email, postal_code=postal, ordered_at=ordered_at
    )


def tracking(*events: TrackingEvent, number: str = "LP00412345678901", **fields) -> Tracking:
    normalized = "".join(number.split()).replace("-", "").upper()
    return Tracking(number=number, normalized=normalized, events=tuple(events), **fields)


def order(**fields) -> OrderFacts:
    values = {
        "order_id": "#1",
        "ordered_at": T0,
        "country": "US",
        "sku": "SKU-1",
        "supplier": "Supplier A",
        "customer_email": "ana@example.com",
        "postal_code": "94110",
        "product_title": "Sunset lamp",
        "currency": "USD",
    }
    values.update(fields)
    return OrderFacts(**values)


def case(
    *,
    tracking: Tracking | None = None,
    evidence=(),
    chases=(),
    messages=(),
    policy: PolicyValues | None = None,
    **order_fields,
) -> CaseFacts:
    return CaseFacts(
        order=order(**order_fields),
        policy=policy or PolicyValues(),
        tracking=tracking,
        supplier_evidence=tuple(evidence),
        supplier_chases=tuple(chases),
        customer_messages=tuple(messages),
    )


def in_transit_case(last_move: datetime, **fields) -> CaseFacts:
    """Label at day 1, accepted at day 2, last movement (in_transit) at `last_move`."""
    return case(
        tracking=tracking(ev(at(1), "info_received"), ev(at(2), "accepted"), ev(last_move, "in_transit")),
        **fields,
    )


def label_case(label_at: datetime | None = None, **fields) -> CaseFacts:
    return case(tracking=tracking(ev(label_at or at(1), "info_received")), **fields)


def with_policy(facts: CaseFacts, **numbers) -> CaseFacts:
    return replace(facts, policy=replace(facts.policy, **numbers))
