"""An order in several parcels counts once, for the supplier and SKU of its headline parcel (rules.md
section 3a): a delivered lamp and a stuck rug count for the rug's, and the rug's links list the case."""

import pytest
from django.urls import reverse

from suppliers.scorecard.selectors import week_rollups
from suppliers.services import build_weekly_rollups
from tests.helpers.known_week import WEEK
from tests.helpers.parcel_orders import ORDER, import_and_assess
from tests.helpers.scorecard import ONE_WEEK, cases_behind, cell, page, rows_of

pytestmark = pytest.mark.django_db


def figures_of(rollups, dimension, key) -> dict:
    return next(r.figures for r in rollups if (r.dimension, r.key) == (dimension, key))


@pytest.mark.parametrize("in_sql", [pytest.param(True, marks=pytest.mark.postgres), False])
def test_the_stuck_rug_counts_for_its_supplier_and_sku_not_the_lamps(tmp_path, in_sql):
    import_and_assess(tmp_path)
    rollups = week_rollups(WEEK, aggregate_in_sql=in_sql)
    for dimension, key in (("supplier", "Rug Works"), ("sku", "RUG-1")):
        figures = figures_of(rollups, dimension, key)
        assert figures["orders"] == 1, key
        assert figures["stale_in_transit"] == 1, key
        assert figures["cases_by_type"]["stale_in_transit"] == 1, key
        assert figures["order_to_first_scan_days"]["count"] == 1, key
    lamp_supplier = figures_of(rollups, "supplier", "Lumen Supply")
    assert lamp_supplier["orders"] == 0
    assert lamp_supplier["stale_in_transit"] == 0
    assert sum(lamp_supplier["cases_by_type"].values()) == 0
    assert ("sku", "LAMP-1") not in {(r.dimension, r.key) for r in rollups}
    # Counted once: the country's row has the order once.
    assert figures_of(rollups, "country", "US")["orders"] == 1


def test_the_rug_suppliers_figure_links_to_the_case(tmp_path, client, staff):
    import_and_assess(tmp_path)
    build_weekly_rollups(WEEK)
    client.force_login(staff)
    rug_works = rows_of(page(client, **ONE_WEEK))["Rug Works"]
    url = cell(rug_works, "stale").url
    assert cases_behind(url) == {ORDER}
    # The case changelist itself lists it (its "counts for" filter, not a lookup it would refuse).
    path = url.split("?", 1)[0]
    assert path == reverse("admin:cases_case_changelist")
    response = client.get(url)
    assert response.status_code == 200
    assert {case.order.order_id for case in response.context["cl"].result_list} == {ORDER}
    # The lamp's supplier has nothing to link to; the rug's SKU row links to the case too.
    assert cell(rows_of(page(client, **ONE_WEEK))["Lumen Supply"], "stale").url is None
    rug = rows_of(page(client, dimension="sku", **ONE_WEEK))["RUG-1"]
    assert client.get(cell(rug, "orders").url).context["cl"].result_list[0].order.order_id == ORDER
