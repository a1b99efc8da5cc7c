"""Writing the demo into the database: `load_demo`, the service `manage.py seed_demo` calls.

What the orders look like is decided by the pure `cases.demo.generator`; this only writes it, in one
transaction, into a database without orders (it writes nothing into one that has any, so running it
again changes nothing). Orders, tracking numbers (normalized and detected by `cases.tracking`, as the
tracking service does) and every record go in with bulk inserts: the tracking service writes one number
at a time, which would about double the time the demo takes to load. The cases are created and assessed by
the assessment service (`refresh_cases`). Then, as the weekly review would have done had the store run
these weeks, the rollups of every whole week the orders span are built and the review triggers applied
(`suppliers.services`), so the scorecard has rows and lists the products and supplier the triggers name
from the first run. One audit event says the demo was loaded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cases import models
from cases.choices import EventSource
from cases.demo.catalogue import DemoProduct, DemoSupplier
from cases.demo.generator import generate
from cases.demo.records import DemoData, DemoTracking
from cases.demo.stories import past_decisions
from cases.replay.engine import replayed_orders
from cases.services.assessment import refresh_cases
from cases.services.audit import audit_event
from cases.services.orders import ORDER_FACTS, TRACKING_EVENT_FIELDS
from cases.tracking.detect import best_carrier, tracking_url
from cases.tracking.normalize import normalize_number
from policies.selectors import active_policy_book
from suppliers.models import Product, Supplier
from suppliers.selectors import WEEK, monday_of, week_that_ended
from suppliers.services import apply_review_triggers, build_weekly_rollups

BATCH = 1000
VIA = "seed_demo"


@dataclass(frozen=True)
class LoadedDemo:
    """What `load_demo` did: nothing when the database had orders already (`existing` says how many)."""

    existing: int = 0
    orders: int = 0
    case_types: Counter = field(default_factory=Counter)
    risk_levels: Counter = field(default_factory=Counter)
    past_decisions: int = 0
    weeks_built: list[date] = field(default_factory=list)  # the Mondays of the weeks whose rollups it built
    products_marked: list[str] = field(default_factory=list)  # SKUs waiting for an owner's review
    suppliers_flagged: list[str] = field(default_factory=list)


def load_demo(*, orders: int = 2000, seed: int = 7, now: datetime | None = None) -> LoadedDemo:
    """Load `orders` demo orders (the same seed gives the same shape of data), placed relative to `now`
    (default now), with ten past decisions to replay, and assess them; only into a database without
    orders."""
    if orders < 1:
        raise ValueError("orders must be at least 1")
    existing = models.Order.objects.count()
    if existing:
        return LoadedDemo(existing=existing)
    now = now or timezone.now()
    with transaction.atomic():
        book = active_policy_book()
        data = generate(now, orders=orders, seed=seed, policy=book.default)
        order_pks = _write(data)
        _write_disputes(order_pks, now)
        past = _write_past_decisions(data, now)
        refresh_cases(order_pks, as_of=now, via=VIA)
        case_types, risks = _summary(order_pks)
        weeks = past_weeks(data, now)
        for week in weeks:
            build_weekly_rollups(week)
        triggered = apply_review_triggers(now=now, via=VIA)
        audit_event(
            action="demo_data_loaded",
            via=VIA,
            changes={
                "orders": len(order_pks),
                "seed": seed,
                "case_types": dict(case_types),
                "weeks_built": [week.isoformat() for week in weeks],
            },
            reason=f"seed_demo --orders {orders} --seed {seed}",
            at=now,
        )
    return LoadedDemo(
        orders=len(order_pks),
        case_types=case_types,
        risk_levels=risks,
        past_decisions=past,
        weeks_built=weeks,
        products_marked=triggered.products_marked,
        suppliers_flagged=triggered.suppliers_flagged,
    )


def past_weeks(data: DemoData, now: datetime) -> list[date]:
    """The Mondays of the whole weeks (store time) holding demo orders, up to the week that ended before
    `now`: the weeks the weekly review would have built. The week under way is left to the next review."""
    first = monday_of(timezone.localtime(min(o.ordered_at for o in data.orders)).date())
    last = week_that_ended(now)
    return [first + WEEK * i for i in range((last - first) // WEEK + 1)] if first <= last else []


# What the demo's records hold as it is stored: an order's facts but its product (a SKU there), a tracking
# event's but its source (always the demo).
ORDER_COLUMNS = tuple(name for name in ORDER_FACTS if name != "product")
EVENT_COLUMNS = tuple(name for name in TRACKING_EVENT_FIELDS if name != "source")


def copied(record, names: tuple[str, ...]) -> dict:
    """`record`'s attributes `names`, as a model's keyword arguments."""
    return {name: getattr(record, name) for name in names}


# The demo's disputes: processor, network reason code, days since opened, days the evidence is due after.
# The first is due in under three days (owner-only on the home page), the others later.
DEMO_DISPUTES = (
    ("shopify_payments", "13.1", 12.0, 14.0),
    ("stripe", "4855", 5.0, 18.0),
    ("paypal", "INR", 3.0, 20.0),
)


def _write_disputes(order_pks: list[int], now: datetime) -> None:
    """A dispute on each disputed order, as the store's processor opened it (the generator disputes the
    payment of some angry customers' orders), cycling through `DEMO_DISPUTES`."""
    disputed = models.Order.objects.filter(pk__in=order_pks, payment_state="disputed").order_by(
        "ordered_at", "pk"
    )
    disputes = []
    for index, order in enumerate(disputed):
        processor, code, opened_days, due_days = DEMO_DISPUTES[index % len(DEMO_DISPUTES)]
        opened = max(now - timedelta(days=opened_days), order.ordered_at + timedelta(days=1))
        disputes.append(
            models.Dispute(
                order=order,
                processor=processor,
                kind="chargeback",
                reason="product_not_received",
                network_reason_code=code,
                amount=order.value,
                currency=order.currency if order.value is not None else "",
                opened_at=opened,
                evidence_due_by=opened + timedelta(days=due_days),
                source=VIA,
            )
        )
    models.Dispute.objects.bulk_create(disputes, batch_size=BATCH)


def _write(data: DemoData) -> list[int]:
    """Store everything `data` holds; return the new orders' primary keys."""
    suppliers = _suppliers(data.suppliers)
    products = _products(data.products, suppliers)

    models.Order.objects.bulk_create(
        [models.Order(**copied(o, ORDER_COLUMNS), product_id=products[o.sku]) for o in data.orders],
        batch_size=BATCH,
    )
    order_pk = dict(
        models.Order.objects.filter(order_id__in=[o.order_id for o in data.orders]).values_list(
            "order_id", "pk"
        )
    )

    trackings = data.trackings()
    numbers = []
    for tracking in trackings:
        normalized = normalize_number(tracking.number)
        carrier = best_carrier(normalized) or ""
        url = (tracking_url(carrier, normalized) if carrier else None) or ""
        numbers.append(
            models.TrackingNumber(number=tracking.number, normalized=normalized, carrier=carrier, url=url)
        )
    models.TrackingNumber.objects.bulk_create(numbers, batch_size=BATCH)
    number_pk = dict(
        models.TrackingNumber.objects.filter(normalized__in=[n.normalized for n in numbers]).values_list(
            "normalized", "pk"
        )
    )

    def pk_of(tracking: DemoTracking) -> int:
        return number_pk[normalize_number(tracking.number)]

    titles = {product.sku: product.title for product in data.products}
    models.LineItem.objects.bulk_create(
        [
            models.LineItem(
                order_id=order_pk[o.order_id], product_id=products[sku], title=titles[sku], position=position
            )
            for o in data.orders
            for position, sku in enumerate(filter(None, (o.sku, o.second_sku)))
        ],
        batch_size=BATCH,
    )
    models.Parcel.objects.bulk_create(
        [
            models.Parcel(
                order_id=order_pk[o.order_id],
                tracking_number_id=pk_of(tracking),
                skus=[sku] if o.second_sku else [],
                position=position,
            )
            for o in data.orders
            for position, (tracking, sku) in enumerate(
                pair
                for pair in ((o.tracking, o.sku), (o.second_tracking, o.second_sku))
                if pair[0] is not None
            )
        ],
        batch_size=BATCH,
    )
    models.TrackingEvent.objects.bulk_create(
        [
            models.TrackingEvent(
                **copied(e, EVENT_COLUMNS), tracking_number_id=pk_of(tracking), source=EventSource.DEMO
            )
            for tracking in trackings
            for e in tracking.events
        ],
        batch_size=BATCH,
    )

    evidence, chases, messages = [], [], []
    for o in data.orders:
        pk = order_pk[o.order_id]
        evidence += [
            models.SupplierEvidence(order_id=pk, at=e.at, kind=e.kind, text=e.text) for e in o.evidence
        ]
        chases += [
            models.SupplierChase(order_id=pk, at=c.at, channel=c.channel, text=c.text) for c in o.chases
        ]
        messages += [
            models.CustomerMessage(order_id=pk, at=m.at, direction=m.direction, text=m.text)
            for m in o.messages
        ]
    for model, rows in (
        (models.SupplierEvidence, evidence),
        (models.SupplierChase, chases),
        (models.CustomerMessage, messages),
    ):
        # bulk_create skips save(), which sets the fingerprint
        model.objects.bulk_create([row.with_fingerprint() for row in rows], batch_size=BATCH)
    return list(order_pk.values())


def _suppliers(wanted: list[DemoSupplier]) -> dict[str, Supplier]:
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


def _products(wanted: list[DemoProduct], suppliers: dict[str, Supplier]) -> dict[str, int]:
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


def _write_past_decisions(data: DemoData, now: datetime) -> int:
    """The demo's past decisions (`cases.demo.stories.PAST_DECISIONS`), a day before `now`; a next move
    or risk level the story leaves to the packet is the one the replay of that moment gives."""
    decided_at = now - timedelta(days=1)
    chosen = past_decisions(data, decided_at)
    pks = dict(
        models.Order.objects.filter(order_id__in=[c.order_id for c in chosen]).values_list("order_id", "pk")
    )
    decisions = models.PastDecision.objects.bulk_create(
        models.PastDecision(
            order_id=pks[c.order_id], decided_at=decided_at, actual_outcome=c.outcome, source=EventSource.DEMO
        )
        for c in chosen
    )
    packets = {
        r.packet["order_id"]: r.packet for r in replayed_orders([d.order_id for d in decisions]).replayed
    }
    for decision, choice in zip(decisions, chosen, strict=True):
        decision.actual_next_move = choice.next_move or packets[choice.order_id]["next_move"]
        decision.actual_risk_level = choice.risk_level or packets[choice.order_id]["risk_level"]
    models.PastDecision.objects.bulk_update(decisions, ["actual_next_move", "actual_risk_level"])
    return len(chosen)


def _summary(order_pks: list[int]) -> tuple[Counter, Counter]:
    """How many of these orders' cases have each case type, and each risk level (as stored)."""
    cases = models.Case.objects.filter(order_id__in=order_pks)

    def count(field: str) -> Counter:
        return Counter(dict(cases.values_list(field).annotate(n=Count("pk")).order_by()))

    return count("case_type"), count("risk_level")
