"""The lanes of the policy in force (policies.lanes) over stored cases: a case's lane, the queue's filter
for each lane, and the check every path that answers a case makes (docs/fast-lane.md).

The lane is read from the columns the assessment stores (case type, risk level, route) and, for the one
case a service answers, the packet's `dispute` too. The queue's filter needs no packet: an open dispute
raises a case to `chargeback_watch` at least (cases.assessment.disputes), above any fast lane, and the
owner-only lane's refund signal is the route (policies.lanes). Nothing is stored per case, so a newly
activated version's lanes hold at once, and every filter runs on indexed columns.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from cases.assessment import vocabulary as v
from cases.models import Case
from cases.permissions import ANSWER_OWNER_ONLY_CASE
from policies.lanes import (
    FAST,
    OWNER_ONLY,
    STANDARD,
    LaneSettings,
    lane_of,
    lane_reason,
    money_or_dispute,
)
from policies.selectors import active_lane_settings
from staletrack.permissions import require

__all__ = [
    "FAST",
    "OWNER_ONLY",
    "STANDARD",
    "OwnerOnlyCase",
    "active_lane_settings",
    "case_lane",
    "case_lane_reason",
    "lane_q",
    "may_answer",
    "require_answer",
]


class OwnerOnlyCase(PermissionDenied):
    """The case is in the owner-only lane and the person is not an owner with a verified session."""


def _money(case: Case) -> bool:
    # A queue row defers the packet: reading it there would load it, one query per row.
    packet = case.packet if "packet" in case.__dict__ else {}
    return money_or_dispute(case.route, (packet or {}).get("dispute"))


def case_lane(case: Case, settings: LaneSettings | None = None) -> str:
    """The lane of a stored case under `settings` (default: the version in force)."""
    settings = settings or active_lane_settings()
    return lane_of(case.case_type, case.risk_level, money_or_dispute=_money(case), settings=settings)


def case_lane_reason(case: Case, settings: LaneSettings | None = None) -> str:
    """Why the case is in its lane, in words ("owner-only: its risk is owner only")."""
    settings = settings or active_lane_settings()
    return lane_reason(case.case_type, case.risk_level, money_or_dispute=_money(case), settings=settings)


def lane_q(lane: str, settings: LaneSettings) -> Q:
    """The cases of `lane` under `settings`, on the queue's indexed columns (the same lanes as
    `policies.lanes.lane_of`, which a test keeps so)."""
    money = Q(route=v.ROUTE_REFUND)
    owner_only = Q(risk_level__in=settings.owner_only_risks) | Q(case_type__in=settings.owner_only_case_types)
    if settings.owner_only_refunds:
        owner_only |= money
    fast = (
        Q(case_type__in=settings.fast_case_types, risk_rank__lte=v.risk_rank(settings.fast_max_risk))
        & ~Q(risk_level="")
        & ~money
        & ~owner_only
    )
    if lane == OWNER_ONLY:
        return owner_only
    if lane == FAST:
        return fast
    return ~owner_only & ~fast


def may_answer(user, lane: str) -> bool:
    """Whether `user` may mark replies sent and record outcomes of a case in `lane` (what the page offers;
    the services check again)."""
    return lane != OWNER_ONLY or user.has_perm(ANSWER_OWNER_ONLY_CASE)


def require_answer(actor, case: Case, *, what: str, settings: LaneSettings | None = None) -> str:
    """Refuse (`OwnerOnlyCase`) unless `actor` may `what` ("mark its reply as sent") on `case`: in the
    owner-only lane only an owner, from a session verified by a second factor. Returns the case's lane.
    `None` is the operator at the shell."""
    settings = settings or active_lane_settings()
    lane = case_lane(case, settings)
    if lane == OWNER_ONLY and actor is not None:
        try:
            require(actor, ANSWER_OWNER_ONLY_CASE)
        except PermissionDenied as refused:
            raise OwnerOnlyCase(
                f"Case {case.order.order_id} is in the owner-only lane ({case_lane_reason(case, settings)}): "
                f"only an owner may {what}. {refused}"
            ) from None
    return lane
