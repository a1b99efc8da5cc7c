"""The facts one assessment reads (spec rules.md section 3), as plain values never changed once built.

The values loaders build by the million (orders, parcels, numbers, events, line items) are not frozen
dataclasses: a frozen one's constructor costs about three times a plain one's, and a what-if of a million
cases builds several million. They hash and compare by value all the same, and nothing assigns to them
(`dataclasses.replace` makes a new one).

Built from the database by `cases.selectors.facts` or from a case bundle by `cases.intake.bundles.facts`;
the rules never see a model. Times are timezone-aware datetimes; statuses are already normalized
(rules.md section 3) by whoever built the facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from policies.values import PolicyValues


@dataclass(slots=True, unsafe_hash=True)  # never changed once built (see above)
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


@dataclass(slots=True, unsafe_hash=True)  # never changed once built (see above)
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


@dataclass(slots=True, unsafe_hash=True)  # never changed once built (see above)
class LineItem:
    """One line item of an order (rules.md section 3a)."""

    key: str  # the SKU, else (the store gave none) the item's title: what parcels name it by
    supplier: str
    title: str = ""
    quantity: int = 1


@dataclass(slots=True, unsafe_hash=True)  # never changed once built (see above)
class Parcel:
    """One parcel of an order (rules.md section 3a): a tracking number or none yet, and the items it
    carries. It stops counting once superseded (`superseded_at` <= as_of); until then it is assessed."""

    tracking: Tracking | None = None  # None: no number yet
    skus: tuple[str, ...] = ()  # line item keys as given; empty: the parcel does not say
    superseded_at: datetime | None = None


@dataclass(slots=True, unsafe_hash=True)  # never changed once built (see above)
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
    # Every line item in input order; empty: the order's one item is `sku` and `supplier`. `sku`,
    # `supplier` and `product_title` are always the first line item's.
    line_items: tuple[LineItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Dispute:
    """A chargeback or payment dispute on the order (docs/disputes.md; the spec knows only the payment
    state `disputed`). Each time is when that step became a fact: a replay at an earlier instant does not
    see it yet."""

    opened_at: datetime
    processor: str = ""
    evidence_due_by: datetime | None = None
    submitted_at: datetime | None = None  # the evidence pack was submitted
    closed_at: datetime | None = None  # won, lost or accepted
    outcome: str = ""  # won, lost or accepted, once closed


@dataclass(slots=True, unsafe_hash=True)  # never changed once built (see above)
class CaseFacts:
    """An order and all it knows. Its parcels are `parcels` when given; else `tracking` is its one parcel
    (none when `tracking` is None): a version-1 order, and the one shape the single-parcel rules read."""

    order: OrderFacts
    policy: PolicyValues = field(default_factory=PolicyValues)
    tracking: Tracking | None = None
    supplier_evidence: tuple[SupplierEvidence, ...] = ()
    supplier_chases: tuple[SupplierChase, ...] = ()
    customer_messages: tuple[CustomerMessage, ...] = ()
    parcels: tuple[Parcel, ...] = ()  # in input order; given, `tracking` is None
    disputes: tuple[Dispute, ...] = ()  # in the order they were opened

    def all_parcels(self) -> tuple[Parcel, ...]:
        """The order's parcels in input order, `tracking` read as the one parcel of a version-1 order."""
        if self.parcels:
            return self.parcels
        return (Parcel(self.tracking),) if self.tracking is not None else ()

    def items(self) -> tuple[LineItem, ...]:
        """The order's line items, the version-1 `sku` and `supplier` read as its one item."""
        order = self.order
        return order.line_items or (LineItem(order.sku, order.supplier, order.product_title),)
