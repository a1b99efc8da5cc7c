"""Proposals read from supplier emails, and a person's decision on each (docs/messages.md).

`propose` keeps what an email seems to say (`EvidenceProposal`: the kind of evidence, the sentences behind
it, the numbers found, the order it would attach to, a proof attachment) and writes no fact: no packet,
assessment or scorecard reads a proposal. `confirm` (corrected or not) turns it into one
`SupplierEvidence` and a parcel per tracking number it kept, through the facts' one writing path
(cases.services.orders.add_fact: audited, the case re-assessed after commit); `dismiss` closes it. Both
are audited and refuse a proposal already decided.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.choices import EvidenceKind, ProposalState
from cases.intake.messages.supplier_emails import EmailProposal, proof_attachment
from cases.models import EvidenceProposal, Order, Parcel, SupplierEvidence
from cases.selectors.message_orders import order_for_message
from cases.services.audit import audit_event
from cases.services.orders import add_fact
from cases.tracking import services as tracking
from staletrack.permissions import require

DECIDE = "cases.change_evidenceproposal"
SENTENCES_KEPT = 5  # of the sentences behind the kind, in the evidence's text


class ProposalError(ValueError):
    """A decision that cannot be made: names the field or the state."""


@dataclass(frozen=True)
class Attachment:
    """A proof attached to the email (a handover photo, a carrier receipt), already type-checked."""

    filename: str
    content_type: str
    data: bytes


@transaction.atomic
def propose(
    *, reading: EmailProposal, raw: bytes, attachment: Attachment | None = None, source: str = "email"
) -> tuple[EvidenceProposal, bool]:
    """Keep what one email seems to say (`reading`: the email reader's proposal) for a person to decide.
    The same email again (its Message-ID, else its bytes) is kept once: returns (proposal, created)."""
    digest = hashlib.sha256(raw).hexdigest()
    message_id = (reading.message_id or "")[:300]
    found = EvidenceProposal.objects.filter(body_sha256=digest).first()
    if found is None and message_id:
        found = EvidenceProposal.objects.filter(source=source, message_id=message_id).first()
    if found is not None:
        return found, False
    order_numbers = list(dict.fromkeys(number.value for number in reading.order_numbers))
    tracking_numbers = list(dict.fromkeys(number.number for number in reading.tracking_numbers))
    match = order_for_message(order_numbers=order_numbers, tracking_numbers=tracking_numbers)
    kind = reading.kind or ""
    sentences = [reason.sentence for reason in reading.reasons if reason.kind == kind]
    proposal = EvidenceProposal(
        source=source,
        message_id=message_id,
        body_sha256=digest,
        sender=(reading.sender or "")[:300],
        subject=(reading.subject or "")[:500],
        sent_at=reading.sent_at,
        kind=kind if kind in EvidenceKind.values else "",
        text="\n".join(list(dict.fromkeys(sentences))[:SENTENCES_KEPT]),
        reading=reading.as_dict(),
        tracking_numbers=tracking_numbers,
        order=match.order,
        match=(match.how if match.order else f"{match.how}: pick one")[:300],
    )
    if attachment is not None:
        proposal.attachment.save(attachment.filename, ContentFile(attachment.data), save=False)
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError:  # the same email kept by a concurrent reading
        return EvidenceProposal.objects.get(body_sha256=digest), False
    return proposal, True


def propose_email(
    *, raw: bytes, reading: EmailProposal, source: str = "email"
) -> tuple[EvidenceProposal, bool]:
    """`propose` for an email's bytes as read (`reading`), with its first image or PDF attachment kept as
    the proof (supplier_emails.proof_attachment)."""
    found = proof_attachment(raw, reading)
    attachment = Attachment(*found) if found else None
    return propose(reading=reading, raw=raw, attachment=attachment, source=source)


@transaction.atomic
def propose_emails(
    *, emails: list[tuple[bytes, EmailProposal]], order: Order | None = None
) -> list[tuple[EvidenceProposal, bool]]:
    """`propose_email` for each (bytes, reading), in one transaction. `order`: where the emails were read
    with their order known (pasted on its case page), the order of those that found none of their own
    (one that names another keeps it: a person sees both)."""
    kept = [propose_email(raw=raw, reading=reading) for raw, reading in emails]
    for proposal, _ in kept if order is not None else ():
        if proposal.order_id is None and proposal.state == ProposalState.PENDING:
            proposal.order = order
            proposal.match = f"pasted on the case page of {order.order_id}"
            proposal.save(update_fields=["order", "match"])
    return kept


@transaction.atomic
def confirm(
    *,
    proposal: EvidenceProposal,
    actor,
    kind: str | None = None,
    order: Order | None = None,
    text: str | None = None,
    add_parcels: bool = True,
    via: str = "admin",
) -> SupplierEvidence:
    """A person confirms a proposal, corrected or not (`kind`, `order`, `text`: None keeps the proposal's):
    one `SupplierEvidence` on the order, dated when the email was sent, with its attachment; each tracking
    number it kept becomes a parcel of the order (rules.md section 3a) unless the order holds it already.
    ProposalError names what is missing or why it cannot be decided."""
    require(actor, DECIDE)
    proposal = EvidenceProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ProposalState.PENDING:
        raise ProposalError(f"state: this proposal was already {proposal.state}")
    kind = proposal.kind if kind is None else kind
    if kind not in EvidenceKind.values:
        raise ProposalError(f"kind: choose one of {', '.join(EvidenceKind.values)}")
    order = proposal.order if order is None else order
    if order is None:
        raise ProposalError(f"order: choose the order this evidence is about ({proposal.match})")
    at = proposal.sent_at or proposal.received_at
    if at > timezone.now():
        at = timezone.now()  # a sender's clock ahead of ours must not date the evidence in the future
    evidence = SupplierEvidence(
        order=order,
        at=at,
        kind=kind,
        text=(proposal.text if text is None else text).strip() or proposal.subject,
    )
    if proposal.attachment:
        evidence.attachment.name = proposal.attachment.name
    try:
        evidence = add_fact(record=evidence, actor=actor, via=via)
    except ValidationError as error:
        raise ProposalError("; ".join(error.messages)) from None
    parcels = []
    if add_parcels:
        for value in proposal.tracking_numbers:
            number, _ = tracking.get_or_create_number(value)
            held = Parcel.objects.filter(order=order, tracking_number=number, superseded_at__isnull=True)
            if not held.exists():
                add_fact(record=Parcel(order=order, tracking_number=number), actor=actor, via=via)
                parcels.append(number.number)
    changes = {"kind": [proposal.kind, kind], "order": [_order_name(proposal.order), order.order_id]}
    proposal.state, proposal.decided_by, proposal.decided_at = ProposalState.CONFIRMED, actor, timezone.now()
    proposal.kind, proposal.order, proposal.evidence = kind, order, evidence
    proposal.save(update_fields=["state", "decided_by", "decided_at", "kind", "order", "evidence"])
    audit_event(
        action="evidence_proposal_confirmed",
        obj=order,
        actor=actor,
        via=via,
        changes={**changes, "parcels_added": parcels},
        reason=f"{proposal.sender}: {proposal.subject}"[:200],
    )
    return evidence


@transaction.atomic
def dismiss(*, proposal: EvidenceProposal, actor, reason: str = "", via: str = "admin") -> EvidenceProposal:
    """A person dismisses a proposal: nothing is written but the decision (audited, with why)."""
    require(actor, DECIDE)
    proposal = EvidenceProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ProposalState.PENDING:
        raise ProposalError(f"state: this proposal was already {proposal.state}")
    proposal.state, proposal.decided_by, proposal.decided_at = ProposalState.DISMISSED, actor, timezone.now()
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    audit_event(
        action="evidence_proposal_dismissed",
        obj=proposal.order or proposal,
        actor=actor,
        via=via,
        changes={"kind": [proposal.kind, None]},
        reason=(reason or f"{proposal.sender}: {proposal.subject}")[:200],
    )
    return proposal


def _order_name(order: Order | None) -> str | None:
    return order.order_id if order is not None else None
