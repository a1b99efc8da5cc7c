"""The demo's stories as data: each scenario kind, the case type it tells, and how often it is told.

Every kind is built (`cases.demo.scenarios`) so that, assessed at `now` with the policy given (rules.md
section 2 defaults unless told otherwise), it lands on one of its case types, with at least `MARGIN` of
room from any window boundary. A demo tells every kind once first, so even a small one shows every case
type of rules.md section 4; the rest are drawn by weight: mostly healthy parcels, a realistic minority
stuck. `PAST_DECISIONS` are what the store decided on ten of them, for the replay page.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from cases.assessment import vocabulary as v
from cases.demo.records import DemoData

MARGIN = 0.25  # days kept between a generated clock and any window boundary
MAX_ORDER_AGE = 40.0  # orders are spread over the last ~40 days


@dataclass(frozen=True)
class Kind:
    name: str
    case_types: tuple[str, ...]  # the case types its orders get
    weight: float  # share of a large demo, in percent of orders
    orders: int = 1  # orders per scenario (combined shipments and recycled numbers come in pairs)
    # Who the trouble is usually down to, which decides the products it lands on: "" (no trouble: any
    # product), "carrier" (mostly the troubled SKUs) or "supplier" (the troubled supplier's products).
    blame: str = "carrier"
    angry: bool = False  # its customers write more often, and more about refunds and disputes

    @property
    def problem(self) -> bool:
        """Problem cases draw more (and angrier) customer messages."""
        return bool(self.blame)


KINDS: tuple[Kind, ...] = (
    Kind("in_transit", (v.IN_TRANSIT_CASE,), 36.0, blame=""),
    Kind("delivered", (v.DELIVERED_CASE,), 30.0, blame=""),
    Kind("combined_shipment", (v.IN_TRANSIT_CASE, v.DELIVERED_CASE), 1.5, orders=2, blame=""),
    Kind("stale_in_transit", (v.STALE_IN_TRANSIT,), 2.5),
    Kind("two_parcels", (v.STALE_IN_TRANSIT,), 0.6),
    Kind("lost_in_transit", (v.STALE_IN_TRANSIT,), 1.0, angry=True),
    Kind("accepted_waiting", (v.ACCEPTED_NO_MOVEMENT,), 3.0, blame=""),
    Kind("accepted_stuck", (v.ACCEPTED_NO_MOVEMENT,), 1.2),
    Kind("label_waiting", (v.LABEL_CREATED_ONLY,), 4.0, blame=""),
    Kind("number_without_events", (v.LABEL_CREATED_ONLY,), 1.0, blame=""),
    Kind("label_stuck_pickup_proof", (v.LABEL_CREATED_ONLY,), 0.6, blame="supplier"),
    Kind("label_stuck_no_proof", (v.LABEL_CREATED_ONLY,), 1.0, blame="supplier"),
    Kind("awaiting_tracking", (v.AWAITING_TRACKING,), 3.0, blame=""),
    Kind("silent_no_number", (v.SUPPLIER_SILENCE,), 0.8, blame="supplier"),
    Kind("silent_chase_unanswered", (v.SUPPLIER_SILENCE,), 0.6, blame="supplier", angry=True),
    Kind("supplier_blocked", (v.SUPPLIER_BLOCKED,), 0.8),
    Kind("exception_in_grace", (v.CARRIER_EXCEPTION,), 1.0),
    Kind("exception_overdue", (v.CARRIER_EXCEPTION,), 0.8, angry=True),
    Kind("delivered_conflict", (v.DELIVERED_CONFLICT,), 0.6),
    Kind("wrong_destination", (v.WRONG_DESTINATION,), 0.5),
    Kind("recycled_number", (v.WRONG_TRACKING,), 0.3, orders=2),
    Kind("predates_order", (v.WRONG_TRACKING,), 0.3),
    Kind("checksum_invalid", (v.WRONG_TRACKING,), 0.4),
    Kind("unknown_status", (v.UNCLEAR,), 0.5),
    Kind("contradictory", (v.UNCLEAR,), 0.3),
    Kind("cancelled", (v.CANCELLED,), 1.5, blame=""),
    Kind("refunded", (v.REFUNDED_CASE,), 0.8),
    Kind("fulfilled_no_tracking", (v.FULFILLED_NO_TRACKING,), 2.0, blame=""),
    Kind("cash_on_delivery", (v.IN_TRANSIT_CASE, v.DELIVERED_CASE), 1.5, blame=""),
    Kind("carrier_feed", (v.IN_TRANSIT_CASE,), 2.0, blame=""),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}


def plan_kinds(orders: int, rng: random.Random) -> list[Kind]:
    """Every kind once (so a small demo shows every case type), then kinds drawn by weight."""
    plan: list[Kind] = []
    total = 0
    for kind in KINDS:
        if total + kind.orders > orders:
            break
        plan.append(kind)
        total += kind.orders
    singles = [k for k in KINDS if k.orders == 1]
    while total < orders:
        pool = KINDS if orders - total > 1 else singles
        kind = rng.choices(pool, weights=[k.weight / k.orders for k in pool])[0]
        plan.append(kind)
        total += kind.orders
    return plan


# What a person decided, a day ago, on ten stale-tracking orders and how it ended (the seed's rollout,
# day 2: "run 10 past stale-tracking cases through the packet"), for the replay page. A store that
# mostly worked like the rules: seven took the packet's own next move and risk (None here), three chose
# otherwise, so the page has agreements and disagreements to show. Each is a case type, the next move and
# risk level taken, and the outcome.
PAST_DECISIONS: tuple[tuple[str, str | None, str | None, str], ...] = (
    (v.STALE_IN_TRANSIT, None, None, "Customer told it was moving; arrived four days later."),
    (v.LABEL_CREATED_ONLY, v.WAIT, v.NORMAL_WATCH, "Shipped a week later; the customer asked twice."),
    (v.ACCEPTED_NO_MOVEMENT, None, None, "The carrier scanned it the next day."),
    (v.SUPPLIER_SILENCE, None, None, "No answer from the supplier; replacement sent."),
    (v.CARRIER_EXCEPTION, None, None, "Address fixed with the carrier; delivered."),
    (v.IN_TRANSIT_CASE, None, None, "Delivered six days later; no complaint."),
    (v.STALE_IN_TRANSIT, v.PREPARE_REFUND_REVIEW, v.REFUND_RISK, "Refunded at once, without waiting."),
    (v.LABEL_CREATED_ONLY, None, None, "The supplier sent pickup proof two days later."),
    (v.SUPPLIER_BLOCKED, None, None, "Out of stock at the supplier; refunded after review."),
    (v.AWAITING_TRACKING, v.REQUEST_PROOF, v.SUPPLIER_CHASE, "The supplier's number came three days later."),
)


@dataclass(frozen=True)
class DemoDecision:
    """A past decision on one demo order; a next move or risk level of None is the packet's own."""

    order_id: str
    next_move: str | None
    risk_level: str | None
    outcome: str


def past_decisions(data: DemoData, decided_at: datetime) -> list[DemoDecision]:
    """`PAST_DECISIONS` on the first orders (by order id) placed by `decided_at` of the case types they
    name, one order each; a case type no such order was built for is left out."""
    candidates = sorted((o for o in data.orders if o.ordered_at <= decided_at), key=lambda o: o.order_id)
    chosen, taken = [], set()
    for case_type, move, risk, outcome in PAST_DECISIONS:
        order = next(
            (o for o in candidates if o.expected_case_type == case_type and o.order_id not in taken), None
        )
        if order is not None:
            taken.add(order.order_id)
            chosen.append(DemoDecision(order.order_id, move, risk, outcome))
    return chosen
