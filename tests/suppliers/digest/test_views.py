"""The weekly digest in the admin: the page (any built week, its charts with each week's number one hover
away, relative links) and the list of digests sent, both for Staff and Owner, refused on the server to
anyone without the scorecard's permission."""

import re

import pytest
from django.urls import reverse

from suppliers.models import SentDigest
from tests.factories import UserFactory
from tests.helpers.digest_week import WEEK, build_digest_week

pytestmark = pytest.mark.django_db

PAGE = "/admin/suppliers/sentdigest/digest/"
LIST = "/admin/suppliers/sentdigest/"


@pytest.fixture
def week():
    build_digest_week()


def login(client, role=None):
    user = UserFactory(username=f"user-{role or 'none'}", role=role, password=None)
    client.force_login(user)
    return user


def test_the_page_url():
    assert reverse("admin:suppliers_sentdigest_digest") == PAGE


@pytest.mark.parametrize("role", ["Staff", "Owner"])
def test_staff_and_owners_read_the_page(client, week, role):
    login(client, role)
    response = client.get(PAGE, {"week": "2026-11-09"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Weekly digest, week of 2026-11-09" in html
    assert re.search(r'<tr class="digest-row" data-key="Acme"', html)


def test_anyone_without_the_scorecards_permission_is_refused_on_the_server(client, week):
    login(client)  # a staff member of no role
    assert client.get(PAGE).status_code == 403
    assert client.get(LIST).status_code == 403
    assert "Weekly digests" not in client.get("/admin/").content.decode()


def test_a_visitor_not_logged_in_is_sent_to_the_login(client, week):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_lists_the_digests_sent_and_links_to_the_page(client, week):
    user = login(client, "Staff")
    SentDigest.objects.create(
        week_start=WEEK, user=user, email="stan@example.com", sent_at="2026-11-16T08:00Z"
    )
    assert "Weekly digests" in client.get("/admin/").content.decode()
    html = client.get(LIST).content.decode()
    assert f'href="{PAGE}" id="digest-link"' in html
    assert "Nov. 9, 2026" in html


def test_the_page_shows_the_weeks_figures_with_relative_links_and_charts(client, week):
    login(client, "Owner")
    html = client.get(PAGE, {"week": "2026-11-12"}).content.decode()  # any day of the week
    acme = re.search(r'<tr class="digest-row" data-key="Acme".*?</tr>', html, re.S).group(0)
    assert 'href="/admin/cases/case/?counts_for_supplier=' in acme
    assert re.search(r'class="digest-problems"[^>]*>3 <span[^>]*>\+2</span>', acme)
    # The trend: a dot per built week, each with its number on hover.
    assert acme.count("<circle") == 3
    assert "<title>week of 2026-11-09: 3 problem cases</title>" in acme
    assert "<title>week of 2026-11-02: 1 problem cases</title>" in acme
    # The store's bars, each with its week's numbers.
    assert "<title>week of 2026-11-09: 8 orders, 4 problem cases</title>" in html
    assert '<li class="digest-promise" data-sku="P-1"' in html
    assert "https://" not in html.split('id="digest"')[1]  # relative links on the page


def test_the_latest_built_week_by_default_and_links_to_the_weeks_around(client, week):
    login(client, "Staff")
    html = client.get(PAGE).content.decode()
    assert "Weekly digest, week of 2026-11-09" in html
    assert 'href="?week=2026-11-02" id="digest-previous"' in html
    assert 'id="digest-next"' not in html


def test_a_week_not_built_says_so_and_a_bad_week_falls_back_to_the_latest(client, week):
    login(client, "Staff")
    html = client.get(PAGE, {"week": "2026-08-03"}).content.decode()
    assert 'id="digest-not-built"' in html
    response = client.get(PAGE, {"week": "<b>soon</b>"})
    html = response.content.decode()
    assert "Weekly digest, week of 2026-11-09" in html
    assert "Not a date (YYYY-MM-DD): &#x27;&lt;b&gt;soon&lt;/b&gt;&#x27;" in html
