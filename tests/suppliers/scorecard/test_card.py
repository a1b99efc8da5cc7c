"""The scorecard of one request: its default range and dimension, and pages that follow the sort."""

from datetime import timedelta

import pytest

from suppliers.scorecard import card
from suppliers.services import build_weekly_rollups
from tests.helpers.known_week import WEEK
from tests.helpers.scorecard import ONE_WEEK, many_suppliers, page, rows_of

pytestmark = pytest.mark.django_db


def test_the_default_is_the_suppliers_over_eight_weeks_ending_with_the_latest_built(client, built, staff):
    client.force_login(staff)
    card = page(client).context["card"]
    assert (card.dimension, card.week_from, card.week_to) == ("supplier", WEEK - timedelta(weeks=7), WEEK)
    assert [r.key for r in card.rows] == ["Acme", "Bright", "Idle"]  # most orders first


def test_pages_follow_the_sort_over_every_row(client, staff, monkeypatch):
    monkeypatch.setattr(card, "PER_PAGE", 2)
    many_suppliers(5)
    build_weekly_rollups(WEEK)
    client.force_login(staff)
    first = page(client, o="-key", **ONE_WEEK)
    assert list(rows_of(first)) == ["S004", "S003"]
    assert first.context["next_url"]
    assert list(rows_of(page(client, o="-key", p=3, **ONE_WEEK))) == ["S000"]
