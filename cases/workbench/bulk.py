"""Marking many fast-lane replies as sent at once (docs/fast-lane.md): the service behind the bulk review.

A person read each draft on the bulk review page (cases.workbench.bulk_view), edited some, ticked the ones
they reviewed, and sent them from their own helpdesk: staletrack sends nothing. Each ticked reply is
recorded as `mark_draft_sent` records one (an outbound message, the case's draft cleared, an outcome and an
audit event of its own, a `SentReply` with its lane and the customer's wait), in one transaction for all,
with a fixed number of queries whatever their number; then the cases are re-assessed together.

A reply is left out, and named with why, when
- its case is no longer in the fast lane (the policy, or the case, changed: only the fast lane is
  answered in bulk; an owner-only case is the owner's on its own page);
- its case's packet changed since the page was drawn (`packet_digest`, captured then): the facts the
  person read are no longer the case's;
- its case was resolved meanwhile, or its text is empty or too long;
- its text breaks the guard of rules.md section 8, checked with each case's facts now, as the case page
  checks one (those come back with each breach named).
The others are recorded all the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.assessment import Violation, check_draft, guard_context
from cases.choices import CaseStatus, Direction, OutcomeKind
from cases.models import Case, CustomerMessage, Outcome, SentReply
from cases.selectors.facts import facts_for_orders
from cases.services.assessment import refresh_cases
from cases.services.audit import audit_events
from cases.workbench.lanes import FAST, active_lane_settings, case_lane, case_lane_reason
from cases.workbench.selectors import current_draft
from cases.workbench.services import WORK_CASE, required_text, sent_reply
from staletrack.permissions import require

MAX_CASES = 500  # drawn on one page and sent in one action
NOTE = "Reply marked as sent (bulk review)."
STALE = "its packet changed since the page was drawn (new facts): read it again before you send it"


@dataclass(frozen=True)
class Reviewed:
    """One reply the person ticked: its case, the case's packet digest when the page was drawn, the text."""

    case_pk: int
    digest: str
    text: str


@dataclass
class BulkResult:
    """What `mark_sent_in_bulk` did: the cases whose replies it recorded, the replies it left out with why
    (order id, reason; `stale` those whose packet changed), and those the guard refused (case key -> each
    breach of section 8)."""

    sent: list[Case] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)
    stale: set[int] = field(default_factory=set)
    refused: dict[int, list[Violation]] = field(default_factory=dict)


@transaction.atomic
def mark_sent_in_bulk(*, actor, replies: Sequence[Reviewed]) -> BulkResult:
    """Record each reviewed fast-lane reply as sent (the module's docstring), leaving out and naming the
    ones that cannot be; the others are recorded all the same."""
    require(actor, WORK_CASE)
    if len(replies) > MAX_CASES:
        raise ValidationError(
            f"At most {MAX_CASES:,} replies are marked as sent at once; {len(replies):,} were."
        )
    result = BulkResult()
    wanted = {reply.case_pk: reply for reply in replies}
    # Locked in key order, so two bulk reviews over the same cases queue instead of deadlocking.
    cases = {
        case.pk: case
        for case in Case.objects.select_related("order")
        .select_for_update(of=("self",))
        .filter(pk__in=list(wanted))
        .order_by("pk")
    }
    settings = active_lane_settings()
    texts: dict[int, str] = {}
    for pk, reply in wanted.items():
        case = cases.get(pk)
        if case is None:
            result.left_out.append((f"case {pk}", "no such case"))
            continue
        reason = _left_out(case, reply, settings)
        if reason == STALE:
            result.stale.add(pk)
        if reason:
            result.left_out.append((case.order.order_id, reason))
            continue
        try:
            texts[pk] = required_text(reply.text, "The reply")
        except ValidationError as error:
            result.left_out.append((case.order.order_id, " ".join(error.messages)))
    if not texts:
        return result

    now = timezone.now()
    loaded = facts_for_orders([cases[pk].order_id for pk in texts], now, with_peers=False)
    facts_by_order = {loaded.order_pks[facts.order.order_id]: facts for facts in loaded.facts}
    for pk, text in list(texts.items()):
        context = guard_context(facts_by_order[cases[pk].order_id], now)
        violations = check_draft(text, **context.kwargs())
        if violations:
            result.refused[pk] = violations
            result.left_out.append(
                (cases[pk].order.order_id, "it breaks the reply rules (rules.md section 8)")
            )
            del texts[pk]
    if texts:
        _record(actor, [cases[pk] for pk in texts], texts, now)
        result.sent = [cases[pk] for pk in texts]
    return result


def _left_out(case: Case, reply: Reviewed, settings) -> str:
    if case.status == CaseStatus.RESOLVED:
        return "it was resolved meanwhile"
    if case_lane(case, settings) != FAST:
        return f"it is not in the fast lane ({case_lane_reason(case, settings)}): answer it on its own page"
    if reply.digest != case.packet_digest:
        return STALE
    return ""


def _record(actor, cases: list[Case], texts: dict[int, str], now) -> None:
    """What `mark_draft_sent` writes for one reply, for all of them at once."""
    messages = CustomerMessage.objects.bulk_create(
        [
            CustomerMessage(
                order_id=case.order_id,
                at=now,
                text=texts[case.pk],
                direction=Direction.OUTBOUND,
                recorded_by=actor,
            ).with_fingerprint()
            for case in cases
        ]
    )
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(draft_text="", updated_at=now)
    Outcome.objects.bulk_create(
        [Outcome(case=case, kind=OutcomeKind.CUSTOMER_UPDATED, at=now, by=actor, note=NOTE) for case in cases]
    )
    audit_events(
        {
            "action": "reply_marked_sent",
            "obj": case,
            "actor": actor,
            "via": "admin",
            "changes": {
                "message": message.pk,
                "text": message.text,
                "lane": FAST,
                "in_bulk": True,
                "edited": message.text != current_draft(case),
            },
            "reason": NOTE,
            "at": now,
        }
        for case, message in zip(cases, messages, strict=True)
    )
    SentReply.objects.bulk_create(
        [
            sent_reply(case, message, lane=FAST, actor=actor, in_bulk=True)
            for case, message in zip(cases, messages, strict=True)
        ]
    )
    refresh_cases([case.order_id for case in cases], via="admin")
