"""Clocks that advance: the sweep re-assesses a case exactly when its packet would change."""

from datetime import timedelta
from unittest import mock

import pytest

from cases.models import AuditEvent, Case
from cases.services import assessment
from cases.services.assessment import sweep_due_cases
from cases.tasks import reassess_cases_task, sweep_due_cases_task
from tests.helpers.clock import import_label_only_cases
from tests.helpers.failures import failing_on_call

pytestmark = pytest.mark.django_db


def risk_changes(case: Case) -> list:
    events = AuditEvent.objects.filter(action="case_assessed", object_id=str(case.pk)).order_by("at", "id")
    return [e.changes["risk_level"] for e in events if e.changes["risk_level"][0] is not None]


def test_a_label_only_case_starts_inside_its_window_with_its_crossing_as_next_assessment():
    (case,) = import_label_only_cases()
    assert (case.case_type, case.risk_level) == ("label_created_only", "normal_watch")
    label_at = case.order.tracking_numbers.get().events.get().at
    assert case.next_assessment_at == label_at + timedelta(days=5, seconds=1)


def test_the_sweep_changes_the_risk_exactly_once_when_the_window_is_crossed():
    (case,) = import_label_only_cases()
    crossing = case.next_assessment_at
    sweep_due_cases(as_of=crossing)
    sweep_due_cases(as_of=crossing)
    sweep_due_cases(as_of=crossing + timedelta(minutes=5))
    case.refresh_from_db()
    assert (case.case_type, case.risk_level, case.next_move) == (
        "label_created_only",
        "supplier_chase",
        "chase_supplier",
    )
    assert risk_changes(case) == [["normal_watch", "supplier_chase"]]


def test_a_case_whose_clock_crossed_nothing_is_not_reassessed():
    (case,) = import_label_only_cases()
    run = sweep_due_cases(as_of=case.next_assessment_at - timedelta(seconds=1))
    assert run.assessed == 0
    assert Case.objects.get().assessed_at == case.assessed_at


def test_a_sweep_that_dies_half_way_loses_nothing_and_the_next_one_picks_up_what_is_still_due():
    cases = import_label_only_cases(3)
    as_of = max(c.next_assessment_at for c in cases)
    dies_on_second_batch = failing_on_call(assessment.reassess, call=2, error=RuntimeError("worker killed"))
    with (
        mock.patch.object(assessment, "reassess", side_effect=dies_on_second_batch),
        pytest.raises(RuntimeError),
    ):
        sweep_due_cases(as_of=as_of, batch_size=1)
    assert Case.objects.filter(risk_level="supplier_chase").count() == 1
    assert sweep_due_cases(as_of=as_of).written == 2
    assert Case.objects.filter(risk_level="supplier_chase").count() == 3


def test_the_sweep_takes_due_cases_in_order_of_their_orders_one_batch_at_a_time():
    cases = import_label_only_cases(5)
    as_of = max(c.next_assessment_at for c in cases)
    batches = []
    real = assessment.reassess

    def recorded(order_pks, **kwargs):
        batches.append(list(order_pks))
        return real(order_pks, **kwargs)

    with mock.patch.object(assessment, "reassess", side_effect=recorded):
        sweep_due_cases(as_of=as_of, batch_size=2)
    ordered = sorted(c.order_id for c in cases)
    assert [sorted(batch) for batch in batches] == [ordered[0:2], ordered[2:4], ordered[4:5]]


def test_a_redelivered_reassessment_task_is_harmless():
    (case,) = import_label_only_cases()
    as_of = case.next_assessment_at.isoformat()
    reassess_cases_task.run([case.order_id], as_of=as_of)
    audit_count = AuditEvent.objects.count()
    assessed_at = Case.objects.get().assessed_at
    reassess_cases_task.run([case.order_id], as_of=as_of)
    assert AuditEvent.objects.count() == audit_count
    assert Case.objects.get().assessed_at == assessed_at


def test_the_sweep_task_takes_its_clock_as_an_iso_string():
    (case,) = import_label_only_cases()
    result = sweep_due_cases_task.run(as_of=case.next_assessment_at.isoformat())
    assert result == {"assessed": 1, "written": 1, "changed": 1, "batches": 1, "cases_created": 0}


def test_held_and_resolved_cases_are_not_swept():
    cases = import_label_only_cases(2)
    Case.objects.filter(pk=cases[0].pk).update(status="held")
    Case.objects.filter(pk=cases[1].pk).update(status="resolved")
    assert sweep_due_cases(as_of=max(c.next_assessment_at for c in cases)).assessed == 0


def test_a_held_case_comes_back_to_the_queue_on_its_review_date_and_is_reassessed():
    (case,) = import_label_only_cases()
    review = case.next_assessment_at + timedelta(hours=1)
    Case.objects.filter(pk=case.pk).update(status="held", held_until=review, hold_reason="waiting for photo")
    assert sweep_due_cases(as_of=review - timedelta(minutes=1)).assessed == 0
    run = sweep_due_cases(as_of=review)
    case.refresh_from_db()
    assert (case.status, case.risk_level, run.assessed) == ("open", "supplier_chase", 1)
    assert AuditEvent.objects.filter(action="hold_ended", object_id=str(case.pk)).count() == 1
