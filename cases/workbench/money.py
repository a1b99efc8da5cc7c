"""Money decisions of the workbench: staff request, a second person with `approve_money_decision` decides.

Whoever sets a request's terms is one of its requesters: the person who asked (`requested_by`) and the
one other person who changed the terms (`amended_by`, an owner); neither decides it (here and in the
database's constraints), and a third person cannot change the terms of a request two people already set.
A decision is one conditional UPDATE (`... WHERE state = 'pending' AND version = <seen> AND amount =
<seen> AND reason = <seen>`), so two owners clicking at the same moment get exactly one decision:
PostgreSQL makes the second UPDATE wait for the first and then re-check its WHERE, which no longer matches.

Editing a request raises its `version`. Editing an approved request voids the approval: the request goes
back to `pending` with no decider, and a `money_approval_voided` audit event records what the approval
had seen. A rejected request is final and cannot be edited (request a new one).

Amounts are numbers (never NaN or Infinity), not negative, with at most two decimals and under 10^10
(staletrack.limits). A request is in its order's currency (ISO 4217, cases.currencies); an order without
one needs the request to name it: nothing is assumed. A refund or partial refund above the order's value
is an owner's to request, with a reason of its own (`above_value_reason`, audited); an order whose value
is unknown puts no ceiling on a request (the owner's approval is still needed).

Like every action of the workbench, each step checks its permission on the server and writes an outcome
and an audit event in its transaction (`cases.workbench.services.record_outcome`).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases.choices import MoneyKind, MoneyState, OutcomeKind
from cases.currencies import currency_code
from cases.models import Case, MoneyDecision
from cases.permissions import APPROVE_MONEY
from cases.services.audit import audit_event
from cases.workbench.services import locked_case, record_outcome, required_text, typed_text
from staletrack.limits import MAX_AMOUNT_DECIMALS, MAX_AMOUNT_DIGITS, MAX_TEXT, text_problem
from staletrack.permissions import require

REQUEST_MONEY = "cases.add_moneydecision"

# The money steps on a case's timeline (cases.choices.OutcomeKind).
MONEY_REQUESTED = OutcomeKind.MONEY_REQUESTED
MONEY_APPROVED = OutcomeKind.MONEY_APPROVED
MONEY_REJECTED = OutcomeKind.MONEY_REJECTED
MONEY_EDITED = OutcomeKind.MONEY_EDITED


class AlreadyDecided(ValidationError):
    """Someone decided the request first, or it changed after the decider opened it."""


REFUNDS = frozenset({MoneyKind.REFUND, MoneyKind.PARTIAL_REFUND})
AMOUNT_CEILING = Decimal(10) ** MAX_AMOUNT_DIGITS
CENT = Decimal(1).scaleb(-MAX_AMOUNT_DECIMALS)
# How a person writes an amount: digits with an optional decimal point (no exponent, no separators).
_AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_NOT_NUMBERS = frozenset({"nan", "snan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity"})
TERMS_SET_BY_TWO = (
    "Two people already set the terms of this request ({requester} asked, {amender} changed them): "
    "a third cannot change them; reject it and request anew."
)


def parse_amount(value, *, what: str = "amount") -> Decimal:
    """An amount of money, or a ValidationError naming `what`: a number (not NaN or Infinity), not
    negative, with at most MAX_AMOUNT_DECIMALS decimals (never rounded) and under 10^MAX_AMOUNT_DIGITS."""
    if isinstance(value, bool):
        raise ValidationError(f"{what}: {value!r} is not an amount.")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float | str):
        text = str(value).strip()
        if not text:
            raise ValidationError(f"{what}: an amount is required.")
        if text.lower() in _NOT_NUMBERS:
            raise ValidationError(f"{what}: {text!r} is not an amount (NaN and Infinity are not numbers).")
        if not _AMOUNT_TEXT.fullmatch(text):
            raise ValidationError(f"{what}: {text[:40]!r} is not an amount (write it like 12.50).")
        number = Decimal(text)
    else:
        raise ValidationError(f"{what}: {type(value).__name__} is not an amount.")
    if not number.is_finite():
        raise ValidationError(f"{what}: {value} is not an amount (NaN and Infinity are not numbers).")
    if number < 0:
        raise ValidationError(f"{what}: cannot be negative ({value} was given).")
    if number >= AMOUNT_CEILING:
        raise ValidationError(f"{what}: must be under {AMOUNT_CEILING:,} ({number} was given).")
    if number != number.quantize(CENT):
        raise ValidationError(
            f"{what}: has more than {MAX_AMOUNT_DECIMALS} decimals ({number} was given); nothing is rounded."
        )
    return number.quantize(CENT) + 0  # "+ 0" turns -0.00 into 0.00


def request_currency(case: Case, given: str = "") -> str:
    """The currency of a money request on `case`: its order's. A request that names another is refused;
    an order without a valid ISO 4217 code needs the request to name one (nothing is assumed)."""
    order = case.order
    own = currency_code(order.currency)
    given = (given or "").strip()
    if given:
        code = currency_code(given)
        if code is None:
            raise ValidationError(f"currency: {given[:20]!r} is not an ISO 4217 currency code.")
        if own and code != own:
            raise ValidationError(
                f"currency: a money decision is in its order's currency ({own}); {code} was given."
            )
        return code
    if own:
        return own
    if order.currency:
        raise ValidationError(
            f"currency: order {order.order_id}'s currency {order.currency!r} is not an ISO 4217 code: "
            "name the currency of this request."
        )
    raise ValidationError(
        f"currency: order {order.order_id} has no currency: name the ISO 4217 currency of this request "
        "(none is assumed)."
    )


def is_above_value(case: Case, kind: str, amount: Decimal) -> bool:
    """A refund or partial refund of more than the order's value. An order whose value is unknown puts
    no ceiling (there is nothing to compare with; the owner who decides sees the amount)."""
    value = case.order.value
    return kind in REFUNDS and value is not None and amount > value


def _above_value_reason(case: Case, *, actor, kind: str, amount: Decimal, currency: str, given: str) -> str:
    """The owner's reason for an amount above the order's value, required then; blank otherwise."""
    if not is_above_value(case, kind, amount):
        return ""
    value = case.order.value
    try:
        require(actor, APPROVE_MONEY)
    except PermissionDenied as exc:
        raise ValidationError(
            f"amount: {amount} {currency} is more than order {case.order.order_id}'s value ({value} "
            f"{currency}): only an owner may ask for that, giving a reason for the amount above the value "
            f"({exc})"
        ) from exc
    reason = typed_text(given, "above_value_reason:")
    if not reason:
        raise ValidationError(
            f"above_value_reason: {amount} {currency} is more than order {case.order.order_id}'s value "
            f"({value} {currency}): say why the amount is above the order's value."
        )
    return reason


@transaction.atomic
def request_money_decision(
    case: Case,
    *,
    actor,
    kind: str,
    amount,
    reason: str,
    currency: str = "",
    above_value_reason: str = "",
) -> MoneyDecision:
    """Ask for a refund, replacement, discount or store credit; an owner who set none of its terms
    decides it. `currency`: only for an order without one (else it must be the order's)."""
    require(actor, REQUEST_MONEY)
    if actor is None:
        raise ValidationError("A money request names the person who asks.")
    if kind not in MoneyKind.values:
        raise ValidationError(f"Unknown money decision {kind!r}.")
    amount = parse_amount(amount)
    reason = required_text(reason, "A reason")
    case = locked_case(case)
    currency = request_currency(case, currency)
    above = _above_value_reason(
        case, actor=actor, kind=kind, amount=amount, currency=currency, given=above_value_reason
    )
    request = MoneyDecision.objects.create(
        case=case,
        kind=kind,
        amount=amount,
        currency=currency,
        reason=reason,
        above_value_reason=above,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    changes = {"decision": request.pk, "kind": kind, "amount": str(amount), "currency": currency}
    changes["reason"] = reason
    if above:
        changes |= {"above_value_reason": above, "order_value": str(case.order.value)}
    record_outcome(
        case,
        MONEY_REQUESTED,
        actor,
        f"{MoneyKind(kind).label} {amount} {currency} requested: {reason}"
        + (f" (above the order's value of {case.order.value}: {above})" if above else ""),
        action="money_requested",
        changes=changes,
        obj=request,
    )
    return request


def decide_money_decision(
    decision: MoneyDecision | int,
    *,
    actor,
    approve: bool,
    seen_version: int,
    seen_amount,
    seen_reason: str,
    note: str = "",
) -> MoneyDecision:
    """Approve or reject, as one conditional UPDATE tied to the version, amount and reason the decider
    saw. Raises PermissionDenied (no permission, or one of the people who set the terms: the requester
    or the one who changed them), AlreadyDecided (someone decided first, or the request changed since it
    was shown)."""
    require(actor, APPROVE_MONEY)
    if actor is None:
        raise PermissionDenied("A money decision names the person who decides.")
    pk = decision.pk if isinstance(decision, MoneyDecision) else decision
    seen_amount = parse_amount(seen_amount, what="the amount seen")
    if problem := text_problem(seen_reason or "", MAX_TEXT):
        raise ValidationError(f"The reason seen {problem}.")
    note = typed_text(note, "The note")
    with transaction.atomic():
        current = (
            MoneyDecision.objects.filter(pk=pk).values("requested_by_id", "amended_by_id", "case_id").first()
        )
        if current is None:
            raise AlreadyDecided("That request does not exist.")
        if current["requested_by_id"] == actor.pk:
            raise PermissionDenied("Nobody decides their own money request.")
        if current["amended_by_id"] == actor.pk:
            raise PermissionDenied(
                "You changed the terms of this request, so you are one of its requesters: another decides."
            )
        now = timezone.now()
        state = MoneyState.APPROVED if approve else MoneyState.REJECTED
        updated = (
            MoneyDecision.objects.filter(
                pk=pk,
                state=MoneyState.PENDING,
                version=seen_version,
                amount=seen_amount,
                reason=seen_reason,
            )
            # Re-checked in the UPDATE itself: an edit that committed since the read above counts.
            .exclude(requested_by=actor)
            .exclude(amended_by=actor)
            .update(state=state, decided_by=actor, decided_at=now, decision_note=note)
        )
        if updated != 1:
            raise AlreadyDecided(
                "This request was already decided, or it changed after you opened it: reload and look again."
            )
        decided = MoneyDecision.objects.select_related("case__order").get(pk=pk)
        record_outcome(
            decided.case,
            MONEY_APPROVED if approve else MONEY_REJECTED,
            actor,
            f"{decided.get_kind_display()} {decided.amount} {decided.currency} {state}"
            + (f": {note}" if note else "."),
            action=f"money_{state}",
            changes={
                "decision": pk,
                "state": [MoneyState.PENDING, state],
                "version": seen_version,
                "amount": str(decided.amount),
                "reason": decided.reason,
            },
            obj=decided,
            at=now,
        )
    return decided


@transaction.atomic
def edit_money_request(
    decision: MoneyDecision,
    *,
    actor,
    amount,
    reason: str,
    kind: str | None = None,
    above_value_reason: str = "",
) -> MoneyDecision:
    """Change a request's amount, reason or kind. The requester or an owner may; an owner who is not the
    requester becomes its second requester (`amended_by`) and cannot decide it; once two people have set
    the terms, nobody else changes them. A rejected request is final. An approval does not carry over:
    an approved request goes back to pending."""
    if actor is None:
        raise PermissionDenied("An edit of a money request names the person who edits.")
    decision = (
        MoneyDecision.objects.select_for_update(of=("self",))
        .select_related("case__order", "requested_by", "amended_by")
        .get(pk=decision.pk)
    )
    if actor.pk != decision.requested_by_id:
        require(actor, APPROVE_MONEY)
    require(actor, REQUEST_MONEY)
    if decision.state == MoneyState.REJECTED:
        raise ValidationError("A rejected request is final: request a new one.")
    if decision.amended_by_id is not None and actor.pk not in (
        decision.requested_by_id,
        decision.amended_by_id,
    ):
        raise ValidationError(
            TERMS_SET_BY_TWO.format(
                requester=decision.requested_by.get_username(), amender=decision.amended_by.get_username()
            )
        )
    kind = kind or decision.kind
    if kind not in MoneyKind.values:
        raise ValidationError(f"Unknown money decision {kind!r}.")
    amount, reason = parse_amount(amount), required_text(reason, "A reason")
    above = _above_value_reason(
        decision.case,
        actor=actor,
        kind=kind,
        amount=amount,
        currency=decision.currency,
        given=above_value_reason,
    )
    if (amount, reason, kind, above) == (
        decision.amount,
        decision.reason,
        decision.kind,
        decision.above_value_reason,
    ):
        return decision
    before = {
        "amount": str(decision.amount),
        "reason": decision.reason,
        "kind": decision.kind,
        "above_value_reason": decision.above_value_reason,
        "state": decision.state,
        "version": decision.version,
    }
    voided = decision.state == MoneyState.APPROVED
    if voided:
        audit_event(
            action="money_approval_voided",
            obj=decision,
            actor=actor,
            via="admin",
            changes={"approved_by": decision.decided_by_id, "approved": before},
            reason="the request was edited after its approval",
        )
    amender = decision.amended_by
    if actor.pk != decision.requested_by_id:
        amender = actor  # whoever changes another's terms is one of their requesters
    decision.amount, decision.reason, decision.kind = amount, reason, kind
    decision.above_value_reason, decision.amended_by = above, amender
    decision.state, decision.decided_by, decision.decided_at, decision.decision_note = (
        MoneyState.PENDING,
        None,
        None,
        "",
    )
    decision.version += 1
    decision.save()
    after = {"amount": str(amount), "reason": reason, "kind": kind, "above_value_reason": above}
    after["amended_by"] = amender.get_username() if amender is not None else None
    record_outcome(
        decision.case,
        MONEY_EDITED,
        actor,
        f"Request edited to {decision.get_kind_display()} {amount} {decision.currency}"
        + ("; its approval is void." if voided else ".")
        + (f" {amender.get_username()} changed its terms and cannot decide it." if amender else ""),
        action="money_request_edited",
        changes={"before": before, "after": after},
        obj=decision,
    )
    return decision
