"""The lanes as part of each policy version: an owner edits a draft's lanes in the admin (refused settings
named, nothing saved), a draft copies its base's lanes, and the what-if counts the open cases per lane under
both versions, even when the draft changes nothing but the lanes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from policies.lanes import POLICY_LANE_FIELDS
from policies.models import Policy
from policies.services import create_draft
from policies.values import POLICY_FIELDS
from policies.whatif.engine import what_if
from policies.whatif.runs import run_is_current, start_what_if
from tests.helpers.otp import verified_login
from tests.helpers.what_if_parcels import AS_OF

pytestmark = pytest.mark.django_db


def form_data(policy, **changes):
    data = {
        "note": policy.note,
        **{name: getattr(policy, name) for name in (*POLICY_FIELDS, *POLICY_LANE_FIELDS)},
    }
    data |= {"country_overrides-TOTAL_FORMS": 0, "country_overrides-INITIAL_FORMS": 0}
    data |= {"supplier_overrides-TOTAL_FORMS": 0, "supplier_overrides-INITIAL_FORMS": 0}
    return {key: "" if value is None else value for key, value in (data | changes).items()}


@pytest.fixture
def draft(owner, v1):
    return create_draft(base=v1, actor=owner, note="lanes")


def test_the_first_version_holds_the_default_lanes(v1):
    assert v1.lane_fast_case_types == [
        "in_transit",
        "stale_in_transit",
        "accepted_no_movement",
        "label_created_only",
    ]
    assert (v1.lane_fast_max_risk, v1.lane_owner_only_refunds) == ("customer_update", True)
    assert v1.lane_owner_only_case_types == ["wrong_destination", "delivered_conflict"]
    assert v1.lane_owner_only_risks == ["chargeback_watch", "owner_only"]


def test_an_owner_edits_a_drafts_lanes_in_the_admin(client, owner, draft):
    verified_login(client, owner)
    url = reverse("admin:policies_policy_change", args=[draft.pk])
    page = client.get(url).content.decode()
    assert "Lanes (docs/fast-lane.md)" in page and 'name="lane_fast_case_types"' in page
    response = client.post(
        url,
        form_data(
            draft,
            lane_fast_case_types=["in_transit"],
            lane_fast_max_risk="normal_watch",
            lane_owner_only_refunds="",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert (draft.lane_fast_case_types, draft.lane_fast_max_risk) == (["in_transit"], "normal_watch")
    assert draft.lane_owner_only_refunds is False


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"lane_fast_max_risk": "refund_risk"}, "lane_fast_max_risk", "Select a valid choice"),
        (
            {"lane_owner_only_case_types": ["in_transit", "wrong_destination"]},
            "lane_owner_only_case_types",
            "cannot be both fast and owner-only",
        ),
        ({"lane_owner_only_risks": ["normal_watch"]}, "lane_owner_only_risks", "at or below the fast lane's"),
        ({"lane_fast_case_types": ["lost"]}, "lane_fast_case_types", "Select a valid choice"),
    ],
)
def test_lanes_that_cannot_stand_are_refused_naming_the_setting_and_nothing_is_saved(
    client, owner, draft, changes, field, words
):
    verified_login(client, owner)
    response = client.post(
        reverse("admin:policies_policy_change", args=[draft.pk]), form_data(draft, **changes)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field] and words in " ".join(errors[field])
    assert Policy.objects.get(pk=draft.pk).lane_fast_case_types == draft.lane_fast_case_types


def test_staff_cannot_edit_the_lanes(client, staff, draft):
    client.force_login(staff)
    url = reverse("admin:policies_policy_change", args=[draft.pk])
    assert client.post(url, form_data(draft, lane_fast_case_types=["in_transit"])).status_code == 403
    assert Policy.objects.get(pk=draft.pk).lane_fast_case_types == draft.lane_fast_case_types


def test_an_activated_versions_lanes_are_shown_not_edited(client, owner, v1):
    verified_login(client, owner)
    page = client.get(reverse("admin:policies_policy_change", args=[v1.pk])).content.decode()
    assert "stale_in_transit" in page and 'name="lane_fast_case_types"' not in page


def test_a_draft_copies_its_bases_lanes(owner, v1):
    first = create_draft(base=v1, actor=owner, changes={"lane_fast_case_types": ["in_transit"]})
    second = create_draft(base=first, actor=owner)
    assert second.lane_fast_case_types == ["in_transit"]
    assert second.lane_owner_only_risks == v1.lane_owner_only_risks


def test_the_what_if_counts_the_lanes_of_a_draft_that_changes_only_the_lanes(parcels, owner, v1):
    # Nothing but the fast lane's highest risk: the stale cases (customer update) leave the fast lane.
    draft = create_draft(base=v1, actor=owner, changes={"lane_fast_max_risk": "normal_watch"})
    result = what_if(draft, as_of=AS_OF)
    assert (result.assessed, result.changed_any) == (0, 0)  # the same numbers: no case is assessed
    assert (result.fast_now, result.standard_now, result.owner_only_now) == (9, 2, 0)
    assert (result.fast_draft, result.standard_draft, result.owner_only_draft) == (3, 8, 0)
    assert result.lane_changed == 6


def test_the_what_if_pages_show_the_lanes(client, parcels, owner, v1):
    draft = create_draft(base=v1, actor=owner, changes={"lane_owner_only_refunds": False})
    verified_login(client, owner)
    page = client.get(reverse("admin:policies_policy_what_if", args=[draft.pk])).content.decode()
    assert "owner-only: any refund request or dispute" in page and "The lanes v2 changes" in page
    run, _ = start_what_if(draft, actor=owner, as_of=AS_OF)
    page = client.get(reverse("admin:policies_policy_what_if_run", args=[run.pk])).content.decode()
    assert 'id="lane-fast"' in page and "would change lane" in page
    run.refresh_from_db()
    assert (run.fast_now, run.fast_draft, run.lane_changed) == (9, 9, 0)
    # Editing the draft's lanes afterwards makes the run out of date, as editing its numbers does.
    Policy.objects.filter(pk=draft.pk).update(lane_fast_case_types=["in_transit"])
    assert not run_is_current(run)
