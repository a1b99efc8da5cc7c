"""The list of what agents proposed: staff read it, those waiting first, filtered by state, kind and
agent, searched by order id; nothing is written from it (403), each waiting row links to its place on the
case page, and agents' texts are escaped."""

import pytest
from django.urls import reverse

from cases.choices import AgentProposalState
from cases.models import AgentProposal
from cases.services import agent_proposals
from tests.factories import UserFactory
from tests.helpers.agents import agent_token, propose
from tests.helpers.clock import import_label_only_cases
from tests.helpers.otp import verified, verified_login
from tests.helpers.workbench import FINE

pytestmark = pytest.mark.django_db

LIST = reverse("admin:cases_agentproposal_changelist")


@pytest.fixture
def cases():
    return import_label_only_cases(2, label_days_ago=7)


@pytest.fixture
def proposals(cases, staff):
    """On #C0: a note dismissed, then a draft waiting; on #C1: a chase from another agent, accepted."""
    first, second = cases
    dismissed = propose(first, "note", "Customer asked twice.")
    agent_proposals.dismiss(dismissed, actor=verified(staff), reason="already on the timeline")
    waiting = propose(first)
    chase = propose(
        second, "chase", "Ask for the pickup scan.", token=agent_token("mailer")[0], channel="email"
    )
    agent_proposals.accept(chase, actor=verified(staff))
    return {"dismissed": dismissed, "waiting": waiting, "accepted": chase}


def listed(client, **params) -> list[int]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [row.pk for row in response.context["cl"].result_list]


def test_staff_see_those_waiting_first(client, staff, proposals):
    verified_login(client, staff)
    rows = listed(client)
    assert rows[0] == proposals["waiting"].pk
    assert set(rows) == {p.pk for p in proposals.values()}


def test_filters_and_search_by_order_id(client, staff, proposals):
    verified_login(client, staff)
    assert listed(client, state=AgentProposalState.PENDING) == [proposals["waiting"].pk]
    assert listed(client, kind="chase") == [proposals["accepted"].pk]
    assert listed(client, agent="mailer") == [proposals["accepted"].pk]
    assert set(listed(client, q="#C0")) == {proposals["waiting"].pk, proposals["dismissed"].pk}
    assert listed(client, q="C1") == [proposals["accepted"].pk]
    assert listed(client, q="#C9") == []


def test_waiting_rows_link_to_their_place_on_the_case_page(client, staff, proposals, cases):
    verified_login(client, staff)
    page = client.get(LIST).content.decode()
    waiting = proposals["waiting"]
    place = f"{reverse('admin:cases_case_change', args=[cases[0].pk])}#proposal-{waiting.pk}"
    assert f'href="{place}" class="answer-proposal"' in page
    assert page.count('class="answer-proposal"') == 1  # decided rows are answered already


def test_rows_are_read_only(client, staff, owner, proposals):
    waiting = proposals["waiting"]
    for user in (staff, owner):
        verified_login(client, user)
        change = reverse("admin:cases_agentproposal_change", args=[waiting.pk])
        assert client.get(change).status_code == 200
        assert client.post(change, {"text": "changed", "state": "accepted"}).status_code == 403
        assert client.post(reverse("admin:cases_agentproposal_add"), {"text": "x"}).status_code == 403
        delete = reverse("admin:cases_agentproposal_delete", args=[waiting.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    waiting.refresh_from_db()
    assert (waiting.state, waiting.text) == (AgentProposalState.PENDING, FINE)
    assert AgentProposal.objects.count() == 3


def test_agents_texts_are_escaped(client, staff, cases):
    propose(cases[0], "note", "<script>alert('x')</script> <b>bold</b>")
    verified_login(client, staff)
    page = client.get(LIST).content.decode()
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert" in page


def test_people_without_the_workbench_see_nothing(client, proposals):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(LIST).status_code == 403
