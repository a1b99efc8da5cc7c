"""The trend column: each row's chosen figure week by week, a week not built drawn as a gap."""

import re
from datetime import timedelta

import pytest

from suppliers.services import build_weekly_rollups
from tests.helpers.known_week import WEEK
from tests.helpers.scorecard import page, rows_of

pytestmark = pytest.mark.django_db


def test_each_row_draws_its_trend_week_by_week(client, built, staff):
    client.force_login(staff)
    earlier = WEEK - timedelta(weeks=1)
    build_weekly_rollups(earlier)
    response = page(client, week_from=earlier - timedelta(weeks=1), week_to=WEEK, trend="orders")
    svg = str(rows_of(response)["Acme"]["sparkline"])
    assert "orders by week" in svg and ": —, 0, 6" in svg  # a week not built is a gap
    assert re.search(r'<path d="M\S+ \S+ L\S+ \S+"', svg)
    assert "<script" not in response.content.decode().split('id="scorecard"')[1]


def test_a_weeks_number_is_one_hover_or_one_click_away(client, built, staff):
    client.force_login(staff)
    earlier = WEEK - timedelta(weeks=1)
    response = page(client, week_from=earlier.isoformat(), week_to=WEEK.isoformat())
    trend = str(rows_of(response)["Acme"]["sparkline"])
    # Hover: each week's strip says its value, as the table writes the figure.
    assert "<title>week of 2026-11-09: 16.7%</title>" in trend
    assert "<title>week of 2026-11-02: no rollup</title>" in trend
    # Click: the chart is the summary of a list of the weeks, latest first.
    assert trend.startswith('<details class="trend-numbers"><summary><svg')
    weeks = re.findall(r"<tr><th>([\d-]+)</th><td>([^<]*)</td></tr>", trend)
    assert weeks == [("2026-11-09", "16.7%"), ("2026-11-02", "no rollup")]
