"""The bulk review of fast-lane drafts in Chromium against the live server: staff choose cases in the queue,
review their drafts one under the other beside each case's facts (the cases of other lanes left out and
named), edit one, are stopped by the reply guard on a promise, and mark the reviewed ones as sent in one
action. Screenshots go to test-artifacts/."""

import pytest

from cases.choices import Direction
from cases.models import CustomerMessage, Outcome
from tests.browser.conftest import save_screenshot
from tests.factories import UserFactory
from tests.helpers.lanes import PROMISE, import_lane_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EDITED = (
    "Hello, there is no new carrier update since the parcel left the facility. We are checking with the "
    "carrier and will write again as soon as we hear back."
)


def test_staff_review_fast_lane_drafts_in_bulk_and_mark_them_sent(page, login):
    fast = import_lane_cases("fast", "fast", "fast", "refund", "exception")
    first, second, third, refund, exception = fast
    UserFactory(username="stan", role="Staff")
    login("stan")

    # The queue: every case chosen, then "Review drafts in bulk".
    page.goto("/admin/cases/case/")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "review_in_bulk")
    page.click("button[name=index]")
    page.wait_for_selector("#bulk-review-form")
    assert page.locator(".bulk-case").count() == 3
    left_out = page.locator("#bulk-left-out").inner_text()
    assert "#L3: owner-only: a refund request or a dispute is on it" in left_out
    assert "#L4: standard: carrier exception is not a fast case type" in left_out
    facts = page.locator(f"#bulk-case-{first.pk} .facts").inner_text()
    assert "stale in transit" in facts and "where is my order?" in facts.lower()
    save_screenshot(page, "bulk-review-drawn")

    # One edited, one turned into a promise by mistake; all ticked and marked as sent.
    page.fill(f"#text-{first.pk}", EDITED)
    page.fill(f"#text-{second.pk}", PROMISE)
    page.check("#tick-all")
    page.click("#mark-ticked-sent")
    page.wait_for_selector(f"#bulk-violations-{second.pk}")
    assert "2 replies recorded as sent" in page.locator(".messagelist").inner_text()
    assert page.locator(".bulk-case").count() == 1
    assert "will arrive" in page.locator(f"#bulk-violations-{second.pk}").inner_text()
    assert page.locator(f"#text-{second.pk}").input_value() == PROMISE
    save_screenshot(page, "bulk-review-guard")

    # Fixed and sent: the page goes back to the queue's fast lane.
    page.fill(f"#text-{second.pk}", EDITED)
    page.check(f"#send-{second.pk}")
    page.click("#mark-ticked-sent")
    page.wait_for_url("**/admin/cases/case/?lane=fast*")
    assert "1 reply recorded as sent" in page.locator(".messagelist").inner_text()
    save_screenshot(page, "bulk-review-done")

    sent = CustomerMessage.objects.filter(direction=Direction.OUTBOUND)
    assert {m.order_id for m in sent} == {first.order_id, second.order_id, third.order_id}
    assert sent.get(order_id=first.order_id).text == EDITED
    assert Outcome.objects.filter(case__in=[first, second, third]).count() == 3
    assert not Outcome.objects.filter(case__in=[refund, exception]).exists()

    # The owner-only case's own page offers staff no "Mark as sent".
    page.goto(f"/admin/cases/case/{refund.pk}/change/")
    assert "owner-only" in page.locator("#packet-lane").inner_text()
    assert page.locator("#mark-sent").count() == 0 and page.locator("#owner-lane-note").count() == 1
    save_screenshot(page, "bulk-review-owner-only-case")
