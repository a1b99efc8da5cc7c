"""What the cases' API and the MCP tools read, as plain data (the schemas of `cases.api.schemas`).

One function per read; a fixed number of queries each, whatever the page's length."""

from __future__ import annotations

from datetime import datetime

from django.db import DatabaseError, transaction
from django.utils import timezone

from cases.choices import AgentProposalState
from cases.models import AgentProposal, Case
from cases.selectors.case_queue import filtered_cases, queue_page
from cases.workbench.queue import clock_exceeded, key_clock
from cases.workbench.selectors import current_draft, last_carrier_events, parcel_rows
from cases.workbench.timeline import case_timeline, unreadable_facts
from staletrack.cursors import MESSAGE, BadCursor, decode_cursor, encode_cursor
from staletrack.limits import time_problem

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


def _rows():
    return Case.objects.select_related("order__product__supplier", "assignee").only(*ROW_FIELDS)


def case_row(case: Case, as_of: datetime) -> dict:
    order = case.order
    return {
        "id": case.pk,
        "order_id": order.order_id,
        "ordered_at": order.ordered_at,
        "status": case.status,
        "case_type": case.case_type,
        "risk_level": case.risk_level,
        "next_move": case.next_move,
        "route": case.route,
        "flags": list(case.flags or ()),
        "parcel_case_types": list(case.parcel_case_types or ()),
        "key_clock": key_clock(case.window, as_of),
        "clock_exceeded": clock_exceeded(case.window, as_of),
        "requires_owner_approval": case.requires_owner_approval,
        "waiting_since": case.waiting_since,
        "assessed_at": case.assessed_at,
        "unassessable_reason": case.unassessable_reason,
        "held_until": case.held_until,
        "supplier_id": order.product.supplier_id,
        "supplier": order.product.supplier.name,
        "sku": order.product.sku,
        "country": order.country,
        "assignee": case.assignee.get_username() if case.assignee_id else None,
    }


def find_cases(*, cursor: str | None = None, limit: int = 50, **filters) -> dict:
    """One page of the queue under `filters` (`cases.selectors.case_queue.filtered_cases`), in its order."""
    as_of = timezone.now()
    after = _queue_position(cursor) if cursor else None
    queryset = filtered_cases(_rows(), as_of=as_of, **{k: v for k, v in filters.items() if v is not None})
    cases, following = queue_page(queryset, cursor=after, limit=limit)
    next_cursor = None
    if following is not None:
        rank, waiting, pk = following
        next_cursor = encode_cursor([rank, waiting.isoformat() if waiting else None, pk])
    return {"items": [case_row(case, as_of) for case in cases], "next_cursor": next_cursor}


def _queue_position(cursor: str) -> tuple[int, datetime | None, int]:
    rank, waiting, pk = decode_cursor(cursor, length=3)
    if not (_whole(rank, 0, 32767) and _whole(pk, 1, 2**63 - 1)):
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


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _case(case_id: int) -> Case:
    return _rows().get(pk=case_id)


def case_packet(case_id: int) -> dict:
    case = _case(case_id)
    whole = Case.objects.select_related("policy").get(pk=case.pk)
    pending = AgentProposal.objects.filter(case_id=case.pk, state=AgentProposalState.PENDING).count()
    return {
        "case": case_row(case, timezone.now()),
        "packet": whole.packet or {},
        "reply_draft": current_draft(whole),
        "reply_draft_edited": bool(whole.draft_text),
        "policy": whole.policy.label if whole.policy_id else None,
        "pending_proposals": pending,
    }


def case_timeline_entries(case_id: int) -> dict:
    case = _case(case_id)
    try:
        with transaction.atomic():  # a savepoint: a row that cannot be read leaves the request usable
            entries = case_timeline(case)
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
    queryset = AgentProposal.objects.filter(token=token).select_related("case__order").order_by("-id")
    if state:
        queryset = queryset.filter(state=state)
    if cursor:
        (before,) = decode_cursor(cursor, length=1)
        if not _whole(before, 1, 2**63 - 1):
            raise BadCursor(MESSAGE)
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset[: limit + 1])
    next_cursor = encode_cursor([rows[limit - 1].pk]) if len(rows) > limit else None
    return {"items": [proposal_row(p) for p in rows[:limit]], "next_cursor": next_cursor}
