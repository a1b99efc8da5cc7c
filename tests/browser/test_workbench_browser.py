"""The workbench as staff and an owner use it, in Chromium against the live server."""

import re

import pytest

from cases.choices import Direction, MoneyState
from cases.models import CustomerMessage, MoneyDecision, SupplierChase
from tests.browser.conftest import save_screenshot
from tests.factories import UserFactory
from tests.helpers.clock import import_label_only_cases
from tests.helpers.otp import code_now, give_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


FORBIDDEN = "Good news: your parcel has shipped and will arrive on Friday."
FINE = (
    "Your order has a shipping label, but the carrier has not scanned the parcel yet. "
    "We have asked the supplier for proof of handover and will write again when we know more."
)


def test_staff_works_a_label_only_case_and_an_owner_decides_the_refund(page, login):
    import_label_only_cases(3, label_days_ago=1)
    (case,) = [c for c in import_label_only_cases(1, label_days_ago=7, first=3) if c.order.order_id == "#C3"]
    UserFactory(username="stan", role="Staff")
    authenticator = give_authenticator(UserFactory(username="olga", role="Owner"))

    # Staff opens the queue: the stale label-only case is on top, with its key clock.
    login("stan")
    page.goto("/admin/cases/case/")
    first_row = page.locator("#result_list tbody tr").first
    assert "#C3" in first_row.inner_text()
    assert "label 7 d, window 5 d" in first_row.inner_text()
    assert first_row.locator(".risk-badge").inner_text() == "supplier chase"
    save_screenshot(page, "workbench-queue")

    # ... opens the case: the decision packet is on top.
    first_row.get_by_role("link", name="#C3").click()
    page.wait_for_url(re.compile(r"/admin/cases/case/\d+/change/"))
    assert "chase supplier" in page.locator("#packet-next-move").inner_text()
    assert "no supplier pickup proof" in page.locator("#packet-missing").inner_text().lower()

    # ... chases the supplier: the chase is recorded and the supplier message draft is shown.
    page.click("#chase-supplier")
    page.wait_for_selector("text=Supplier chase recorded")
    assert SupplierChase.objects.filter(order=case.order).count() == 1
    assert page.locator("#timeline .entry-chase").count() == 1

    # ... edits the reply into a forbidden promise and is stopped, each violation named.
    page.fill("#draft-text", FORBIDDEN)
    page.click("#mark-sent")
    violations = page.locator("#draft-violations li")
    violations.first.wait_for()
    text = page.locator("#draft-violations").inner_text()
    assert "will arrive" in text and "shipped" in text
    assert not CustomerMessage.objects.filter(direction=Direction.OUTBOUND).exists()

    # ... fixes it and marks it sent.
    page.fill("#draft-text", FINE)
    page.click("#mark-sent")
    page.wait_for_selector("text=Reply recorded as sent")
    sent = CustomerMessage.objects.get(direction=Direction.OUTBOUND)
    assert sent.text == FINE

    # ... requests a refund, and cannot approve it.
    page.fill("#money-amount", "29.90")
    page.fill("#money-reason", "Customer waited two weeks; supplier has no proof.")
    page.click("#request-money")
    page.wait_for_selector("text=Money decision requested")
    decision = MoneyDecision.objects.get()
    assert page.locator(f"#approve-{decision.pk}").count() == 0
    save_screenshot(page, "workbench-case-page")
    case_url = page.url

    # The owner approves it; a second approval, from a page opened before, is refused.
    page.context.clear_cookies()
    login("olga", code=code_now(authenticator))
    page.goto(case_url)
    stale = page.context.new_page()
    stale.goto(case_url)
    page.click(f"#approve-{decision.pk}")
    page.wait_for_selector("text=Money decision approved")
    stale.click(f"#approve-{decision.pk}")
    stale.wait_for_selector("text=already decided")
    decision.refresh_from_db()
    assert (decision.state, decision.decided_by.username) == (MoneyState.APPROVED, "olga")
    assert page.locator(f"#approve-{decision.pk}").count() == 0
    save_screenshot(page, "workbench-case-page-approved")
