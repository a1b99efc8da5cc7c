"""What the demo generator returns: plain records of orders and their facts, which `cases.demo.seed` writes.

An order's tracking events, supplier evidence, chases and customer messages are the engine's own fact
values (`cases.assessment.facts`), as a bundle or an import would give them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from cases.assessment import vocabulary as v
from cases.assessment.facts import CustomerMessage, SupplierChase, SupplierEvidence, TrackingEvent
from cases.demo.catalogue import DemoProduct, DemoSupplier


@dataclass
class DemoTracking:
    """One carrier number. Combined shipments and recycled numbers put the same object on several orders."""

    number: str
    carrier: str  # the format the number was generated in: ups, s10, yunexpress, cainiao
    # Whose vocabulary raw_status uses: aftership or 17track; "carrier" is the carrier's own feed, which
    # gives only a description and a local time (cases.demo.events.CARRIER_FEED).
    tracker: str
    events: list[TrackingEvent] = field(default_factory=list)


@dataclass
class DemoOrder:
    kind: str  # the scenario kind it was drawn for (cases.demo.stories)
    expected_case_type: str
    ordered_at: datetime
    customer_email: str
    country: str
    postal_code: str
    sku: str
    value: Decimal
    currency: str
    promise_text: str
    payment_state: str = v.PAID
    cancelled_at: datetime | None = None
    fulfilled_at: datetime | None = None
    tracking: DemoTracking | None = None
    # A second item shipped in a parcel of its own (rules.md section 3a): its SKU and that parcel's number;
    # then the first parcel carries `sku` only.
    second_sku: str = ""
    second_tracking: DemoTracking | None = None
    evidence: list[SupplierEvidence] = field(default_factory=list)
    chases: list[SupplierChase] = field(default_factory=list)
    messages: list[CustomerMessage] = field(default_factory=list)
    order_id: str = ""  # given once all orders are generated, in order of `ordered_at`


@dataclass
class DemoData:
    now: datetime
    suppliers: list[DemoSupplier]
    products: list[DemoProduct]
    orders: list[DemoOrder]

    def trackings(self) -> list[DemoTracking]:
        """Every distinct tracking number, once, in first-use order."""
        seen: dict[str, DemoTracking] = {}
        for order in self.orders:
            for tracking in (order.tracking, order.second_tracking):
                if tracking is not None:
                    seen.setdefault(tracking.number, tracking)
        return list(seen.values())
