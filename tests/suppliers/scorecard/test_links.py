"""Links to the cases behind each figure, with only lookups the case admin allows.

A link selects the row's own cases, the orders of the range in the store's time zone, and the figure's
condition."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib import admin
from django.urls import reverse

from cases.models import Case
from cases.workbench.admin import CaseAdmin
from suppliers.scorecard.figures import CASE_LOOKUPS
from tests.helpers.scorecard import EVERY_COLUMN, ONE_WEEK, cases_behind, cell, page, rows_of

pytestmark = pytest.mark.django_db


CASE_FIGURES = {
    "orders": ("#1", "#2", "#3", "#4", "#10", "#11"),
    "label_only": ("#2",),
    "stale": ("#4",),
    "refund_risk": ("#3",),
    "money_requested": ("#1", "#3", "#4"),
    "money_approved": ("#1", "#3"),
    "messages": ("#1", "#3"),
    "outcome_customer_updated": ("#1",),
    "outcome_lost": ("#4",),
    "order_to_scan": ("#1", "#2", "#3", "#4", "#10", "#11"),
}


def test_each_figure_links_to_the_cases_behind_it(client, built, staff):
    client.force_login(staff)
    acme = rows_of(page(client, **EVERY_COLUMN, **ONE_WEEK))["Acme"]
    for name, order_ids in CASE_FIGURES.items():
        url = cell(acme, name).url
        assert url.startswith(reverse("admin:cases_case_changelist") + "?"), name
        assert cases_behind(url) == set(order_ids), name
    by_type = {kind: url for kind, _, url in acme["case_types"]}
    assert cases_behind(by_type["label_created_only"]) == {"#2", "#11"}
    assert cases_behind(by_type["carrier_exception"]) == {"#3"}


def test_sku_and_country_rows_link_to_their_own_cases(client, built, staff):
    client.force_login(staff)
    assert cases_behind(cell(rows_of(page(client, dimension="sku", **ONE_WEEK))["A-2"], "orders").url) == {
        "#4",
        "#10",
    }
    br = rows_of(page(client, dimension="country", **ONE_WEEK))["BR"]
    assert cases_behind(cell(br, "orders").url) == {"#3", "#4"}
    assert cases_behind(cell(br, "refund_risk").url) == {"#3"}


def test_the_links_bound_the_orders_to_the_week_in_the_store_time_zone(client, built, staff):
    client.force_login(staff)
    url = cell(rows_of(page(client, **ONE_WEEK))["Acme"], "orders").url
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["order__ordered_at__gte"] == "2026-11-09T00:00:00+00:00"
    assert query["order__ordered_at__lt"] == "2026-11-16T00:00:00+00:00"
    assert "#9" not in cases_behind(url)  # ordered Monday 00:00 of the next week


def test_every_link_uses_only_the_listed_case_lookups(client, built, staff):
    client.force_login(staff)
    used = set()
    for dimension in ("supplier", "sku", "country"):
        for line in page(client, dimension=dimension, **EVERY_COLUMN, **ONE_WEEK).context["table"]:
            urls = [c.url for _, c in line["cells"] if c.url] + [u for _, _, u in line["case_types"]]
            for url in urls:
                used |= {key for key, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    assert used <= CASE_LOOKUPS
    assert "order__ordered_at__gte" in used


def test_the_case_admin_allows_every_lookup_the_links_use():
    """The case changelist answers a related lookup it does not allow with 400 (DisallowedModelAdminLookup):
    every link lookup must be allowed by CaseAdmin (list_filter, date_hierarchy or its lookup_allowed)."""
    case_admin = admin.site._registry[Case]
    assert isinstance(case_admin, CaseAdmin)
    refused = sorted(lookup for lookup in CASE_LOOKUPS if not case_admin.lookup_allowed(lookup, "1"))
    assert refused == []
