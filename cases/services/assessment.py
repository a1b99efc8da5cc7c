"""Storing assessments: run the pure rules over facts from the database and write each case's packet.

Two callers: facts arrived for some orders (`refresh_cases`, from imports, the webhook, the admin), and
time passed (`sweep_due_cases`, from beat). Both recompute from facts, so running either twice changes
nothing the second time; both write only the cases whose packet changed, in one statement per batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from cases.assessment import assess_many
from cases.assessment.facts import CaseFacts
from cases.choices import CaseStatus, RiskLevel
from cases.models import Case
from cases.selectors.facts import chunked, facts_for_orders
from cases.selectors.review_counts import StoredReviewCounts, stored_review_counts
from cases.services.audit import audit_events
from policies.selectors import PolicyBook, active_policy_book

SWEEP_BATCH = 1000
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
    "waiting_since",
    "assessed_at",
    "next_assessment_at",
    "policy",
)


@dataclass
class AssessmentRun:
    assessed: int = 0
    written: int = 0  # cases whose packet changed
    changed: int = 0  # cases whose case type or risk changed (each has an audit event)
    batches: int = 0
    order_pks: list[int] = field(default_factory=list)

    def add(self, other: AssessmentRun) -> None:
        self.assessed += other.assessed
        self.written += other.written
        self.changed += other.changed
        self.batches += other.batches


def packets_for_orders(order_pks: Iterable[int], as_of: datetime) -> list[dict]:
    """Fresh packets for these orders at `as_of`, nothing written (the `packet` command)."""
    loaded = facts_for_orders(order_pks, as_of)
    return [packet.to_dict() for packet in assess_many(loaded.facts, as_of, peers=loaded.peers)]


@transaction.atomic
def refresh_cases(order_pks: Iterable[int], *, as_of: datetime | None = None, via: str = "assessment") -> int:
    """Facts arrived: assess these orders' cases at `as_of` (default now), creating missing cases.
    Returns how many cases changed case type or risk."""
    order_pks = list(order_pks)
    for chunk in chunked(order_pks):
        Case.objects.bulk_create([Case(order_id=pk) for pk in chunk], ignore_conflicts=True)
    return reassess(order_pks, as_of=as_of or timezone.now(), via=via).changed


def sweep_due_cases(
    *, as_of: datetime | None = None, batch_size: int = SWEEP_BATCH, max_batches: int | None = None
) -> AssessmentRun:
    """Time passed: re-assess open cases whose next assessment time is due (or that were never assessed).

    Each batch is its own transaction, so a sweep that dies half way has written whole batches and the
    next sweep picks up what is still due. Rows are claimed with SKIP LOCKED, so two sweeps at once
    split the work instead of doubling it (SQLite has one writer at a time anyway).
    """
    as_of = as_of or timezone.now()
    wake_held_cases(as_of)
    book = active_policy_book()
    total = AssessmentRun()
    counts = None  # taken once, at the first batch: a sweep with nothing due stays two small queries
    while max_batches is None or total.batches < max_batches:
        with transaction.atomic():
            due = list(_claim_due(as_of, batch_size))
            if not due:
                break
            counts = counts or stored_review_counts(as_of, book)
            total.add(reassess(due, as_of=as_of, via="sweep", book=book, counts=counts))
    return total


@transaction.atomic
def wake_held_cases(as_of: datetime) -> int:
    """A held case comes back to the queue on its review date, due for re-assessment at once."""
    woken = list(
        Case.objects.select_for_update(skip_locked=True)
        .filter(status=CaseStatus.HELD, held_until__lte=as_of)
        .select_related("order")
    )
    if not woken:
        return 0
    Case.objects.filter(pk__in=[case.pk for case in woken]).update(
        status=CaseStatus.OPEN, next_assessment_at=as_of
    )
    audit_events(
        {
            "action": "hold_ended",
            "obj": case,
            "via": "sweep",
            "changes": {"status": [CaseStatus.HELD, CaseStatus.OPEN]},
            "reason": f"review date {case.held_until.isoformat()} reached: {case.hold_reason}",
            "at": as_of,
        }
        for case in woken
    )
    return len(woken)


def _claim_due(as_of: datetime, batch_size: int) -> list[int]:
    open_cases = Case.objects.filter(status=CaseStatus.OPEN).select_for_update(skip_locked=True, of=("self",))
    never = list(open_cases.filter(assessed_at__isnull=True).values_list("order_id", flat=True)[:batch_size])
    if len(never) == batch_size:
        return never
    due = open_cases.filter(next_assessment_at__lte=as_of).order_by("next_assessment_at")
    return never + list(due.values_list("order_id", flat=True)[: batch_size - len(never)])


def reassess(
    order_pks: list[int],
    *,
    as_of: datetime,
    via: str,
    book: PolicyBook | None = None,
    counts: StoredReviewCounts | None = None,
) -> AssessmentRun:
    """Assess the cases of these orders and write the ones whose packet changed; record each change of
    case type or risk in the audit trail. Review counts (overlays 5-6) come from the stored cases of the
    other orders (`counts`, else taken for these orders' SKUs and suppliers). Call inside a transaction."""
    book = book or active_policy_book()
    loaded = facts_for_orders(order_pks, as_of, book, with_peers=False)
    cases = {
        case.order.order_id: case
        for chunk in chunked(order_pks)
        for case in Case.objects.filter(order_id__in=chunk).select_related("order__product__supplier")
    }
    if counts is None:
        orders = [case.order for case in cases.values()]
        counts = stored_review_counts(
            as_of,
            book,
            product_ids={order.product_id for order in orders},
            supplier_ids={order.product.supplier_id for order in orders},
        )
    run = AssessmentRun(assessed=len(loaded.facts), batches=1)
    updates, audits = [], []
    packets = assess_many(loaded.facts, as_of, outside=counts.outside(cases.values()))
    for facts, packet in zip(loaded.facts, packets, strict=True):
        data = packet.to_dict()
        case = cases[data["order_id"]]
        waiting = waiting_since(facts, as_of)
        if not packet_changed(case, data, book) and case.waiting_since == waiting:
            continue
        before = (case.case_type, case.risk_level)
        apply_packet(case, data, as_of)
        case.waiting_since = waiting
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
    write_cases(updates)
    audit_events(audits)
    run.written, run.changed = len(updates), len(audits)
    run.order_pks = [case.order_id for case in updates]
    return run


def waiting_since(facts: CaseFacts, as_of: datetime) -> datetime | None:
    """The oldest inbound message newer than the latest outbound one (rules.md section 3: unanswered),
    so the queue can put the longest-waiting customer first."""
    seen = [m for m in facts.customer_messages if m.at <= as_of]
    answered = max((m.at for m in seen if m.direction == "outbound"), default=None)
    return min(
        (m.at for m in seen if m.direction == "inbound" and (answered is None or m.at > answered)),
        default=None,
    )


def packet_changed(case: Case, data: dict, book: PolicyBook) -> bool:
    """Whether storing `data` would change anything but the instant it was computed at."""
    if case.assessed_at is None or case.policy_id != book.policy.pk:
        return True
    stored = {key: value for key, value in case.packet.items() if key != "as_of"}
    return stored != {key: value for key, value in data.items() if key != "as_of"}


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


def write_cases(cases: list[Case]) -> None:
    """One UPDATE per batch. On PostgreSQL the rows travel as one JSON document joined with
    jsonb_to_recordset; Django's bulk_update (CASE WHEN per column) does the same on SQLite."""
    if not cases:
        return
    if connection.vendor != "postgresql":
        Case.objects.bulk_update(cases, STORED, batch_size=500)
        return
    rows = [
        {
            "id": case.pk,
            "case_type": case.case_type,
            "risk_level": case.risk_level,
            "risk_rank": case.risk_rank,
            "next_move": case.next_move,
            "also": case.also,
            "route": case.route,
            "flags": case.flags,
            "window": case.window,
            "clocks": case.clocks,
            "packet": case.packet,
            "requires_owner_approval": case.requires_owner_approval,
            "waiting_since": case.waiting_since.isoformat() if case.waiting_since else None,
            "assessed_at": case.assessed_at.isoformat(),
            "next_assessment_at": case.next_assessment_at.isoformat() if case.next_assessment_at else None,
            "policy_id": case.policy_id,
        }
        for case in cases
    ]
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} AS c SET
                case_type = v.case_type, risk_level = v.risk_level, risk_rank = v.risk_rank,
                next_move = v.next_move, also = v.also, route = v.route, flags = v.flags,
                "window" = v."window", clocks = v.clocks, packet = v.packet,
                requires_owner_approval = v.requires_owner_approval, waiting_since = v.waiting_since,
                assessed_at = v.assessed_at,
                next_assessment_at = v.next_assessment_at, policy_id = v.policy_id,
                updated_at = now()
            FROM jsonb_to_recordset(%s::jsonb) AS v(
                id bigint, case_type text, risk_level text, risk_rank smallint, next_move text,
                also jsonb, route text, flags jsonb, "window" jsonb, clocks jsonb, packet jsonb,
                requires_owner_approval boolean, waiting_since timestamptz, assessed_at timestamptz,
                next_assessment_at timestamptz,
                policy_id bigint
            )
            WHERE c.id = v.id
            """,
            [json.dumps(rows)],
        )
