"""The known week of the supplier rollups: eleven stored orders around the week of 2026-11-09, and every
figure the rollups must build from them (EXPECTED), for the rollup and scorecard tests."""

from datetime import UTC, date, datetime
from decimal import Decimal

from cases.assessment import vocabulary as v
from cases.choices import RiskLevel
from cases.models import (
    Case,
    CustomerMessage,
    MoneyDecision,
    Order,
    Outcome,
    Parcel,
    TrackingEvent,
    TrackingNumber,
)
from suppliers.scorecard import rollups
from tests.factories import ProductFactory, SupplierFactory, UserFactory

WEEK = date(2026, 11, 9)  # a Monday


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def blank_figures(**changes) -> dict:
    figures = {
        "orders": 0,
        "cases_by_type": dict.fromkeys(v.CASE_TYPES, 0),
        "unassessed": 0,
        "label_only_cases": 0,
        "label_only_too_long": 0,
        "label_only_too_long_rate": None,
        "order_to_first_scan_days": {"count": 0, "median": None, "p90": None},
        "label_to_first_scan_days": {"count": 0, "median": None, "p90": None},
        "stale_in_transit": 0,
        "stale_in_transit_rate": None,
        "exceptions": 0,
        "refund_risk": 0,
        "chargeback_watch": 0,
        "money_requested": {"count": 0, "amount": {}},
        "money_approved": {"count": 0, "amount": {}},
        "customer_messages": 0,
        "customer_messages_per_order": None,
        "outcomes": dict.fromkeys(rollups.OUTCOME_KINDS, 0),
        "disputes_opened": 0,
        "dispute_outcomes": dict.fromkeys(rollups.DISPUTE_OUTCOME_KINDS, 0),
    }
    for name, value in changes.items():
        if isinstance(figures[name], dict) and name in ("cases_by_type", "outcomes", "dispute_outcomes"):
            figures[name] = figures[name] | value
        else:
            figures[name] = value
    return figures


def make_order(order_id, product, country, ordered_at, case_type=None, risk=None, exceeded=None, case=True):
    order = Order.objects.create(
        order_id=order_id,
        ordered_at=ordered_at,
        country=country,
        product=product,
        value="29.90",
        currency="USD",
    )
    if case:
        window = (
            None if exceeded is None else {"name": "label_created_max_days", "days": 5, "exceeded": exceeded}
        )
        Case.objects.create(
            order=order,
            case_type=case_type or "",
            risk_level=risk or "",
            risk_rank=RiskLevel.rank(risk) if risk else 0,
            window=window,
        )
    return order


def track(order, *events, assigned_at=None):
    number = TrackingNumber.objects.create(
        number=f"N{order.order_id}{TrackingNumber.objects.count()}",
        normalized=f"N{order.order_id}{TrackingNumber.objects.count()}".replace("#", ""),
    )
    link = Parcel.objects.create(order=order, tracking_number=number)
    if assigned_at is not None:
        Parcel.objects.filter(pk=link.pk).update(assigned_at=assigned_at)
    for moment, status in events:
        TrackingEvent.objects.create(tracking_number=number, at=moment, status=status)
    return number


def message(order, moment, direction="inbound", text="where is my parcel?"):
    CustomerMessage.objects.create(order=order, at=moment, direction=direction, text=text)


def money(order, kind, amount, currency, state, staff, owner):
    decided = state != "pending"
    MoneyDecision.objects.create(
        case=order.case,
        kind=kind,
        amount=Decimal(amount),
        currency=currency,
        reason="customer asked",
        requested_by=staff,
        requested_at=at(14),
        state=state,
        decided_by=owner if decided else None,
        decided_at=at(15) if decided else None,
    )


def build_week():
    """Store eleven orders around the week of 2026-11-09 (UTC store), two suppliers with orders and one
    without."""
    acme = SupplierFactory(name="Acme")
    bright = SupplierFactory(name="Bright")
    SupplierFactory(name="Idle")
    a1 = ProductFactory(sku="A-1", supplier=acme)
    a2 = ProductFactory(sku="A-2", supplier=acme)
    b1 = ProductFactory(sku="B-1", supplier=bright)
    staff, owner = UserFactory(username="staff1"), UserFactory(username="owner1")

    o1 = make_order("#1", a1, "US", at(9, 10), v.IN_TRANSIT_CASE, v.NORMAL_WATCH)
    track(o1, (at(9, 12), v.INFO_RECEIVED), (at(10, 12), v.ACCEPTED), (at(11, 12), v.IN_TRANSIT))
    o2 = make_order("#2", a1, "US", at(9, 10), v.LABEL_CREATED_ONLY, v.SUPPLIER_CHASE, exceeded=True)
    track(o2, (at(9, 10), v.INFO_RECEIVED))
    o3 = make_order("#3", a1, "BR", at(10, 10), v.CARRIER_EXCEPTION, v.REFUND_RISK)
    track(o3, (at(10, 10), v.INFO_RECEIVED), (at(14, 10), v.ACCEPTED), (at(15, 10), v.EXCEPTION))
    o4 = make_order("#4", a2, "BR", at(11, 10), v.STALE_IN_TRANSIT, v.CUSTOMER_UPDATE)
    # A replaced number: only the current (last assigned) one is read.
    track(o4, (at(11, 12), v.ACCEPTED), (at(11, 13), v.EXCEPTION), assigned_at=at(11, 11))
    track(o4, (at(11, 10), v.INFO_RECEIVED), (at(17, 10), v.ACCEPTED), assigned_at=at(12, 11))
    make_order("#5", b1, "US", at(12, 10), v.AWAITING_TRACKING, v.NORMAL_WATCH)
    # Wrong tracking: the number's scans predate the order; they are not this parcel's.
    o6 = make_order("#6", b1, "US", at(13, 10), v.WRONG_TRACKING, v.CHARGEBACK_WATCH)
    track(o6, (at(1, 10), v.ACCEPTED), (at(2, 10), v.EXCEPTION))
    o7 = make_order("#7", b1, "DE", at(15, 23), case=False)  # Sunday 23:00, no case yet
    track(o7, (at(16, 5), v.ACCEPTED), (at(16, 6), v.NO_INFORMATION))
    o8 = make_order("#8", b1, "US", at(8, 23, 59), v.LABEL_CREATED_ONLY, v.SUPPLIER_CHASE, exceeded=True)
    make_order("#9", a1, "US", at(16, 0), v.LABEL_CREATED_ONLY, v.SUPPLIER_CHASE, exceeded=True)
    o10 = make_order("#10", a2, "US", at(12, 8))  # a case never assessed
    track(o10, (at(12, 9), v.INFO_RECEIVED), (at(12, 10), v.UNKNOWN))
    o11 = make_order("#11", a1, "US", at(14, 10), v.LABEL_CREATED_ONLY, v.NORMAL_WATCH, exceeded=False)
    track(o11, (at(14, 11), v.INFO_RECEIVED))

    message(o1, at(11, 9))
    message(o1, at(12, 9))
    message(o1, at(12, 10), direction="outbound", text="We are checking with the carrier.")
    message(o3, at(15, 12), text="I want a refund")
    for hour in (1, 2, 3):
        message(o6, at(14, hour), text=f"message {hour}")
    message(o8, at(12, 1))

    for case, kind, moment in [
        (o1.case, "customer_updated", at(12, 10)),
        (o1.case, "customer_updated", at(13, 10)),
        (o2.case, "supplier_chased", at(13, 11)),
        (o3.case, "refund_reviewed", at(15, 13)),
        (o3.case, "refunded", at(15, 14)),
        (o4.case, "lost", at(15, 15)),
        (o6.case, "case_held", at(14, 4)),
        (o8.case, "case_held", at(14, 4)),
    ]:
        Outcome.objects.create(case=case, kind=kind, at=moment)

    money(o3, "refund", "29.90", "USD", "approved", staff, owner)
    money(o1, "discount", "5.00", "USD", "approved", staff, owner)
    money(o6, "replacement", "15.00", "USD", "pending", staff, owner)
    money(o4, "partial_refund", "10.00", "EUR", "rejected", staff, owner)
    money(o8, "refund", "29.90", "USD", "approved", staff, owner)


def durations(count, median, p90):
    return {"count": count, "median": median, "p90": p90}


# Bright's figures: three orders, one awaiting tracking, one with wrong tracking.
BRIGHT = blank_figures(
    orders=3,
    cases_by_type={"awaiting_tracking": 1, "wrong_tracking": 1},
    unassessed=1,
    label_only_too_long_rate=0.0,
    order_to_first_scan_days=durations(1, 0.25, 0.25),  # 6 h; the wrong-tracking scans are left out
    stale_in_transit_rate=0.0,
    chargeback_watch=1,
    money_requested={"count": 1, "amount": {"USD": "15.00"}},
    customer_messages=3,
    customer_messages_per_order=1.0,
    outcomes={"case_held": 1},
)

EXPECTED = {
    ("supplier", "Acme"): blank_figures(
        orders=6,
        cases_by_type={
            "in_transit": 1,
            "label_created_only": 2,
            "carrier_exception": 1,
            "stale_in_transit": 1,
        },
        unassessed=1,
        label_only_cases=2,
        label_only_too_long=1,
        label_only_too_long_rate=0.1667,
        order_to_first_scan_days=durations(3, 4.0, 6.0),  # 26 h, 96 h, 144 h
        label_to_first_scan_days=durations(3, 4.0, 6.0),  # 24 h, 96 h, 144 h
        stale_in_transit=1,
        stale_in_transit_rate=0.1667,
        exceptions=1,
        refund_risk=1,
        money_requested={"count": 3, "amount": {"EUR": "10.00", "USD": "34.90"}},
        money_approved={"count": 2, "amount": {"USD": "34.90"}},
        customer_messages=3,
        customer_messages_per_order=0.5,
        outcomes={
            "customer_updated": 1,
            "supplier_chased": 1,
            "refund_reviewed": 1,
            "refunded": 1,
            "lost": 1,
        },
    ),
    ("supplier", "Bright"): BRIGHT,
    ("supplier", "Idle"): blank_figures(),
    ("sku", "A-1"): blank_figures(
        orders=4,
        cases_by_type={"in_transit": 1, "label_created_only": 2, "carrier_exception": 1},
        label_only_cases=2,
        label_only_too_long=1,
        label_only_too_long_rate=0.25,
        order_to_first_scan_days=durations(2, 2.54, 4.0),  # 26 h and 96 h: median 61 h
        label_to_first_scan_days=durations(2, 2.5, 4.0),  # 24 h and 96 h: median 60 h
        stale_in_transit_rate=0.0,
        exceptions=1,
        refund_risk=1,
        money_requested={"count": 2, "amount": {"USD": "34.90"}},
        money_approved={"count": 2, "amount": {"USD": "34.90"}},
        customer_messages=3,
        customer_messages_per_order=0.75,
        outcomes={"customer_updated": 1, "supplier_chased": 1, "refund_reviewed": 1, "refunded": 1},
    ),
    ("sku", "A-2"): blank_figures(
        orders=2,
        cases_by_type={"stale_in_transit": 1},
        unassessed=1,
        label_only_too_long_rate=0.0,
        order_to_first_scan_days=durations(1, 6.0, 6.0),
        label_to_first_scan_days=durations(1, 6.0, 6.0),
        stale_in_transit=1,
        stale_in_transit_rate=0.5,
        money_requested={"count": 1, "amount": {"EUR": "10.00"}},
        customer_messages_per_order=0.0,
        outcomes={"lost": 1},
    ),
    ("sku", "B-1"): BRIGHT,  # Bright sells B-1 alone
    ("country", "US"): blank_figures(
        orders=6,
        cases_by_type={"in_transit": 1, "label_created_only": 2, "awaiting_tracking": 1, "wrong_tracking": 1},
        unassessed=1,
        label_only_cases=2,
        label_only_too_long=1,
        label_only_too_long_rate=0.1667,
        order_to_first_scan_days=durations(1, 1.08, 1.08),  # 26 h
        label_to_first_scan_days=durations(1, 1.0, 1.0),
        stale_in_transit_rate=0.0,
        chargeback_watch=1,
        money_requested={"count": 2, "amount": {"USD": "20.00"}},
        money_approved={"count": 1, "amount": {"USD": "5.00"}},
        customer_messages=5,
        customer_messages_per_order=0.83,
        outcomes={"customer_updated": 1, "supplier_chased": 1, "case_held": 1},
    ),
    ("country", "BR"): blank_figures(
        orders=2,
        cases_by_type={"carrier_exception": 1, "stale_in_transit": 1},
        label_only_too_long_rate=0.0,
        order_to_first_scan_days=durations(2, 5.0, 6.0),  # 96 h and 144 h
        label_to_first_scan_days=durations(2, 5.0, 6.0),
        stale_in_transit=1,
        stale_in_transit_rate=0.5,
        exceptions=1,
        refund_risk=1,
        money_requested={"count": 2, "amount": {"EUR": "10.00", "USD": "29.90"}},
        money_approved={"count": 1, "amount": {"USD": "29.90"}},
        customer_messages=1,
        customer_messages_per_order=0.5,
        outcomes={"refund_reviewed": 1, "refunded": 1, "lost": 1},
    ),
    ("country", "DE"): blank_figures(
        orders=1,
        unassessed=1,
        label_only_too_long_rate=0.0,
        order_to_first_scan_days=durations(1, 0.25, 0.25),
        stale_in_transit_rate=0.0,
        customer_messages_per_order=0.0,
    ),
}
