"""A tiny JSON-to-facts reader for the spec examples, for tests only.

The product's bundle reader (validation, carriers, raw status mapping) lives elsewhere; this one knows
just enough of bundle.md to read spec/examples and fills `shared_with` from the bundle's own orders.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

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


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, text
    return moment


def _normalized(number: str) -> str:
    return "".join(number.split()).replace("-", "").upper()


def load_cases(bundle: dict) -> list[CaseFacts]:
    raw_cases = bundle["cases"]
    orders = [_order(raw["order"]) for raw in raw_cases]
    numbers = [
        _normalized(raw["tracking"]["number"]) if (raw.get("tracking") or {}).get("number") else None
        for raw in raw_cases
    ]
    facts = []
    for index, raw in enumerate(raw_cases):
        tracking = None
        raw_tracking = raw.get("tracking") or {}
        if raw_tracking.get("number"):
            shared = tuple(
                SharedNumberOrder(o.order_id, o.customer_email, o.postal_code, o.ordered_at)
                for other, o in enumerate(orders)
                if other != index and numbers[other] == numbers[index]
            )
            tracking = Tracking(
                number=raw_tracking["number"],
                normalized=numbers[index],
                carrier=raw_tracking.get("carrier"),
                events=tuple(
                    TrackingEvent(
                        at=_time(e["at"]),
                        status=e["status"],
                        description=e.get("description", ""),
                        country=e.get("country", ""),
                        postal_code=e.get("postal_code", ""),
                    )
                    for e in raw_tracking.get("events", [])
                ),
                shared_with=shared,
            )
        facts.append(
            CaseFacts(
                order=orders[index],
                tracking=tracking,
                supplier_evidence=tuple(
                    SupplierEvidence(_time(e["at"]), e["kind"], e.get("text", ""))
                    for e in raw.get("supplier_evidence", [])
                ),
                supplier_chases=tuple(SupplierChase(_time(c["at"])) for c in raw.get("supplier_chases", [])),
                customer_messages=tuple(
                    CustomerMessage(
                        _time(m["at"]),
                        m["direction"],
                        m.get("text", ""),
                        frozenset(m["intents"]) if "intents" in m else None,
                    )
                    for m in raw.get("customer_messages", [])
                ),
            )
        )
    return facts


def _order(raw: dict) -> OrderFacts:
    return OrderFacts(
        order_id=raw["order_id"],
        ordered_at=_time(raw["ordered_at"]),
        country=raw["country"],
        sku=raw["sku"],
        supplier=raw["supplier"],
        customer_email=raw.get("customer_email", ""),
        postal_code=raw.get("postal_code", ""),
        product_title=raw.get("product_title", ""),
        value=Decimal(raw["value"]) if raw.get("value") else None,
        currency=raw.get("currency", ""),
        payment_state=raw.get("payment_state", "paid"),
        promise_text=raw.get("promise_text", ""),
    )
