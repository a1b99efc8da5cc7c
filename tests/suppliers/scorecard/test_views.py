"""The scorecard's admin views: who reads them, what a row shows, the owner's pause, the query count.

Who may read the page and the CSV, what a row shows, the owner's one-click pause of a product waiting for
review, and a query count that does not grow with the rows."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases.models import AuditEvent
from suppliers.models import Product, Supplier
from suppliers.scorecard.cells import Cell
from suppliers.services import build_weekly_rollups, change_product_supplier, save_vendor_mapping
from tests.factories import ProductFactory, UserFactory
from tests.helpers.known_week import EXPECTED, WEEK, at, make_order
from tests.helpers.otp import verified_login
from tests.helpers.scorecard import CSV, EVERY_COLUMN, ONE_WEEK, PAGE, cell, many_suppliers, page, rows_of

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------
# Permissions.


def test_a_user_without_the_rollup_view_permission_gets_403_on_the_page_and_the_csv(client, built):
    client.force_login(UserFactory(username="nobody"))  # staff, no group
    assert client.get(reverse(PAGE)).status_code == 403
    assert client.get(reverse(CSV)).status_code == 403


def test_anyone_not_logged_in_is_sent_to_the_login(client):
    response = client.get(reverse(PAGE))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_and_owner_read_the_scorecard(client, built, staff, owner):
    for user in (staff, owner):
        client.force_login(user)
        assert page(client, **ONE_WEEK).context["title"] == "Supplier scorecard"
        assert client.get(reverse(CSV), ONE_WEEK).status_code == 200


def test_the_single_view_permission_is_enough(client, built):
    user = UserFactory(username="viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_weeklyrollup"))
    client.force_login(user)
    assert page(client).status_code == 200


# ---------------------------------------------------------------------------------------------------
# What the page shows.


def test_a_supplier_row_shows_the_week_figures(client, built, staff):
    client.force_login(staff)
    acme = rows_of(page(client, **EVERY_COLUMN, **ONE_WEEK))["Acme"]
    assert acme["row"].figures == {**EXPECTED[("supplier", "Acme")]}
    assert cell(acme, "orders").text == "6"
    assert (cell(acme, "label_only").text, cell(acme, "label_only").detail) == ("1", "16.7%")
    assert (cell(acme, "order_to_scan").text, cell(acme, "order_to_scan").detail) == ("4", "p90 6")
    assert cell(acme, "money_requested").detail == "EUR 10.00, USD 34.90"
    assert (cell(acme, "messages").text, cell(acme, "messages").detail) == ("3", "0.5/order")
    assert cell(acme, "outcome_customer_updated").text == "1"


def test_a_supplier_with_no_orders_is_listed_with_zeros_and_no_links(client, built, staff):
    client.force_login(staff)
    idle = rows_of(page(client, **ONE_WEEK))["Idle"]
    assert cell(idle, "orders") == Cell("0")
    assert cell(idle, "order_to_scan") == Cell("—")
    assert all(c.url is None for _, c in idle["cells"])


def test_an_empty_week_shows_the_zero_supplier_rows(client, week, staff):
    empty = WEEK - timedelta(weeks=3)
    build_weekly_rollups(empty)
    client.force_login(staff)
    response = page(client, week_from=empty, week_to=empty)
    assert {key: cell(line, "orders").text for key, line in rows_of(response).items()} == {
        "Acme": "0",
        "Bright": "0",
        "Idle": "0",
    }
    assert page(client, week_from=empty, week_to=empty, dimension="sku").context["table"] == []


def test_the_notes_show_on_their_row(client, week, staff):
    lamp = ProductFactory(sku="LAMP", supplier=Supplier.objects.get(name="Acme"))
    for i in range(3):
        make_order(f"#L{i}", lamp, "FR", at(10, i), "label_created_only", exceeded=True)
    build_weekly_rollups(WEEK)
    client.force_login(staff)
    response = page(client, **ONE_WEEK)
    assert "prints labels before hand-off: 4 of 5 label-only cases" in response.content.decode()


def test_the_scorecard_follows_the_vendor_map(
    client, built, staff, owner, django_capture_on_commit_callbacks
):
    """The rollups are built from the products' suppliers: once the map moves a SKU, the latest built week
    is rebuilt after commit and the SKU's orders count for its new supplier."""
    Product.objects.filter(sku="A-2").update(vendor="Acme warehouse")
    idle = Supplier.objects.get(name="Idle")
    with (
        mock.patch("cases.tasks.reassess_cases_task.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        save_vendor_mapping(vendor="ACME  warehouse", meaning="supplier", supplier=idle, actor=owner)
    client.force_login(staff)
    rows = rows_of(page(client, **ONE_WEEK))
    assert (cell(rows["Acme"], "orders").text, cell(rows["Idle"], "orders").text) == ("4", "2")
    assert rows_of(page(client, dimension="sku", **ONE_WEEK))["A-2"]["row"].supplier_name == "Idle"


def test_the_scorecard_follows_an_owners_change_of_a_skus_supplier(
    client, built, staff, owner, django_capture_on_commit_callbacks
):
    product, idle = Product.objects.get(sku="B-1"), Supplier.objects.get(name="Idle")
    with (
        mock.patch("cases.tasks.reassess_cases_task.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        change_product_supplier(product=product, supplier=idle, actor=owner, reason="checked the invoices")
    client.force_login(staff)
    rows = rows_of(page(client, **ONE_WEEK))
    assert (cell(rows["Bright"], "orders").text, cell(rows["Idle"], "orders").text) == ("0", "3")


def test_a_header_link_toggles_its_column(client, built, staff):
    client.force_login(staff)
    headers = {h["name"]: h for h in page(client, o="-orders", **ONE_WEEK).context["headers"]}
    assert "o=orders" in headers["orders"]["url"] and headers["orders"]["sorted"] == "descending"
    assert "o=-exceptions" in headers["exceptions"]["url"] and headers["exceptions"]["sorted"] == ""


# ---------------------------------------------------------------------------------------------------
# Triggers: products waiting for review (one-click owner pause), flagged suppliers.


@pytest.fixture
def review_product():
    product = ProductFactory(sku="RISKY")
    Product.objects.filter(pk=product.pk).update(state=Product.State.REVIEW_REQUIRED, state_reason="6 cases")
    Supplier.objects.filter(pk=product.supplier_id).update(
        status=Supplier.Status.FLAGGED, status_reason="slow"
    )
    return product


def pause_url(product) -> str:
    return reverse("admin:suppliers_weeklyrollup_scorecard_pause", args=[product.pk])


def test_the_triggers_list_products_for_review_and_flagged_suppliers(client, review_product, staff, owner):
    verified_login(client, owner)
    response = page(client)
    assert [p.sku for p in response.context["review_products"]] == ["RISKY"]
    assert [s.name for s in response.context["flagged_suppliers"]] == [review_product.supplier.name]
    assert pause_url(review_product).encode() in response.content
    client.force_login(staff)
    response = page(client)
    assert pause_url(review_product).encode() not in response.content
    assert b"owner decides" in response.content


def test_the_owner_pauses_a_product_in_one_click(client, review_product, owner):
    verified_login(client, owner)
    back = reverse(PAGE) + "?dimension=sku"
    response = client.post(pause_url(review_product), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    review_product.refresh_from_db()
    assert (review_product.state, review_product.state_changed_by) == (Product.State.PAUSED, owner)
    assert AuditEvent.objects.filter(action="product_paused").count() == 1


def test_staff_cannot_pause_a_product_and_nothing_is_written(client, review_product, staff):
    client.force_login(staff)
    assert client.post(pause_url(review_product)).status_code == 403
    review_product.refresh_from_db()
    assert review_product.state == Product.State.REVIEW_REQUIRED
    assert not AuditEvent.objects.filter(action="product_paused").exists()


def test_pausing_is_a_post_with_a_csrf_token(review_product, owner):
    client = Client(enforce_csrf_checks=True)
    verified_login(client, owner)
    assert client.get(pause_url(review_product)).status_code == 405
    assert client.post(pause_url(review_product)).status_code == 403  # no CSRF token
    review_product.refresh_from_db()
    assert review_product.state == Product.State.REVIEW_REQUIRED


def test_the_pause_never_redirects_off_site(client, review_product, owner):
    verified_login(client, owner)
    response = client.post(pause_url(review_product), {"next": "https://evil.example/"})
    assert response["Location"] == reverse(PAGE)


# ---------------------------------------------------------------------------------------------------
# Queries: a fixed number, whatever the number of rows.


def queries_for(client, **params) -> int:
    """Queries one request runs (an execute wrapper: request_started resets the debug query log)."""
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        page(client, **params)
    return len(executed)


@pytest.mark.parametrize("dimension", ["supplier", "sku", "country"])
def test_the_page_runs_a_fixed_number_of_queries(client, staff, dimension):
    many_suppliers(2)
    build_weekly_rollups(WEEK)
    build_weekly_rollups(WEEK - timedelta(weeks=1))
    client.force_login(staff)
    few = queries_for(client, dimension=dimension)
    many_suppliers(40, start=2)
    build_weekly_rollups(WEEK)
    many = queries_for(client, dimension=dimension)
    assert few == many
    assert 5 <= many <= 12
