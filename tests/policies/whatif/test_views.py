"""The what-if pages (policies.whatif.views): the owner runs a what-if from the draft page and activates
it; staff without edit_policy get 403 on every view; a run's page follows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse

from cases.models import AuditEvent, Case
from policies.models import Policy, WhatIfRun
from policies.whatif.runs import start_what_if
from policies.whatif.tasks import what_if_policy_task
from staletrack.runs import LOST_RUN_MESSAGE
from tests.helpers.otp import verified_login
from tests.helpers.what_if_parcels import AS_OF

# --- the admin -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_owner_runs_a_what_if_from_the_draft_page_and_activates_it(
    client, parcels, longer_transit, owner, django_capture_on_commit_callbacks
):
    verified_login(client, owner)
    page = client.get(reverse("admin:policies_policy_change", args=[longer_transit.pk]))
    what_if_url = reverse("admin:policies_policy_what_if", args=[longer_transit.pk])
    assert what_if_url in page.content.decode()
    page = client.get(what_if_url)
    assert page.status_code == 200
    assert "stale_in_transit_days" in page.content.decode()
    with mock.patch("policies.whatif.runs.timezone.now", return_value=AS_OF):
        response = client.post(what_if_url)
    run = WhatIfRun.objects.get()
    assert response.url == reverse("admin:policies_policy_what_if_run", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert 'id="count-changed">5<' in page
    assert reverse("admin:cases_case_change", args=[Case.objects.get(order__order_id="#A-8").pk]) in page
    assert "Activate this draft" in page
    with mock.patch("policies.tasks.reassess_after_activation_task.delay"):
        response = client.post(reverse("admin:policies_policy_activate", args=[longer_transit.pk]))
    assert response.status_code == 302
    assert Policy.objects.get(is_active=True) == longer_transit


@pytest.mark.django_db
def test_staff_without_edit_policy_get_403_on_every_what_if_view(
    client, parcels, longer_transit, owner, staff
):
    run, _ = start_what_if(longer_transit, actor=owner, as_of=AS_OF)
    client.force_login(staff)
    what_if_url = reverse("admin:policies_policy_what_if", args=[longer_transit.pk])
    page = client.get(reverse("admin:policies_policy_change", args=[longer_transit.pk]))
    assert page.status_code == 200 and what_if_url not in page.content.decode()  # no button for staff
    assert client.get(what_if_url).status_code == 403
    assert client.post(what_if_url).status_code == 403
    assert client.get(reverse("admin:policies_policy_what_if_run", args=[run.pk])).status_code == 403
    assert client.post(reverse("admin:policies_policy_activate", args=[longer_transit.pk])).status_code == 403
    assert WhatIfRun.objects.count() == 1
    longer_transit.refresh_from_db()
    assert longer_transit.is_draft and not AuditEvent.objects.filter(action="policy_activated").exists()


def what_if_run_page(client, owner, draft, **fields) -> str:
    """The page of a background run of `draft` stored with `fields`, as the owner sees it."""
    run = WhatIfRun.objects.create(draft=draft, as_of=AS_OF, total_cases=10_000, created_by=owner)
    WhatIfRun.objects.filter(pk=run.pk).update(**fields)
    verified_login(client, owner)
    return client.get(reverse("admin:policies_policy_what_if_run", args=[run.pk])).content.decode()


@pytest.mark.django_db
def test_the_page_of_a_run_running_longer_than_its_time_limit_says_it_was_lost_and_stops_refreshing(
    client, longer_transit, owner
):
    started = datetime.now(UTC) - timedelta(seconds=what_if_policy_task.time_limit + 60)
    page = what_if_run_page(
        client, owner, longer_transit, status=WhatIfRun.Status.RUNNING, started_at=started
    )
    assert f'id="what-if-lost">{LOST_RUN_MESSAGE}<' in page
    assert 'http-equiv="refresh"' not in page
    assert WhatIfRun.objects.get().status == WhatIfRun.Status.RUNNING  # the page only reads


@pytest.mark.django_db
def test_the_page_of_a_run_that_just_started_still_refreshes(client, longer_transit, owner):
    page = what_if_run_page(
        client, owner, longer_transit, status=WhatIfRun.Status.RUNNING, started_at=datetime.now(UTC)
    )
    assert '<meta http-equiv="refresh" content="2">' in page
    assert LOST_RUN_MESSAGE not in page
