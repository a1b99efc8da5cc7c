"""The supplier scorecard: the admin page over the weekly rollups, its filters, sorting,
sparklines, links to the cases behind each figure, the CSV export, the owner's one-click pause, and a query
count that does not grow with the rows."""

import csv
import io
import re
from datetime import timedelta
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.admin.utils import build_q_object_from_lookup_parameters, prepare_lookup_value
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from cases.admin.cases import CaseAdmin
from cases.models import AuditEvent, Case
from suppliers import scorecard, sparklines
from suppliers.filters import WeeklyRollupFilter
from suppliers.models import Product, Supplier, WeeklyRollup
from suppliers.services import build_weekly_rollups, change_product_supplier, save_vendor_mapping
from tests.factories import ProductFactory, SupplierFactory, UserFactory
from tests.helpers.known_week import EXPECTED, WEEK, at, make_order
from tests.otp_helpers import verified_login

pytestmark = pytest.mark.django_db

PAGE = "admin:suppliers_weeklyrollup_scorecard"
CSV = "admin:suppliers_weeklyrollup_scorecard_csv"
ONE_WEEK = {"week_from": WEEK.isoformat(), "week_to": WEEK.isoformat()}


@pytest.fixture
def built(week):
    build_weekly_rollups(WEEK)


def page(client, **params):
    response = client.get(reverse(PAGE), params)
    assert response.status_code == 200, response.status_code
    return response


def rows_of(response) -> dict:
    return {line["row"].key: line for line in response.context["table"]}


def cell(line, name) -> scorecard.Cell:
    return dict(line["cells"])[name]


# The case admin's own list filters the links use, and the lookup each applies.
LIST_FILTER_PARAMETERS = {"country": "order__country"}


def cases_behind(url: str) -> set[str]:
    """The order ids of the cases a link's query selects, filtered as the admin changelist filters."""
    params: dict[str, list] = {}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        key = LIST_FILTER_PARAMETERS.get(key, key)
        params.setdefault(key, []).append(prepare_lookup_value(key, value))
    cases = Case.objects.filter(build_q_object_from_lookup_parameters(params)).distinct()
    return set(cases.values_list("order__order_id", flat=True))


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


def test_the_rollup_changelist_links_to_the_scorecard(client, built, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:suppliers_weeklyrollup_changelist"))
    assert reverse(PAGE).encode() in response.content


# ---------------------------------------------------------------------------------------------------
# What the page shows.


def test_the_default_is_the_suppliers_over_eight_weeks_ending_with_the_latest_built(client, built, staff):
    client.force_login(staff)
    card = page(client).context["card"]
    assert (card.dimension, card.week_from, card.week_to) == ("supplier", WEEK - timedelta(weeks=7), WEEK)
    assert [r.key for r in card.rows] == ["Acme", "Bright", "Idle"]  # most orders first


def test_a_supplier_row_shows_the_week_figures(client, built, staff):
    client.force_login(staff)
    acme = rows_of(page(client, **ONE_WEEK))["Acme"]
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
    assert cell(idle, "orders") == scorecard.Cell("0")
    assert cell(idle, "order_to_scan") == scorecard.Cell("—")
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


def test_a_range_sums_the_counts_recomputes_rates_and_keeps_the_latest_week_durations(client, built, staff):
    acme = Supplier.objects.get(name="Acme")
    earlier = WEEK - timedelta(weeks=1)
    for i in range(4):
        make_order(
            f"#E{i}", Product.objects.get(sku="A-1"), "US", at(3, i), "label_created_only", exceeded=True
        )
    build_weekly_rollups(earlier)
    client.force_login(staff)
    row = rows_of(page(client, week_from=earlier, week_to=WEEK))["Acme"]["row"]
    assert row.supplier_id == acme.pk
    assert row.figures["orders"] == 10
    assert row.figures["label_only_too_long"] == 5
    assert row.figures["label_only_too_long_rate"] == 0.5
    assert row.figures["order_to_first_scan_days"] == {"count": 3, "median": 4.0, "p90": 6.0}
    assert row.latest_week == WEEK
    assert row.notes == [(earlier, "prints labels before hand-off: 4 of 4 label-only cases")]


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


# ---------------------------------------------------------------------------------------------------
# Filters (django-filter).


def test_the_filterset_is_django_filter():
    import django_filters

    assert issubclass(WeeklyRollupFilter, django_filters.FilterSet)
    assert set(WeeklyRollupFilter.base_filters) == {
        "week_from",
        "week_to",
        "dimension",
        "supplier",
        "sku",
        "country",
    }


def test_filter_to_one_supplier(client, built, staff):
    client.force_login(staff)
    bright = Supplier.objects.get(name="Bright")
    assert list(rows_of(page(client, supplier=bright.pk, **ONE_WEEK))) == ["Bright"]
    assert list(rows_of(page(client, supplier=bright.pk, dimension="sku", **ONE_WEEK))) == ["B-1"]
    # Country rows cover every supplier: the supplier filter leaves them as they are.
    assert set(rows_of(page(client, supplier=bright.pk, dimension="country", **ONE_WEEK))) == {
        "US",
        "BR",
        "DE",
    }


def test_filter_to_one_sku_and_one_country(client, built, staff):
    client.force_login(staff)
    assert list(rows_of(page(client, sku="a-2", dimension="sku", **ONE_WEEK))) == ["A-2"]
    assert list(rows_of(page(client, sku="A-2", **ONE_WEEK))) == ["Acme"]  # the SKU's supplier
    assert list(rows_of(page(client, country="br", dimension="country", **ONE_WEEK))) == ["BR"]


def test_the_week_range_filters_rows_and_a_date_stands_for_its_week(client, built, staff):
    client.force_login(staff)
    wednesday = WEEK + timedelta(days=2)
    assert page(client, week_from=wednesday, week_to=wednesday).context["card"].week_from == WEEK
    later = WEEK + timedelta(weeks=1)
    assert page(client, week_from=later, week_to=later).context["table"] == []


def test_invalid_filters_show_errors_and_no_rows(client, built, staff):
    client.force_login(staff)
    response = page(client, week_from=WEEK, week_to=WEEK - timedelta(weeks=2))
    assert response.context["table"] == []
    assert b"The first week comes after the last week." in response.content
    assert (
        client.get(reverse(CSV), {"week_from": WEEK, "week_to": WEEK - timedelta(weeks=2)}).status_code == 400
    )


# ---------------------------------------------------------------------------------------------------
# Sorting.


def test_columns_sort_both_ways_with_missing_values_last(client, built, staff):
    client.force_login(staff)
    keys = lambda **p: list(rows_of(page(client, **ONE_WEEK, **p)))  # noqa: E731
    assert keys(o="key") == ["Acme", "Bright", "Idle"]
    assert keys(o="-key") == ["Idle", "Bright", "Acme"]
    assert keys(o="-messages") == ["Bright", "Acme", "Idle"]  # 1.0, 0.5 per order; none for Idle
    assert keys(o="messages") == ["Acme", "Bright", "Idle"]
    assert keys(o="-orders") == ["Acme", "Bright", "Idle"]
    assert keys(o="nonsense") == keys()


def test_a_header_link_toggles_its_column(client, built, staff):
    client.force_login(staff)
    headers = {h["name"]: h for h in page(client, o="-orders", **ONE_WEEK).context["headers"]}
    assert "o=orders" in headers["orders"]["url"] and headers["orders"]["sorted"] == "descending"
    assert "o=-exceptions" in headers["exceptions"]["url"] and headers["exceptions"]["sorted"] == ""


# ---------------------------------------------------------------------------------------------------
# Sparklines.


def test_a_sparkline_path_scales_into_the_box_and_breaks_at_gaps():
    assert sparklines.path([0, 10], width=100, height=20, pad=0) == "M0 20 L100 0"
    assert sparklines.path([1, None, 3, 2], width=30, height=10, pad=0) == "M0 10 M20 0 L30 5"
    assert sparklines.path([5, 5, 5], width=20, height=10, pad=0) == "M0 5 L10 5 L20 5"
    assert sparklines.path([None, None]) == ""
    assert sparklines.path([]) == ""
    assert sparklines.lone_points([1, None, 3, 2], width=30, height=10, pad=0) == [(0.0, 10.0)]


def test_a_sparkline_is_inline_svg_with_an_escaped_title_and_no_script():
    markup = sparklines.svg([1, 2, 3], title='<script>alert("x")</script>')
    assert markup.startswith("<svg") and markup.endswith("</svg>")
    assert "<script" not in markup and "&lt;script&gt;" in markup
    assert 'd="M2 20 L48 11 L94 2"' in markup


def test_each_row_draws_its_trend_week_by_week(client, built, staff):
    client.force_login(staff)
    earlier = WEEK - timedelta(weeks=1)
    build_weekly_rollups(earlier)
    response = page(client, week_from=earlier - timedelta(weeks=1), week_to=WEEK, trend="orders")
    svg = str(rows_of(response)["Acme"]["sparkline"])
    assert "orders by week" in svg and ": —, 0, 6" in svg  # a week not built is a gap
    assert re.search(r'<path d="M\S+ \S+ L\S+ \S+"', svg)
    assert "<script" not in response.content.decode().split('id="scorecard"')[1]


# ---------------------------------------------------------------------------------------------------
# Links to the cases behind each figure.

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
    acme = rows_of(page(client, **ONE_WEEK))["Acme"]
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
        for line in page(client, dimension=dimension, **ONE_WEEK).context["table"]:
            urls = [c.url for _, c in line["cells"] if c.url] + [u for _, _, u in line["case_types"]]
            for url in urls:
                used |= {key for key, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    assert used <= scorecard.CASE_LOOKUPS
    assert "order__ordered_at__gte" in used


def test_the_case_admin_allows_every_lookup_the_links_use():
    """The case changelist answers a related lookup it does not allow with 400 (DisallowedModelAdminLookup):
    every link lookup must be allowed by CaseAdmin (list_filter, date_hierarchy or its lookup_allowed)."""
    from django.contrib import admin

    case_admin = admin.site._registry[Case]
    assert isinstance(case_admin, CaseAdmin)
    refused = sorted(
        lookup for lookup in scorecard.CASE_LOOKUPS if not case_admin.lookup_allowed(lookup, "1")
    )
    assert refused == []


# ---------------------------------------------------------------------------------------------------
# CSV export.


def read_csv(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_carries_the_rows_and_figures(client, built, staff):
    client.force_login(staff)
    response = client.get(reverse(CSV), {**ONE_WEEK, "o": "key"})
    assert 'filename="scorecard-supplier-2026-11-09-2026-11-09.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert [r["key"] for r in rows] == ["Acme", "Bright", "Idle"]
    acme = rows[0]
    assert acme["orders"] == "6"
    assert acme["label_only_too_long_rate"] == "0.1667"
    assert acme["order_to_first_scan_median_days"] == "4.0"
    assert acme["money_requested_amount"] == "EUR 10.00, USD 34.90"
    assert acme["cases_label_created_only"] == "2"
    assert acme["outcome_refunded"] == "1"
    assert rows[2]["order_to_first_scan_median_days"] == ""


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_csv_neutralises_formula_cells(client, staff, start):
    evil = SupplierFactory(name=f'{start}HYPERLINK("http://x")')
    make_order("#X", ProductFactory(sku=f"{start}1+1", supplier=evil), "US", at(10))
    build_weekly_rollups(WEEK)
    client.force_login(staff)
    for dimension in ("supplier", "sku"):
        rows = read_csv(client.get(reverse(CSV), {**ONE_WEEK, "dimension": dimension}))
        (row,) = rows
        assert row["key"].startswith("'" + start)
        if dimension == "sku":
            assert row["supplier"] == "'" + evil.name
    for line in csv.reader(io.StringIO(client.get(reverse(CSV), ONE_WEEK).content.decode())):
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in line)


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
    from django.test import Client

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


def many_suppliers(count: int, start: int = 0):
    for i in range(start, start + count):
        supplier = SupplierFactory(name=f"S{i:03d}")
        product = ProductFactory(sku=f"P{i:03d}", supplier=supplier)
        make_order(f"#Q{i}", product, ("US", "GB", "DE")[i % 3], at(10), "label_created_only", exceeded=True)


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


# ---------------------------------------------------------------------------------------------------
# Pages: every row of the range is sorted, then the page's rows are read whole.


@pytest.mark.parametrize("order", sorted(scorecard.SORTS))
def test_the_ranking_pass_sorts_as_the_whole_figures_would(built, order):
    many_suppliers(5)
    build_weekly_rollups(WEEK)
    queryset = WeeklyRollup.objects.order_by()
    for dimension in ("supplier", "sku", "country"):
        for direction in ("", "-"):
            whole = scorecard.sort_rows(scorecard.load_rows(queryset, dimension), direction + order)
            ranked = scorecard.load_ranking(queryset, dimension, order)
            ranked = scorecard.sort_rows(ranked, direction + order)
            assert [r.key for r in ranked] == [r.key for r in whole], (dimension, direction + order)


def test_pages_follow_the_sort_over_every_row(client, staff, monkeypatch):
    monkeypatch.setattr(scorecard, "PER_PAGE", 2)
    many_suppliers(5)
    build_weekly_rollups(WEEK)
    client.force_login(staff)
    first = page(client, o="-key", **ONE_WEEK)
    assert list(rows_of(first)) == ["S004", "S003"]
    assert first.context["next_url"]
    assert list(rows_of(page(client, o="-key", p=3, **ONE_WEEK))) == ["S000"]
