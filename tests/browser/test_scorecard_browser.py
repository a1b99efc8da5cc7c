"""The supplier scorecard as the owner uses it: open it, filter to one supplier, follow a figure
to the cases behind it; and as `make run` leaves it, after the demo is seeded."""

from io import StringIO

import pytest
from django.core.management import call_command

from cases.demo.catalogue import TROUBLED_SKUS, TROUBLED_SUPPLIER
from suppliers.services import build_weekly_rollups
from tests.browser.conftest import save_screenshot
from tests.factories import ProductFactory, SupplierFactory, UserFactory
from tests.helpers.known_week import WEEK, at, make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def known_week():
    """Two suppliers with orders in the week of 2026-11-09 and one without."""
    acme, bright = SupplierFactory(name="Acme"), SupplierFactory(name="Bright")
    SupplierFactory(name="Idle")
    a1, b1 = ProductFactory(sku="A-1", supplier=acme), ProductFactory(sku="B-1", supplier=bright)
    cases = [
        ("label_created_only", True),
        ("label_created_only", True),
        ("label_created_only", False),
        ("in_transit", None),
        ("stale_in_transit", None),
        ("carrier_exception", None),
    ]
    for i, (case_type, exceeded) in enumerate(cases):
        make_order(f"#A{i}", a1, ("US", "BR")[i % 2], at(9 + i, 10), case_type, exceeded=exceeded)
    make_order("#B0", b1, "US", at(10, 10), "in_transit")
    return acme


def test_owner_filters_the_scorecard_to_one_supplier_and_follows_a_figure_to_its_cases(page, login):
    acme = known_week()
    build_weekly_rollups(WEEK)
    UserFactory(username="olga", role="Owner")
    login("olga")

    page.goto("/admin/suppliers/weeklyrollup/")
    page.click("#scorecard-link")
    page.wait_for_url("**/admin/suppliers/weeklyrollup/scorecard/")
    assert page.locator("#scorecard tbody tr.scorecard-row").count() == 3  # Acme, Bright, Idle
    assert page.locator("#scorecard svg.sparkline").count() == 3

    page.select_option("#id_supplier", str(acme.pk))
    page.click("#scorecard-apply")
    page.wait_for_url(f"**supplier={acme.pk}**")
    rows = page.locator("#scorecard tbody tr.scorecard-row")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-key") == "Acme"
    assert rows.first.locator("td.figure-orders a").inner_text() == "6"
    save_screenshot(page, "scorecard-one-supplier")

    with page.expect_navigation(url="**/admin/cases/case/?**") as navigation:
        rows.first.locator("td.figure-orders a").click()
    assert navigation.value.status == 200  # the case admin accepted every lookup (else 400)
    assert page.locator("#result_list tbody tr").count() == 6
    save_screenshot(page, "scorecard-figure-cases")


def test_after_seed_demo_the_scorecard_shows_rows_and_what_the_triggers_name_on_a_laptop_screen(page, login):
    """`make run` seeds the demo: the scorecard then has the past weeks' rows, and lists the products and
    the supplier the review triggers named, without waiting for a Monday; the table fits a laptop's
    width, every other figure a click away, and a week's number a hover or a click away."""
    call_command("seed_demo", stdout=StringIO())
    UserFactory(username="olga", role="Owner")
    login("olga")
    page.set_viewport_size({"width": 1366, "height": 768})

    page.goto("/admin/suppliers/weeklyrollup/scorecard/")
    rows = page.locator("#scorecard tbody tr.scorecard-row")
    assert sorted(rows.nth(i).get_attribute("data-key") for i in range(rows.count())) == [
        "Bright Home Supply",
        "Coastal Ceramics",
        TROUBLED_SUPPLIER,
    ]
    assert page.locator("#scorecard svg.sparkline").count() == 3
    flagged_row = page.locator(f'#scorecard tr[data-key="{TROUBLED_SUPPLIER}"]')
    assert flagged_row.locator(".badge").inner_text() == "flagged"
    review = page.locator("#review-products tbody tr")
    assert sorted(review.nth(i).get_attribute("data-sku") for i in range(review.count())) == sorted(
        TROUBLED_SKUS
    )
    assert page.locator("#flagged-suppliers tbody tr").get_attribute("data-supplier") == TROUBLED_SUPPLIER
    save_screenshot(page, "scorecard-demo")
    # The table fits the screen: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    # A week's number: its strip of the sparkline says it on hover, a click on the chart lists them all.
    chart = flagged_row.locator("td.trend details")
    latest = chart.locator("rect.week").last
    assert latest.locator("title").text_content().startswith("week of ")
    latest.hover()  # the pointer lands on the week's strip, which lights up under it
    assert latest.evaluate("strip => getComputedStyle(strip).fillOpacity") == "0.15"
    chart.locator("summary").click()
    assert chart.locator("table.trend-weeks tbody tr").count() >= 1
    assert chart.locator("table.trend-weeks").is_visible()
    save_screenshot(page, "scorecard-demo-week-numbers")

    # Another figure is a click away: tick it in the column picker; the choice stays in the links.
    assert page.locator("#scorecard th.column-money_requested").count() == 0
    page.click("#scorecard-columns summary")
    page.check('#scorecard-columns input[value="money_requested"]')
    page.click("#scorecard-columns-apply")
    page.wait_for_url("**col=money_requested**")
    assert page.locator("#scorecard th.column-money_requested").count() == 1
    page.click('#scorecard-dimensions a[data-dimension="sku"]')
    page.wait_for_url("**dimension=sku**")
    assert page.locator("#scorecard th.column-money_requested").count() == 1
    assert page.locator("#scorecard tbody .badge.review").count() == len(TROUBLED_SKUS)
    save_screenshot(page, "scorecard-demo-skus")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
