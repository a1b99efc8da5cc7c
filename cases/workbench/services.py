"""The case actions of the workbench, as services the case page, commands and tests share.

Every action checks its permission on the server (`staletrack.permissions.require`; `actor=None` is the
operator at the shell), writes an `Outcome` on the case and an `AuditEvent`, in one transaction. Actions
that change the facts (a chase, supplier proof, an outbound message) re-assess the case in the same
transaction, so the packet the page shows next already knows. Money decisions are
`cases.workbench.money`, which writes its steps through `record_outcome` here.

Every time that enters here (a proof's time, a hold's review date) passes the one time gate,
`staletrack.limits.time_problem`.

A case in the owner-only lane of the policy (cases.workbench.lanes, docs/fast-lane.md) has its reply marked
as sent, its customer recorded as updated and its outcome recorded only by an owner; every reply recorded
as sent keeps its lane and the customer's wait (`SentReply`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.assessment import Violation, check_draft, guard_context
from cases.choices import CaseStatus, ChaseChannel, Direction, EvidenceKind, OutcomeKind
from cases.models import Case, CustomerMessage, Outcome, SentReply, SupplierChase, SupplierEvidence
from cases.selectors.facts import facts_for_orders
from cases.services.assessment import refresh_cases
from cases.services.audit import audit_event
from cases.workbench.lanes import require_answer
from staletrack.limits import MAX_TEXT, text_problem, time_problem
from staletrack.permissions import require
from suppliers import services as supplier_services
from suppliers.models import Product
from suppliers.permissions import FLAG_SUPPLIER, PAUSE_PRODUCT

WORK_CASE = "cases.change_case"

# The workbench's own steps on a case's timeline (cases.choices.OutcomeKind, after the seed's outcomes).
PROOF_RECORDED = OutcomeKind.PROOF_RECORDED
ASSIGNED = OutcomeKind.ASSIGNED
RESOLVED = OutcomeKind.RESOLVED
ENDINGS = (OutcomeKind.DELIVERED, OutcomeKind.LOST, OutcomeKind.REFUNDED, OutcomeKind.REPLACED, RESOLVED)


class DraftRefused(ValidationError):
    """The reply breaks rules.md section 8; `violations` names each breach."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        super().__init__([f"{v.code}: {v.message}" for v in violations])


@dataclass(frozen=True)
class DraftCheck:
    """A reply and the breaches of rules.md section 8 the guard found in it (none: it may be sent)."""

    text: str
    violations: list[Violation]

    @property
    def ok(self) -> bool:
        return not self.violations


def record_outcome(
    case: Case, kind: str, actor, note: str, *, action: str, changes=None, obj=None, at=None, via="admin"
):
    """What every action leaves: an outcome on the case's timeline and its audit event, at one instant."""
    at = at or timezone.now()
    outcome = Outcome.objects.create(case=case, kind=kind, at=at, by=actor, note=note)
    audit_event(
        action=action, obj=obj or case, actor=actor, via=via, changes=changes or {}, reason=note, at=at
    )
    return outcome


def sent_reply(case: Case, message: CustomerMessage, *, lane: str, actor, in_bulk: bool = False) -> SentReply:
    """The record of a reply gone out, unsaved (a bulk review saves many at once): its lane, and how long
    the customer had waited (the case's oldest unanswered message as last assessed, before the reply)."""
    waited = None
    if case.waiting_since is not None and case.waiting_since <= message.at:
        waited = int((message.at - case.waiting_since).total_seconds())
    return SentReply(
        case=case,
        message=message,
        lane=lane,
        sent_at=message.at,
        waited_seconds=waited,
        in_bulk=in_bulk,
        by=actor,
    )


def locked_case(case: Case) -> Case:
    """`case` read again and locked for the rest of the transaction (two people acting at once queue)."""
    return (
        Case.objects.select_related("order__product__supplier")
        .select_for_update(of=("self",))
        .get(pk=case.pk)
    )


def required_text(value: str, what: str) -> str:
    """A free text a person must give (see `typed_text`); blank is refused, naming `what`."""
    value = typed_text(value, what)
    if not value:
        raise ValidationError(f"{what} is required.")
    return value


def helpdesk_ticket(value: str) -> str:
    """The helpdesk ticket a reply answered, as typed (a number or a reference): optional, one line, at most
    100 characters; anything else is refused, naming the field."""
    value = typed_text(value, "The helpdesk ticket")
    if len(value) > 100 or any(character in value for character in "\r\n\t"):
        raise ValidationError("The helpdesk ticket must be one line of at most 100 characters.")
    return value


def typed_text(value: str, what: str) -> str:
    """A free text a person typed, stripped; NUL or more than MAX_TEXT characters is refused, never cut."""
    value = (value or "").strip()
    if problem := text_problem(value, MAX_TEXT):
        raise ValidationError(f"{what} {problem}.")
    return value


def _time(value: datetime, what: str) -> datetime:
    """The one time gate (staletrack.limits) for a time a person gives."""
    if problem := time_problem(value):
        raise ValidationError(f"{what} {problem}; {value.isoformat()} was given.")
    return value


# ---------------------------------------------------------------------------------------------------
# Case work (staff).


@transaction.atomic
def chase_supplier(case: Case, *, actor, channel: str = ChaseChannel.EMAIL, note: str = "") -> SupplierChase:
    """Record that the store chased the supplier (staletrack sends nothing); the page then shows the
    supplier message draft of the re-assessed packet."""
    require(actor, WORK_CASE)
    if channel not in ChaseChannel.values:
        raise ValidationError(f"Unknown chase channel {channel!r}.")
    note = typed_text(note, "The note")
    case = locked_case(case)
    text = note or (case.packet or {}).get("supplier_draft") or "Asked the supplier for pickup proof."
    chase = SupplierChase(order=case.order, at=timezone.now(), text=text, channel=channel, recorded_by=actor)
    chase.save()
    record_outcome(
        case,
        OutcomeKind.SUPPLIER_CHASED,
        actor,
        note or f"Supplier chased by {channel}.",
        action="supplier_chased",
        changes={"channel": channel},
    )
    refresh_cases([case.order_id], via="admin")
    return chase


@transaction.atomic
def record_proof(case: Case, *, actor, kind: str, text: str, at: datetime | None = None) -> SupplierEvidence:
    require(actor, WORK_CASE)
    if kind not in EvidenceKind.values:
        raise ValidationError(f"Unknown evidence kind {kind!r}.")
    text = required_text(text, "What the supplier sent")
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValidationError("The time of the proof needs a timezone.")
    _time(at, "The time of the proof")
    case = locked_case(case)
    evidence = SupplierEvidence(order=case.order, at=at, text=text, kind=kind, recorded_by=actor)
    evidence.save()
    record_outcome(
        case,
        PROOF_RECORDED,
        actor,
        f"{EvidenceKind(kind).label}: {text}"[:1000],
        action="supplier_proof_recorded",
        changes={"kind": kind, "at": at.isoformat()},
    )
    refresh_cases([case.order_id], via="admin")
    return evidence


def check_reply(case: Case, text: str, *, as_of: datetime | None = None) -> DraftCheck:
    """The section 8 guard over `text`, with the facts of the case at `as_of` (default now)."""
    as_of = as_of or timezone.now()
    loaded = facts_for_orders([case.order_id], as_of)
    context = guard_context(loaded.facts[0], as_of)
    return DraftCheck(text=text, violations=check_draft(text, **context.kwargs()))


@transaction.atomic
def save_draft(case: Case, *, actor, text: str) -> DraftCheck:
    """Store the edited reply and name every breach of section 8; a failing draft is kept, not sendable."""
    require(actor, WORK_CASE)
    if problem := text_problem(text or "", MAX_TEXT):
        raise ValidationError(f"The reply {problem}.")
    case = locked_case(case)
    check = check_reply(case, text)
    previous = case.draft_text
    case.draft_text = text
    case.save(update_fields=["draft_text", "updated_at"])
    audit_event(
        action="draft_saved",
        obj=case,
        actor=actor,
        via="admin",
        changes={
            "draft_text": [previous, text],
            "violations": [v.code for v in check.violations],
        },
    )
    return check


@transaction.atomic
def mark_draft_sent(case: Case, *, actor, text: str, ticket: str = "") -> CustomerMessage:
    """Staff sent `text` to the customer themselves: guard it, then record the outbound message (with the
    helpdesk `ticket` it answered, when given). A reply that breaks section 8 raises `DraftRefused` and
    nothing is written."""
    require(actor, WORK_CASE)
    text = required_text(text, "The reply")
    ticket = helpdesk_ticket(ticket)
    case = locked_case(case)
    lane = require_answer(actor, case, what="mark its reply as sent")
    now = timezone.now()
    check = check_reply(case, text, as_of=now)
    if not check.ok:
        raise DraftRefused(check.violations)
    message = CustomerMessage(
        order=case.order,
        at=now,
        text=text,
        direction=Direction.OUTBOUND,
        recorded_by=actor,
        helpdesk_ticket=ticket,
    )
    message.save()
    sent_reply(case, message, lane=lane, actor=actor).save()
    case.draft_text = ""
    case.save(update_fields=["draft_text", "updated_at"])
    record_outcome(
        case,
        OutcomeKind.CUSTOMER_UPDATED,
        actor,
        "Reply marked as sent.",
        action="reply_marked_sent",
        changes={
            "message": message.pk,
            "text": text,
            "lane": lane,
            **({"helpdesk_ticket": ticket} if ticket else {}),
        },
        at=now,
    )
    refresh_cases([case.order_id], via="admin")
    return message


@transaction.atomic
def mark_customer_updated(case: Case, *, actor, note: str, ticket: str = "") -> CustomerMessage:
    """The customer was answered outside staletrack (helpdesk, phone): record it as an outbound message
    (with the helpdesk `ticket`, when given) so the case stops counting them as waiting."""
    require(actor, WORK_CASE)
    note = required_text(note, "What the customer was told")
    ticket = helpdesk_ticket(ticket)
    case = locked_case(case)
    lane = require_answer(actor, case, what="record that its customer was updated")
    now = timezone.now()
    message = CustomerMessage(
        order=case.order,
        at=now,
        text=note,
        direction=Direction.OUTBOUND,
        recorded_by=actor,
        helpdesk_ticket=ticket,
    )
    message.save()
    sent_reply(case, message, lane=lane, actor=actor).save()
    record_outcome(
        case,
        OutcomeKind.CUSTOMER_UPDATED,
        actor,
        note,
        action="customer_updated",
        at=now,
        changes={"helpdesk_ticket": ticket} if ticket else None,
    )
    refresh_cases([case.order_id], via="admin")
    return message


@transaction.atomic
def hold(case: Case, *, actor, reason: str, until: datetime) -> Case:
    require(actor, WORK_CASE)
    reason = required_text(reason, "A reason for the hold")
    if until is None or timezone.is_naive(until):
        raise ValidationError("A review date with a timezone is required.")
    _time(until, "The review date")
    if until <= timezone.now():
        raise ValidationError("The review date must be in the future.")
    case = locked_case(case)
    previous = [case.status, case.held_until.isoformat() if case.held_until else None]
    case.status, case.held_until, case.hold_reason = CaseStatus.HELD, until, reason
    case.save(update_fields=["status", "held_until", "hold_reason", "updated_at"])
    record_outcome(
        case,
        OutcomeKind.CASE_HELD,
        actor,
        f"Held until {until:%Y-%m-%d}: {reason}",
        action="case_held",
        changes={"status": [previous[0], case.status], "held_until": [previous[1], until.isoformat()]},
    )
    return case


@transaction.atomic
def assign(case: Case, *, actor, assignee) -> Case:
    require(actor, WORK_CASE)
    if assignee is not None and not (assignee.is_active and assignee.is_staff):
        raise ValidationError("Cases are assigned to active staff users.")
    case = locked_case(case)
    previous = case.assignee.get_username() if case.assignee_id else None
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    name = assignee.get_username() if assignee else None
    record_outcome(
        case,
        ASSIGNED,
        actor,
        f"Assigned to {name}." if name else "Unassigned.",
        action="case_assigned",
        changes={"assignee": [previous, name]},
    )
    return case


@transaction.atomic
def resolve(case: Case, *, actor, ending: str = RESOLVED, note: str = "") -> Case:
    require(actor, WORK_CASE)
    if ending not in ENDINGS:
        raise ValidationError(f"Unknown ending {ending!r}.")
    note = typed_text(note, "The note")
    case = locked_case(case)
    require_answer(actor, case, what="record its outcome")
    previous = case.status
    case.status, case.held_until = CaseStatus.RESOLVED, None
    case.save(update_fields=["status", "held_until", "updated_at"])
    record_outcome(
        case,
        ending,
        actor,
        note or f"Resolved: {ending.replace('_', ' ')}.",
        action="case_resolved",
        changes={"status": [previous, case.status], "ending": ending},
    )
    return case


# ---------------------------------------------------------------------------------------------------
# Owner actions reachable from a case.


@transaction.atomic
def pause_product(case: Case, *, actor, reason: str) -> Product:
    require(actor, PAUSE_PRODUCT)
    reason = required_text(reason, "A reason")
    case = locked_case(case)
    product = supplier_services.set_product_state(
        case.order.product, Product.State.PAUSED, actor=actor, reason=reason
    )
    record_outcome(
        case,
        OutcomeKind.PRODUCT_PAUSED,
        actor,
        f"{product.sku} paused: {reason}",
        action="product_paused_from_case",
    )
    return product


@transaction.atomic
def flag_supplier(case: Case, *, actor, reason: str):
    require(actor, FLAG_SUPPLIER)
    reason = required_text(reason, "A reason")
    case = locked_case(case)
    supplier = supplier_services.flag_supplier(
        case.order.product.supplier, actor=actor, reason=reason, cases=[case.order.order_id], via="admin"
    )
    record_outcome(
        case,
        OutcomeKind.SUPPLIER_FLAGGED,
        actor,
        f"{supplier.name} flagged: {reason}",
        action="supplier_flagged_from_case",
    )
    return supplier
