"""A stored run whose task cannot be queued (a broker that is down) is marked failed with the reason,
never left waiting for ever (staletrack.celery.queue_run_after_commit)."""

from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from cases.models import ImportRun
from cases.tasks_imports import queue_import

pytestmark = pytest.mark.django_db


def test_an_import_run_that_cannot_be_queued_fails_saying_nothing_was_imported(
    django_capture_on_commit_callbacks,
):
    run = ImportRun.objects.create(kind=ImportRun.Kind.ORDERS, file_name="orders.csv")
    with (
        mock.patch("cases.tasks_imports.import_orders_task.delay", side_effect=OperationalError("down")),
        mock.patch("staletrack.celery.logger"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        queue_import(run)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert run.message.startswith("Could not start the background import (OperationalError)")


def test_a_run_that_already_started_is_not_marked_failed(django_capture_on_commit_callbacks):
    run = ImportRun.objects.create(kind=ImportRun.Kind.ORDERS, file_name="orders.csv")
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
    with (
        mock.patch("cases.tasks_imports.import_orders_task.delay", side_effect=OperationalError("down")),
        mock.patch("staletrack.celery.logger"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        queue_import(run)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING
