"""Reads of the case page beside its packet and timeline.

The reply being drafted, who can be assigned, and the case's money decisions with what the person looking
may do with each."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from cases.choices import MoneyState
from cases.models import Case, MoneyDecision
from cases.permissions import APPROVE_MONEY


def current_draft(case: Case) -> str:
    """The reply a person saved, else the one the packet drafted."""
    return case.draft_text or (case.packet or {}).get("draft_reply") or ""


def assignable_users():
    """Who a case can be assigned to: active staff, by username."""
    return get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")


def case_money_decisions(case: Case, *, user) -> list[MoneyDecision]:
    """The case's money decisions, each with `can_decide` and `can_edit` for `user`: the page offers only
    what `cases.workbench.money` would allow (which checks again)."""
    decisions = list(
        MoneyDecision.objects.filter(case=case).select_related("requested_by", "amended_by", "decided_by")
    )
    for decision in decisions:
        # Whoever set the terms (the requester, the one other person who changed them) never decides;
        # once two people set them, nobody else changes them.
        setters = {decision.requested_by_id, decision.amended_by_id} - {None}
        decision.can_decide = (
            decision.state == MoneyState.PENDING and user.has_perm(APPROVE_MONEY) and user.pk not in setters
        )
        decision.can_edit = (
            decision.state != MoneyState.REJECTED
            and (decision.requested_by_id == user.pk or user.has_perm(APPROVE_MONEY))
            and (len(setters) < 2 or user.pk in setters)
        )
    return decisions
