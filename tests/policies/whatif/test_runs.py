"""Stored what-if runs (policies.whatif.runs): a run stores its counts and changes, a failing run says why,
and only owners start one."""

from __future__ import annotations

from unittest import mock

import pytest

from policies.models import Policy, WhatIfRun
from policies.whatif.runs import WhatIfRunner, start_what_if
from policies.whatif.tasks import what_if_policy_task
from tests.helpers.what_if_parcels import AS_OF, expected_moves

# --- stored runs and activation ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_run_stores_the_counts_and_the_changes(parcels, longer_transit, owner):
    run, _ = start_what_if(longer_transit, actor=owner, as_of=AS_OF)  # few cases: computed at once
    assert run.status == WhatIfRun.Status.SUCCEEDED
    assert (run.open_cases, run.changed_any, run.baseline_id) == (11, 5, Policy.objects.get(version=1).pk)
    assert {c["order_id"] for c in run.changes} == set(expected_moves())
    assert what_if_policy_task.run(run.pk)["status"] == "succeeded"  # a finished run is left alone


@pytest.mark.django_db
def test_a_failing_run_says_why(parcels, longer_transit, owner):
    run = WhatIfRun.objects.create(draft=longer_transit, as_of=AS_OF)
    with mock.patch("policies.whatif.runs.what_if", side_effect=RuntimeError("database went away")):
        WhatIfRunner().execute(run)
    assert (run.status, run.error) == ("failed", "RuntimeError: database went away")


@pytest.mark.django_db
def test_staff_cannot_start_a_what_if_through_the_service(parcels, longer_transit, staff):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        start_what_if(longer_transit, actor=staff)
    assert not WhatIfRun.objects.exists()
