"""`python manage.py seed_demo [--orders 2000] [--seed 7]`: load demo data once, placed relative to now.

What the orders look like is decided by the pure `cases.demo`; this command only writes it (bulk inserts,
one transaction), assesses every case once and prints what came out.
"""

import time
from collections import Counter
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cases import demo
from cases.carriers.detect import best_carrier, tracking_url
from cases.carriers.normalize import normalize_number
from cases.choices import CaseType, EventSource, RiskLevel
from cases.models import (
    Case,
    CustomerMessage,
    Order,
    OrderTracking,
    PastDecision,
    SupplierChase,
    SupplierEvidence,
    TrackingEvent,
    TrackingNumber,
    fingerprint,
)
from cases.services.assessment import refresh_cases
from cases.services.audit import audit_event
from policies.selectors import active_policy_book
from suppliers.models import Product, Supplier

BATCH = 1000
VIA = "seed_demo"


class Command(BaseCommand):
    help = (
        "Load demo suppliers, products and orders (with tracking, supplier evidence, chases and customer "
        "messages) placed relative to now, so that every case type appears, and assess them. "
        "Does nothing when any order exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=2000, help="How many orders (default 2000).")
        parser.add_argument(
            "--seed", type=int, default=7, help="Random seed: the same seed gives the same shape of data."
        )

    def handle(self, *args, orders: int, seed: int, **options):
        if orders < 1:
            raise CommandError("--orders must be at least 1.")
        existing = Order.objects.count()
        if existing:
            self.stdout.write(f"Demo data already loaded ({existing} orders); nothing changed.")
            return
        started = time.monotonic()
        now = timezone.now()
        with transaction.atomic():
            book = active_policy_book()
            data = demo.generate(now, orders=orders, seed=seed, policy=book.default)
            order_pks = write(data)
            past = write_past_decisions(data, now)
            refresh_cases(order_pks, as_of=now, via=VIA)
            case_types, risks = summary(order_pks)
            audit_event(
                action="demo_data_loaded",
                via=VIA,
                changes={"orders": len(order_pks), "seed": seed, "case_types": dict(case_types)},
                reason=f"seed_demo --orders {orders} --seed {seed}",
                at=now,
            )
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Loaded {len(order_pks)} demo orders in {elapsed:.1f} s; "
            f"case types: {describe(case_types, CaseType.values)}; "
            f"risk levels: {describe(risks, RiskLevel.values)}; {past} past decisions to replay."
        )


def write(data: demo.DemoData) -> list[int]:
    """Store everything `data` holds; return the new orders' primary keys."""
    suppliers = _suppliers(data.suppliers)
    products = _products(data.products, suppliers)

    Order.objects.bulk_create(
        [
            Order(
                order_id=o.order_id,
                ordered_at=o.ordered_at,
                customer_email=o.customer_email,
                country=o.country,
                postal_code=o.postal_code,
                product_id=products[o.sku],
                value=o.value,
                currency=o.currency,
                payment_state=o.payment_state,
                promise_text=o.promise_text,
                cancelled_at=o.cancelled_at,
                fulfilled_at=o.fulfilled_at,
            )
            for o in data.orders
        ],
        batch_size=BATCH,
    )
    order_pk = dict(
        Order.objects.filter(order_id__in=[o.order_id for o in data.orders]).values_list("order_id", "pk")
    )

    trackings = data.trackings()
    numbers = []
    for tracking in trackings:
        normalized = normalize_number(tracking.number)
        carrier = best_carrier(normalized) or ""
        url = (tracking_url(carrier, normalized) if carrier else None) or ""
        numbers.append(
            TrackingNumber(number=tracking.number, normalized=normalized, carrier=carrier, url=url)
        )
    TrackingNumber.objects.bulk_create(numbers, batch_size=BATCH)
    number_pk = dict(
        TrackingNumber.objects.filter(normalized__in=[n.normalized for n in numbers]).values_list(
            "normalized", "pk"
        )
    )

    def pk_of(tracking: demo.DemoTracking) -> int:
        return number_pk[normalize_number(tracking.number)]

    OrderTracking.objects.bulk_create(
        [
            OrderTracking(order_id=order_pk[o.order_id], tracking_number_id=pk_of(o.tracking))
            for o in data.orders
            if o.tracking is not None
        ],
        batch_size=BATCH,
    )
    TrackingEvent.objects.bulk_create(
        [
            TrackingEvent(
                tracking_number_id=pk_of(tracking),
                at=e.at,
                status=e.status,
                raw_status=e.raw_status,
                description=e.description,
                location=e.location,
                country=e.country,
                postal_code=e.postal_code,
                source=EventSource.DEMO,
                approximate=e.approximate,
            )
            for tracking in trackings
            for e in tracking.events
        ],
        batch_size=BATCH,
    )

    evidence, chases, messages = [], [], []
    for o in data.orders:
        pk = order_pk[o.order_id]
        evidence += [SupplierEvidence(order_id=pk, at=e.at, kind=e.kind, text=e.text) for e in o.evidence]
        chases += [SupplierChase(order_id=pk, at=c.at, channel=c.channel, text=c.text) for c in o.chases]
        messages += [
            CustomerMessage(order_id=pk, at=m.at, direction=m.direction, text=m.text) for m in o.messages
        ]
    for model, rows in ((SupplierEvidence, evidence), (SupplierChase, chases), (CustomerMessage, messages)):
        for row in rows:  # bulk_create skips save(), which sets the fingerprint
            row.fingerprint = fingerprint(*row.identity())
        model.objects.bulk_create(rows, batch_size=BATCH)

    pks = list(order_pk.values())
    Case.objects.bulk_create([Case(order_id=pk) for pk in pks], batch_size=BATCH)
    return pks


def _suppliers(wanted: list[demo.DemoSupplier]) -> dict[str, Supplier]:
    """The demo suppliers by name; ones that already exist are used as they are."""
    names = [s.name for s in wanted]
    known = set(Supplier.objects.filter(name__in=names).values_list("name", flat=True))
    Supplier.objects.bulk_create(
        [
            Supplier(
                name=s.name, contact_email=s.contact_email, processing_window_days=s.processing_window_days
            )
            for s in wanted
            if s.name not in known
        ]
    )
    return {s.name: s for s in Supplier.objects.filter(name__in=names)}


def _products(wanted: list[demo.DemoProduct], suppliers: dict[str, Supplier]) -> dict[str, int]:
    """Product primary keys by SKU; SKUs that already exist are used as they are."""
    skus = [p.sku for p in wanted]
    known = set(Product.objects.filter(sku__in=skus).values_list("sku", flat=True))
    Product.objects.bulk_create(
        [
            Product(
                sku=p.sku,
                title=p.title,
                supplier=suppliers[p.supplier],
                promise_text=p.promise_text,
                promised_delivery_days=p.promised_delivery_days,
            )
            for p in wanted
            if p.sku not in known
        ]
    )
    return dict(Product.objects.filter(sku__in=skus).values_list("sku", "pk"))


def summary(order_pks: list[int]) -> tuple[Counter, Counter]:
    """How many of these orders' cases have each case type, and each risk level (as stored)."""
    cases = Case.objects.filter(order_id__in=order_pks)

    def count(field: str) -> Counter:
        return Counter(dict(cases.values_list(field).annotate(n=Count("pk")).order_by()))

    return count("case_type"), count("risk_level")


def describe(counts: Counter, order: list[str]) -> str:
    """ "in_transit 900, delivered 480, ..." in the spec's order; kinds with no cases are left out."""
    return ", ".join(f"{name} {counts[name]}" for name in order if counts[name])


# What a person decided, a day ago, on ten stale-tracking orders and how it ended (the seed's rollout,
# day 2: "run 10 past stale-tracking cases through the packet"), for the replay page. A store that
# mostly worked like the rules: seven took the packet's own next move and risk (None here), three chose
# otherwise, so the page has agreements and disagreements to show.
PAST_DECISIONS = (
    ("stale_in_transit", None, None, "Customer told it was moving; arrived four days later."),
    ("label_created_only", "wait", "normal_watch", "Shipped a week later; the customer asked twice."),
    ("accepted_no_movement", None, None, "The carrier scanned it the next day."),
    ("supplier_silence", None, None, "No answer from the supplier; replacement sent."),
    ("carrier_exception", None, None, "Address fixed with the carrier; delivered."),
    ("in_transit", None, None, "Delivered six days later; no complaint."),
    ("stale_in_transit", "prepare_refund_review", "refund_risk", "Refunded at once, without waiting."),
    ("label_created_only", None, None, "The supplier sent pickup proof two days later."),
    ("supplier_blocked", None, None, "Out of stock at the supplier; refunded after review."),
    ("awaiting_tracking", "request_proof", "supplier_chase", "The supplier's number came three days later."),
)


def write_past_decisions(data: demo.DemoData, now) -> int:
    """A past decision, a day before `now`, on the first orders of the kinds PAST_DECISIONS names."""
    from cases.replay.engine import replayed_orders

    decided_at = now - timedelta(days=1)
    candidates = sorted((o for o in data.orders if o.ordered_at <= decided_at), key=lambda o: o.order_id)
    chosen, taken = [], set()
    for case_type, *actual in PAST_DECISIONS:
        order = next(
            (o for o in candidates if o.expected_case_type == case_type and o.order_id not in taken), None
        )
        if order is not None:
            taken.add(order.order_id)
            chosen.append((order.order_id, *actual))
    pks = dict(Order.objects.filter(order_id__in=taken).values_list("order_id", "pk"))
    decisions = PastDecision.objects.bulk_create(
        PastDecision(order_id=pks[order_id], decided_at=decided_at, actual_outcome=outcome, source="demo")
        for order_id, _, _, outcome in chosen
    )
    packets = {
        r.packet["order_id"]: r.packet for r in replayed_orders([d.order_id for d in decisions]).replayed
    }
    for decision, (order_id, move, risk, _) in zip(decisions, chosen, strict=True):
        decision.actual_next_move = move or packets[order_id]["next_move"]
        decision.actual_risk_level = risk or packets[order_id]["risk_level"]
    PastDecision.objects.bulk_update(decisions, ["actual_next_move", "actual_risk_level"])
    return len(chosen)
