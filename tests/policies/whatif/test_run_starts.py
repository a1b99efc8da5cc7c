"""What-if runs joined like replay runs: a second start of the same draft with the same numbers
against the same active policy, while a run of it is queued or running and can still finish, joins that
run instead of computing everything again. Every test here takes the background path (INLINE_CASES
patched below the open-case count), as a store with many open cases would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse

from policies.models import CountryOverride, Policy, WhatIfRun
from policies.services import activate, create_draft
from policies.whatif.runs import start_what_if
from policies.whatif.tasks import what_if_policy_task
from policies.whatif.views import WHAT_IF_UNDER_WAY
from tests.factories import UserFactory
from tests.helpers.concurrent_starts import start_twice_at_once
from tests.helpers.otp import verified, verified_login
from tests.helpers.what_if_parcels import AS_OF


@pytest.fixture(autouse=True)
def in_the_background():
    """No open case is at most -1 open cases: every start queues its run (the broker is not called)."""
    with (
        mock.patch("policies.whatif.runs.INLINE_CASES", -1),
        mock.patch.object(what_if_policy_task, "delay") as delay,
    ):
        yield delay


@pytest.fixture
def draft(owner):
    v1 = Policy.objects.get(is_active=True)
    return create_draft(base=v1, actor=owner, changes={"stale_in_transit_days": 10})


def what_if_url(policy: Policy) -> str:
    return reverse("admin:policies_policy_what_if", args=[policy.pk])


def run_page(run: WhatIfRun) -> str:
    return reverse("admin:policies_policy_what_if_run", args=[run.pk])


@pytest.mark.parametrize("status", ["pending", "running"])
def test_two_starts_of_the_same_draft_while_the_first_is_under_way_give_one_run(draft, owner, status):
    first, started = start_what_if(draft, actor=owner)
    assert (first.status, started) == ("pending", True)
    WhatIfRun.objects.filter(pk=first.pk).update(status=status, started_at=datetime.now(UTC))
    second, started = start_what_if(draft, actor=owner)
    assert (second.pk, started) == (first.pk, False)
    assert WhatIfRun.objects.count() == 1


def test_two_posts_of_the_what_if_button_go_to_one_run_page_the_second_saying_it_joined(client, draft, owner):
    verified_login(client, owner)
    first = client.post(what_if_url(draft), follow=True)
    second = client.post(what_if_url(draft), follow=True)
    run = WhatIfRun.objects.get()
    assert first.redirect_chain == second.redirect_chain == [(run_page(run), 302)]
    assert WHAT_IF_UNDER_WAY not in first.content.decode()
    assert [str(message) for message in second.context["messages"]] == [WHAT_IF_UNDER_WAY]
    assert WHAT_IF_UNDER_WAY in second.content.decode()


def test_a_changed_draft_starts_a_new_run(draft, owner):
    first, _ = start_what_if(draft, actor=owner)
    CountryOverride.objects.create(policy=draft, country="BR", stale_in_transit_days=12)
    second, started = start_what_if(draft, actor=owner)
    assert started and second.pk != first.pk
    assert second.draft_digest != first.draft_digest


def test_another_active_policy_starts_a_new_run(draft, owner):
    first, _ = start_what_if(draft, actor=owner)
    activate(create_draft(base=Policy.objects.get(is_active=True), actor=owner), actor=owner)
    second, started = start_what_if(draft, actor=owner)
    assert started and second.pk != first.pk
    assert second.baseline_id != first.baseline_id


def test_an_explicit_as_of_always_starts_a_new_run(draft, owner):
    first, _ = start_what_if(draft, actor=owner)
    second, started = start_what_if(draft, actor=owner, as_of=AS_OF)
    assert started and second.pk != first.pk and second.as_of == AS_OF


def test_a_start_without_as_of_does_not_join_a_run_started_with_one(draft, owner):
    explicit, _ = start_what_if(draft, actor=owner, as_of=AS_OF)
    now, started = start_what_if(draft, actor=owner)
    assert started and now.pk != explicit.pk
    assert (explicit.as_of_explicit, now.as_of_explicit) == (True, False)


@pytest.mark.parametrize("status", ["succeeded", "failed"])
def test_a_finished_run_is_not_joined(draft, owner, status):
    finished, _ = start_what_if(draft, actor=owner)
    WhatIfRun.objects.filter(pk=finished.pk).update(status=status, finished_at=datetime.now(UTC))
    new, started = start_what_if(draft, actor=owner)
    assert started and new.pk != finished.pk


@pytest.mark.parametrize(
    "status, lost",
    [
        ("pending", {"created_at": timedelta(hours=1, minutes=1)}),
        ("running", {"started_at": timedelta(seconds=what_if_policy_task.time_limit + 60)}),
    ],
)
def test_a_lost_run_is_not_joined(draft, owner, status, lost):
    stuck, _ = start_what_if(draft, actor=owner)
    now = datetime.now(UTC)
    WhatIfRun.objects.filter(pk=stuck.pk).update(
        status=status, **{field: now - age for field, age in lost.items()}
    )
    assert WhatIfRun.objects.get(pk=stuck.pk).lost
    new, started = start_what_if(draft, actor=owner)
    assert started and new.pk != stuck.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_two_starts_at_once_give_one_run(in_the_background):
    """The second start waits for the first one's commit and joins its run (without the lock, it would
    not see the uncommitted run and start another)."""
    owner = verified(UserFactory(username="olga", role="Owner"))
    draft = create_draft(
        base=Policy.objects.get(is_active=True), actor=owner, changes={"stale_in_transit_days": 10}
    )
    runs = start_twice_at_once(lambda: start_what_if(draft, actor=owner)[0])
    run = WhatIfRun.objects.get()
    assert [r.pk for r in runs] == [run.pk, run.pk]
    in_the_background.assert_called_once_with(run.pk)
