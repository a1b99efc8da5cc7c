"""The supplier scorecard as the tests read it, and more suppliers than a page holds.

Its page and CSV through the test client, a row's cells, the cases behind a figure's link, a stored
rollup of the known week."""

import csv
import io
from urllib.parse import parse_qsl, urlsplit

from django.contrib.admin.utils import build_q_object_from_lookup_parameters, prepare_lookup_value
from django.db.models import Q
from django.urls import reverse

from cases.admin.filters import CountsForProductFilter, CountsForSupplierFilter
from cases.models import Case
from suppliers.models import WeeklyRollup
from suppliers.scorecard.cells import Cell
from suppliers.scorecard.figures import COLUMNS
from tests.factories import ProductFactory, SupplierFactory
from tests.helpers.known_week import WEEK, at, make_order

PAGE = "admin:suppliers_weeklyrollup_scorecard"
CSV = "admin:suppliers_weeklyrollup_scorecard_csv"
ONE_WEEK = {"week_from": WEEK.isoformat(), "week_to": WEEK.isoformat()}
# The column picker with every box ticked: the table shows a few columns unless asked for more.
EVERY_COLUMN = {"col": [column.name for column in COLUMNS]}


def page(client, **params):
    response = client.get(reverse(PAGE), params)
    assert response.status_code == 200, response.status_code
    return response


def rows_of(response) -> dict:
    return {line["row"].key: line for line in response.context["table"]}


def cell(line, name) -> Cell:
    return dict(line["cells"])[name]


# The case admin's own list filters the links use, and the lookup each applies; or the condition.
LIST_FILTER_PARAMETERS = {"country": "order__country"}
LIST_FILTER_CONDITIONS = {
    CountsForSupplierFilter.parameter_name: CountsForSupplierFilter.condition,
    CountsForProductFilter.parameter_name: CountsForProductFilter.condition,
}


def cases_behind(url: str) -> set[str]:
    """The order ids of the cases a link's query selects, filtered as the admin changelist filters."""
    params: dict[str, list] = {}
    conditions = Q()
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key in LIST_FILTER_CONDITIONS:
            conditions &= LIST_FILTER_CONDITIONS[key](int(value))
            continue
        key = LIST_FILTER_PARAMETERS.get(key, key)
        params.setdefault(key, []).append(prepare_lookup_value(key, value))
    cases = Case.objects.filter(conditions, build_q_object_from_lookup_parameters(params)).distinct()
    return set(cases.values_list("order__order_id", flat=True))


def rollup(dimension: str, key: str) -> WeeklyRollup:
    """The stored rollup of the known week for one supplier, SKU or country."""
    return WeeklyRollup.objects.get(week_start=WEEK, dimension=dimension, key=key)


def read_csv(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def many_suppliers(count: int, start: int = 0):
    for i in range(start, start + count):
        supplier = SupplierFactory(name=f"S{i:03d}")
        product = ProductFactory(sku=f"P{i:03d}", supplier=supplier)
        make_order(f"#Q{i}", product, ("US", "GB", "DE")[i % 3], at(10), "label_created_only", exceeded=True)
