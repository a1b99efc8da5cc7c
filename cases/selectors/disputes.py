"""Reads of disputes for people: an order's disputes as its case page lists them, the disputes waiting for
evidence by deadline (the owner's home), and a dispute's status as a user may see it.

Only an owner sees outcomes (won, lost, accepted): for anyone without `cases.record_dispute_outcome` (an
owner's session verified by a second factor) a closed dispute shows as "closed"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from cases.assessment.disputes import days_left, deadline_near
from cases.choices import DISPUTE_OUTCOMES, DisputeStatus
from cases.models import Dispute
from cases.permissions import RECORD_DISPUTE_OUTCOME
from cases.selectors.facts import dispute_fact

WAITING_ON_HOME = 10


def sees_outcomes(user) -> bool:
    return user.has_perm(RECORD_DISPUTE_OUTCOME)


def shown_status(status: str, *, outcomes: bool) -> str:
    """A status as words a user may read: an outcome only for an owner, "closed" for anyone else."""
    if status in DISPUTE_OUTCOMES and not outcomes:
        return "closed"
    return DisputeStatus(status).label


def shown_status_value(status: str, *, outcomes: bool) -> str:
    return "closed" if status in DISPUTE_OUTCOMES and not outcomes else status


@dataclass(frozen=True)
class DisputeRow:
    dispute: Dispute
    status: str  # as the user may see it (shown_status)
    status_value: str
    days_left: int | None  # whole days to the evidence deadline while it waits for evidence
    owner_only: bool  # under OWNER_DAYS days left without a submitted pack

    @property
    def deadline_words(self) -> str:
        if self.days_left is None:
            return ""
        if self.days_left < 0:
            return f"overdue by {-self.days_left} day{'s' if self.days_left != -1 else ''}"
        return f"{self.days_left} day{'s' if self.days_left != 1 else ''} left"


def dispute_row(dispute: Dispute, *, outcomes: bool, now: datetime) -> DisputeRow:
    """`dispute` as `user` may see it at `now`, its clock counted by the rules' own functions."""
    fact = dispute_fact(
        dispute.processor,
        dispute.opened_at,
        dispute.evidence_due_by,
        dispute.evidence_sent_on,
        dispute.finalized_on,
        dispute.status,
        dispute.updated_at or now,
    )
    waiting = dispute.status == DisputeStatus.NEEDS_RESPONSE and dispute.evidence_due_by is not None
    return DisputeRow(
        dispute=dispute,
        status=shown_status(dispute.status, outcomes=outcomes),
        status_value=shown_status_value(dispute.status, outcomes=outcomes),
        days_left=days_left(fact, now) if waiting else None,
        owner_only=deadline_near(fact, now),
    )


def order_disputes(order_pk: int, *, user, now: datetime | None = None) -> list[DisputeRow]:
    """The order's disputes, oldest first, as `user` may see them."""
    now = now or timezone.now()
    outcomes = sees_outcomes(user)
    disputes = Dispute.objects.filter(order_id=order_pk).order_by("opened_at", "id")
    return [dispute_row(d, outcomes=outcomes, now=now) for d in disputes]


def waiting_for_evidence(
    *, user, limit: int = WAITING_ON_HOME, now: datetime | None = None
) -> list[DisputeRow]:
    """The disputes still waiting for their evidence, the soonest deadline first (a deadline not given
    last), with their order and case: the partial index `dispute_waiting_by_due`'s first entries."""
    now = now or timezone.now()
    disputes = (
        Dispute.objects.filter(status=DisputeStatus.NEEDS_RESPONSE)
        .select_related("order__case")
        .order_by("evidence_due_by", "id")[:limit]
    )
    outcomes = sees_outcomes(user)
    return [dispute_row(d, outcomes=outcomes, now=now) for d in disputes]


def disputes_waiting() -> int:
    return Dispute.objects.filter(status=DisputeStatus.NEEDS_RESPONSE).count()
