"""The scorecard's columns fit a laptop: a few by default, every other one a click away in the column
picker, the choice kept in the query string (every link carries it) and remembered in the session."""

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from suppliers.scorecard.columns import DEFAULT, SESSION_KEY
from suppliers.scorecard.figures import COLUMNS
from tests.helpers.otp import verified_login
from tests.helpers.scorecard import ONE_WEEK, page, rows_of

pytestmark = pytest.mark.django_db


def shown(response) -> list[str]:
    """The figure columns of the table, as its headers and its first row's cells name them."""
    html = response.content.decode()
    headers = re.findall(r'data-sort="([^"]+)"', html)[1:]  # the first is the row's key
    cells = [name for name, _ in next(iter(rows_of(response).values()))["cells"]]
    assert headers == cells
    return headers


def test_a_few_columns_by_default_and_every_one_in_the_picker(client, built, owner):
    verified_login(client, owner)
    response = page(client, **ONE_WEEK)
    assert shown(response) == list(DEFAULT)
    assert len(DEFAULT) <= 8 < len(COLUMNS)
    picker = response.context["column_choices"]
    assert [choice["name"] for choice in picker] == [column.name for column in COLUMNS]
    assert [choice["name"] for choice in picker if choice["shown"]] == list(DEFAULT)
    html = response.content.decode()
    assert f"Columns: {len(DEFAULT)} of {len(COLUMNS)}" in html
    assert html.count('type="checkbox" name="col"') == len(COLUMNS)


OWNER_ONLY_COLUMNS = ["dispute_won", "dispute_lost"]


def test_staff_are_offered_every_column_but_disputes_outcomes(client, built, staff):
    client.force_login(staff)
    response = page(client, col=["orders", *OWNER_ONLY_COLUMNS, "disputes_opened"], **ONE_WEEK)
    assert shown(response) == ["orders", "disputes_opened"]
    picker = [choice["name"] for choice in response.context["column_choices"]]
    assert picker == [column.name for column in COLUMNS if column.name not in OWNER_ONLY_COLUMNS]
    sorted_on_outcome = page(client, o="-dispute_won", **ONE_WEEK)
    assert sorted_on_outcome.context["card"].order != "-dispute_won"


def test_an_owner_may_show_and_sort_on_disputes_outcomes(client, built, owner):
    verified_login(client, owner)
    response = page(client, col=["orders", *OWNER_ONLY_COLUMNS], o="-dispute_won", **ONE_WEEK)
    assert shown(response) == ["orders", *OWNER_ONLY_COLUMNS]
    assert response.context["card"].order == "-dispute_won"


def test_the_columns_asked_for_are_shown_in_the_declared_order(client, built, staff):
    client.force_login(staff)
    response = page(client, col=["outcome_lost", "orders", "money_requested", "not-a-column"], **ONE_WEEK)
    assert shown(response) == ["orders", "money_requested", "outcome_lost"]


def test_every_link_of_the_page_keeps_the_chosen_columns(client, built, staff):
    client.force_login(staff)
    response = page(client, col=["orders", "exceptions"], **ONE_WEEK)
    links = [h["url"] for h in response.context["headers"]] + [
        url for _, _, url in response.context["dimension_tabs"]
    ]
    for url in links:
        assert parse_qs(urlsplit(url).query)["col"] == ["orders", "exceptions"], url


def test_the_choice_is_remembered_in_the_session_until_the_default_is_asked_for(client, built, staff):
    client.force_login(staff)
    page(client, col=["orders", "chargeback_watch"], **ONE_WEEK)
    assert client.session[SESSION_KEY] == ["orders", "chargeback_watch"]
    assert shown(page(client, **ONE_WEEK)) == ["orders", "chargeback_watch"]
    # The picker's "Default columns" button sends the ticked boxes and col=default.
    assert shown(page(client, col=["orders", "default"], **ONE_WEEK)) == list(DEFAULT)
    assert SESSION_KEY not in client.session
    assert shown(page(client, **ONE_WEEK)) == list(DEFAULT)


def test_a_choice_of_no_known_column_shows_the_default(client, built, staff):
    client.force_login(staff)
    assert shown(page(client, col=["nothing"], **ONE_WEEK)) == list(DEFAULT)


def test_the_csv_carries_disputes_outcomes_for_an_owner_only(client, built, staff, owner):
    def header(user_client):
        body = user_client.get(
            reverse("admin:suppliers_weeklyrollup_scorecard_csv"), ONE_WEEK
        ).content.decode()
        return next(csv.reader(io.StringIO(body)))

    client.force_login(staff)
    staff_header = header(client)
    assert "disputes_opened" in staff_header
    assert not {"dispute_won", "dispute_lost", "dispute_accepted"} & set(staff_header)
    verified_login(client, owner)
    assert {"dispute_won", "dispute_lost", "dispute_accepted"} <= set(header(client))
