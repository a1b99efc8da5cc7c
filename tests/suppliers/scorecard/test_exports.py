"""The scorecard's CSV export: every row and figure of the filters, every cell neutralised."""

import csv
import io

import pytest
from django.urls import reverse

from suppliers.services import build_weekly_rollups
from tests.factories import ProductFactory, SupplierFactory
from tests.helpers.known_week import WEEK, at, make_order
from tests.helpers.scorecard import CSV, ONE_WEEK, read_csv

pytestmark = pytest.mark.django_db


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
