"""Storing assessments: run the pure rules over facts from the database and write each case's packet."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cases.assessment import assess_many
from cases.choices import RiskLevel
from cases.models import Case
from cases.selectors.facts import chunked, facts_for_orders
from cases.services.audit import audit_events
from policies.selectors import active_policy_book

BATCH = 500
STORED = (
    "case_type",
    "risk_level",
    "risk_rank",
    "next_move",
    "also",
    "route",
    "flags",
    "window",
    "clocks",
    "packet",
    "requires_owner_approval",
    "assessed_at",
    "next_assessment_at",
    "policy",
)


def packets_for_orders(order_pks: Iterable[int], as_of: datetime) -> list[dict]:
    """Fresh packets for these orders at `as_of`, nothing written (the `packet` command)."""
    loaded = facts_for_orders(order_pks, as_of)
    return [packet.to_dict() for packet in assess_many(loaded.facts, as_of, peers=loaded.peers)]


@transaction.atomic
def refresh_cases(order_pks: Iterable[int], *, as_of: datetime | None = None, via: str = "assessment") -> int:
    """Assess these orders' cases at `as_of` (default now), store the packets, and record every change of
    case type or risk in the audit trail. Returns how many cases changed."""
    as_of = as_of or timezone.now()
    order_pks = list(order_pks)
    book = active_policy_book()
    for chunk in chunked(order_pks):
        Case.objects.bulk_create([Case(order_id=pk) for pk in chunk], ignore_conflicts=True)
    loaded = facts_for_orders(order_pks, as_of, book)
    cases = {
        case.order.order_id: case
        for chunk in chunked(order_pks)
        for case in Case.objects.filter(order_id__in=chunk).select_related("order")
    }
    updates, audits = [], []
    for packet in assess_many(loaded.facts, as_of, peers=loaded.peers):
        data = packet.to_dict()
        case = cases[data["order_id"]]
        before = (case.case_type, case.risk_level)
        apply_packet(case, data, as_of)
        case.policy = book.policy
        updates.append(case)
        if before != (case.case_type, case.risk_level):
            audits.append(
                {
                    "action": "case_assessed",
                    "obj": case,
                    "via": via,
                    "changes": {
                        "case_type": [before[0] or None, case.case_type],
                        "risk_level": [before[1] or None, case.risk_level],
                    },
                    "reason": "; ".join(data["reasons"]),
                    "at": as_of,
                }
            )
    Case.objects.bulk_update(updates, STORED, batch_size=BATCH)
    audit_events(audits)
    return len(audits)


def apply_packet(case: Case, data: dict, as_of: datetime) -> None:
    case.case_type = data["case_type"]
    case.risk_level = data["risk_level"]
    case.risk_rank = RiskLevel.rank(data["risk_level"])
    case.next_move = data["next_move"]
    case.also = data["also"]
    case.route = data["route"] or ""
    case.flags = data["flags"]
    case.window = data["window"]
    case.clocks = data["clocks"]
    case.packet = data
    case.requires_owner_approval = data["requires_owner_approval"]
    case.assessed_at = as_of
    case.next_assessment_at = (
        datetime.fromisoformat(data["next_assessment_at"]) if data["next_assessment_at"] else None
    )
