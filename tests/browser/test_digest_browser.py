"""The weekly digest as an owner reads it in the admin, after `seed_demo` and the rollups of its last
weeks: from the list of digests sent to the page, its sections filled, each week's number on the charts one
hover away, a row's link landing on its cases; the screenshot is kept in test-artifacts/."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.browser.conftest import save_screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_owner_reads_the_weekly_digest_and_follows_a_supplier_to_its_cases(page, login):
    call_command("seed_demo", orders=600, stdout=StringIO())
    call_command("build_rollups", weeks=3, stdout=StringIO())
    UserFactory(username="olga", role="Owner", email="olga@example.com")
    login("olga")

    page.goto("/admin/suppliers/sentdigest/")
    page.click("#digest-link")
    page.wait_for_url("**/admin/suppliers/sentdigest/digest/")
    assert page.locator("#digest-changes li").count() >= 1
    suppliers = page.locator("#digest-suppliers tr.digest-row")
    assert suppliers.count() == 3  # the demo's three suppliers
    assert page.locator("#digest-skus tr.digest-row").count() == 10
    assert page.locator("#digest-countries tr.digest-row").count() >= 1
    assert page.locator("#digest-outcomes").is_visible()
    assert page.locator("#digest-promises").is_visible()

    # Each built week's number is one hover away: a dot per week with its own title.
    chart = suppliers.first.locator("svg.digest-chart")
    dots = chart.locator("circle")
    assert dots.count() >= 3  # one a built week
    assert dots.last.locator("title").text_content().startswith("week of ")
    assert "problem cases" in dots.last.locator("title").text_content()
    dots.last.hover()
    bars = page.locator("#digest-store-chart svg g title")
    assert bars.count() >= 3 and " orders, " in bars.last.text_content()
    # The page fits a laptop screen: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    save_screenshot(page, "weekly-digest")

    name = suppliers.first.get_attribute("data-key")
    with page.expect_navigation(url="**/admin/cases/case/?**") as navigation:
        suppliers.first.locator("th a").click()
    assert navigation.value.status == 200  # the case admin accepted every lookup
    assert page.locator("#result_list tbody tr").count() >= 1
    assert name
