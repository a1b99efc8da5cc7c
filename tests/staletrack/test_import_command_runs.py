"""An import the import_orders command starts runs in the command's own process, not in a worker task
(ImportRun.runs_in): no task time limit stops it, so it is never shown lost while it works
(staletrack.runs.run_is_lost); and the command ends its run in a clear state whatever stops it."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases.intake.order_import import create_run, import_orders, run_import
from cases.intake.tasks import import_orders_task
from cases.management.commands import import_orders as command
from cases.models import ImportRun, Order
from staletrack import runs
from staletrack.runs import LOST_RUN_MESSAGE
from tests.factories import UserFactory
from tests.helpers.order_files import three_orders
from tests.helpers.stored_rows import NOTHING, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders_file(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(three_orders())
    return path


def import_with_the_command(path) -> None:
    call_command("import_orders", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def run_after_stopping(path, run_import_instead, stopped_by) -> ImportRun:
    """The command's run after the command, with `run_import_instead` in place of run_import, stopped
    with `stopped_by` (which it must re-raise)."""
    with mock.patch.object(command, "run_import", run_import_instead), pytest.raises(stopped_by):
        import_with_the_command(path)
    return ImportRun.objects.get()


def test_a_command_import_records_that_it_runs_in_the_command(orders_file):
    import_with_the_command(orders_file)
    run = ImportRun.objects.get()
    assert (run.runs_in, run.status) == (ImportRun.RunsIn.COMMAND, ImportRun.Status.SUCCEEDED)


def test_a_command_import_writes_its_first_heartbeat_when_it_starts(orders_file):
    def look(run, *args, **kwargs):
        seen.append(ImportRun.objects.get(pk=run.pk).heartbeat_at)
        return run_import(run, *args, **kwargs)

    seen = []
    with mock.patch.object(command, "run_import", look):
        import_with_the_command(orders_file)
    assert seen[0] is not None and timezone.now() - seen[0] < timedelta(minutes=1)


def test_a_command_import_keeps_its_heartbeat_while_it_works(orders_file):
    with mock.patch.object(command, "keeps_heartbeat", wraps=command.keeps_heartbeat) as heartbeat:
        import_with_the_command(orders_file)
    heartbeat.assert_called_once_with(ImportRun.objects.get())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_heartbeat_is_written_every_beat_from_its_own_connection_until_the_block_ends():
    run = create_run(file_name="orders.csv")
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
    with mock.patch.object(runs, "HEARTBEAT_SECONDS", 0.02), runs.keeps_heartbeat(run):
        beats = set()
        deadline = time.monotonic() + 10
        while len(beats) < 3 and time.monotonic() < deadline:
            beats.add(ImportRun.objects.get(pk=run.pk).heartbeat_at)
            time.sleep(0.01)
    assert len(beats - {None}) >= 2
    assert not [t for t in threading.enumerate() if t.name == f"heartbeat-{run.pk}"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_heartbeat_leaves_a_finished_run_alone():
    run = create_run(file_name="orders.csv")
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.SUCCEEDED)
    with mock.patch.object(runs, "HEARTBEAT_SECONDS", 0.01), runs.keeps_heartbeat(run):
        time.sleep(0.1)
    assert ImportRun.objects.get(pk=run.pk).heartbeat_at is None


def test_a_run_for_the_worker_runs_in_a_task():
    assert create_run(file_name="orders.csv").runs_in == ImportRun.RunsIn.TASK


def test_a_command_import_past_the_tasks_time_limit_with_its_heartbeat_is_not_lost_and_its_page_polls(
    client,
):
    client.force_login(UserFactory(username="stan", role="Staff"))
    run = create_run(file_name="orders.csv")
    started = datetime.now(UTC) - timedelta(seconds=import_orders_task.time_limit + 60)
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.RUNNING,
        started_at=started,
        runs_in=ImportRun.RunsIn.COMMAND,
        heartbeat_at=datetime.now(UTC),
    )
    assert not ImportRun.objects.get(pk=run.pk).lost
    page = client.get(reverse("admin:cases_importrun_change", args=[run.pk])).content.decode()
    assert "setTimeout(poll, 1000)" in page and LOST_RUN_MESSAGE not in page


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, SystemExit])
def test_an_interrupted_command_fails_its_run_saying_nothing_was_written_and_re_raises(
    orders_file, interruption
):
    def interrupted_once_checked(self, phase, done, total):
        # the command's progress echo runs inside the import: Ctrl-C as the rows are about to be written
        if phase == "writing":
            raise interruption

    with (
        mock.patch.object(command.Command, "_progress", interrupted_once_checked),
        pytest.raises(interruption),
    ):
        import_with_the_command(orders_file)
    run = ImportRun.objects.get()
    assert (run.status, run.message) == (ImportRun.Status.FAILED, command.INTERRUPTED)
    assert run.finished_at is not None
    assert stored() == NOTHING


def test_an_error_escaping_run_import_fails_the_command_run_too(orders_file):
    def crashes_unrecorded(run, *args, **kwargs):
        ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
        raise OSError("the database connection was closed")

    run = run_after_stopping(orders_file, crashes_unrecorded, OSError)
    assert (run.status, run.message) == (ImportRun.Status.FAILED, command.INTERRUPTED)


def test_an_interruption_after_the_import_finished_leaves_its_run_as_it_finished(orders_file):
    def finishes_then_interrupted(run, *args, **kwargs):
        run_import(run, *args, **kwargs)
        raise KeyboardInterrupt

    run = run_after_stopping(orders_file, finishes_then_interrupted, KeyboardInterrupt)
    assert (run.status, run.created_rows) == (ImportRun.Status.SUCCEEDED, 3)


def test_an_interruption_after_the_orders_were_written_does_not_say_nothing_was_written(orders_file):
    """Between the import's commit and the run's own save: the import's audit event says it wrote."""

    def writes_then_interrupted(run, source, **kwargs):
        import_orders(source, file_name=run.file_name, import_run=run)
        raise KeyboardInterrupt

    run = run_after_stopping(orders_file, writes_then_interrupted, KeyboardInterrupt)
    assert (run.status, run.message) == (ImportRun.Status.SUCCEEDED, command.INTERRUPTED_AFTER_WRITING)
    assert Order.objects.count() == 3


def test_a_command_stopped_with_sigterm_fails_its_run_and_exits(orders_file):
    def killed_once_checked(self, phase, done, total):
        if phase == "writing":
            os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.getsignal(signal.SIGTERM)
    with (
        mock.patch.object(command.Command, "_progress", killed_once_checked),
        pytest.raises(SystemExit) as exited,
    ):
        import_with_the_command(orders_file)
    assert exited.value.code == 128 + signal.SIGTERM
    run = ImportRun.objects.get()
    assert (run.status, run.message) == (ImportRun.Status.FAILED, command.INTERRUPTED)
    assert stored() == NOTHING
    assert signal.getsignal(signal.SIGTERM) is previous
