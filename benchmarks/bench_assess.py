"""Assessments per second for 10,000 cases: from in-memory facts, and from the database (PostgreSQL),
with the number of queries per case. Both measured in the same run, so the ratio is meaningful.

    make bench-assess            # uses $BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/staletrack_bench

The database part creates (and afterwards drops) its own database; it never touches DATABASE_URL's data.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_database import drop_database, recreate_database

CASES = int(os.environ.get("BENCH_CASES", "10000"))
AS_OF = datetime(2026, 11, 20, 12, tzinfo=UTC)
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/staletrack_bench")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staletrack.settings")

STATUS_PATHS = (
    (),
    ("info_received",),
    ("info_received", "accepted"),
    ("info_received", "accepted", "in_transit"),
    ("accepted", "in_transit", "in_transit", "out_for_delivery", "delivered"),
    ("info_received", "accepted", "in_transit", "exception"),
)


def scenario(rng: random.Random, i: int) -> dict:
    """One synthetic order: a random history shape, times relative to AS_OF."""
    ordered_at = AS_OF - timedelta(days=rng.uniform(1, 35))
    path = STATUS_PATHS[i % len(STATUS_PATHS)]
    has_number = i % 11 != 0
    at = ordered_at + timedelta(days=rng.uniform(0.5, 3))
    events = []
    for status in path if has_number else ():
        events.append((at, status))
        at += timedelta(days=rng.uniform(0.5, 6))
    messages = []
    if i % 4 == 0:
        messages.append((ordered_at + timedelta(days=rng.uniform(2, 10)), "inbound", rng.choice(TEXTS)))
    return {
        "order_id": f"#B{i:06d}",
        "ordered_at": ordered_at,
        "email": f"c{i}@example.com",
        "postal": f"{10000 + i % 500}",
        "country": rng.choice(("US", "GB", "DE", "BR")),
        "sku": f"SKU-{i % 40:02d}",
        "supplier": f"Supplier {i % 3}",
        "number": f"YT{2431220000000000 + i:016d}" if has_number else None,
        "events": [e for e in events if e[0] < AS_OF],
        "messages": [m for m in messages if m[0] < AS_OF],
        "evidence": [(ordered_at + timedelta(days=1), "dispatch_claim")] if i % 5 == 0 else [],
    }


TEXTS = ("Where is my order?", "I want a refund", "Still nothing, I will open a PayPal claim", "Any news?")


def in_memory_facts(scenarios):
    from cases.assessment.facts import (
        CaseFacts,
        CustomerMessage,
        OrderFacts,
        SupplierEvidence,
        Tracking,
        TrackingEvent,
    )
    from cases.tracking.detect import checksum_invalid

    facts = []
    for s in scenarios:
        tracking = None
        if s["number"]:
            tracking = Tracking(
                number=s["number"],
                normalized=s["number"],
                carrier="yunexpress",
                checksum_invalid=checksum_invalid(s["number"]),
                events=tuple(TrackingEvent(at=at, status=status) for at, status in s["events"]),
            )
        facts.append(
            CaseFacts(
                order=OrderFacts(
                    order_id=s["order_id"],
                    ordered_at=s["ordered_at"],
                    country=s["country"],
                    sku=s["sku"],
                    supplier=s["supplier"],
                    customer_email=s["email"],
                    postal_code=s["postal"],
                ),
                tracking=tracking,
                supplier_evidence=tuple(SupplierEvidence(at=at, kind=kind) for at, kind in s["evidence"]),
                customer_messages=tuple(
                    CustomerMessage(at=at, direction=d, text=text) for at, d, text in s["messages"]
                ),
            )
        )
    return facts


def bench_in_memory(scenarios) -> float:
    from cases.assessment import assess_many

    facts = in_memory_facts(scenarios)
    started = time.perf_counter()
    assess_many(facts, AS_OF)
    return len(facts) / (time.perf_counter() - started)


def load_database(scenarios) -> list[int]:
    from django.core.management import call_command

    from cases.models import (
        Case,
        CustomerMessage,
        Order,
        Parcel,
        SupplierEvidence,
        TrackingEvent,
        TrackingNumber,
    )
    from suppliers.models import Product, Supplier

    call_command("migrate", verbosity=0)
    suppliers = {name: Supplier.objects.create(name=name) for name in {s["supplier"] for s in scenarios}}
    products = {}
    for s in scenarios:
        if s["sku"] not in products:
            products[s["sku"]] = Product.objects.create(sku=s["sku"], supplier=suppliers[s["supplier"]])
    orders = Order.objects.bulk_create(
        [
            Order(
                order_id=s["order_id"],
                ordered_at=s["ordered_at"],
                customer_email=s["email"],
                postal_code=s["postal"],
                country=s["country"],
                product=products[s["sku"]],
                value=Decimal("29.90"),
                currency="USD",
            )
            for s in scenarios
        ],
        batch_size=2000,
    )
    numbers = TrackingNumber.objects.bulk_create(
        [
            TrackingNumber(number=s["number"], normalized=s["number"], carrier="yunexpress")
            for s in scenarios
            if s["number"]
        ],
        batch_size=2000,
    )
    by_number = {n.normalized: n for n in numbers}
    links, events, messages, evidence = [], [], [], []
    for order, s in zip(orders, scenarios, strict=True):
        if s["number"]:
            number = by_number[s["number"]]
            links.append(Parcel(order=order, tracking_number=number))
            events += [
                TrackingEvent(tracking_number=number, at=at, status=status) for at, status in s["events"]
            ]
        for at, direction, text in s["messages"]:
            messages.append(
                CustomerMessage(order=order, at=at, direction=direction, text=text).with_fingerprint()
            )
        for at, kind in s["evidence"]:
            evidence.append(SupplierEvidence(order=order, at=at, kind=kind).with_fingerprint())
    Parcel.objects.bulk_create(links, batch_size=2000)
    TrackingEvent.objects.bulk_create(events, batch_size=5000)
    CustomerMessage.objects.bulk_create(messages, batch_size=2000)
    SupplierEvidence.objects.bulk_create(evidence, batch_size=2000)
    Case.objects.bulk_create([Case(order=o) for o in orders], batch_size=2000)
    return [o.pk for o in orders]


def bench_database(order_pks) -> tuple[float, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.assessment import assess_many
    from cases.selectors.facts import facts_for_orders

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        loaded = facts_for_orders(order_pks, AS_OF)
        assess_many(loaded.facts, AS_OF, peers=loaded.peers)
        elapsed = time.perf_counter() - started
    return len(order_pks) / elapsed, len(queries) / len(order_pks)


def main() -> None:
    rng = random.Random(20261120)
    scenarios = [scenario(rng, i) for i in range(CASES)]
    import django

    recreate_database(BENCH_URL)
    try:
        django.setup()
        memory_rate = bench_in_memory(scenarios)
        order_pks = load_database(scenarios)
        db_rate, queries_per_case = bench_database(order_pks)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(BENCH_URL)
    print(f"cases: {CASES} (one sweep; peers counted for overlays 5-6)")
    print(f"in-memory facts:  {memory_rate:10,.0f} assessments/s")
    print(f"from PostgreSQL:  {db_rate:10,.0f} assessments/s  ({queries_per_case:.3f} queries per case)")
    print(f"ratio in-memory / database: {memory_rate / db_rate:.1f}x")


if __name__ == "__main__":
    main()
