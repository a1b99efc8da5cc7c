"""What agents proposed, answered on the case page: staff see each waiting proposal with its text in a
box they may edit, accept it (as proposed or edited) or dismiss it (with an optional reason), and the page
writes exactly what the services write. A refusal (an edited draft that breaks the reply rules, a
proposal already decided, one of another case) is named above the page and changes nothing; texts are
escaped."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cases.choices import AgentProposalState, CaseStatus
from cases.models import AgentProposal, AuditEvent, Case, SupplierChase
from cases.services import agent_proposals
from tests.helpers.agents import propose
from tests.helpers.clock import import_label_only_cases
from tests.helpers.otp import verified, verified_login
from tests.helpers.workbench import FINE, FORBIDDEN, counts

pytestmark = pytest.mark.django_db

EDITED = FINE + " We will write again when we know more."
# kind, its arguments, the text proposed
KINDS = {
    "draft": ({}, f"{FINE}\n\nThe store"),
    "chase": ({"channel": "chat"}, "Please send the pickup scan."),
    "outcome": ({"ending": "delivered"}, "The customer says it arrived."),
    "note": ({}, "The customer prefers email."),
}


@pytest.fixture
def twins():
    """Two label-only cases alike: one answered on the page, one through the service."""
    return import_label_only_cases(2, label_days_ago=7)


def page_url(case):
    return reverse("admin:cases_case_change", args=[case.pk])


def written(case: Case, proposal: AgentProposal) -> dict:
    """What answering `proposal` left on `case`, without what tells the twins apart (ids, times)."""
    case.refresh_from_db()
    proposal.refresh_from_db()
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=case.pk
    )
    return {
        "proposal": (proposal.state, proposal.decision_note, proposal.decided_by_id),
        "case": (case.draft_text, case.status),
        "outcomes": [(o.kind, o.note, o.by_id) for o in case.outcomes.all()],
        "chases": [
            (c.channel, c.text, c.recorded_by_id) for c in SupplierChase.objects.filter(order=case.order)
        ],
        "audit": sorted(
            (e.action, e.actor_id, e.reason, repr({k: v for k, v in e.changes.items() if k != "proposal"}))
            for e in events
        ),
    }


@pytest.mark.parametrize("edit", [False, True], ids=["as proposed", "edited"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_accepting_on_the_page_writes_what_the_service_writes(client, staff, twins, kind, edit):
    extra, text = KINDS[kind]
    on_page, by_service = (propose(case, kind, text, **extra) for case in twins)
    posted = (EDITED if kind == "draft" else f"{text} (checked)") if edit else text
    verified_login(client, staff)
    page = client.get(page_url(twins[0])).content.decode()
    assert f'id="proposal-{on_page.pk}"' in page and f'id="accept-proposal-{on_page.pk}"' in page
    response = client.post(
        page_url(twins[0]),
        {"action": "accept_proposal", "proposal": on_page.pk, "text": posted.replace("\n", "\r\n")},
        follow=True,
    )
    assert response.redirect_chain[-1] == (page_url(twins[0]), 302)
    assert "proposed by helper" in response.content.decode()
    agent_proposals.accept(by_service, actor=verified(staff), text=posted if edit else None)
    assert written(twins[0], on_page) == written(twins[1], by_service)
    on_page.refresh_from_db()
    assert on_page.state == AgentProposalState.ACCEPTED
    assert ("as edited" in on_page.decision_note) is edit
    if kind == "draft":
        twins[0].refresh_from_db()
        assert twins[0].draft_text == posted
    if kind == "outcome":
        assert twins[0].status == CaseStatus.RESOLVED


def test_dismissing_on_the_page_writes_what_the_service_writes(client, staff, twins):
    on_page, by_service = (propose(case, "note", "Call the customer.") for case in twins)
    verified_login(client, staff)
    response = client.post(
        page_url(twins[0]),
        {"action": "dismiss_proposal", "proposal": on_page.pk, "reason": "they asked for email only"},
        follow=True,
    )
    assert "Dismissed the note proposed by helper." in response.content.decode()
    agent_proposals.dismiss(by_service, actor=verified(staff), reason="they asked for email only")
    assert written(twins[0], on_page) == written(twins[1], by_service)
    on_page.refresh_from_db()
    assert (on_page.state, on_page.decision_note) == (
        AgentProposalState.DISMISSED,
        "they asked for email only",
    )
    assert not twins[0].outcomes.exists()


def test_an_edit_that_breaks_the_reply_rules_is_named_and_kept_on_the_page(client, staff, case):
    proposal = propose(case)
    verified_login(client, staff)
    before = counts()
    response = client.post(
        page_url(case), {"action": "accept_proposal", "proposal": proposal.pk, "text": FORBIDDEN}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The proposal was not accepted: its draft breaks the reply rules" in page
    assert f'id="proposal-violations-{proposal.pk}"' in page
    assert f">{FORBIDDEN}</textarea>" in page  # the person's edit, not lost
    assert counts() == before
    proposal.refresh_from_db()
    case.refresh_from_db()
    assert proposal.state == AgentProposalState.PENDING and case.draft_text == ""


def test_a_proposal_already_decided_is_refused(client, staff, owner, case):
    proposal = propose(case, "note", "A note.")
    agent_proposals.dismiss(proposal, actor=owner)
    verified_login(client, staff)
    before = counts()
    for action in ("accept_proposal", "dismiss_proposal"):
        response = client.post(page_url(case), {"action": action, "proposal": proposal.pk}, follow=True)
        assert "This proposal was already dismissed." in response.content.decode()
    assert counts() == before
    proposal.refresh_from_db()
    assert proposal.decided_by == owner


@pytest.mark.parametrize("action", ["accept_proposal", "dismiss_proposal"])
def test_a_forged_post_for_another_cases_proposal_is_refused(client, staff, twins, action):
    theirs = propose(twins[1], "note", "Not this case's.")
    verified_login(client, staff)
    before = counts()
    for value in (theirs.pk, "x", 2**70):
        response = client.post(
            page_url(twins[0]), {"action": action, "proposal": value, "text": "mine"}, follow=True
        )
        assert response.status_code == 200
        content = response.content.decode()
        assert "No such agent proposal on this case." in content or "is not a number" in content
    assert counts() == before
    theirs.refresh_from_db()
    assert (theirs.state, theirs.text) == (AgentProposalState.PENDING, "Not this case's.")


@pytest.mark.parametrize("role", ["viewer", "nobody"])
@pytest.mark.parametrize("action", ["accept_proposal", "dismiss_proposal"])
def test_people_without_the_workbench_are_refused(client, case, role, action, request):
    proposal = propose(case)
    verified_login(client, request.getfixturevalue(role))
    before = counts()
    response = client.post(page_url(case), {"action": action, "proposal": proposal.pk})
    assert response.status_code == 403
    assert counts() == before
    proposal.refresh_from_db()
    assert proposal.state == AgentProposalState.PENDING


def test_the_section_lists_waiting_proposals_and_recalls_decided_ones_escaped(client, staff, case):
    waiting = propose(case, "chase", "<script>alert(1)</script> ask for the scan", channel="email")
    outcome = propose(case, "outcome", "Arrived, says the customer.", ending="delivered")
    decided = propose(case, "note", "<b>old</b>")
    agent_proposals.dismiss(decided, actor=verified(staff), reason="<i>dup</i>")
    verified_login(client, staff)
    page = client.get(page_url(case)).content.decode()
    section = page[page.index('id="agent-proposals"') : page.index('<div class="work">')]
    assert section.index(f'id="proposal-{waiting.pk}"') < section.index(f'id="proposal-{outcome.pk}"')
    assert "helper</strong> proposes this supplier chase by email" in section
    assert "ending <strong>delivered</strong>" in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ask for the scan</textarea>" in section
    assert "<script>alert" not in page and "<b>old</b>" not in page and "<i>dup</i>" not in page
    assert 'id="decided-proposals"' in section and "&lt;i&gt;dup&lt;/i&gt;" in section
    assert f'id="proposal-{decided.pk}"' not in section  # decided: recalled, not answerable


def test_no_section_without_proposals(client, staff, case):
    verified_login(client, staff)
    assert 'id="agent-proposals"' not in client.get(page_url(case)).content.decode()
