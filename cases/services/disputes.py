"""Disputes: opening one on an order, correcting it, and its steps to an outcome (docs/disputes.md).

One writing path for every source (the case page, the admin, the dispute CSV import): each change is
checked first (a named error per field, nothing written), audited, put on the case's timeline, and the
case is re-assessed after commit (`queue_reassessment`), so the clock of `cases.assessment.disputes`
takes the change in.

The payment state follows the disputes: opening one sets it to `disputed` (remembering the state before);
when the order has no open dispute left, a won one gives the state back, a lost or accepted one leaves
the order refunded (partially when the disputed amount is below the order's value). Staff open and
correct disputes; the steps after opening (submitted, won, lost, accepted) are the owner's.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.choices import DISPUTE_OUTCOMES, DisputeProcessor, DisputeStatus, OutcomeKind, PaymentState
from cases.currencies import currency_code
from cases.models import Case, Dispute, Order
from cases.permissions import CHANGE_DISPUTE, OPEN_DISPUTE, RECORD_DISPUTE_OUTCOME
from cases.services.assessment import queue_reassessment
from cases.services.audit import audit_event
from cases.services.orders import amount_problem, shown
from cases.workbench.services import record_outcome
from staletrack import limits
from staletrack.permissions import require

# What a person (or an import) sets when opening or correcting a dispute; the status has its own path.
DISPUTE_FIELDS = (
    "processor",
    "external_id",
    "kind",
    "reason",
    "network_reason_code",
    "amount",
    "currency",
    "opened_at",
    "evidence_due_by",
    "note",
)
TIMES = ("opened_at", "evidence_due_by", "evidence_sent_on", "finalized_on")
OPEN = (DisputeStatus.NEEDS_RESPONSE, DisputeStatus.SUBMITTED)
STEP_OUTCOMES = {
    DisputeStatus.NEEDS_RESPONSE: OutcomeKind.DISPUTE_OPENED,
    DisputeStatus.SUBMITTED: OutcomeKind.DISPUTE_SUBMITTED,
    DisputeStatus.WON: OutcomeKind.DISPUTE_WON,
    DisputeStatus.LOST: OutcomeKind.DISPUTE_LOST,
    DisputeStatus.ACCEPTED: OutcomeKind.DISPUTE_ACCEPTED,
}


def _label(name: str) -> str:
    return Dispute._meta.get_field(name).verbose_name.capitalize()


def dispute_problems(values: dict) -> dict[str, str]:
    """What is wrong with these dispute values (any subset of `DISPUTE_FIELDS` and the step times), by
    field; empty when all are right."""
    problems = {}
    if "processor" in values and values["processor"] not in DisputeProcessor.values:
        problems["processor"] = (
            f"{values['processor']!r} is not a processor: one of {', '.join(DisputeProcessor.values)}."
        )
    for name in TIMES:
        value = values.get(name)
        if value is None:
            continue
        if not isinstance(value, datetime):
            problems[name] = f"{_label(name)} is not a date and time."
        elif problem := limits.time_problem(value):
            problems[name] = f"{_label(name)} {problem}."
    if "opened_at" in values and values["opened_at"] is None:
        problems["opened_at"] = "When the dispute was opened is required."
    opened, due = values.get("opened_at"), values.get("evidence_due_by")
    if isinstance(opened, datetime) and isinstance(due, datetime) and not problems and due < opened:
        problems["evidence_due_by"] = "The evidence cannot be due before the dispute was opened."
    for name in ("external_id", "kind", "reason", "network_reason_code", "note"):
        value = values.get(name)
        if value is None:
            continue
        limit = limits.MAX_TEXT if name == "note" else Dispute._meta.get_field(name).max_length
        if not isinstance(value, str):
            problems[name] = f"{_label(name)} is not text."
        elif problem := limits.text_problem(value, limit):
            problems[name] = f"{_label(name)} {problem}."
    if "amount" in values and (problem := amount_problem(values["amount"])):
        problems["amount"] = f"The amount {problem}."
    currency = values.get("currency") or ""
    if currency and currency_code(currency) is None:
        problems["currency"] = f"{currency!r} is not an ISO 4217 currency code (e.g. USD, EUR)."
    elif not currency and values.get("amount") is not None and "currency" in values:
        problems["currency"] = "A disputed amount needs its currency (an ISO 4217 code)."
    return problems


def _clean(values: dict) -> dict:
    values = {name: value for name, value in values.items() if name in DISPUTE_FIELDS}
    for name in ("external_id", "kind", "reason", "network_reason_code", "note"):
        if isinstance(values.get(name), str):
            values[name] = values[name].strip()
    if values.get("currency"):
        values["currency"] = currency_code(values["currency"]) or values["currency"]
    return values


def _case(order: Order) -> Case:
    case, _ = Case.objects.get_or_create(order=order)
    return case


def _changes(values: dict) -> dict:
    return {name: [None, shown(name, value)] for name, value in values.items() if value not in (None, "")}


@transaction.atomic
def open_dispute(*, order: Order, actor, values: dict, via: str = "admin") -> Dispute:
    """Open a dispute on `order` with `values` (of `DISPUTE_FIELDS`; processor and opened_at required),
    waiting for its evidence; the order's payment state becomes `disputed`."""
    require(actor, OPEN_DISPUTE)
    unknown = sorted(set(values) - set(DISPUTE_FIELDS))
    if unknown:
        raise ValidationError(f"These are not fields of a dispute: {', '.join(unknown)}.")
    values = _clean(values)
    problems = dispute_problems({"processor": None, "opened_at": None, **values})
    if problems:
        raise ValidationError(problems)
    order = Order.objects.select_for_update().get(pk=order.pk)
    dispute = Dispute(order=order, opened_by=actor, source=via, **values)
    dispute.payment_state_before = _state_before(order)
    dispute.save()
    if order.payment_state != PaymentState.DISPUTED:
        order.payment_state = PaymentState.DISPUTED
        order.save(update_fields=["payment_state", "updated_at"])
    record_outcome(
        _case(order),
        OutcomeKind.DISPUTE_OPENED,
        actor,
        values.get("note", ""),
        action="dispute_opened",
        changes=_changes(values),
        obj=dispute,
        # On the timeline where it happened (an imported dispute may have been opened weeks ago).
        at=min(dispute.opened_at, timezone.now()),
        via=via,
    )
    queue_reassessment([order.pk])
    return dispute


def _state_before(order: Order) -> str:
    """The payment state to give back when the dispute is won: the order's, or, with another dispute
    already open, the state before that one."""
    if order.payment_state != PaymentState.DISPUTED:
        return order.payment_state
    earlier = order.disputes.order_by("opened_at", "id").first()
    return earlier.payment_state_before if earlier is not None else PaymentState.PAID


@transaction.atomic
def update_dispute(*, dispute: Dispute, actor, changes: dict, via: str = "admin") -> dict[str, list]:
    """Correct a dispute's facts (`DISPUTE_FIELDS`); a closed one only an owner may correct. Returns what
    differed (audited as `dispute_updated`); nothing differing writes nothing."""
    require(actor, CHANGE_DISPUTE)
    stored = Dispute.objects.select_for_update().select_related("order").get(pk=dispute.pk)
    if stored.status in DISPUTE_OUTCOMES:
        require(actor, RECORD_DISPUTE_OUTCOME)
    unknown = sorted(set(changes) - set(DISPUTE_FIELDS))
    if unknown:
        raise ValidationError(f"These are not fields of a dispute one may change: {', '.join(unknown)}.")
    changes = _clean(changes)
    merged = {name: getattr(stored, name) for name in DISPUTE_FIELDS}
    merged.update(changes)
    if problems := dispute_problems(merged):
        raise ValidationError(problems)
    differences = {}
    for name, value in changes.items():
        if getattr(stored, name) != value:
            differences[name] = [shown(name, getattr(stored, name)), shown(name, value)]
            setattr(stored, name, value)
    for name in changes:
        setattr(dispute, name, getattr(stored, name))
    if not differences:
        return {}
    stored.save()
    audit_event(action="dispute_updated", obj=stored, actor=actor, via=via, changes=differences)
    queue_reassessment([stored.order_id])
    return differences


@transaction.atomic
def set_dispute_status(
    *, dispute: Dispute, actor, status: str, at: datetime | None = None, note: str = "", via: str = "admin"
) -> Dispute:
    """Move a dispute to `status` (the owner's: submitted, won, lost, accepted, or back to needs response
    to correct a mistake), dated `at` (now when not given). The step lands on the case's timeline; the
    order's payment state follows (see the module)."""
    require(actor, RECORD_DISPUTE_OUTCOME)
    if status not in DisputeStatus.values:
        raise ValidationError(
            {"status": f"{status!r} is not a dispute status: one of {', '.join(DisputeStatus.values)}."}
        )
    at = at or timezone.now()
    if problem := limits.time_problem(at):
        raise ValidationError({"at": f"The time of the step {problem}."})
    if problem := limits.text_problem(note, limits.MAX_TEXT):
        raise ValidationError({"note": f"The note {problem}."})
    stored = Dispute.objects.select_for_update().select_related("order").get(pk=dispute.pk)
    if stored.status == status:
        raise ValidationError({"status": f"The dispute is already {stored.get_status_display()}."})
    if at < stored.opened_at:
        raise ValidationError({"at": "A step cannot come before the dispute was opened."})
    before = stored.status
    if status == DisputeStatus.SUBMITTED:
        stored.evidence_sent_on = stored.evidence_sent_on or at
        stored.finalized_on = None
    elif status in DISPUTE_OUTCOMES:
        stored.finalized_on = at
    else:  # back to needs response
        stored.evidence_sent_on = stored.finalized_on = None
    stored.status = status
    stored.outcome_by = actor if status in DISPUTE_OUTCOMES else stored.outcome_by
    stored.save()
    payment = _settle_payment(stored)
    changes = {"status": [before, status]}
    if payment is not None:
        changes["payment_state"] = payment
    record_outcome(
        _case(stored.order),
        STEP_OUTCOMES[status],
        actor,
        note,
        action="dispute_status_changed",
        changes=changes,
        obj=stored,
        at=at,
        via=via,
    )
    queue_reassessment([stored.order_id])
    dispute.status = stored.status
    return stored


def _settle_payment(dispute: Dispute) -> list | None:
    """The order's payment state after a dispute's step: disputed while any dispute is open; when none is,
    as the latest closed one ended (see the module). Returns [old, new] when it changed."""
    order = Order.objects.select_for_update().get(pk=dispute.order_id)
    disputes = list(order.disputes.order_by("opened_at", "id"))
    if any(d.status in OPEN for d in disputes):
        state = PaymentState.DISPUTED
    elif dispute.status == DisputeStatus.WON:
        state = disputes[0].payment_state_before
    elif dispute.amount is not None and order.value is not None and dispute.amount < order.value:
        state = PaymentState.PARTIALLY_REFUNDED
    else:
        state = PaymentState.REFUNDED
    if state == order.payment_state:
        return None
    old = order.payment_state
    order.payment_state = state
    order.save(update_fields=["payment_state", "updated_at"])
    return [old, state]
