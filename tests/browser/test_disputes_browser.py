"""A dispute clicked through in Chromium against the live server: staff open it on the case page, see its
clock and open its evidence pack; the owner, verified by her authenticator, records that it was lost, and
staff then see it only as closed."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Dispute, Order
from cases.services.assessment import refresh_cases
from tests.browser.conftest import save_screenshot
from tests.factories import UserFactory
from tests.helpers.clock import import_label_only_cases
from tests.helpers.otp import code_now, give_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_staff_open_a_dispute_and_build_its_pack_and_the_owner_records_its_outcome(page, login):
    (case,) = import_label_only_cases(1, label_days_ago=7)
    UserFactory(username="stan", role="Staff")
    authenticator = give_authenticator(UserFactory(username="olga", role="Owner"))
    url = f"/admin/cases/case/{case.pk}/change/"

    login("stan")
    page.goto(url)
    page.click("#open-dispute summary")
    page.select_option("#dispute-processor", "stripe")
    page.fill("#dispute-reason-code", "13.1")
    page.fill("#dispute-opened-at", local(timezone.now() - timedelta(days=1)))
    page.fill("#dispute-due-by", local(timezone.now() + timedelta(days=2)))
    save_screenshot(page, "dispute-opening")
    page.click("#open-dispute-button")
    page.wait_for_selector("text=Dispute opened")

    dispute = Dispute.objects.get()
    assert Order.objects.get(pk=case.order_id).payment_state == "disputed"
    refresh_cases([case.order_id])  # as the worker does after the commit
    page.goto(url)
    clock = page.locator(f"#dispute-{dispute.pk} .dispute-clock").inner_text()
    assert re.search(r"1 day left: the owner's", clock), clock
    assert "owner only" in page.locator("#decision-packet h2").inner_text().lower()
    assert page.locator(f"#dispute-step-{dispute.pk}").count() == 0  # the owner's form only
    save_screenshot(page, "dispute-clock")

    page.click(f"#dispute-{dispute.pk} .evidence-pack-link")
    page.wait_for_url(re.compile(r"/evidence-pack/$"))
    assert "Evidence pack" in page.locator("h1").first.inner_text()
    assert "no delivered scan" in page.content().lower() or "not delivered" in page.content().lower()
    save_screenshot(page, "dispute-evidence-pack")

    page.context.clear_cookies()
    login("olga", code=code_now(authenticator))
    page.goto(url)
    page.select_option(f"#dispute-{dispute.pk} select[name=status]", "lost")
    page.click(f"#dispute-step-{dispute.pk}")
    page.wait_for_selector("text=Dispute step recorded")
    assert "Outcome: dispute lost" in page.locator("body").inner_text()
    dispute.refresh_from_db()
    assert dispute.status == "lost"
    assert Order.objects.get(pk=case.order_id).payment_state == "refunded"
    save_screenshot(page, "dispute-lost-owner")

    page.context.clear_cookies()
    login("stan")
    page.goto(url)
    body = page.locator("body").inner_text()
    assert "dispute closed" in body and "dispute lost" not in body
