"""What agents propose for a case, and a person's answer to it.

An agent's token with the `propose` scope (staletrack.tokens) may put forward a customer reply draft, a
supplier chase, an outcome or a note. Nothing of it is real until a person with the workbench's permission
accepts it, possibly edited: then the workbench's own service makes it (`save_draft`, `chase_supplier`,
`resolve`, a note on the timeline), and the audit trail names both the person and the agent. A proposal
never reaches money decisions, products, suppliers' standing, the policy or sending: there is no kind for
them, and the endings an agent may propose leave out the money ones (refunded, replaced), which follow the
owner's money decision.

A draft is checked by the guard of rules.md section 8 before it is even kept: a draft that breaks it is
refused, with each breach named. An outcome proposed for a case in the owner-only lane of the policy
(docs/fast-lane.md) is accepted only by an owner, as the workbench's `resolve` is.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases.choices import AgentProposalKind, AgentProposalState, ChaseChannel, OutcomeKind
from cases.models import AgentProposal, Case
from cases.services.audit import audit_event
from cases.workbench import services as workbench
from cases.workbench.lanes import require_answer
from staletrack.models import ApiToken
from staletrack.permissions import require

# The endings an agent may propose; refunded and replaced follow a money decision the owner takes.
AGENT_ENDINGS = (OutcomeKind.DELIVERED, OutcomeKind.LOST, OutcomeKind.RESOLVED)
# Proposals waiting on one case at most: an agent in a loop fills no page.
MAX_PENDING_PER_CASE = 20


class ProposalRefused(ValidationError):
    """The proposal is not kept; `reasons` says why, field by field (a draft: each breach of section 8)."""

    def __init__(self, reasons: dict[str, list[str]]):
        self.reasons = reasons
        super().__init__(reasons)


def propose(
    *, token: ApiToken, case: Case, kind: str, text: str, channel: str = "", ending: str = ""
) -> AgentProposal:
    """Keep what the token's agent proposes for `case`, waiting for a person; refuse it, naming the field,
    if it cannot be made as it stands."""
    if token.scope != ApiToken.Scope.PROPOSE:
        raise PermissionDenied(f"The token {token.name!r} may only read: proposing needs the propose scope.")
    if kind not in AgentProposalKind.values:
        raise ProposalRefused(
            {"kind": [f"Unknown kind {kind!r}: one of {', '.join(AgentProposalKind.values)}."]}
        )
    try:
        text = workbench.typed_text(text, "The text")
    except ValidationError as error:
        raise ProposalRefused({"text": error.messages}) from None
    reasons: dict[str, list[str]] = {}
    if not text and kind != AgentProposalKind.CHASE:
        reasons["text"] = ["The text is required."]
    if kind == AgentProposalKind.CHASE:
        channel = channel or ChaseChannel.EMAIL
        if channel not in ChaseChannel.values:
            reasons["channel"] = [f"Unknown channel {channel!r}: one of {', '.join(ChaseChannel.values)}."]
    elif channel:
        reasons["channel"] = ["Only a chase has a channel."]
    if kind == AgentProposalKind.OUTCOME:
        if ending not in AGENT_ENDINGS:
            allowed = ", ".join(AGENT_ENDINGS)
            reasons["ending"] = [f"An agent may propose the ending {allowed}; got {ending or 'none'!r}."]
    elif ending:
        reasons["ending"] = ["Only an outcome has an ending."]
    if kind == AgentProposalKind.DRAFT and text and "text" not in reasons:
        check = workbench.check_reply(case, text)
        if check.violations:
            reasons["text"] = [f"{v.code}: {v.message}" for v in check.violations]
    if reasons:
        raise ProposalRefused(reasons)
    with transaction.atomic():
        Case.objects.select_for_update(of=("self",)).filter(pk=case.pk).first()
        pending = AgentProposal.objects.filter(case=case, state=AgentProposalState.PENDING).count()
        if pending >= MAX_PENDING_PER_CASE:
            raise ProposalRefused(
                {"case": [f"{pending} proposals already wait on this case: a person must answer them first."]}
            )
        proposal = AgentProposal.objects.create(
            case=case, token=token, agent=token.name, kind=kind, text=text, channel=channel, ending=ending
        )
        audit_event(
            action="agent_proposed",
            obj=case,
            via=token.label,
            changes={"proposal": proposal.pk, "kind": kind, "channel": channel, "ending": ending},
            reason=text[:1000],
        )
    return proposal


@transaction.atomic
def accept(proposal: AgentProposal, *, actor, text: str | None = None) -> AgentProposal:
    """A person makes the proposal real, as proposed or as `text` edits it, through the workbench's own
    service (which checks the person's permission again). A draft edited into a breach of section 8 is
    refused, naming each breach."""
    require(actor, workbench.WORK_CASE)
    proposal = _pending(proposal)
    text = proposal.text if text is None else workbench.typed_text(text, "The text")
    case = proposal.case
    if proposal.kind == AgentProposalKind.DRAFT:
        # save_draft runs the guard once and keeps even a failing draft; refusing here undoes the save
        # (this function's transaction), so an accepted draft always passes section 8.
        check = workbench.save_draft(case, actor=actor, text=workbench.required_text(text, "The reply"))
        if check.violations:
            raise workbench.DraftRefused(check.violations)
        made = "the case's reply draft"
    elif proposal.kind == AgentProposalKind.CHASE:
        workbench.chase_supplier(case, actor=actor, channel=proposal.channel or ChaseChannel.EMAIL, note=text)
        made = "a supplier chase"
    elif proposal.kind == AgentProposalKind.OUTCOME:
        # The owner-only lane first, named as this answer (resolve checks it again on the locked case).
        require_answer(actor, case, what="accept an outcome for it")
        workbench.resolve(case, actor=actor, ending=proposal.ending, note=text)
        made = f"the outcome {proposal.ending}"
    else:
        workbench.record_outcome(
            case,
            OutcomeKind.NOTE,
            actor,
            workbench.required_text(text, "The note"),
            action="note_added",
            changes={"proposed_by": proposal.agent},
        )
        made = "a note"
    edited = text != proposal.text
    _decide(
        proposal, actor, AgentProposalState.ACCEPTED, f"Accepted{' as edited' if edited else ''}: {made}."
    )
    audit_event(
        action="agent_proposal_accepted",
        obj=case,
        actor=actor,
        via="admin",
        changes={
            "proposal": proposal.pk,
            "kind": proposal.kind,
            "proposed_by": proposal.agent,
            "edited": edited,
        },
        reason=text[:1000],
    )
    return proposal


@transaction.atomic
def dismiss(proposal: AgentProposal, *, actor, reason: str = "") -> AgentProposal:
    require(actor, workbench.WORK_CASE)
    proposal = _pending(proposal)
    reason = workbench.typed_text(reason, "The reason")
    _decide(proposal, actor, AgentProposalState.DISMISSED, reason or "Dismissed.")
    audit_event(
        action="agent_proposal_dismissed",
        obj=proposal.case,
        actor=actor,
        via="admin",
        changes={"proposal": proposal.pk, "kind": proposal.kind, "proposed_by": proposal.agent},
        reason=reason,
    )
    return proposal


def _pending(proposal: AgentProposal) -> AgentProposal:
    proposal = (
        AgentProposal.objects.select_for_update(of=("self",)).select_related("case").get(pk=proposal.pk)
    )
    if proposal.state != AgentProposalState.PENDING:
        raise ValidationError(f"This proposal was already {proposal.get_state_display()}.")
    return proposal


def _decide(proposal: AgentProposal, actor, state: str, note: str) -> None:
    proposal.state, proposal.decided_by, proposal.decided_at = state, actor, timezone.now()
    proposal.decision_note = note
    proposal.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
