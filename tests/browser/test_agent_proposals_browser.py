"""An agent's draft answered on the case page, in Chromium against the live server: staff edit it and
accept it, and the case's reply draft is the edited text."""

import re

import pytest

from cases.choices import AgentProposalState
from tests.browser.conftest import save_screenshot
from tests.factories import UserFactory
from tests.helpers.agents import propose
from tests.helpers.clock import import_label_only_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PROPOSED = (
    "Your order has a shipping label, but the carrier has not scanned the parcel yet. "
    "We have asked the supplier for proof of handover."
)
EDITED = PROPOSED + " We will write again as soon as we hear back."


def test_staff_edit_an_agents_draft_and_accept_it(page, login):
    (case,) = import_label_only_cases(1, label_days_ago=7)
    proposal = propose(case, "draft", PROPOSED)
    UserFactory(username="stan", role="Staff")

    login("stan")
    page.goto(f"/admin/cases/case/{case.pk}/change/")
    page.wait_for_url(re.compile(r"/admin/cases/case/\d+/change/"))
    item = page.locator(f"#proposal-{proposal.pk}")
    assert "helper" in item.locator(".agent").inner_text()
    box = page.locator(f"#proposal-text-{proposal.pk}")
    assert box.input_value() == PROPOSED

    box.fill(EDITED)
    save_screenshot(page, "agent-proposal-edited")
    page.click(f"#accept-proposal-{proposal.pk}")
    page.wait_for_selector("text=Accepted as edited")

    case.refresh_from_db()
    proposal.refresh_from_db()
    assert case.draft_text == EDITED
    assert (proposal.state, proposal.decided_by.username) == (AgentProposalState.ACCEPTED, "stan")
    assert page.locator("#draft-text").input_value() == EDITED
    assert page.locator(f"#proposal-{proposal.pk}").count() == 0
    save_screenshot(page, "agent-proposal-accepted")
