"""Reads of the case page beside its packet and timeline, and of the bulk review.

The reply being drafted, who can be assigned, the case's parcels side by side, the case's money
decisions with what the person looking may do with each, and what agents proposed for it; the cases a
bulk review draws and their customers' unanswered messages."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Case as Choose
from django.db.models import IntegerField, Value, When
from django.db.models.functions import Coalesce

from cases.choices import AgentProposalState, Direction, MoneyState, TrackingStatus
from cases.models import AgentProposal, Case, CustomerMessage, MoneyDecision, Order, TrackingEvent
from cases.packets import headline_index
from cases.permissions import APPROVE_MONEY
from cases.tracking.detect import tracking_url
from cases.workbench.timeline import READABLE


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


# Decided proposals the page recalls below those waiting.
RECENT_DECIDED_PROPOSALS = 5
# Never more wait on one case (cases.services.agent_proposals.MAX_PENDING_PER_CASE); a few more are read
# so that a race past that cap leaves no waiting proposal unseen.
PENDING_PROPOSALS_READ = 40


def waiting_first() -> Choose:
    """An ordering that puts the proposals waiting for a person before the decided ones (the case page's
    and the admin's list of proposals)."""
    return Choose(
        When(state=AgentProposalState.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def case_agent_proposals(case: Case) -> tuple[list[AgentProposal], list[AgentProposal]]:
    """The case's proposals from agents: those waiting for a person, oldest first (answered in the order
    they came), and the few decided last, newest first. One query."""
    rows = list(
        AgentProposal.objects.filter(case=case)
        .select_related("decided_by")
        .order_by(waiting_first(), Coalesce("decided_at", "proposed_at").desc(), "-id")[
            : PENDING_PROPOSALS_READ + RECENT_DECIDED_PROPOSALS
        ]
    )
    pending = [p for p in rows if p.state == AgentProposalState.PENDING]
    decided = [p for p in rows if p.state != AgentProposalState.PENDING]
    return pending[::-1], decided[:RECENT_DECIDED_PROPOSALS]


def parcel_rows(packet: dict, last_events: dict[str, str] | None = None) -> list[dict]:
    """The packet's parcels (rules.md section 9) as the case page shows them: the headline parcel (the one
    whose case type, window and clocks the packet took, section 3a: `cases.packets.headline_index`) first,
    then the others in input order; each with its carrier's tracking link, its items, its own decisions,
    clocks and last carrier event (`last_events`, by number: `last_carrier_events`)."""
    parcels = packet.get("parcels") or []
    last_events = last_events or {}
    if len(parcels) < 2:
        return [_parcel_row(parcel, headline=True, last_events=last_events) for parcel in parcels]
    headline = headline_index(packet)
    order = ([headline] if headline is not None else []) + [i for i in range(len(parcels)) if i != headline]
    return [_parcel_row(parcels[i], headline=i == headline, last_events=last_events) for i in order]


def last_carrier_events(order: Order) -> dict[str, str]:
    """Each of the order's numbers (as given) with its latest carrier event in words: status, date, place
    and the carrier's description. A tracker's "no information" is no carrier event (rules.md section 3)
    and is left out; a number with no event is absent."""
    # READABLE: a stored time that cannot be read back (the case page still answers for such a case; its
    # timeline says what is wrong) is left out here too.
    events = (
        TrackingEvent.objects.filter(READABLE, tracking_number__parcels__order=order)
        .exclude(status=TrackingStatus.NO_INFORMATION)
        .select_related("tracking_number")
        .order_by("at", "pk")
        .distinct()
    )
    latest = {event.tracking_number.number: event for event in events}
    return {number: _event_words(event) for number, event in latest.items()}


def _event_words(event: TrackingEvent) -> str:
    place = ", ".join(part for part in (event.location, event.country) if part)
    words = [event.get_status_display(), event.at.strftime("%Y-%m-%d %H:%M UTC")]
    if place:
        words.append(place)
    text = "; ".join(words)
    return f"{text}: {event.description}" if event.description else text


def _parcel_row(parcel: dict, *, headline: bool, last_events: dict[str, str]) -> dict:
    number, carrier = parcel.get("number"), parcel.get("carrier")
    clocks = parcel.get("clocks") or {}
    shown = (
        ("order", "order_age_days"),
        ("since first scan", "days_since_first_scan"),
        ("since last movement", "days_since_last_movement"),
    )
    window = parcel.get("window")
    return {
        "number": number or "no tracking number yet",
        "link": tracking_url(carrier, number) if number and carrier else None,
        "carrier": carrier or "",
        "items": ", ".join(parcel.get("skus") or ()) or "all the order's items",
        "superseded": bool(parcel.get("superseded")),
        "headline": headline,
        "case_type": (parcel.get("case_type") or "").replace("_", " "),
        "risk_level": (parcel.get("risk_level") or "").replace("_", " "),
        "next_move": (parcel.get("next_move") or "").replace("_", " "),
        "window": ""
        if not window
        else f"{window['name']}: {window['elapsed_days']} of {window['days']} d"
        + (", exceeded" if window["exceeded"] else ""),
        "clocks": "; ".join(
            f"{words} {clocks[key]} d" for words, key in shown if clocks.get(key) is not None
        ),
        "flags": ", ".join(parcel.get("flags") or ()),
        "last_event": (last_events.get(number) or "none yet") if number else "",
    }


def parcels_in_force(order: Order) -> list[dict]:
    """The order's parcels not superseded, as the page offers them to be marked superseded: each by its
    number (else "no number yet") and the items it names."""
    rows = order.parcels.filter(superseded_at__isnull=True).select_related("tracking_number")
    return [
        {
            "pk": parcel.pk,
            "label": " ".join(
                [
                    parcel.tracking_number.number if parcel.tracking_number else "no number yet",
                    f"({', '.join(parcel.skus)})" if parcel.skus else "",
                ]
            ).strip(),
        }
        for parcel in rows
    ]


# --- the bulk review (cases.workbench.bulk_view) -------------------------------------------------------

MESSAGE_SHOWN = 400  # characters of a customer's message the bulk review shows beside a draft
BULK_FIELDS = (
    "case_type",
    "risk_level",
    "next_move",
    "route",
    "window",
    "packet",
    "packet_digest",
    "waiting_since",
    "status",
    "draft_text",
    "order__order_id",
    "order__country",
    "order__ordered_at",
    "order__product__sku",
    "order__product__supplier__name",
)


def bulk_review_cases(case_pks: list[int]) -> list[Case]:
    """The cases a bulk review draws, in the order of `case_pks`, with their order, product and supplier:
    one query whatever their number."""
    # Only what the page reads: a case row has a dozen times more (and timestamps cost to read).
    cases = Case.objects.select_related("order__product__supplier").only(*BULK_FIELDS).filter(pk__in=case_pks)
    by_pk = {case.pk: case for case in cases}
    return [by_pk[pk] for pk in case_pks if pk in by_pk]


def review_messages(order_pks: list[int]) -> dict[int, tuple[datetime | None, list[dict]]]:
    """Each order's latest reply to its customer (None: none yet) and its customer's messages still
    unanswered (inbound, newer than that reply, rules.md section 3), oldest first, as {"at", "text"} with
    the text cut to MESSAGE_SHOWN characters: one query for all the orders."""
    rows = (
        CustomerMessage.objects.filter(READABLE, order_id__in=order_pks)
        .order_by("order_id", "at", "id")
        .values_list("order_id", "at", "direction", "text")
    )
    found: dict[int, tuple[datetime | None, list[dict]]] = {}
    for order_pk, at, direction, text in rows:
        if direction == Direction.OUTBOUND:
            found[order_pk] = (at, [])
            continue
        shown = text if len(text) <= MESSAGE_SHOWN else text[: MESSAGE_SHOWN - 1] + "…"
        found.setdefault(order_pk, (None, []))[1].append({"at": at, "text": shown})
    return found
