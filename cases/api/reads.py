"""What the cases' API and the MCP tools read, as plain data (the schemas of `cases.api.schemas`).

One function per read; a fixed number of queries each, whatever the page's length. The rows are read as
values, not model instances: building four instances a row (the case, its order, product and supplier)
cost a page of 200 rows more than its query (benchmarks/bench_api.py)."""

from __future__ import annotations

from datetime import datetime

from django.db import DatabaseError, transaction
from django.db.models import F, Func, OuterRef, Subquery
from django.utils import timezone

from cases.choices import AgentProposalState
from cases.models import AgentProposal, Case
from cases.selectors.case_queue import BY_RANK_FILTERS, filtered_cases, parcel_case_type_either, queue_page
from cases.workbench.queue import clock_exceeded, key_clock
from cases.workbench.selectors import current_draft, last_carrier_events, parcel_rows
from cases.workbench.timeline import case_timeline, unreadable_facts
from policies.models import Policy
from staletrack.cursors import MESSAGE, BadCursor, decode_cursor, encode_cursor, id_page
from staletrack.limits import time_problem, whole_number

ROW_FIELDS = (
    "id",
    "order__order_id",
    "order__ordered_at",
    "order__country",
    "order__product__sku",
    "order__product__supplier_id",
    "order__product__supplier__name",
    "assignee__username",
    "status",
    "case_type",
    "risk_level",
    "risk_rank",
    "next_move",
    "route",
    "flags",
    "parcel_case_types",
    "window",
    "requires_owner_approval",
    "waiting_since",
    "assessed_at",
    "unassessable_reason",
    "held_until",
)


def case_row(row: dict, as_of: datetime) -> dict:
    """A case as the API lists it, from its ROW_FIELDS values (a `.values(*ROW_FIELDS)` row)."""
    window = row["window"]
    return {
        "id": row["id"],
        "order_id": row["order__order_id"],
        "ordered_at": row["order__ordered_at"],
        "status": row["status"],
        "case_type": row["case_type"],
        "risk_level": row["risk_level"],
        "next_move": row["next_move"],
        "route": row["route"],
        "flags": list(row["flags"] or ()),
        "parcel_case_types": list(row["parcel_case_types"] or ()),
        "key_clock": key_clock(window, as_of),
        "clock_exceeded": clock_exceeded(window, as_of),
        "requires_owner_approval": row["requires_owner_approval"],
        "waiting_since": row["waiting_since"],
        "assessed_at": row["assessed_at"],
        "unassessable_reason": row["unassessable_reason"],
        "held_until": row["held_until"],
        "supplier_id": row["order__product__supplier_id"],
        "supplier": row["order__product__supplier__name"],
        "sku": row["order__product__sku"],
        "country": row["order__country"],
        # the user model's USERNAME_FIELD, as get_username() reads it; None when nobody is assigned
        "assignee": row["assignee__username"],
    }


def find_cases(*, cursor: str | None = None, limit: int = 50, **filters) -> dict:
    """One page of the queue under `filters` (`cases.selectors.case_queue.filtered_cases`), in its order."""
    as_of = timezone.now()
    after = _queue_position(cursor) if cursor else None
    filters = {k: v for k, v in filters.items() if v is not None}
    either = ()
    if parcel_case_type := filters.pop("parcel_case_type", None):
        # Read as two branches (its own case type, its other parcels'), each from its own index.
        either = parcel_case_type_either(Case.objects.all(), parcel_case_type)
    queryset = filtered_cases(Case.objects.all(), as_of=as_of, **filters)
    by_rank = bool(BY_RANK_FILTERS & filters.keys()) or bool(either)
    rows = queryset.values(*ROW_FIELDS)
    cases, following = queue_page(rows, cursor=after, limit=limit, by_rank=by_rank, either=either)
    next_cursor = None
    if following is not None:
        rank, waiting, pk = following
        next_cursor = encode_cursor([rank, waiting.isoformat() if waiting else None, pk])
    return {"items": [case_row(case, as_of) for case in cases], "next_cursor": next_cursor}


def _queue_position(cursor: str) -> tuple[int, datetime | None, int]:
    rank, waiting, pk = decode_cursor(cursor, length=3)
    if not (whole_number(rank, 0, 32767) and whole_number(pk, 1, 2**63 - 1)):
        raise BadCursor(MESSAGE)
    if waiting is None:
        return rank, None, pk
    try:
        waiting = datetime.fromisoformat(waiting)
    except (TypeError, ValueError):
        raise BadCursor(MESSAGE) from None
    # A wait this API never gave: naive, or out of the range a database compares (year 1 at +05:00 is
    # year 0 in UTC, which Python cannot even write out for SQLite).
    if time_problem(waiting):
        raise BadCursor(MESSAGE)
    return rank, waiting, pk


def _pending_proposals() -> Subquery:
    """The case's pending proposals, counted in SQL (0 when none: an aggregate without GROUP BY)."""
    pending = AgentProposal.objects.filter(case_id=OuterRef("pk"), state=AgentProposalState.PENDING)
    return Subquery(pending.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1])


def case_packet(case_id: int) -> dict:
    """The case's row, packet, draft, policy and pending proposals: one query."""
    row = (
        Case.objects.filter(pk=case_id)
        .values(
            *ROW_FIELDS, "packet", "draft_text", "policy_id", "policy__version", pending=_pending_proposals()
        )
        .get()
    )
    # current_draft and Policy.label decide, from the columns they read
    whole = Case(packet=row["packet"], draft_text=row["draft_text"])
    policy = Policy(version=row["policy__version"]) if row["policy_id"] is not None else None
    return {
        "case": case_row(row, timezone.now()),
        "packet": row["packet"] or {},
        "reply_draft": current_draft(whole),
        "reply_draft_edited": bool(row["draft_text"]),
        "policy": policy.label if policy is not None else None,
        "pending_proposals": row["pending"],
    }


def case_timeline_entries(case_id: int) -> dict:
    # the timeline reads the case's id and order id only
    case = Case.objects.only("id", "order_id").get(pk=case_id)
    try:
        with transaction.atomic():  # a savepoint: a row that cannot be read leaves the request usable
            entries = case_timeline(case, outcomes=False)  # an agent is not the owner
    except (DatabaseError, ValueError, OverflowError, TypeError):
        entries = []
    return {
        "case": case.pk,
        "entries": [
            {
                "at": entry.at,
                "kind": entry.kind,
                "title": entry.title,
                "text": entry.text,
                "by": entry.by,
                "approximate": entry.approximate,
                "detail": entry.detail,
            }
            for entry in entries
        ],
        "left_out": unreadable_facts(case),
    }


def case_parcels(case_id: int) -> dict:
    case = Case.objects.select_related("order").only("packet", "order").get(pk=case_id)
    return {"case": case.pk, "parcels": parcel_rows(case.packet or {}, last_carrier_events(case.order))}


def proposal_row(proposal: AgentProposal) -> dict:
    return {
        "id": proposal.pk,
        "case": proposal.case_id,
        "order_id": proposal.case.order.order_id,
        "agent": proposal.agent,
        "kind": proposal.kind,
        "text": proposal.text,
        "channel": proposal.channel,
        "ending": proposal.ending,
        "state": proposal.state,
        "proposed_at": proposal.proposed_at,
        "decided_at": proposal.decided_at,
        "decision_note": proposal.decision_note,
    }


def token_proposals(token, *, state: str | None = None, cursor: str | None = None, limit: int = 50) -> dict:
    """The proposals the token made, newest first."""
    queryset = AgentProposal.objects.filter(token=token).select_related("case__order")
    if state:
        queryset = queryset.filter(state=state)
    rows, next_cursor = id_page(queryset, cursor=cursor, limit=limit, newest_first=True)
    return {"items": [proposal_row(p) for p in rows], "next_cursor": next_cursor}
