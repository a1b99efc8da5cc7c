"""What-if: a draft that lengthens the in-transit window moves exactly the cases whose last movement
lies between the old and the new window; nothing is written to cases; activating records a version and an
audit event, and the clocks then re-assess the affected cases under it. Owners only, on the server."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from hypothesis import given

from cases.assessment import assess_many
from cases.assessment.standing import assess_standing
from cases.models import AuditEvent, Case, OrderTracking, TrackingEvent, TrackingNumber
from cases.services.assessment import refresh_cases, sweep_due_cases
from policies import whatif
from policies.models import CountryOverride, Policy, WhatIfRun
from policies.services import activate, create_draft, mark_affected_cases_due
from policies.tasks import reassess_after_activation_task, what_if_policy_task
from policies.whatif import what_if
from policies.whatif_diff import Change, WhatIfResult
from policies.whatif_runs import run_what_if, start_what_if
from staletrack import processes
from staletrack.runs import LOST_RUN_MESSAGE
from tests.factories import OrderFactory
from tests.helpers.case_strategies import SETTINGS, minutes, populations
from tests.otp_helpers import verified_login

AS_OF = datetime(2026, 11, 20, 12, tzinfo=UTC)
STALE = ("stale_in_transit", "customer_update", "draft_update")
MOVING = ("in_transit", "normal_watch", "wait")
LOST = ("stale_in_transit", "refund_risk", "escalate")
_numbers = itertools.count()

# Days since the last movement -> whether a draft with stale_in_transit_days 10 (instead of 7) moves the
# case from stale to in transit (rules.md section 1: a window is exceeded at strictly more than N days).
AGES = {
    "#A-5": (5, False),  # inside both windows
    "#A-7": (7, False),  # exactly 7 days: not exceeded under v1 either
    "#A-7.5": (7.5, True),
    "#A-8": (8, True),
    "#A-9.99": (9.99, True),
    "#A-10": (10, True),  # exactly 10 days: inside the draft's window
    "#A-10+": (10 + 1 / 86400, False),  # one second more: stale under both
    "#A-12": (12, False),
    "#A-25": (25, False),  # lost under both (lost_package_days 20)
}


def parcel(order_id: str, moved_days_ago: float, *, country: str = "US"):
    """An order whose parcel was labelled, accepted and last moved `moved_days_ago` before AS_OF."""
    moved = AS_OF - timedelta(days=moved_days_ago)
    order = OrderFactory(order_id=order_id, ordered_at=moved - timedelta(days=4), country=country)
    normalized = f"YT{2431220000000000 + next(_numbers):016d}"
    number = TrackingNumber.objects.create(number=normalized, normalized=normalized, carrier="yunexpress")
    OrderTracking.objects.create(order=order, tracking_number=number)
    for at, status in ((moved - timedelta(days=3), "info_received"), (moved - timedelta(days=2), "accepted")):
        TrackingEvent.objects.create(tracking_number=number, at=at, status=status)
    TrackingEvent.objects.create(tracking_number=number, at=moved, status="in_transit")
    return order


def decisions(order_id: str) -> tuple[str, str, str]:
    case = Case.objects.get(order__order_id=order_id)
    return (case.case_type, case.risk_level, case.next_move)


@pytest.fixture
def v1():
    return Policy.objects.get(is_active=True)


@pytest.fixture
def parcels(db):
    """The AGES cases, a case with no tracking yet (supplier silence), a held case inside the moving band
    and one whose stored assessment is two days old and due: stored in transit, stale under v1 now."""
    orders = [parcel(order_id, age) for order_id, (age, _) in AGES.items()]
    orders.append(OrderFactory(order_id="#NO-NUMBER", ordered_at=AS_OF - timedelta(days=10)))
    orders.append(parcel("#HELD-8", 8))
    refresh_cases([o.pk for o in orders], as_of=AS_OF)
    Case.objects.filter(order__order_id="#HELD-8").update(status="held")
    due = parcel("#DUE-8", 8)
    refresh_cases([due.pk], as_of=AS_OF - timedelta(days=2))
    return [*orders, due]


@pytest.fixture
def longer_transit(owner, v1):
    return create_draft(base=v1, actor=owner, note="carriers are slow", changes={"stale_in_transit_days": 10})


def expected_moves() -> dict[str, tuple]:
    return {order_id: (STALE, MOVING) for order_id, (_, moves) in AGES.items() if moves} | {
        "#DUE-8": (STALE, MOVING)
    }


# --- the what-if -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_stored_cases_are_what_the_rules_say_before_the_what_if(parcels):
    assert decisions("#A-5") == decisions("#A-7") == MOVING
    assert decisions("#A-8") == decisions("#A-10+") == STALE
    assert decisions("#A-25") == LOST
    assert decisions("#DUE-8") == MOVING  # stored two days ago; due since
    assert decisions("#NO-NUMBER")[0] == "supplier_silence"


@pytest.mark.django_db
def test_lengthening_the_in_transit_window_moves_exactly_the_cases_between_the_two_windows(
    parcels, longer_transit
):
    result = what_if(longer_transit, as_of=AS_OF)
    moved = {c.order_id: (c.before, c.after) for c in result.listed}
    assert moved == expected_moves()
    assert result.open_cases == len(AGES) + 2  # not the held case
    assert (result.assessed, result.same_numbers) == (result.open_cases, 0)
    assert result.baseline_assessed == 1  # the due case, compared with what v1 says now
    assert (result.changed_any, result.changed_case_type, result.changed_risk, result.changed_next_move) == (
        5,
        5,
        5,
        5,
    )
    assert (result.risk_raised, result.risk_lowered) == (0, 5)
    a8 = next(c for c in result.listed if c.order_id == "#A-8")
    assert a8.fields == ("case_type", "risk_level", "next_move")
    assert any("10" in reason for reason in a8.reasons)


@pytest.mark.django_db
def test_a_draft_equal_to_the_active_policy_changes_nothing_and_assesses_nothing(parcels, owner, v1):
    draft = create_draft(base=v1, actor=owner)
    result = what_if(draft, as_of=AS_OF)
    assert (result.open_cases, result.same_numbers, result.assessed, result.changed_any) == (11, 11, 0, 0)
    assert result.listed == []


@pytest.mark.django_db
def test_a_country_override_assesses_only_that_countrys_cases(parcels, owner, v1):
    refresh_cases([parcel("#BR-8", 8, country="BR").pk], as_of=AS_OF)
    draft = create_draft(base=v1, actor=owner)
    CountryOverride.objects.create(policy=draft, country="BR", stale_in_transit_days=10)
    result = what_if(draft, as_of=AS_OF)
    assert (result.assessed, result.same_numbers) == (1, 11)
    assert [(c.order_id, c.before, c.after) for c in result.listed] == [("#BR-8", STALE, MOVING)]


@pytest.mark.django_db
def test_the_what_if_writes_nothing_to_cases_or_the_audit_trail(parcels, longer_transit):
    cases = list(Case.objects.order_by("pk").values())
    audit = AuditEvent.objects.count()
    what_if(longer_transit, as_of=AS_OF, batch_size=3)
    assert list(Case.objects.order_by("pk").values()) == cases
    assert AuditEvent.objects.count() == audit


@pytest.mark.django_db
def test_batches_of_any_size_give_the_same_result(parcels, longer_transit):
    whole = what_if(longer_transit, as_of=AS_OF).to_dict()
    assert what_if(longer_transit, as_of=AS_OF, batch_size=1).to_dict() == whole
    assert what_if(longer_transit, as_of=AS_OF, batch_size=4).to_dict() == whole


def test_merging_keeps_the_first_changes_by_order_whatever_the_split():
    def part(pks):
        result = WhatIfResult(keep=3)
        for pk in pks:
            result.record(order_pk=pk, case_pk=pk, order_id=f"#{pk}", before=STALE, after=MOVING)
        return result

    merged = WhatIfResult.merged([part([9, 4]), part([1, 7, 3]), part([])], keep=3)
    assert [c.order_pk for c in merged.listed] == [1, 3, 4]
    assert (merged.assessed, merged.changed_any, merged.risk_lowered) == (5, 5, 5)
    change = merged.listed[0]
    assert Change.from_dict(change.to_dict()) == change


@SETTINGS
@given(population=populations(), as_of=minutes(0, 30))
def test_the_decisions_compared_are_the_packets_own(population, as_of):
    """Overlays 5 and 6 never move case type, risk or next move (rules.md section 6), so the what-if reads
    them from the single-case standing and leaves out the review counts."""
    packets = assess_many(population, as_of)
    standings = [assess_standing(case, as_of) for case in population]
    assert [(p.case_type, p.risk_level, p.next_move) for p in packets] == [
        (s.case_type, s.risk, s.next_move) for s in standings
    ]


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
    with mock.patch("policies.whatif_runs.what_if", side_effect=RuntimeError("database went away")):
        run = run_what_if(run)
    assert (run.status, run.error) == ("failed", "RuntimeError: database went away")


@pytest.mark.django_db
def test_staff_cannot_start_a_what_if_through_the_service(parcels, longer_transit, staff):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        start_what_if(longer_transit, actor=staff)
    assert not WhatIfRun.objects.exists()


@pytest.mark.django_db
def test_activating_records_a_version_and_an_audit_event_with_the_what_if_counts(
    parcels, longer_transit, owner, v1, django_capture_on_commit_callbacks
):
    start_what_if(longer_transit, actor=owner, as_of=AS_OF)
    with (
        mock.patch("policies.tasks.reassess_after_activation_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        activate(longer_transit, actor=owner, reason="carriers are slow")
    longer_transit.refresh_from_db()
    v1.refresh_from_db()
    assert (longer_transit.is_active, v1.is_active, longer_transit.activated_at is not None) == (
        True,
        False,
        True,
    )
    event = AuditEvent.objects.get(action="policy_activated")
    assert (event.actor, event.object_id, event.reason) == (
        owner,
        str(longer_transit.pk),
        "carriers are slow",
    )
    assert (event.changes["previous"], event.changes["version"]) == ("v1", "v2")
    assert event.changes["what_if"] | {"run": None} == {
        "run": None,
        "as_of": AS_OF.isoformat(),
        "compared_with": "v1",
        "draft_unchanged_since": True,
        "open_cases": 11,
        "assessed": 11,
        "changed_any": 5,
        "changed_case_type": 5,
        "changed_risk": 5,
        "changed_next_move": 5,
    }
    delay.assert_called_once_with(longer_transit.pk, v1.pk, longer_transit.activated_at.isoformat())


@pytest.mark.django_db
def test_after_activation_the_sweep_makes_exactly_the_predicted_changes(parcels, longer_transit, owner, v1):
    predicted = {c.order_id: c.after for c in what_if(longer_transit, as_of=AS_OF).listed}
    before = {
        case.order.order_id: decisions(case.order.order_id) for case in Case.objects.select_related("order")
    }
    activate(longer_transit, actor=owner)
    with mock.patch("cases.tasks.sweep_due_cases_task.delay") as sweep:
        result = reassess_after_activation_task.run(longer_transit.pk, v1.pk, AS_OF.isoformat())
    # Every open case (the default changed) but the due one, which is due already.
    assert result == {"policy": "v2", "marked_due": 10}
    sweep.assert_called_once_with()
    sweep_due_cases(as_of=AS_OF)
    after = {
        case.order.order_id: decisions(case.order.order_id) for case in Case.objects.select_related("order")
    }
    changed = {order_id: after[order_id] for order_id in after if after[order_id] != before[order_id]}
    # The due case also catches up with v1's own clock; the what-if compared it with that, not the stored row.
    assert changed == {o: a for o, a in predicted.items() if o != "#DUE-8"}
    assert after["#DUE-8"] == MOVING
    assert set(Case.objects.filter(status="open").values_list("policy__version", flat=True)) == {2}
    assert Case.objects.get(order__order_id="#HELD-8").policy.version == 1


@pytest.mark.django_db
def test_only_the_cases_whose_numbers_changed_are_made_due(parcels, owner, v1):
    refresh_cases([parcel("#BR-8", 8, country="BR").pk], as_of=AS_OF)
    sweep_due_cases(as_of=AS_OF)  # the due case catches up first
    draft = create_draft(base=v1, actor=owner)
    CountryOverride.objects.create(policy=draft, country="BR", stale_in_transit_days=10)
    activate(draft, actor=owner)
    at = AS_OF
    assert mark_affected_cases_due(draft, v1, at=at) == 1
    assert mark_affected_cases_due(draft, v1, at=at) == 0  # twice marks nothing more
    assert Case.objects.get(order__order_id="#BR-8").next_assessment_at == at
    sweep_due_cases(as_of=at)
    br = Case.objects.get(order__order_id="#BR-8")
    assert (br.policy.version, decisions("#BR-8")) == (2, MOVING)
    assert Case.objects.filter(policy__version=1, status="open").count() == 11


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
    with mock.patch("policies.whatif_runs.timezone.now", return_value=AS_OF):
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


# --- processes (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_processes_give_the_same_result_as_one(owner):
    v1 = Policy.objects.get(is_active=True)
    orders = [parcel(f"#P-{i}", 3 + i * 0.37) for i in range(60)]
    refresh_cases([o.pk for o in orders], as_of=AS_OF)
    draft = create_draft(base=v1, actor=owner, changes={"stale_in_transit_days": 10})
    one = what_if(draft, as_of=AS_OF, batch_size=7)
    assert processes.can_fork()  # so processes=2 really forks here
    with mock.patch.object(whatif, "what_if_batch", wraps=whatif.what_if_batch) as in_this_process:
        two = what_if(draft, as_of=AS_OF, batch_size=7, processes=2)
    assert in_this_process.call_count == 0  # every batch ran in a child
    assert one.changed_any > 0
    assert two.to_dict() == one.to_dict()
    assert Policy.objects.count() == 2  # this process's connection works again after the fork
