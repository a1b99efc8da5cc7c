"""Facts that arrive: the touched cases are re-assessed after commit, and made due at once in the
same transaction, so a task that never arrives (a broker that is down) costs a sweep's delay, not the
re-assessment."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from cases.choices import CaseStatus
from cases.models import Case
from cases.services.assessment import make_due, queue_reassessment
from tests.helpers.clock import import_label_only_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def delay():
    with mock.patch("cases.tasks.reassess_cases_task.delay") as delay:
        yield delay


def test_arriving_facts_make_the_open_case_due_now_and_queue_it_after_commit(
    delay, django_capture_on_commit_callbacks
):
    (case,) = import_label_only_cases()
    assert case.next_assessment_at > timezone.now()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        queue_reassessment([case.order_id])
        delay.assert_not_called()
    case.refresh_from_db()
    assert case.next_assessment_at <= timezone.now()
    delay.assert_called_once_with([case.order_id])


def test_a_broker_that_is_down_leaves_the_case_due_for_the_next_sweep(django_capture_on_commit_callbacks):
    (case,) = import_label_only_cases()
    with (
        mock.patch("cases.tasks.reassess_cases_task.delay", side_effect=OperationalError("broker down")),
        mock.patch("staletrack.celery.logger") as logger,
        django_capture_on_commit_callbacks(execute=True),
    ):
        queue_reassessment([case.order_id])
    logger.exception.assert_called_once()
    case.refresh_from_db()
    assert case.next_assessment_at <= timezone.now()


def test_new_cases_are_queued_without_being_touched(delay, django_capture_on_commit_callbacks):
    (case,) = import_label_only_cases()
    with django_capture_on_commit_callbacks(execute=True):
        queue_reassessment([case.order_id], new_cases=True)
    assert Case.objects.get().next_assessment_at == case.next_assessment_at
    delay.assert_called_once_with([case.order_id])


def test_making_due_never_moves_an_earlier_assessment_later():
    (case,) = import_label_only_cases()
    earlier = timezone.now() - timedelta(hours=1)
    Case.objects.update(next_assessment_at=earlier)
    assert make_due([case.order_id], timezone.now()) == 0
    assert Case.objects.get().next_assessment_at == earlier


def test_a_case_with_no_next_assessment_is_made_due_too():
    (case,) = import_label_only_cases()
    Case.objects.update(next_assessment_at=None)
    now = timezone.now()
    assert make_due([case.order_id], now) == 1
    assert Case.objects.get().next_assessment_at == now


@pytest.mark.parametrize("status", [CaseStatus.HELD, CaseStatus.RESOLVED])
def test_held_and_resolved_cases_are_not_made_due(status):
    (case,) = import_label_only_cases()
    Case.objects.update(status=status)
    assert make_due([case.order_id], timezone.now()) == 0


def test_orders_are_queued_a_thousand_per_task(delay, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_reassessment(list(range(1, 2502)), new_cases=True)
    assert [len(call.args[0]) for call in delay.call_args_list] == [1000, 1000, 501]


def test_after_a_failed_send_the_next_ones_are_skipped_for_a_while_and_say_so(
    django_capture_on_commit_callbacks,
):
    import staletrack.celery

    failures = []
    with (
        mock.patch("cases.tasks.reassess_cases_task.delay", side_effect=OperationalError("down")) as delay,
        mock.patch("staletrack.celery.logger"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        for pk in (1, 2, 3):
            staletrack.celery.queue_after_commit(
                "cases.tasks.reassess_cases_task", [pk], on_failure=failures.append
            )
    assert delay.call_count == 1  # the broker was tried once, not once per request
    assert [type(error).__name__ for error in failures] == [
        "OperationalError",
        "BrokerUnavailable",
        "BrokerUnavailable",
    ]
    staletrack.celery._broker_down_until = 0.0  # the back-off over: sent again
    with (
        mock.patch("cases.tasks.reassess_cases_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        staletrack.celery.queue_after_commit("cases.tasks.reassess_cases_task", [4])
    delay.assert_called_once_with([4])


def test_a_send_is_tried_once_no_publish_retries(settings):
    assert settings.CELERY_TASK_PUBLISH_RETRY is False
