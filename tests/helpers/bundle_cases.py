"""A tiny JSON-to-facts reader for the spec examples, for tests only.

The product's bundle reader (validation, carriers, raw status mapping) lives elsewhere; this one knows
just enough of bundle.md to read spec/examples and fills `shared_with` from the bundle's own orders. It
builds the facts with the same pieces the other tests build theirs with (`case_pieces`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from cases.assessment.facts import CaseFacts, CustomerMessage, OrderFacts
from tests.helpers.case_pieces import chase, ev, evidence, normalized, shared, tracking


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, text
    return moment


def load_cases(bundle: dict) -> list[CaseFacts]:
    raw_cases = bundle["cases"]
    orders = [_order(raw["order"]) for raw in raw_cases]
    numbers = [
        normalized(raw["tracking"]["number"]) if (raw.get("tracking") or {}).get("number") else None
        for raw in raw_cases
    ]
    facts = []
    for index, raw in enumerate(raw_cases):
        found = None
        raw_tracking = raw.get("tracking") or {}
        if raw_tracking.get("number"):
            found = tracking(
                *(
                    ev(
                        _time(e["at"]),
                        e["status"],
                        description=e.get("description", ""),
                        country=e.get("country", ""),
                        postal_code=e.get("postal_code", ""),
                    )
                    for e in raw_tracking.get("events", [])
                ),
                number=raw_tracking["number"],
                carrier=raw_tracking.get("carrier"),
                shared_with=tuple(
                    shared(o.order_id, o.customer_email, o.postal_code, o.ordered_at)
                    for other, o in enumerate(orders)
                    if other != index and numbers[other] == numbers[index]
                ),
            )
        facts.append(
            CaseFacts(
                order=orders[index],
                tracking=found,
                supplier_evidence=tuple(
                    evidence(_time(e["at"]), e["kind"], e.get("text", ""))
                    for e in raw.get("supplier_evidence", [])
                ),
                supplier_chases=tuple(chase(_time(c["at"])) for c in raw.get("supplier_chases", [])),
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
