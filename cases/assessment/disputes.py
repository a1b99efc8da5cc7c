"""The dispute clock: what an opened chargeback or payment dispute does to a case (docs/disputes.md).

The spec (rules.md section 6, overlay 4) reads only the payment state `disputed`: it raises the risk to
`chargeback_watch`. A dispute the store recorded carries more, its deadline for evidence, and a careful
owner wants the last days before it in their own hands: a dispute still waiting for its evidence when
fewer than `OWNER_DAYS` days are left (or none: it is overdue) raises the risk to `owner_only`. Once the
pack is submitted, or the dispute is closed, the deadline no longer drives the case.

Each step of a dispute is a fact timed when it happened, so an assessment at an earlier instant (a
replay) sees the dispute as it stood then; the instants at which a step becomes visible, and the instant
the deadline comes within `OWNER_DAYS`, are what the scheduler watches (`watched_instants`).
"""

from __future__ import annotations

from datetime import datetime

from cases.assessment import vocabulary as v
from cases.assessment.clock import DAY, RESOLUTION, iso_z, plural, utc_date
from cases.assessment.facts import Dispute

OWNER_DAYS = 3

NEEDS_RESPONSE = "needs_response"
SUBMITTED = "submitted"
# A dispute still open: its payment is disputed (overlay 4). Won, lost and accepted close it.
OPEN_STATUSES: tuple[str, ...] = (NEEDS_RESPONSE, SUBMITTED)


def status_at(dispute: Dispute, as_of: datetime) -> str | None:
    """The dispute's status at `as_of`: None before it was opened, then needs_response, submitted, or its
    outcome once closed."""
    if dispute.opened_at > as_of:
        return None
    if dispute.closed_at is not None and dispute.closed_at <= as_of:
        return dispute.outcome or "closed"
    if dispute.submitted_at is not None and dispute.submitted_at <= as_of:
        return SUBMITTED
    return NEEDS_RESPONSE


def is_open(dispute: Dispute, as_of: datetime) -> bool:
    """Opened and not closed at `as_of`: the payment is still disputed (overlay 4)."""
    return status_at(dispute, as_of) in OPEN_STATUSES


def days_until(due: datetime, as_of: datetime) -> int:
    """Whole days from `as_of` to `due` (floor, as section 1 counts days); negative once `due` passed."""
    return (due - as_of) // DAY


def due_within_owner_days(due: datetime, as_of: datetime) -> bool:
    """Strictly less than `OWNER_DAYS` x 24 hours from `as_of` to `due` (or `due` passed)."""
    return due - as_of < OWNER_DAYS * DAY


def days_left(dispute: Dispute, as_of: datetime) -> int | None:
    """Whole days until the evidence is due; negative once overdue."""
    if dispute.evidence_due_by is None:
        return None
    return days_until(dispute.evidence_due_by, as_of)


def deadline_near(dispute: Dispute, as_of: datetime) -> bool:
    """Waiting for its evidence with strictly less than `OWNER_DAYS` x 24 hours left (or overdue)."""
    if dispute.evidence_due_by is None or status_at(dispute, as_of) != NEEDS_RESPONSE:
        return False
    return due_within_owner_days(dispute.evidence_due_by, as_of)


def headline(disputes: tuple[Dispute, ...], as_of: datetime) -> Dispute | None:
    """The dispute a packet shows: the open one whose evidence is due soonest, else the latest opened."""
    seen = [d for d in disputes if status_at(d, as_of) is not None]
    if not seen:
        return None
    waiting = [d for d in seen if status_at(d, as_of) == NEEDS_RESPONSE and d.evidence_due_by is not None]
    if waiting:
        return min(waiting, key=lambda d: d.evidence_due_by)
    still_open = [d for d in seen if is_open(d, as_of)]
    return max(still_open or seen, key=lambda d: d.opened_at)


def deadline_reason(dispute: Dispute, as_of: datetime) -> str:
    left = days_left(dispute, as_of)
    due = utc_date(dispute.evidence_due_by)
    if dispute.evidence_due_by <= as_of:
        return f"the evidence for the dispute was due on {due} and has not been submitted"
    return (
        f"the evidence for the dispute is due on {due} ({plural(max(left, 0), 'day')} left) and has not "
        f"been submitted; under {OWNER_DAYS} days it is the owner's"
    )


def apply_dispute_clock(moves, disputes: tuple[Dispute, ...], as_of: datetime) -> None:
    """Raise the risk of `moves` (overlays.Moves) as the store's disputes ask, after overlay 4: an open
    dispute is a disputed payment (chargeback_watch, the next move escalate, like overlay 4, which the
    payment state alone may not say yet); one whose deadline is near is the owner's (owner_only)."""
    if not disputes:
        return
    open_ones = [d for d in disputes if is_open(d, as_of)]
    if open_ones and v.risk_rank(moves.risk) < v.risk_rank(v.CHARGEBACK_WATCH):
        moves.raise_risk(v.CHARGEBACK_WATCH)
        moves.replace_next_move(v.ESCALATE)
        moves.route = v.ROUTE_REFUND
        moves.reasons.append(f"a dispute was opened on {utc_date(open_ones[0].opened_at)}")
    near = [d for d in open_ones if deadline_near(d, as_of)]
    if near:
        moves.raise_risk(v.OWNER_ONLY)
        moves.reasons.append(deadline_reason(min(near, key=lambda d: d.evidence_due_by), as_of))


def watched_instants(disputes: tuple[Dispute, ...]) -> tuple[datetime, ...]:
    """Every instant at which a dispute can change a case with no new facts: a step becoming visible, and
    the first instant with under `OWNER_DAYS` days left (one microsecond after due - OWNER_DAYS days)."""
    instants: list[datetime] = []
    for d in disputes:
        instants.extend(t for t in (d.opened_at, d.submitted_at, d.closed_at) if t is not None)
        if d.evidence_due_by is not None:
            instants.append(d.evidence_due_by - OWNER_DAYS * DAY + RESOLUTION)
    return tuple(sorted(instants))


def entry(disputes: tuple[Dispute, ...], as_of: datetime) -> dict | None:
    """The packet's `dispute` (packet.py): the headline dispute at `as_of`, or None."""
    dispute = headline(disputes, as_of) if disputes else None
    if dispute is None:
        return None
    return {
        "processor": dispute.processor,
        "status": status_at(dispute, as_of),
        "opened_at": iso_z(dispute.opened_at),
        "evidence_due_by": iso_z(dispute.evidence_due_by),
        "days_left": days_left(dispute, as_of) if status_at(dispute, as_of) == NEEDS_RESPONSE else None,
        "owner_only": deadline_near(dispute, as_of),
    }
