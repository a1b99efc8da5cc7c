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
