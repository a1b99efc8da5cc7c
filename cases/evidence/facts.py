"""The facts an evidence pack is built from, as plain values never changed once built.

`cases.selectors.evidence` loads them from the database; the pack (`cases.evidence.pack`) never sees a
model. Times are timezone-aware datetimes. Only what the models hold is here: an order carries its
destination's country and postal code, not the customer's name, street or city, so neither does this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from policies.values import PolicyValues


@dataclass(frozen=True, slots=True)
class OrderInfo:
    order_id: str  # the store's order id, e.g. "#1001"
    ordered_at: datetime
    customer_email: str = ""
    country: str = ""  # ISO 3166 alpha-2 destination country
    postal_code: str = ""
    value: Decimal | None = None
    currency: str = ""
    payment_state: str = ""
    promise_text: str = ""  # the delivery promise the order carried, as the store gave it
    cancelled_at: datetime | None = None
    fulfilled_at: datetime | None = None
    erased_at: datetime | None = None  # the customer's personal data was erased on request


@dataclass(frozen=True, slots=True)
class Item:
    """One line item: its product (SKU, else title) and what the product page promised."""

    sku: str
    title: str = ""
    quantity: int | None = None  # None: the order predates line items; its one product is the item
    supplier: str = ""
    promise_text: str = ""  # the product page's delivery promise
    promised_delivery_days: int | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One event of a tracking number's timeline, as the carrier or tracker gave it."""

    at: datetime
    status: str  # normalized (rules.md section 3): info_received, accepted, ..., delivered
    raw_status: str = ""
    description: str = ""
    location: str = ""
    country: str = ""
    postal_code: str = ""
    approximate: bool = False  # right within a day (a local time without an offset)
    source: str = ""


@dataclass(frozen=True, slots=True)
class ParcelInfo:
    """One parcel of the order: its tracking number (None: none yet) and that number's whole timeline,
    oldest first."""

    position: int
    number: str | None = None
    carrier: str = ""  # carrier code, given or detected (cases.tracking.formats)
    skus: tuple[str, ...] = ()  # empty: the parcel does not say which items it carries
    superseded_at: datetime | None = None
    superseded_reason: str = ""
    events: tuple[Event, ...] = ()


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """What the supplier proved or claimed (pickup proof, dispatch claim, ...)."""

    at: datetime
    kind: str
    text: str = ""
    attachment: str = ""  # the name of the file kept with it, if any


@dataclass(frozen=True, slots=True)
class Message:
    at: datetime
    direction: str  # inbound (from the customer) or outbound (to the customer)
    text: str = ""
    helpdesk_ticket: str = ""


@dataclass(frozen=True, slots=True)
class DisputeInfo:
    processor: str
    opened_at: datetime
    external_id: str = ""
    kind: str = ""
    reason: str = ""
    network_reason_code: str = ""
    amount: Decimal | None = None
    currency: str = ""
    evidence_due_by: datetime | None = None
    status: str = ""  # needs_response, submitted; won, lost, accepted, or "closed" for who may not see it
    evidence_sent_on: datetime | None = None
    finalized_on: datetime | None = None


@dataclass(frozen=True, slots=True)
class EvidenceFacts:
    order: OrderInfo
    items: tuple[Item, ...] = ()
    parcels: tuple[ParcelInfo, ...] = ()  # in input order
    supplier_evidence: tuple[EvidenceRecord, ...] = ()  # oldest first
    customer_messages: tuple[Message, ...] = ()  # oldest first, both directions
    policy: PolicyValues | None = None  # the version in force for the order; None: no version is active
    refund_terms: str = ""  # the active version's refund terms as customers see them; "": none written
    disputes: tuple[DisputeInfo, ...] = ()  # in the order they were opened
