"""The pieces of CaseFacts for tests: instants around T0, tracking events and numbers, customer messages,
supplier evidence and chases, other orders on a number. Whole cases are in `case_builders`.

Every field defaults to something dull, times are UTC. `T0` is the order time of the default case;
`at(days, hours)` is an instant relative to it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cases.assessment.facts import (
    CustomerMessage,
    SharedNumberOrder,
    SupplierChase,
    SupplierEvidence,
    Tracking,
    TrackingEvent,
)

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


def normalized(number: str) -> str:
    """A tracking number as the rules compare it: upper case, without spaces or dashes."""
    return "".join(number.split()).replace("-", "").upper()


def tracking(*events: TrackingEvent, number: str = "LP00412345678901", **fields) -> Tracking:
    return Tracking(number=number, normalized=normalized(number), events=tuple(events), **fields)
