"""The facts one assessment reads (spec rules.md section 3), as plain frozen values.

Built from the database by `cases.selectors.facts` or from a case bundle by `cases.intake.bundles.facts`;
the rules never see a model. Times are timezone-aware datetimes; statuses are already normalized
(rules.md section 3) by whoever built the facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from policies.values import PolicyValues


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    at: datetime
    status: str
    raw_status: str = ""
    description: str = ""
    location: str = ""
    country: str = ""
    postal_code: str = ""
    # The carrier gave a local time without an offset, read in the zone of `country` (rules.md section 1).
    approximate: bool = False


@dataclass(frozen=True, slots=True)
class SupplierEvidence:
    at: datetime
    kind: str  # pickup_proof, dispatch_claim, processing_note, restock_note, replacement_source
    text: str = ""


@dataclass(frozen=True, slots=True)
class SupplierChase:
    at: datetime
    channel: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class CustomerMessage:
    at: datetime
    direction: str  # inbound or outbound
    text: str = ""
    # None: read the intents from the text (rules.md section 3); a set given here overrides reading.
    intents: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class SharedNumberOrder:
    """Another order that carries the same normalized tracking number (for `recycled`)."""

    order_id: str
    customer_email: str
    postal_code: str
    ordered_at: datetime


@dataclass(frozen=True, slots=True)
class Tracking:
    number: str  # as the supplier gave it
    normalized: str  # upper case, no spaces or dashes
    carrier: str | None = None  # carrier code, given or detected
    checksum_invalid: bool = False  # rules.md section 3, computed by cases.tracking
    events: tuple[TrackingEvent, ...] = ()  # in input order; the rules sort them
    shared_with: tuple[SharedNumberOrder, ...] = ()
    # The number fits no carrier format cases.tracking knows (detect() finds none): with no carrier event
    # either, nothing says it is a real parcel's number (classify.py, wrong_tracking).
    fits_no_format: bool = False


@dataclass(frozen=True, slots=True)
class OrderFacts:
    order_id: str
    ordered_at: datetime
    country: str
    sku: str
    supplier: str
    customer_email: str = ""
    postal_code: str = ""
    product_title: str = ""
    value: Decimal | None = None
    currency: str = ""
    payment_state: str = "paid"  # paid, refunded, partially_refunded, disputed, cash_on_delivery
    promise_text: str = ""
    cancelled_at: datetime | None = None  # the store cancelled the order (rules.md section 4, row 1)
    fulfilled_at: datetime | None = None  # the store marked it fulfilled (section 4, row 10)


@dataclass(frozen=True, slots=True)
class CaseFacts:
    order: OrderFacts
    policy: PolicyValues = field(default_factory=PolicyValues)
    tracking: Tracking | None = None
    supplier_evidence: tuple[SupplierEvidence, ...] = ()
    supplier_chases: tuple[SupplierChase, ...] = ()
    customer_messages: tuple[CustomerMessage, ...] = ()
