"""One form per action of the case page, each reading its fields and calling its service.

The page's forms post back to the case's own URL with the name of the button pressed (`action`); `ACTIONS`
maps that name to its form. The view checks the form's `permission` before it reads anything (403,
nothing written); then a field that cannot be read (a number, a date, a time, a choice, the user or the
money request it names) is an error naming it, and nothing is written; a valid form calls its service
with keyword arguments. What only the service can judge (a text that is required or too long, the reply
guard, the time gate, who may decide or change money) the service checks and refuses with its own named
error; it checks everything again for its other callers.

Texts reach the service as they were posted: it strips them and names a NUL character or an overlong text
itself, so Django's own text checks are left out (`PostedText`).
"""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone

from cases.choices import ChaseChannel, DisputeProcessor, DisputeStatus, EvidenceKind, MoneyKind
from cases.models import AgentProposal, Case, Dispute, MoneyDecision, Parcel
from cases.permissions import APPROVE_MONEY, OPEN_DISPUTE, RECORD_DISPUTE_OUTCOME
from cases.services import agent_proposals, disputes
from cases.tracking import services as tracking
from cases.workbench import money, services
from suppliers.permissions import FLAG_SUPPLIER, PAUSE_PRODUCT

# --- fields ---------------------------------------------------------------------------------------------


class PostedText(forms.CharField):
    """A text as posted ("" when absent), neither stripped nor checked here: the service does both."""

    def __init__(self, **kwargs):
        super().__init__(required=False, strip=False, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


def choice(choices, unknown: str, *, default=None) -> forms.ChoiceField:
    """One of `choices`; any other value, or none unless there is a `default` (what none means), is refused
    with `unknown`, the service's own words, which name the value posted (`%(value)r`)."""
    return forms.TypedChoiceField(
        choices=choices,
        required=default is None,
        empty_value=default,
        error_messages={"invalid_choice": unknown, "required": unknown % {"value": ""}},
    )


class PostedNumber(forms.Field):
    """A whole number the page put in a hidden field; anything else is refused, naming what was posted."""

    def to_python(self, value):
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"{value!r} is not a number.") from exc


class ReviewDateField(forms.Field):
    """A review date, YYYY-MM-DD, meaning 09:00 that day in the store's time zone."""

    default_error_messages = {
        "required": "A review date is required.",
        "invalid": "The review date is YYYY-MM-DD.",
    }

    def to_python(self, value):
        if not value:
            return None
        try:
            day = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        return timezone.make_aware(datetime.combine(day, time(9)))


class MomentField(forms.Field):
    """An ISO 8601 time (blank: none given); one without an offset is read in the store's time zone."""

    default_error_messages = {"invalid": "The time is YYYY-MM-DDTHH:MM."}

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# --- the actions ----------------------------------------------------------------------------------------


class CaseActionForm(forms.Form):
    """An action on one case by one person: `permission` is checked before the form is read, `save()` calls
    the `service` with the case, the actor and the form's fields by name, and `done` is what the page says
    when it succeeded."""

    permission = services.WORK_CASE
    service: staticmethod
    done = ""

    def __init__(self, data, *, case: Case, actor):
        super().__init__(data)
        self.case = case
        self.actor = actor

    def save(self):
        return self.service(case=self.case, actor=self.actor, **self.cleaned_data)


class ChaseSupplierForm(CaseActionForm):
    channel = choice(ChaseChannel.choices, "Unknown chase channel %(value)r.", default=ChaseChannel.EMAIL)
    note = PostedText()
    done = "Supplier chase recorded. The supplier message draft is below."
    service = staticmethod(services.chase_supplier)


class ProofForm(CaseActionForm):
    kind = choice(EvidenceKind.choices, "Unknown evidence kind %(value)r.")
    text = PostedText()
    at = MomentField()
    done = "Supplier proof recorded."
    service = staticmethod(services.record_proof)


class CustomerUpdatedForm(CaseActionForm):
    note = PostedText()
    ticket = PostedText()
    done = "Recorded that the customer was updated."
    service = staticmethod(services.mark_customer_updated)


class HoldForm(CaseActionForm):
    reason = PostedText()
    until = ReviewDateField()
    done = "Case held."
    service = staticmethod(services.hold)


class AssignForm(CaseActionForm):
    assignee = PostedText()  # "" for nobody, "me", or a user's id
    done = "Assignee changed."
    service = staticmethod(services.assign)

    def clean_assignee(self):
        raw = self.cleaned_data["assignee"]
        if not raw:
            return None
        if raw == "me":
            return self.actor
        # Any user the id names: the service says when they cannot take cases (inactive, not staff).
        assignee = get_user_model().objects.filter(pk=raw if raw.isdigit() else None).first()
        if assignee is None:
            raise ValidationError("No such user.")
        return assignee


class ResolveForm(CaseActionForm):
    ending = choice(
        [(ending, ending) for ending in services.ENDINGS],
        "Unknown ending %(value)r.",
        default=services.RESOLVED,
    )
    note = PostedText()
    done = "Case resolved."
    service = staticmethod(services.resolve)


class SaveDraftForm(CaseActionForm):
    """Saves the reply even when the guard finds breaches: `save()` returns the check, and the page shows
    them with `not_sendable`."""

    text = PostedText()
    done = "Draft saved; it passes the reply guard."
    service = staticmethod(services.save_draft)
    not_sendable = "Draft saved, but it cannot be sent as it is."


class MarkSentForm(CaseActionForm):
    text = PostedText()
    ticket = PostedText()
    done = "Reply recorded as sent to the customer."
    service = staticmethod(services.mark_draft_sent)


class RequestMoneyForm(CaseActionForm):
    permission = money.REQUEST_MONEY
    kind = choice(MoneyKind.choices, "Unknown money decision %(value)r.")
    amount = PostedText()
    reason = PostedText()
    currency = PostedText()  # only for an order without one (money.request_currency)
    above_value_reason = PostedText()
    done = "Money decision requested; an owner decides."
    service = staticmethod(money.request_money_decision)

    def clean_amount(self):
        return money.parse_amount(self.cleaned_data["amount"])


class ExistingRequestForm(CaseActionForm):
    """An action on one money request of this case, named by its id."""

    decision = PostedNumber()

    def clean_decision(self):
        decision = MoneyDecision.objects.filter(case=self.case, pk=self.cleaned_data["decision"]).first()
        if decision is None:
            raise ValidationError("No such money request on this case.")
        return decision

    def save(self):
        return self.service(actor=self.actor, **self.cleaned_data)


class DecideMoneyForm(ExistingRequestForm):
    """Approve or reject a request as the decider saw it: its version, amount and reason come back in
    hidden fields, and the decision holds only if the request still has them."""

    permission = APPROVE_MONEY
    approve: bool
    version = PostedNumber()
    amount = PostedText()
    reason = PostedText()
    note = PostedText()

    def clean_amount(self):
        return money.parse_amount(self.cleaned_data["amount"], what="the amount seen")

    def save(self):
        data = self.cleaned_data
        return money.decide_money_decision(
            decision=data["decision"],
            actor=self.actor,
            approve=self.approve,
            seen_version=data["version"],
            seen_amount=data["amount"],
            seen_reason=data["reason"],
            note=data["note"],
        )


class ApproveMoneyForm(DecideMoneyForm):
    approve = True
    done = "Money decision approved."


class RejectMoneyForm(DecideMoneyForm):
    approve = False
    done = "Money decision rejected."


class EditMoneyForm(ExistingRequestForm):
    """The amount is read by the service after it has checked who may edit (the request's requester or an
    owner): anyone else is refused with 403 whatever they post."""

    permission = money.REQUEST_MONEY
    amount = PostedText()
    reason = PostedText()
    above_value_reason = PostedText()
    done = "Money request edited."
    service = staticmethod(money.edit_money_request)


class PauseProductForm(CaseActionForm):
    permission = PAUSE_PRODUCT
    reason = PostedText()
    done = "Product paused."
    service = staticmethod(services.pause_product)


class FlagSupplierForm(CaseActionForm):
    permission = FLAG_SUPPLIER
    reason = PostedText()
    done = "Supplier flagged."
    service = staticmethod(services.flag_supplier)


class SupersedeParcelForm(CaseActionForm):
    """A parcel of this case's order no longer counts: its number was wrong and replaced, or a reship
    replaced it (rules.md section 3a). It stays listed; the reason is kept and audited."""

    permission = tracking.SUPERSEDE_PARCEL
    parcel = PostedNumber()
    reason = PostedText()
    done = "Parcel marked superseded: it stays listed and is no longer assessed."

    def clean_parcel(self):
        parcel = Parcel.objects.filter(order_id=self.case.order_id, pk=self.cleaned_data["parcel"]).first()
        if parcel is None:
            raise ValidationError("No such parcel on this order.")
        return parcel

    def save(self):
        return tracking.supersede_parcel(actor=self.actor, via="case page", **self.cleaned_data)


class ProposalDraftRefused(ValidationError):
    """An agent's draft, as the person left it, breaks rules.md section 8: nothing was accepted, and the
    page shows the text again beside each breach."""

    def __init__(self, proposal: AgentProposal, text: str, violations: list):
        self.proposal, self.text, self.violations = proposal, text, violations
        super().__init__(
            ["The proposal was not accepted: its draft breaks the reply rules (rules.md section 8)."]
            + [f"{v.code}: {v.message}" for v in violations]
        )


class ExistingProposalForm(CaseActionForm):
    """An answer to one of this case's proposals from agents (cases.services.agent_proposals), named by its
    id: one of another case is refused, naming none of it."""

    proposal = PostedNumber()

    def clean_proposal(self):
        proposal = AgentProposal.objects.filter(case=self.case, pk=self.cleaned_data["proposal"]).first()
        if proposal is None:
            raise ValidationError("No such agent proposal on this case.")
        return proposal


class AcceptProposalForm(ExistingProposalForm):
    """Accept, with the text as the person left it in the proposal's box (absent: as proposed)."""

    text = PostedText()

    def clean_text(self):
        # A browser posts a textarea's line breaks as CRLF: that alone is no edit of the agent's text.
        return self.cleaned_data["text"].replace("\r\n", "\n")

    def save(self):
        proposal = self.cleaned_data["proposal"]
        text = self.cleaned_data["text"] if "text" in self.data else None
        try:
            self.accepted = agent_proposals.accept(proposal, actor=self.actor, text=text)
        except services.DraftRefused as refused:
            raise ProposalDraftRefused(
                proposal, proposal.text if text is None else text, refused.violations
            ) from None
        return self.accepted

    @property
    def done(self) -> str:
        note = self.accepted.decision_note.rstrip(".")
        return f"{note} (proposed by {self.accepted.agent})."


class DismissProposalForm(ExistingProposalForm):
    reason = PostedText()

    def save(self):
        data = self.cleaned_data
        self.dismissed = agent_proposals.dismiss(data["proposal"], actor=self.actor, reason=data["reason"])
        return self.dismissed

    @property
    def done(self) -> str:
        return f"Dismissed the {self.dismissed.get_kind_display()} proposed by {self.dismissed.agent}."


class OpenDisputeForm(CaseActionForm):
    """Open a dispute on the case's order (staff may): the service checks every value and names it."""

    permission = OPEN_DISPUTE
    processor = choice(DisputeProcessor.choices, "Unknown processor %(value)r.")
    network_reason_code = PostedText()
    reason = PostedText()
    amount = PostedText()
    currency = PostedText()
    opened_at = MomentField()
    evidence_due_by = MomentField()
    note = PostedText()
    done = "Dispute opened; the order's payment is now disputed. Build its evidence pack below."

    def clean_amount(self):
        raw = self.cleaned_data["amount"].strip()
        return money.parse_amount(raw) if raw else None

    def save(self):
        values = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        values.setdefault("opened_at", None)
        if "amount" in values and not values.get("currency"):
            values["currency"] = self.case.order.currency
        return disputes.open_dispute(order=self.case.order, actor=self.actor, values=values)


class DisputeStepForm(CaseActionForm):
    """An owner records a dispute's step: the pack submitted, or its outcome (won, lost, accepted)."""

    permission = RECORD_DISPUTE_OUTCOME
    dispute = PostedNumber()
    status = choice(DisputeStatus.choices, "Unknown dispute status %(value)r.")
    at = MomentField()
    note = PostedText()
    done = "Dispute step recorded."

    def clean_dispute(self):
        dispute = Dispute.objects.filter(order_id=self.case.order_id, pk=self.cleaned_data["dispute"]).first()
        if dispute is None:
            raise ValidationError("No such dispute on this case's order.")
        return dispute

    def save(self):
        return disputes.set_dispute_status(actor=self.actor, **self.cleaned_data)


# The case page's actions: the `action` a button posts -> its form.
ACTIONS: dict[str, type[CaseActionForm]] = {
    "chase_supplier": ChaseSupplierForm,
    "record_proof": ProofForm,
    "mark_customer_updated": CustomerUpdatedForm,
    "hold": HoldForm,
    "assign": AssignForm,
    "resolve": ResolveForm,
    "save_draft": SaveDraftForm,
    "mark_sent": MarkSentForm,
    "request_money": RequestMoneyForm,
    "approve_money": ApproveMoneyForm,
    "reject_money": RejectMoneyForm,
    "edit_money": EditMoneyForm,
    "pause_product": PauseProductForm,
    "flag_supplier": FlagSupplierForm,
    "supersede_parcel": SupersedeParcelForm,
    "accept_proposal": AcceptProposalForm,
    "dismiss_proposal": DismissProposalForm,
    "open_dispute": OpenDisputeForm,
    "dispute_step": DisputeStepForm,
}
