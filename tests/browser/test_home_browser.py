"""The owner's morning in Chromium: after the demo is loaded and the background jobs ran, the admin's home
page shows what waits for the owner, and each count's link lands on the list it counts."""

import re

import pytest
from django.utils import timezone

from cases.choices import AgentProposalKind, MoneyState
from cases.demo.seed import load_demo
from cases.models import AgentProposal, Case, MoneyDecision
from cases.services.assessment import sweep_due_cases
from cases.services.open_case_counts import record_open_case_counts
from cases.workbench import money
from suppliers.tasks import weekly_review_task
from tests.browser.conftest import save_screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEEDS = ("money", "owner-only", "products", "suppliers", "proposals")


def first_number(text: str) -> int:
    return int(re.search(r"\d[\d,]*", text).group().replace(",", ""))


def morning(staff) -> None:
    """The demo, and what a day of work leaves: beat's jobs ran, staff asked for a refund, an agent proposed a
    note."""
    load_demo(orders=300)
    record_open_case_counts()
    sweep_due_cases()
    weekly_review_task.run(now=timezone.now().isoformat())
    case = Case.objects.filter(status="open").order_by("-risk_rank", "pk").first()
    money.request_money_decision(case, actor=staff, kind="refund", amount="5", reason="Waited three weeks.")
    AgentProposal.objects.create(case=case, agent="helper", kind=AgentProposalKind.NOTE, text="Chase again.")


def test_the_owners_home_shows_the_counts_and_each_link_lands_on_the_list_it_counts(page, login):
    morning(UserFactory(username="stan", role="Staff"))
    UserFactory(username="olga", role="Owner")

    login("olga")  # the login lands on the home page
    assert page.locator("#owner-needs").is_visible()
    waiting = MoneyDecision.objects.filter(state=MoneyState.PENDING).count()
    assert waiting >= 1 and page.locator("#need-money .count").inner_text() == str(waiting)
    assert page.locator("#open-by-risk tbody tr").count() >= 2
    assert "Last sweep:" in page.locator("#run-sweep").inner_text()
    assert "Last weekly review:" in page.locator("#run-weekly_review").inner_text()
    assert page.locator("#all-models").is_visible()  # Django's list of every model stays, below
    save_screenshot(page, "home-owner")

    for key in NEEDS:
        need = page.locator(f"#need-{key}")
        count = first_number(need.locator(".count").inner_text())
        with page.expect_navigation() as navigation:
            need.locator("a").click()
        assert navigation.value.status == 200, key  # the list accepted its filter
        assert "?e=1" not in page.url, key  # ... and did not drop it as an unknown lookup
        assert first_number(page.locator("p.paginator").inner_text()) == count, key
        page.go_back()

    # A risk level's open count lands on the queue's open cases of that level.
    row = page.locator("#open-by-risk tbody tr").first
    count = first_number(row.locator("td.now").inner_text())
    row.locator("th a").click()
    page.wait_for_url(re.compile(r"/admin/cases/case/\?risk_level__exact=\w+&status__exact=open"))
    assert first_number(page.locator("p.paginator").inner_text()) == count
    page.go_back()

    # The customer who waits longest: a click away from the case page.
    longest = page.locator("#longest-waiting a.waiting-case")
    assert 1 <= longest.count() <= 10
    longest.first.click()
    page.wait_for_url(re.compile(r"/admin/cases/case/\d+/change/"))
