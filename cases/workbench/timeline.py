"""One case's timeline: everything that happened to it, in time order.

Tracking events, supplier evidence and chases, customer messages, outcomes, money
decisions and audit events, in time order. One query per source, whatever the number of entries.

Entries carry plain text: the template escapes it (customer and supplier text is never marked safe).

A fact whose time Python cannot hold (PostgreSQL keeps BC dates and year 10000, which psycopg cannot read
back) is left out by the query itself, and `unreadable_facts` counts what was left out, so the page says
so instead of failing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Func, Q, Subquery

from cases.choices import DISPUTE_CLOSINGS
from cases.models import (
    AuditEvent,
    Case,
    CustomerMessage,
    MoneyDecision,
    Outcome,
    Parcel,
    SupplierChase,
    SupplierEvidence,
    TrackingEvent,
)

# The instants a datetime can hold; a stored time outside them cannot be read back.
READABLE = Q(at__gte=datetime.min.replace(tzinfo=UTC), at__lte=datetime.max.replace(tzinfo=UTC))


@dataclass
class Entry:
    at: datetime
    kind: str  # tracking, supplier, chase, customer, outcome, money, audit
    title: str
    text: str = ""
    by: str = ""
    detail: dict = field(default_factory=dict)
    # The time is right within a day: a carrier's local time without an offset, or when a tracker's update
    # arrived (docs/rules.md section 1).
    approximate: bool = False


def case_timeline(case: Case, *, outcomes: bool = True) -> list[Entry]:
    """`outcomes`: whether the reader may see disputes' outcomes (cases.selectors.disputes); without,
    a won, lost or accepted dispute shows as closed."""
    order_id = case.order_id
    entries: list[Entry] = []
    numbers = Parcel.objects.filter(order_id=order_id).values("tracking_number_id")
    for event in TrackingEvent.objects.filter(READABLE, tracking_number_id__in=numbers).select_related(
        "tracking_number"
    ):
        where = ", ".join(p for p in (event.location, event.country, event.postal_code) if p)
        entries.append(
            Entry(
                event.at,
                "tracking",
                f"Carrier: {event.get_status_display()}",
                " — ".join(p for p in (event.description, where) if p),
                detail={"number": event.tracking_number.number, "raw": event.raw_status},
                approximate=event.approximate,
            )
        )
    for evidence in SupplierEvidence.objects.filter(READABLE, order_id=order_id).select_related(
        "recorded_by"
    ):
        entries.append(
            Entry(
                evidence.at,
                "supplier",
                f"Supplier: {evidence.get_kind_display()}",
                evidence.text,
                _who(evidence),
            )
        )
    for chase in SupplierChase.objects.filter(READABLE, order_id=order_id).select_related("recorded_by"):
        entries.append(
            Entry(
                chase.at, "chase", f"Supplier chased ({chase.get_channel_display()})", chase.text, _who(chase)
            )
        )
    for message in CustomerMessage.objects.filter(READABLE, order_id=order_id).select_related("recorded_by"):
        entries.append(
            Entry(
                message.at,
                "customer",
                f"Customer message {message.get_direction_display()}",
                message.text,
                _who(message),
            )
        )
    for outcome in Outcome.objects.filter(case_id=case.pk).select_related("by"):
        entries.append(
            Entry(
                outcome.at,
                "outcome",
                f"Outcome: {_outcome_words(outcome.kind, outcomes)}",
                outcome.note,
                _name(outcome.by),
            )
        )
    decision_ids = []
    for decision in MoneyDecision.objects.filter(case_id=case.pk).select_related(
        "requested_by", "decided_by"
    ):
        decision_ids.append(str(decision.pk))
        entries.append(
            Entry(
                decision.requested_at,
                "money",
                f"Money request: {decision.get_kind_display()} {decision.amount} {decision.currency} "
                f"({decision.state})",
                decision.reason,
                _name(decision.requested_by),
            )
        )
    case_type = ContentType.objects.get_for_model(Case)
    money_type = ContentType.objects.get_for_model(MoneyDecision)
    audits = AuditEvent.objects.filter(
        Q(content_type=case_type, object_id=str(case.pk))
        | Q(content_type=money_type, object_id__in=decision_ids)
    )
    for event in audits:
        entries.append(
            Entry(
                event.at, "audit", f"Audit: {event.action.replace('_', ' ')}", event.reason, event.actor_label
            )
        )
    entries.sort(key=lambda e: e.at)
    return entries


def unreadable_facts(case: Case) -> dict[str, int]:
    """How many of the case's facts have a stored time that cannot be read back (left out of its
    timeline), by kind; empty when every time reads. One query, counted in SQL: no such time is fetched."""
    order_id = case.order_id
    numbers = Parcel.objects.filter(order_id=order_id).values("tracking_number_id")
    sources = {
        "tracking events": TrackingEvent.objects.filter(tracking_number_id__in=numbers),
        "supplier evidence": SupplierEvidence.objects.filter(order_id=order_id),
        "supplier chases": SupplierChase.objects.filter(order_id=order_id),
        "customer messages": CustomerMessage.objects.filter(order_id=order_id),
    }
    counts = (
        Case.objects.filter(pk=case.pk)
        .values_list(*(_count(queryset.exclude(READABLE)) for queryset in sources.values()))
        .first()
    ) or ()
    return {kind: n for kind, n in zip(sources, counts, strict=False) if n}


def _count(queryset) -> Subquery:
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1])


def proved(entries: list[Entry]) -> list[str]:
    """What the facts on record prove, for the packet's "Proved" line (the seed's "tracking proof" and
    "supplier facts"): the latest carrier event and every piece of supplier evidence, each dated.
    Read from the timeline's entries, so it costs no query."""
    carrier = [entry for entry in entries if entry.kind == "tracking"]
    lines = []
    if carrier:
        latest = max(carrier, key=lambda entry: entry.at)
        count = f"{len(carrier)} carrier events" if len(carrier) > 1 else "1 carrier event"
        lines.append(f"{latest.title} on {latest.at:%Y-%m-%d} (latest of {count})")
    for entry in sorted((e for e in entries if e.kind == "supplier"), key=lambda entry: entry.at):
        lines.append(f"{entry.title} on {entry.at:%Y-%m-%d}")
    return lines


def _outcome_words(kind: str, outcomes: bool) -> str:
    if not outcomes and kind in DISPUTE_CLOSINGS:
        return "dispute closed"
    return kind.replace("_", " ")


def _name(user) -> str:
    return user.get_username() if user is not None else ""


def _who(record) -> str:
    return _name(record.recorded_by)
