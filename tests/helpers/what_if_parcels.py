"""Open cases at known distances from the in-transit window, for the what-if and activation tests.

`parcel()` stores an order whose parcel last moved some days before AS_OF; AGES names those the tests
store and whether a draft with stale_in_transit_days 10 (instead of 7) moves each; `decisions()` reads a
case's case type, risk level and next move; `expected_moves()` is what that draft changes."""

import itertools
from datetime import UTC, datetime, timedelta

from cases.models import Case, Parcel, TrackingEvent, TrackingNumber
from tests.factories import OrderFactory

AS_OF = datetime(2026, 11, 20, 12, tzinfo=UTC)
STALE = ("stale_in_transit", "customer_update", "draft_update")
MOVING = ("in_transit", "normal_watch", "wait")
LOST = ("stale_in_transit", "refund_risk", "escalate")
_numbers = itertools.count()

# Days since the last movement -> whether a draft with stale_in_transit_days 10 (instead of 7) moves the
# case from stale to in transit (rules.md section 1: a window is exceeded at strictly more than N days).
AGES = {
    "#A-5": (5, False),  # inside both windows
    "#A-7": (7, False),  # exactly 7 days: not exceeded under v1 either
    "#A-7.5": (7.5, True),
    "#A-8": (8, True),
    "#A-9.99": (9.99, True),
    "#A-10": (10, True),  # exactly 10 days: inside the draft's window
    "#A-10+": (10 + 1 / 86400, False),  # one second more: stale under both
    "#A-12": (12, False),
    "#A-25": (25, False),  # lost under both (lost_package_days 20)
}


def parcel(order_id: str, moved_days_ago: float, *, country: str = "US"):
    """An order whose parcel was labelled, accepted and last moved `moved_days_ago` before AS_OF."""
    moved = AS_OF - timedelta(days=moved_days_ago)
    order = OrderFactory(order_id=order_id, ordered_at=moved - timedelta(days=4), country=country)
    normalized = f"YT{2431220000000000 + next(_numbers):016d}"
    number = TrackingNumber.objects.create(number=normalized, normalized=normalized, carrier="yunexpress")
    Parcel.objects.create(order=order, tracking_number=number)
    for at, status in ((moved - timedelta(days=3), "info_received"), (moved - timedelta(days=2), "accepted")):
        TrackingEvent.objects.create(tracking_number=number, at=at, status=status)
    TrackingEvent.objects.create(tracking_number=number, at=moved, status="in_transit")
    return order


def decisions(order_id: str) -> tuple[str, str, str]:
    case = Case.objects.get(order__order_id=order_id)
    return (case.case_type, case.risk_level, case.next_move)


def expected_moves() -> dict[str, tuple]:
    return {order_id: (STALE, MOVING) for order_id, (_, moves) in AGES.items() if moves} | {
        "#DUE-8": (STALE, MOVING)
    }
