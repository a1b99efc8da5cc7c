"""A case that cannot be assessed never stops the others: the sweep (and every re-assessment) records it,
pushes it back, goes on with the rest, and the admin shows it (the queue's filter and count, the case
page's reason); the next assessment that succeeds clears it."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse

from cases import assessment as rules
from cases.models import AuditEvent, Case
from cases.services import assessment
from cases.services.assessment import (
    UNASSESSABLE_RETRY,
    due_order_pks,
    refresh_cases,
    sweep_due_cases,
)
from tests.factories import UserFactory
from tests.helpers.clock import import_label_only_cases
from tests.helpers.unreadable_rows import insert_unreadable_event

pytestmark = pytest.mark.django_db


def failing_for(order_id: str):
    """The rules, raising for the batch that holds `order_id` (a rule that raises on one case)."""
    real = rules.assess_many

    def assess_many(facts, *args, **kwargs):
        if any(f.order.order_id == order_id for f in facts):
            raise ZeroDivisionError(f"a rule divided by zero on {order_id}")
        return real(facts, *args, **kwargs)

    return mock.patch.object(assessment, "assess_many", side_effect=assess_many)


def unassessable_events(case: Case):
    return list(AuditEvent.objects.filter(action="case_unassessable", object_id=str(case.pk)))


@pytest.fixture
def cases():
    """Five label-only cases; at their crossing each becomes supplier_chase."""
    return import_label_only_cases(5)


def crossing(cases) -> object:
    return max(c.next_assessment_at for c in cases)


def test_the_sweep_assesses_every_healthy_case_and_records_the_one_it_cannot(cases):
    as_of = crossing(cases)
    bad = cases[2]
    with failing_for(bad.order.order_id):
        run = sweep_due_cases(as_of=as_of, batch_size=1000)
    assert (run.assessed, run.written, run.unassessable, run.batches) == (4, 4, 1, 1)
    for case in cases:
        case.refresh_from_db()
    healthy = [c for c in cases if c.pk != bad.pk]
    assert {c.risk_level for c in healthy} == {"supplier_chase"}
    assert all(c.unassessable_since is None and c.unassessable_reason == "" for c in healthy)
    assert bad.risk_level == "normal_watch"  # its last packet stays
    assert bad.unassessable_since == as_of
    assert bad.unassessable_reason == f"ZeroDivisionError: a rule divided by zero on {bad.order.order_id}"
    assert bad.next_assessment_at == as_of + UNASSESSABLE_RETRY
    (event,) = unassessable_events(bad)
    assert event.reason == bad.unassessable_reason and event.actor_label == "sweep"


def test_a_failing_case_is_pushed_back_audited_once_for_the_same_reason_and_cleared_when_it_reads(cases):
    as_of = crossing(cases)
    bad = cases[0]
    with failing_for(bad.order.order_id) as patched:
        sweep_due_cases(as_of=as_of)
        patched.reset_mock()
        # Not retried at every tick: the next sweeps leave it alone until its retry time.
        assert sweep_due_cases(as_of=as_of + timedelta(minutes=5)).assessed == 0
        patched.assert_not_called()
        later = as_of + UNASSESSABLE_RETRY
        run = sweep_due_cases(as_of=later)
        assert run.unassessable == 1
    bad.refresh_from_db()
    assert bad.unassessable_since == as_of  # since its first failure
    assert bad.next_assessment_at == later + UNASSESSABLE_RETRY
    assert len(unassessable_events(bad)) == 1  # same reason: no new event

    run = sweep_due_cases(as_of=later + UNASSESSABLE_RETRY)
    assert (run.assessed, run.unassessable) == (1, 0)
    bad.refresh_from_db()
    assert (bad.risk_level, bad.unassessable_since, bad.unassessable_reason) == ("supplier_chase", None, "")
    assert AuditEvent.objects.filter(action="case_assessable_again", object_id=str(bad.pk)).count() == 1


def test_batches_without_a_failure_are_not_split(cases):
    as_of = crossing(cases)
    real = rules.assess_many
    calls = []

    def counted(facts, *args, **kwargs):
        calls.append(len(facts))
        return real(facts, *args, **kwargs)

    with mock.patch.object(assessment, "assess_many", side_effect=counted):
        sweep_due_cases(as_of=as_of, batch_size=1000)
    assert calls == [5]


def test_a_failing_batch_is_split_until_the_failing_case_stands_alone(cases):
    as_of = crossing(cases)
    real = rules.assess_many
    sizes = []
    bad_id = cases[3].order.order_id

    def recorded(facts, *args, **kwargs):
        sizes.append(len(facts))
        if any(f.order.order_id == bad_id for f in facts):
            raise RuntimeError("boom")
        return real(facts, *args, **kwargs)

    with mock.patch.object(assessment, "assess_many", side_effect=recorded):
        run = sweep_due_cases(as_of=as_of, batch_size=1000)
    assert run.written == 4 and run.unassessable == 1
    assert len(sizes) < 2 * 5  # halves, not one case at a time plus retries
    assert sum(1 for n in sizes if n == 1) <= 3


def test_facts_that_arrive_still_assess_the_others_and_a_new_failing_case_waits_for_its_retry(cases):
    as_of = crossing(cases)
    bad = cases[1]
    Case.objects.filter(pk=bad.pk).update(assessed_at=None, next_assessment_at=None)  # never assessed
    with failing_for(bad.order.order_id):
        refresh_cases([c.order_id for c in cases], as_of=as_of)
    assert Case.objects.filter(risk_level="supplier_chase").count() == 4
    bad.refresh_from_db()
    assert bad.assessed_at is None and bad.unassessable_since == as_of
    # Never assessed, but failed: not due again before its retry time.
    assert bad.order_id not in due_order_pks(as_of + timedelta(minutes=5))
    assert bad.order_id in due_order_pks(as_of + UNASSESSABLE_RETRY)


def test_a_broken_connection_is_not_blamed_on_a_case(cases):
    from django.db import OperationalError

    as_of = crossing(cases)
    with (
        mock.patch.object(assessment, "assess_many", side_effect=OperationalError("server closed")),
        pytest.raises(OperationalError),
    ):
        sweep_due_cases(as_of=as_of)
    assert not Case.objects.filter(unassessable_since__isnull=False).exists()


def test_the_queue_lists_and_counts_the_cases_that_cannot_be_assessed_and_the_case_page_says_why(
    client, cases
):
    as_of = crossing(cases)
    bad = cases[4]
    with failing_for(bad.order.order_id):
        sweep_due_cases(as_of=as_of)
    client.force_login(UserFactory(username="stan", role="Staff"))
    queue = reverse("admin:cases_case_changelist")
    response = client.get(queue)
    assert response.status_code == 200
    assert 'id="view-unassessable"' in response.content.decode()
    assert response.context["unassessable_count"] == 1
    response = client.get(queue, {"unassessable": "yes"})
    assert response.status_code == 200
    assert [c.pk for c in response.context["cl"].result_list] == [bad.pk]
    assert "Cannot be assessed" in response.content.decode()
    page = client.get(reverse("admin:cases_case_change", args=[bad.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="case-unassessable"' in text and "ZeroDivisionError: a rule divided by zero" in text


# --- a real row that cannot be read back -------------------------------------------------------------


def sweep_over_an_unreadable_event(cases):
    as_of = crossing(cases)
    bad = cases[2]
    insert_unreadable_event(bad)
    run = sweep_due_cases(as_of=as_of)
    assert (run.written, run.unassessable) == (4, 1)
    assert Case.objects.filter(risk_level="supplier_chase").count() == 4
    bad.refresh_from_db()
    assert bad.unassessable_since == as_of and len(unassessable_events(bad)) == 1
    return bad


def pages_answer(client, bad: Case) -> str:
    client.force_login(UserFactory(username="stan", role="Staff"))
    assert client.get(reverse("admin:cases_case_changelist")).status_code == 200
    assert client.get(reverse("admin:cases_case_changelist"), {"unassessable": "yes"}).status_code == 200
    page = client.get(reverse("admin:cases_case_change", args=[bad.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="case-unassessable"' in text
    assert 'id="unreadable-facts"' in text and "1 tracking events" in text
    number = bad.order.tracking_numbers.get()
    assert client.get(reverse("admin:cases_trackingnumber_change", args=[number.pk])).status_code == 200
    assert client.get(reverse("admin:cases_order_change", args=[bad.order_id])).status_code == 200
    return bad.unassessable_reason


@pytest.mark.postgres
def test_a_stored_bc_time_is_recorded_and_every_page_still_answers_on_postgresql(client, cases):
    bad = sweep_over_an_unreadable_event(cases)
    assert bad.unassessable_reason.startswith("DataError: timestamp too small")
    pages_answer(client, bad)


def test_a_stored_time_that_is_no_time_is_recorded_and_every_page_still_answers(client, cases):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses such a value; its own test stores a BC time")
    bad = sweep_over_an_unreadable_event(cases)
    assert bad.unassessable_reason  # SQLite's cursor reads it as no time at all
    pages_answer(client, bad)
