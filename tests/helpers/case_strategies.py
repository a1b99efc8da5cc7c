"""Hypothesis strategies for the engine's properties: case facts at minute granularity around T0 (every
status, evidence kind and message intent in play, random policy numbers), small populations sharing SKUs
and suppliers, and the settings the property tests run with."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from cases.assessment.facts import TrackingEvent
from cases.assessment.vocabulary import EVIDENCE_KINDS, STATUSES
from policies.values import POLICY_FIELDS, PolicyValues
from tests.helpers.case_builders import case
from tests.helpers.case_pieces import T0, chase, evidence, inbound, outbound, shared, tracking

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ONE_SECOND = timedelta(seconds=1)

MESSAGE_TEXTS = (
    "Where is my order?",
    "It never arrived.",
    "I want a refund.",
    "I will open a PayPal claim.",
    "Thanks!",
)
TITLES = ("Sunset lamp", "", "Guaranteed fresh coffee", "Shipped-in-a-box kit", "Mug {2}", "None")
DESCRIPTIONS = ("", "Customs hold", "Will be delivered Monday", "In transit to hub", "Refund has been issued")


def minutes(low_days: float, high_days: float):
    """An instant between T0 + low and T0 + high days, to the minute."""
    return st.integers(int(low_days * 1440), int(high_days * 1440)).map(lambda m: T0 + timedelta(minutes=m))


# The ranges the policy numbers are drawn from: windows in days (from zero, "at once"), and the counts
# that trip a review (from one, as the policy requires).
WINDOW_DAYS: dict[str, tuple[int, int]] = {
    "processing_window_days": (0, 6),
    "label_created_max_days": (0, 8),
    "accepted_no_movement_days": (0, 6),
    "stale_in_transit_days": (0, 10),
    "exception_grace_days": (0, 5),
    "lost_package_days": (0, 25),
    "supplier_response_days": (0, 4),
    "product_review_days": (0, 20),
    "supplier_review_days": (0, 30),
}
COUNTS: dict[str, tuple[int, int]] = {
    "review_risk_unanswered": (1, 3),
    "product_review_threshold": (1, 3),
    "supplier_flag_threshold": (1, 3),
}


def policies():
    ranges = WINDOW_DAYS | COUNTS
    return st.builds(PolicyValues, **{name: st.integers(*ranges[name]) for name in POLICY_FIELDS})


@st.composite
def case_facts(draw, low: float = -3, high: float = 30, order_id: str = "#1"):
    """One case whose every timestamp lies between T0 + low and T0 + high days."""
    when = minutes(low, high)
    events = draw(
        st.lists(
            st.builds(
                TrackingEvent,
                at=when,
                status=st.sampled_from(STATUSES),
                description=st.sampled_from(DESCRIPTIONS),
                country=st.sampled_from(("", "US", "US", "CA", "us")),
                postal_code=st.sampled_from(("", "94110", "94110", "10001")),
                approximate=st.booleans(),
            ),
            max_size=4,
        )
    )
    has_tracking = draw(st.integers(0, 4)) > 0
    shared_with = draw(
        st.lists(
            st.builds(
                shared,
                order_id=st.just("#other"),
                email=st.sampled_from(("ana@example.com", "bo@example.com", "")),
                postal=st.sampled_from(("94110", "10001", "")),
                ordered_at=when,
            ),
            max_size=1,
        )
    )
    # Version 2's order life: now and then a cancellation or a fulfilment, at any instant (also after as_of).
    life = draw(st.integers(0, 5))
    facts = case(
        order_id=order_id,
        cancelled_at=draw(when) if life == 0 else None,
        fulfilled_at=draw(when) if life in (1, 2) else None,
        country=draw(st.sampled_from(("US", "US", "us", ""))),
        ordered_at=draw(minutes(max(low, 0), max(low, 0) + 4)),
        sku=draw(st.sampled_from(("SKU-1", "SKU-2"))),
        supplier=draw(st.sampled_from(("Supplier A", "Supplier B", ""))),
        product_title=draw(st.sampled_from(TITLES)),
        payment_state=draw(
            st.sampled_from(("paid", "paid", "paid", "disputed", "refunded", "cash_on_delivery"))
        ),
        policy=draw(policies()),
        tracking=(
            tracking(
                *events,
                number=draw(st.sampled_from(("LP00412345678901", "1Z 999-AA1"))),
                checksum_invalid=draw(st.booleans()) and draw(st.booleans()),
                shared_with=tuple(shared_with),
                fits_no_format=draw(st.integers(0, 3)) == 0,
            )
            if has_tracking
            else None
        ),
        evidence=draw(st.lists(st.builds(evidence, when, st.sampled_from(EVIDENCE_KINDS)), max_size=3)),
        chases=draw(st.lists(st.builds(chase, when), max_size=2)),
        messages=draw(
            st.lists(
                st.one_of(
                    st.builds(inbound, when, st.sampled_from(MESSAGE_TEXTS)),
                    st.builds(outbound, when),
                ),
                max_size=4,
            )
        ),
    )
    return facts


@st.composite
def populations(draw, low: float = -3, high: float = 30):
    size = draw(st.integers(1, 3))
    return [draw(case_facts(low, high, order_id=f"#{i}")) for i in range(size)]
