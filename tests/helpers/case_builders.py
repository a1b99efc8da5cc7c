"""Whole CaseFacts for tests: a dull default case (`case`), the common shapes of one, and a case under
other policy numbers (`with_policy`). Its pieces (instants, events, messages, ...) are in `case_pieces`."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from cases.assessment.facts import CaseFacts, OrderFacts, Tracking
from policies.values import PolicyValues
from tests.helpers.case_pieces import T0, at, ev, tracking


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
