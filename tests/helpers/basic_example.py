"""spec/examples/basic.json and basic.expected.json, transcribed by hand so the test needs no file.

`tests/cases/assessment/test_basic_example.py` checks the transcription against the spec files when they are
reachable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from cases.assessment.facts import (
    CaseFacts,
    CustomerMessage,
    OrderFacts,
    SharedNumberOrder,
    Tracking,
    TrackingEvent,
)

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def nov(day: int) -> datetime:
    return datetime(2026, 11, day, 12, 0, tzinfo=UTC)


def _order(order_id, ordered_at, sku, supplier, email=None, postal="94110") -> OrderFacts:
    number = order_id.lstrip("#")
    return OrderFacts(
        order_id=order_id,
        ordered_at=ordered_at,
        country="US",
        sku=sku,
        supplier=supplier,
        customer_email=email or f"c{number}@example.com",
        postal_code=postal,
        product_title=sku.title(),
        value=Decimal("29.90"),
        currency="USD",
        payment_state="paid",
    )


def _tracking(number, *events, shared_with=()) -> Tracking:
    return Tracking(
        number=number,
        normalized=number.upper(),
        carrier=None,
        events=tuple(TrackingEvent(at=when, status=status, **extra) for when, status, extra in events),
        shared_with=tuple(shared_with),
    )


def _inbound(when, text) -> CustomerMessage:
    return CustomerMessage(at=when, direction="inbound", text=text)


CN, US = {"country": "CN"}, {"country": "US"}

CASES: list[CaseFacts] = [
    CaseFacts(
        order=_order("#1001", nov(11), "SKU-1001", "Supplier 0"),
        tracking=_tracking("YT2431221234567890", (nov(13), "info_received", CN)),
    ),
    CaseFacts(
        order=_order("#1002", nov(10), "SKU-1002", "Supplier 1"),
        tracking=_tracking(
            "LP00412345678901",
            (nov(12), "info_received", CN),
            (nov(14), "accepted", CN),
            (nov(18), "in_transit", US),
        ),
    ),
    CaseFacts(
        order=_order("#1003", nov(4), "SKU-1003", "Supplier 2"),
        tracking=_tracking(
            "RR123456785CN",
            (nov(6), "info_received", CN),
            (nov(8), "accepted", CN),
            (nov(11), "in_transit", CN),
        ),
        customer_messages=(_inbound(nov(19), "Hi, where is my order? Tracking has not changed in a week."),),
    ),
    CaseFacts(
        order=_order("#1004", nov(8), "SKU-1004", "Supplier 3"),
        tracking=_tracking(
            "1Z999AA10123456784",
            (nov(10), "accepted", US),
            (nov(12), "in_transit", US),
            (nov(17), "delivered", {"country": "US", "postal_code": "94110"}),
        ),
        customer_messages=(_inbound(nov(19), "The tracking says delivered but I never received anything."),),
    ),
    CaseFacts(order=_order("#1005", nov(15), "MUG-02", "Coastal Ceramics")),
    CaseFacts(
        order=_order("#1006", nov(12), "MUG-02", "Coastal Ceramics"),
        tracking=_tracking(
            "LP00499887766554",
            (nov(14), "accepted", CN),
            (nov(16), "in_transit", US),
            (nov(19), "exception", {"country": "US", "description": "Customs hold"}),
        ),
    ),
    CaseFacts(
        order=_order("#1007", datetime(2026, 10, 31, 12, 0, tzinfo=UTC), "SKU-1007", "Supplier 6"),
        tracking=_tracking(
            "LP00411122233344",
            (nov(2), "info_received", CN),
            (nov(3), "accepted", CN),
            (nov(10), "in_transit", US),
        ),
        customer_messages=(_inbound(nov(18), "Still nothing. I would like a refund please."),),
    ),
    CaseFacts(
        order=_order("#1008", nov(9), "SKU-1008", "Supplier 0", "rui@example.com", "10001"),
        tracking=_tracking(
            "YT2431229999999999",
            (nov(11), "info_received", CN),
            shared_with=[SharedNumberOrder("#1009", "mo@example.com", "60601", nov(14))],
        ),
    ),
    CaseFacts(
        order=_order("#1009", nov(14), "SKU-1009", "Supplier 1", "mo@example.com", "60601"),
        tracking=_tracking(
            "YT2431229999999999",
            (nov(11), "info_received", CN),
            shared_with=[SharedNumberOrder("#1008", "rui@example.com", "10001", nov(9))],
        ),
    ),
]


def _window(name, days, started, elapsed, exceeded):
    return {
        "name": name,
        "days": days,
        "started_at": started,
        "elapsed_days": elapsed,
        "exceeded": exceeded,
    }


def _clocks(order, tracking, first, last):
    return {
        "order_age_days": order,
        "tracking_age_days": tracking,
        "days_since_first_scan": first,
        "days_since_last_movement": last,
    }


def _packet(order_id, case_type, risk, move, also, route, window, clocks, flags, approval=False):
    return {
        "order_id": order_id,
        "case_type": case_type,
        "risk_level": risk,
        "next_move": move,
        "also": also,
        "route": route,
        "window": window,
        "clocks": clocks,
        "flags": flags,
        "requires_owner_approval": approval,
    }


EXPECTED: list[dict] = [
    _packet(
        "#1001",
        "label_created_only",
        "supplier_chase",
        "chase_supplier",
        [],
        "supplier_delay",
        _window("label_created_max_days", 5, "2026-11-13T12:00:00Z", 7, True),
        _clocks(9, 7, None, None),
        ["label_only"],
    ),
    _packet(
        "#1002",
        "in_transit",
        "normal_watch",
        "wait",
        [],
        None,
        _window("stale_in_transit_days", 7, "2026-11-18T12:00:00Z", 2, False),
        _clocks(10, 8, 6, 2),
        [],
    ),
    _packet(
        "#1003",
        "stale_in_transit",
        "customer_update",
        "draft_update",
        [],
        "customer_support",
        _window("stale_in_transit_days", 7, "2026-11-11T12:00:00Z", 9, True),
        _clocks(16, 14, 12, 9),
        ["customer_waiting"],
    ),
    _packet(
        "#1004",
        "delivered_conflict",
        "refund_risk",
        "request_proof",
        ["draft_update"],
        "lost_package",
        None,
        _clocks(12, None, 10, 3),
        ["customer_waiting"],
    ),
    _packet(
        "#1005",
        "supplier_silence",
        "supplier_chase",
        "chase_supplier",
        [],
        "supplier_delay",
        _window("processing_window_days", 3, "2026-11-15T12:00:00Z", 5, True),
        _clocks(5, None, None, None),
        [],
    ),
    _packet(
        "#1006",
        "carrier_exception",
        "customer_update",
        "draft_update",
        [],
        "customer_support",
        _window("exception_grace_days", 3, "2026-11-19T12:00:00Z", 1, False),
        _clocks(8, None, 6, 1),
        [],
    ),
    _packet(
        "#1007",
        "stale_in_transit",
        "refund_risk",
        "prepare_refund_review",
        ["draft_update"],
        "refund",
        _window("stale_in_transit_days", 7, "2026-11-10T12:00:00Z", 10, True),
        _clocks(20, 18, 17, 10),
        ["customer_waiting"],
        approval=True,
    ),
    _packet(
        "#1008",
        "wrong_tracking",
        "supplier_chase",
        "request_proof",
        [],
        "supplier_delay",
        None,
        _clocks(11, 9, None, None),
        ["label_only", "recycled_tracking"],
    ),
    _packet(
        "#1009",
        "wrong_tracking",
        "supplier_chase",
        "request_proof",
        [],
        "supplier_delay",
        None,
        _clocks(6, 9, None, None),
        ["label_only", "predates_order", "recycled_tracking"],
    ),
]
