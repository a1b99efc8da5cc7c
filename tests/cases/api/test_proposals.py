"""Proposals an agent makes through the API (cases.services.agent_proposals): kept pending and nothing else,
a draft checked by the guard of rules.md section 8 before it is kept, refused without the propose scope
or beyond the per-case cap; a person accepts one (the workbench's own service makes it, the audit names
both) or dismisses it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.choices import Direction
from cases.models import AgentProposal, AuditEvent, Case, CustomerMessage, Outcome, SupplierChase
from cases.services import agent_proposals
from cases.workbench import services as workbench
from tests.factories import UserFactory
from tests.helpers.api_calls import issue, post
from tests.helpers.api_walk import assert_only_agent_traces, guarded, snapshot
from tests.helpers.workbench import FINE, FORBIDDEN

pytestmark = pytest.mark.django_db


def propose(client, raw, case, **body):
    return post(client, raw, f"/api/cases/{case.pk}/proposals", body)


def refusal(response) -> dict:
    assert response.status_code == 422, response.content
    return response.json()["detail"]


def body_fields(response) -> set[str]:
    """The body fields a 422 of the request's validation names."""
    return {error["loc"][-1] for error in refusal(response)}


# --- kept pending, and nothing else ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ({"kind": "draft", "text": FINE}, {"channel": "", "ending": ""}),
        ({"kind": "chase", "text": "Please send the pickup scan.", "channel": "phone"}, {"channel": "phone"}),
        ({"kind": "chase"}, {"channel": "email", "text": ""}),  # the channel's default; the note is optional
        (
            {"kind": "outcome", "text": "Delivered, says the customer.", "ending": "delivered"},
            {"ending": "delivered"},
        ),
        ({"kind": "outcome", "text": "Carrier says lost.", "ending": "lost"}, {"ending": "lost"}),
        ({"kind": "outcome", "text": "Sorted.", "ending": "resolved"}, {"ending": "resolved"}),
        (
            {"kind": "note", "text": "  Customs hold on the carrier's site.  "},
            {"text": "Customs hold on the carrier's site."},
        ),
    ],
    ids=lambda value: value.get("kind", "") + "-" + str(value.get("channel") or value.get("ending") or ""),
)
def test_each_kind_is_kept_pending_and_nothing_else_is_written(client, agent, raw, case, body, kept):
    token = agent[0]
    before, untouched = snapshot(), guarded()
    response = propose(client, raw, case, **body)
    assert response.status_code == 201, response.content
    answer = response.json()
    proposal = AgentProposal.objects.get()
    assert answer["id"] == proposal.pk and answer["case"] == case.pk and answer["order_id"] == "#C0"
    assert (answer["agent"], answer["kind"], answer["state"]) == ("claude", body["kind"], "pending")
    assert answer["decided_at"] is None and answer["decision_note"] == ""
    for field, value in {"text": body.get("text", "").strip(), **kept}.items():
        assert answer[field] == getattr(proposal, field) == value, field
    assert (proposal.token, proposal.agent, proposal.state) == (token, "claude", "pending")
    proposals, audit = assert_only_agent_traces(before, snapshot(), token=token)
    assert len(proposals) == 1 and sorted(row["action"] for row in audit) == ["agent_proposed", "api_call"]
    assert guarded() == untouched
    proposed = AuditEvent.objects.get(action="agent_proposed")
    assert (proposed.actor_label, proposed.object_id) == ("agent:claude", str(case.pk))
    assert proposed.changes["proposal"] == proposal.pk and proposed.changes["kind"] == body["kind"]


# --- the guard of section 8 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        (FORBIDDEN, ["delivery_promise", "unproven_shipping"]),
        ("It will arrive on Friday.", ["delivery_promise"]),
        ("Delivery is guaranteed by Monday.", ["delivery_promise"]),
        ("We will refund you in full.", ["money_promise"]),
        ("You will receive a full refund.", ["money_promise", "money_promise"]),
        ("Your parcel is in transit.", ["unproven_shipping"]),
        (
            "Guaranteed: it will arrive soon, it shipped, and we'll refund you.",
            ["delivery_promise", "delivery_promise", "money_promise", "unproven_shipping"],
        ),
    ],
)
def test_a_draft_that_breaks_the_guard_is_refused_naming_each_breach_and_nothing_is_stored(
    client, agent, raw, case, text, codes
):
    before = snapshot()
    detail = refusal(propose(client, raw, case, kind="draft", text=text))
    assert list(detail) == ["text"]
    assert [message.split(":")[0] for message in detail["text"]] == codes
    assert all('says "' in message for message in detail["text"])
    assert not AgentProposal.objects.exists()
    _, audit = assert_only_agent_traces(before, snapshot(), token=agent[0])
    assert [row["changes"]["status"] for row in audit] == [422]


def test_a_draft_that_does_not_say_refunds_are_reviewed_when_the_customer_asked_for_one_is_refused(
    client, raw, case
):
    CustomerMessage.objects.create(
        order=case.order,
        direction=Direction.INBOUND,
        at=timezone.now() - timedelta(hours=1),
        text="I want a refund",
    )
    detail = refusal(propose(client, raw, case, kind="draft", text="We are looking into your order."))
    assert [message.split(":")[0] for message in detail["text"]] == ["refund_review_missing"]
    answer = propose(client, raw, case, kind="draft", text="Refund requests are reviewed by the owner.")
    assert answer.status_code == 201


def test_only_a_draft_is_checked_by_the_reply_guard(client, raw, case):
    # A note is for staff, not the customer: it may quote what the customer was promised.
    response = propose(client, raw, case, kind="note", text="The store page says it will arrive on Friday.")
    assert response.status_code == 201


# --- refusals -----------------------------------------------------------------------------------


def test_a_read_token_cannot_propose_and_nothing_is_stored(client, reader, case):
    token, raw = reader
    before = snapshot()
    for body in ({"kind": "note", "text": "x"}, {"kind": "draft", "text": FINE}, {"kind": "chase"}):
        response = propose(client, raw, case, **body)
        assert response.status_code == 403
        assert response.json() == {
            "detail": "The token 'watcher' may only read: this needs the propose scope."
        }
    # Not even an unknown case tells a read token more.
    assert post(client, raw, "/api/cases/999999/proposals", {"kind": "note", "text": "x"}).status_code == 403
    proposals, audit = assert_only_agent_traces(before, snapshot(), token=token)
    assert proposals == [] and [row["changes"]["status"] for row in audit] == [403] * 4


def test_the_service_refuses_a_read_token_too(reader, case):
    with pytest.raises(PermissionDenied, match="propose scope"):
        agent_proposals.propose(token=reader[0], case=case, kind="note", text="x")
    assert not AgentProposal.objects.exists()


@pytest.mark.parametrize("ending", ["refunded", "replaced", "money_approved", "supplier_chased", ""])
def test_an_outcome_an_agent_may_not_propose_is_refused(client, raw, case, ending):
    body = {"kind": "outcome", "text": "Done."}
    if ending:
        body["ending"] = ending
    response = propose(client, raw, case, **body)
    if ending:
        assert body_fields(response) == {"ending"}  # not one of the schema's endings
    else:
        assert list(refusal(response)) == ["ending"]
    assert not AgentProposal.objects.exists()


@pytest.mark.parametrize("ending", ["refunded", "replaced", "", "made_up"])
def test_the_service_refuses_money_endings_whoever_calls_it(agent, case, ending):
    with pytest.raises(agent_proposals.ProposalRefused) as refused:
        agent_proposals.propose(token=agent[0], case=case, kind="outcome", text="Done.", ending=ending)
    assert list(refused.value.reasons) == ["ending"]
    assert "delivered, lost, resolved" in refused.value.reasons["ending"][0]
    assert not AgentProposal.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "refund", "text": "x"}, "kind"),
        ({"kind": "money", "text": "x"}, "kind"),
        ({"kind": "NOTE", "text": "x"}, "kind"),
        ({"text": "x"}, "kind"),
        ({"kind": "chase", "channel": "fax"}, "channel"),
        ({"kind": "chase", "channel": ""}, "channel"),
        ({"kind": "note", "text": 5}, "text"),
        ({"kind": "note", "text": "x" * 10_001}, "text"),
    ],
)
def test_an_unknown_kind_or_channel_or_a_text_that_is_no_text_is_refused_naming_the_field(
    client, raw, case, body, field
):
    assert body_fields(propose(client, raw, case, **body)) == {field}
    assert not AgentProposal.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "note", "text": ""}, "text"),
        ({"kind": "note", "text": "   "}, "text"),
        ({"kind": "draft"}, "text"),
        ({"kind": "outcome", "ending": "lost"}, "text"),
        ({"kind": "note", "text": "a\x00b"}, "text"),
        ({"kind": "note", "text": "x", "channel": "email"}, "channel"),
        ({"kind": "draft", "text": FINE, "ending": "lost"}, "ending"),
        ({"kind": "chase", "text": "x", "ending": "delivered"}, "ending"),
    ],
)
def test_a_proposal_that_cannot_be_made_as_it_stands_is_refused_naming_the_field(
    client, raw, case, body, field
):
    assert list(refusal(propose(client, raw, case, **body))) == [field]
    assert not AgentProposal.objects.exists()


@pytest.mark.parametrize("body", [b"not json", b"", b"\x00", b"[]", b"null", b'"note"', b"{"])
def test_a_body_that_is_no_proposal_is_refused_and_nothing_is_stored(client, raw, case, body):
    response = client.post(
        f"/api/cases/{case.pk}/proposals",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code in (400, 422), response.content
    assert response.json()["detail"]
    assert not AgentProposal.objects.exists()


def test_a_proposal_for_an_unknown_case_is_404(client, raw, case):
    response = post(client, raw, f"/api/cases/{case.pk + 1}/proposals", {"kind": "note", "text": "x"})
    assert response.status_code == 404
    assert not AgentProposal.objects.exists()


def test_a_case_takes_at_most_its_cap_of_pending_proposals(client, agent, raw, case, staff):
    cap = agent_proposals.MAX_PENDING_PER_CASE
    for i in range(cap):
        assert propose(client, raw, case, kind="note", text=f"Note {i}.").status_code == 201
    detail = refusal(propose(client, raw, case, kind="note", text="One more."))
    assert list(detail) == ["case"] and f"{cap} proposals already wait" in detail["case"][0]
    assert AgentProposal.objects.count() == cap
    # An answered proposal makes room again.
    agent_proposals.dismiss(AgentProposal.objects.first(), actor=staff)
    assert propose(client, raw, case, kind="note", text="Now there is room.").status_code == 201
    assert propose(client, raw, case, kind="note", text="Full again.").status_code == 422


def test_the_cap_counts_every_tokens_proposals_on_the_case(owner, agent, case):
    other, _ = issue(owner, name="other-agent")
    for i in range(agent_proposals.MAX_PENDING_PER_CASE):
        agent_proposals.propose(token=(agent[0], other)[i % 2], case=case, kind="note", text=f"{i}")
    with pytest.raises(agent_proposals.ProposalRefused):
        agent_proposals.propose(token=other, case=case, kind="note", text="x")


# --- a person answers ---------------------------------------------------------------------------


def proposed(agent, case, **fields) -> AgentProposal:
    return agent_proposals.propose(token=agent[0], case=case, **fields)


def test_accepting_a_draft_saves_it_as_the_cases_reply_draft_and_names_both(agent, case, staff):
    proposal = proposed(agent, case, kind="draft", text=FINE)
    agent_proposals.accept(proposal, actor=staff)
    case.refresh_from_db()
    proposal.refresh_from_db()
    assert case.draft_text == FINE
    assert (proposal.state, proposal.decided_by) == ("accepted", staff)
    assert proposal.decision_note == "Accepted: the case's reply draft."
    accepted = AuditEvent.objects.get(action="agent_proposal_accepted")
    assert (accepted.actor, accepted.actor_label) == (staff, "stan")
    assert accepted.changes == {
        "proposal": proposal.pk,
        "kind": "draft",
        "proposed_by": "claude",
        "edited": False,
    }
    assert AuditEvent.objects.filter(action="draft_saved", actor=staff).exists()
    # Accepting saves the draft: nothing is sent.
    assert not CustomerMessage.objects.filter(direction=Direction.OUTBOUND).exists()


def test_accepting_a_chase_records_the_chase_on_its_channel(agent, case, staff):
    proposal = proposed(agent, case, kind="chase", text="Please send the pickup scan.", channel="portal")
    agent_proposals.accept(proposal, actor=staff)
    chase = SupplierChase.objects.get()
    assert (chase.channel, chase.text, chase.recorded_by) == ("portal", "Please send the pickup scan.", staff)
    assert AuditEvent.objects.get(action="agent_proposal_accepted").changes["proposed_by"] == "claude"


def test_accepting_an_outcome_resolves_the_case_with_its_ending(agent, case, staff):
    proposal = proposed(agent, case, kind="outcome", text="Customer confirmed.", ending="delivered")
    agent_proposals.accept(proposal, actor=staff)
    case.refresh_from_db()
    assert case.status == "resolved"
    assert Outcome.objects.filter(case=case, kind="delivered", by=staff, note="Customer confirmed.").exists()
    assert proposal.__class__.objects.get(pk=proposal.pk).decision_note == "Accepted: the outcome delivered."


def test_accepting_a_note_puts_it_on_the_timeline_naming_the_agent(agent, case, staff):
    proposal = proposed(agent, case, kind="note", text="Customs hold.")
    agent_proposals.accept(proposal, actor=staff, text="Customs hold, says the carrier's site.")
    note = Outcome.objects.get(case=case, kind="note")
    assert (note.note, note.by) == ("Customs hold, says the carrier's site.", staff)
    added = AuditEvent.objects.get(action="note_added")
    assert added.changes == {"proposed_by": "claude"} and added.actor == staff
    accepted = AuditEvent.objects.get(action="agent_proposal_accepted")
    assert accepted.changes["edited"] is True and accepted.reason == "Customs hold, says the carrier's site."
    assert AgentProposal.objects.get().decision_note == "Accepted as edited: a note."


def test_a_draft_edited_into_a_breach_is_refused_and_nothing_changes(agent, case, staff):
    proposal = proposed(agent, case, kind="draft", text=FINE)
    before = snapshot()
    with pytest.raises(workbench.DraftRefused) as refused:
        agent_proposals.accept(proposal, actor=staff, text=FORBIDDEN)
    assert {v.code for v in refused.value.violations} == {"delivery_promise", "unproven_shipping"}
    assert snapshot() == before


def test_a_proposal_is_answered_once(agent, case, staff):
    proposal = proposed(agent, case, kind="note", text="x")
    agent_proposals.accept(proposal, actor=staff)
    with pytest.raises(ValidationError, match="already accepted"):
        agent_proposals.accept(proposal, actor=staff)
    with pytest.raises(ValidationError, match="already accepted"):
        agent_proposals.dismiss(proposal, actor=staff)
    assert Outcome.objects.filter(kind="note").count() == 1


def test_dismissing_keeps_the_reason_and_makes_nothing(agent, case, staff):
    proposal = proposed(agent, case, kind="outcome", text="Lost.", ending="lost")
    before_case = Case.objects.values().get(pk=case.pk)
    agent_proposals.dismiss(proposal, actor=staff, reason="  The carrier found it.  ")
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by, proposal.decision_note) == (
        "dismissed",
        staff,
        "The carrier found it.",
    )
    assert Case.objects.values().get(pk=case.pk) == before_case
    assert not Outcome.objects.exists()
    dismissed = AuditEvent.objects.get(action="agent_proposal_dismissed")
    assert (dismissed.actor, dismissed.reason) == (staff, "The carrier found it.")
    assert dismissed.changes == {"proposal": proposal.pk, "kind": "outcome", "proposed_by": "claude"}
    with pytest.raises(ValidationError, match="already dismissed"):
        agent_proposals.accept(proposal, actor=staff)


def test_dismissing_without_a_reason_says_dismissed(agent, case, staff):
    proposal = agent_proposals.dismiss(proposed(agent, case, kind="note", text="x"), actor=staff)
    assert proposal.decision_note == "Dismissed."


def test_someone_who_may_only_see_cases_can_neither_accept_nor_dismiss(agent, case):
    viewer = UserFactory(username="vera")
    viewer.user_permissions.add(Permission.objects.get(codename="view_case"))
    proposal = proposed(agent, case, kind="note", text="x")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        agent_proposals.accept(proposal, actor=viewer)
    with pytest.raises(PermissionDenied):
        agent_proposals.dismiss(proposal, actor=viewer)
    assert snapshot() == before


def test_an_accepted_proposal_shows_as_accepted_to_its_agent(client, agent, raw, case, staff):
    proposal = proposed(agent, case, kind="note", text="x")
    agent_proposals.accept(proposal, actor=staff)
    (row,) = client.get("/api/proposals", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["items"]
    assert (row["id"], row["state"], row["decision_note"]) == (proposal.pk, "accepted", "Accepted: a note.")
    assert row["decided_at"] is not None


@pytest.mark.parametrize(
    ("field", "value"), [("amount", "10.00"), ("state", "accepted"), ("send", True), ("decided_by", 1)]
)
def test_a_field_no_proposal_has_is_refused_by_name_and_nothing_is_stored(client, raw, case, field, value):
    assert field in body_fields(
        propose(client, raw, case, kind="note", text="Asked twice.", **{field: value})
    )
    assert not AgentProposal.objects.exists()
