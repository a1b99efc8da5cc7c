"""The weekly rollups in the admin: read-only, and their changelist links to the scorecard."""

import pytest
from django.urls import reverse

from suppliers.services import build_weekly_rollups
from tests.factories import UserFactory
from tests.helpers.known_week import WEEK
from tests.helpers.scorecard import PAGE, rollup

pytestmark = pytest.mark.django_db


def test_staff_read_the_rollups_in_the_admin_and_nobody_edits_them(week, client):
    build_weekly_rollups(WEEK)
    staff = UserFactory(username="reader", role="Staff")
    client.force_login(staff)
    page = client.get("/admin/suppliers/weeklyrollup/?dimension__exact=sku")
    assert page.status_code == 200
    assert b"A-1" in page.content
    assert b"Acme" not in page.content.split(b"<table")[1].split(b"</table>")[0]
    row = rollup("sku", "A-1")
    assert client.get(f"/admin/suppliers/weeklyrollup/{row.pk}/change/").status_code == 200
    assert client.get("/admin/suppliers/weeklyrollup/add/").status_code == 403
    assert client.post(f"/admin/suppliers/weeklyrollup/{row.pk}/delete/").status_code == 403


def test_the_rollup_changelist_links_to_the_scorecard(client, built, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:suppliers_weeklyrollup_changelist"))
    assert reverse(PAGE).encode() in response.content
