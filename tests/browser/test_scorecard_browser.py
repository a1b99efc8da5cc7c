"""The supplier scorecard as the owner uses it: open it, filter to one supplier, follow a figure
to the cases behind it."""

import pytest

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
