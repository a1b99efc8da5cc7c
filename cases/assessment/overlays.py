"""Overlays 1 to 4 of rules.md section 6: what customers said and what the payment is doing.

Each overlay reads the outcome of the one before; risk only ever rises. `also` keeps first-added
order, holds no duplicates and never holds the next move itself (section 6), which `Moves` enforces
whenever it is read. Overlays 5 and 6 count other cases and live in `review.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cases.assessment import vocabulary as v
from cases.assessment.clock import plural, utc_date
from cases.assessment.derived import Derived
from policies.values import PolicyValues


@dataclass(slots=True)
class Moves:
    """The mutable outcome the overlays work on."""

    risk: str
    next_move: str
    route: str | None
    added: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add_also(self, move: str) -> None:
        if move not in self.added:
            self.added.append(move)

    def raise_risk(self, floor: str) -> None:
        self.risk = v.higher_risk(self.risk, floor)

    def replace_next_move(self, move: str) -> None:
        """Section 6 overlays 3 and 4: the previous next move, unless `wait`, goes to `also`."""
        previous = self.next_move
        self.next_move = move
        if previous != v.WAIT:
            self.add_also(previous)

    @property
    def also(self) -> tuple[str, ...]:
        return tuple(move for move in self.added if move != self.next_move)


def _messages_phrase(count: int) -> str:
    return plural(count, "unanswered customer message")


def apply_customer_overlays(moves: Moves, d: Derived, policy: PolicyValues) -> Moves:
    """Overlays 1 to 4 in order (section 6)."""
    unanswered = len(d.unanswered)

    # 1. Customer waiting.
    if unanswered:
        moves.raise_risk(v.CUSTOMER_UPDATE)
        if moves.next_move == v.WAIT:
            moves.next_move = v.DRAFT_UPDATE
        else:
            moves.add_also(v.DRAFT_UPDATE)
        if moves.route is None:
            moves.route = v.ROUTE_CUSTOMER_SUPPORT
        latest = d.unanswered[-1]
        moves.reasons.append(f"{_messages_phrase(unanswered)}, the latest on {utc_date(latest.at)}")

    # 2. Review risk.
    if unanswered >= policy.review_risk_unanswered:
        moves.raise_risk(v.REVIEW_RISK)
        moves.reasons.append(
            f"{_messages_phrase(unanswered)}; {policy.review_risk_unanswered} or more is a public-review risk"
        )

    # 3. Refund request, from any inbound message, answered or not: answering it does not decide it.
    refund_asks = d.inbound_with(v.REFUND_REQUEST)
    if refund_asks:
        moves.raise_risk(v.REFUND_RISK)
        if moves.next_move != v.ESCALATE:
            moves.replace_next_move(v.PREPARE_REFUND_REVIEW)
        moves.route = v.ROUTE_REFUND
        moves.reasons.append(f"the customer asked for a refund on {utc_date(refund_asks[0].at)}")

    # 4. Dispute threatened or opened.
    threats = d.inbound_with(v.DISPUTE_THREAT)
    if threats or d.payment_disputed:
        moves.raise_risk(v.CHARGEBACK_WATCH)
        moves.replace_next_move(v.ESCALATE)
        moves.route = v.ROUTE_REFUND
        if threats:
            moves.reasons.append(
                f"the customer mentioned a chargeback or dispute on {utc_date(threats[0].at)}"
            )
        if d.payment_disputed:
            moves.reasons.append("the payment is disputed")
    return moves
