"""spec/examples/real.json (rules.md version 2, one tracking per case), transcribed by hand as CaseFacts,
gives real.expected.json on the compared keys of examples/README.md.

The transcription applies what importers do before the rules see the facts: statuses read from
descriptions (section 3b) and carrier times without an offset read as local time at the event's place
(section 1: CN in Asia/Shanghai, AU, which the table does not name, in UTC), marked approximate.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cases.assessment import assess_many, check_draft, guard_context
from cases.assessment.facts import CaseFacts, OrderFacts, Tracking, TrackingEvent
from cases.carriers.detect import checksum_invalid, detect

EXAMPLES = Path(__file__).resolve().parents[1] / "spec" / "examples"
AS_OF = datetime(2026, 11, 20, 12, tzinfo=UTC)
EXACT = (
    "order_id",
    "case_type",
    "risk_level",
    "next_move",
    "route",
    "window",
    "clocks",
    "requires_owner_approval",
)


def comparable(packet: dict) -> dict:
    return {key: packet[key] for key in EXACT} | {key: sorted(packet[key]) for key in ("flags", "also")}


def nov(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def order(number: int, ordered: datetime, sku: str, supplier: str, **fields) -> OrderFacts:
    values = {
        "order_id": f"#{number}",
        "ordered_at": ordered,
        "country": "US",
        "sku": sku,
        "supplier": supplier,
        "customer_email": f"c{number}@example.com",
        "postal_code": "94110",
        "product_title": sku.title(),
        "value": Decimal("29.90"),
        "currency": "USD",
    }
    return OrderFacts(**(values | fields))


def track(number: str, *events: tuple[datetime, str, dict]) -> Tracking:
    """A tracking as cases.bundles.facts builds it; each event is (time, status, other fields)."""
    return Tracking(
        number=number,
        normalized=number,
        checksum_invalid=checksum_invalid(number),
        fits_no_format=not detect(number),
        events=tuple(TrackingEvent(at=when, status=status, **extra) for when, status, extra in events),
    )


CN, US = {"country": "CN"}, {"country": "US"}
LOCAL_CN, LOCAL_AU = {"country": "CN", "approximate": True}, {"country": "AU", "approximate": True}

CASES = [
    CaseFacts(order(2001, nov(16), "TOTE-1", "Weave Co", product_title="Canvas tote", cancelled_at=nov(19))),
    CaseFacts(order(2002, nov(8), "SCARF-2", "Weave Co", payment_state="refunded")),
    CaseFacts(
        order(2003, nov(5), "SKU-2003", "Supplier 1", payment_state="partially_refunded"),
        tracking=track("LP00500000000001", (nov(7), "accepted", CN), (nov(11), "in_transit", US)),
    ),
    CaseFacts(
        order(2004, nov(14), "CANDLE-4", "Wick & Co", product_title="Soy candle", fulfilled_at=nov(17))
    ),
    CaseFacts(order(2005, nov(14), "CANDLE-5", "Wick & Co", product_title="Beeswax candle")),
    CaseFacts(
        order(2006, nov(15), "SKU-2006", "Supplier 4", payment_state="cash_on_delivery"),
        tracking=track(
            "LP00500000000002",
            (nov(16), "info_received", CN),
            (nov(17), "accepted", CN),
            (nov(18), "in_transit", US),
            (nov(20, 9), "out_for_delivery", US),
        ),
    ),
    CaseFacts(
        order(2007, nov(10), "SKU-2007", "Supplier 5"),
        tracking=track(
            "LP00500000000003",
            (nov(12), "accepted", CN),
            (nov(14), "in_transit", CN),
            (nov(19), "in_transit", US),
        ),
    ),
    CaseFacts(
        order(2008, nov(11), "SKU-2008", "Supplier 6"),
        tracking=track(
            "LP00500000000004",
            (nov(13), "accepted", CN),
            (nov(15), "in_transit", US),
            (nov(19), "exception", US),
        ),
    ),
    CaseFacts(
        order(2009, nov(11), "SKU-2009", "Supplier 0"),
        tracking=track(
            "LP00500000000005",
            (nov(13), "accepted", CN),
            (nov(18), "delivered", {"country": "US", "postal_code": "94110", "raw_status": "ZUGESTELLT"}),
        ),
    ),
    CaseFacts(
        order(2010, nov(8), "SKU-2010", "Supplier 1"),
        # 10:00 and 18:00 in Asia/Shanghai (UTC+8).
        tracking=track(
            "LP00500000000006", (nov(9, 2), "accepted", LOCAL_CN), (nov(13, 10), "in_transit", LOCAL_CN)
        ),
    ),
    CaseFacts(
        order(2011, nov(10), "SKU-2011", "Supplier 2", country="AU", postal_code="2000"),
        # 09:00 in Asia/Shanghai; 20:00 in AU, which the table does not name: UTC.
        tracking=track(
            "LP00500000000007", (nov(11, 1), "accepted", LOCAL_CN), (nov(13, 20), "in_transit", LOCAL_AU)
        ),
    ),
    CaseFacts(
        order(2012, nov(12), "SKU-2012", "Supplier 3", country="GB", postal_code=""),
        tracking=track(
            "RR123456785CN",
            (nov(14), "in_transit", CN),
            (nov(19), "delivered", {"country": "GB", "postal_code": "SW1A 1AA"}),
        ),
    ),
]


def expected() -> list[dict]:
    return json.loads((EXAMPLES / "real.expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c.order.order_id for c in CASES])
def test_real_example_packet_matches_expected(index):
    packets = assess_many(CASES, AS_OF)
    assert comparable(packets[index].to_dict()) == comparable(expected()[index])


def test_real_example_drafts_pass_the_guard():
    for packet in assess_many(CASES, AS_OF):
        if packet.draft_reply is not None:
            assert check_draft(packet.draft_reply, **guard_context(packet).kwargs()) == []


def test_real_example_gaps_name_local_times_and_the_fulfilled_order():
    packets = {p.order_id: p for p in assess_many(CASES, AS_OF)}
    for order_id in ("#2010", "#2011"):
        assert any("read as local time" in gap for gap in packets[order_id].evidence_gaps)
    assert not any("read as local time" in gap for gap in packets["#2003"].evidence_gaps)
    assert packets["#2004"].evidence_gaps == (
        "the store marked the order fulfilled on 2026-11-17; its tracking number is not here: "
        "import the store's tracking export",
    )
    assert packets["#2001"].evidence_gaps == packets["#2002"].evidence_gaps == ()


def test_real_example_next_assessments():
    packets = {p.order_id: p for p in assess_many(CASES, AS_OF)}
    for closed in ("#2001", "#2002", "#2004", "#2009", "#2012"):
        assert packets[closed].next_assessment_at is None
    assert packets["#2011"].next_assessment_at == nov(20, 20) + (
        datetime.min.replace(second=1) - datetime.min
    )
