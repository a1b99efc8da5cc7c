"""The stored-run lifecycle every kind of run shares (staletrack.runners.StoredRunner): a run is claimed
once, while it is unfinished; it finishes with the fields its kind gives, or fails saying why, a crash
with its traceback in the log and an expected error without; a run that cannot be claimed is left alone."""

from __future__ import annotations

import logging

import pytest

from cases.models import ReplayRun
from staletrack.runners import StoredRunner

pytestmark = pytest.mark.django_db


class CountingRunner(StoredRunner):
    """A kind of run whose work is `work(run)`, the number of cases it stores."""

    model = ReplayRun
    label = "Counting run"
    expected = (ValueError,)

    def __init__(self, work) -> None:
        super().__init__()
        self.work = work
        self.ended = []  # (status, result) as `after` saw them

    def run(self, run):
        return self.work(run)

    def finished(self, run, result) -> dict:
        return {"status": ReplayRun.Status.DONE, "cases_replayed": result}

    def task_result(self, run) -> dict:
        return {"cases": run.cases_replayed}

    def after(self, run, result) -> None:
        self.ended.append((run.status, result))


def raising(error: Exception):
    def work(run):
        raise error

    return work


def test_a_waiting_run_is_claimed_run_and_finished_with_the_fields_its_kind_gives():
    run = ReplayRun.objects.create()
    seen = []

    def work(claimed):
        seen.append((claimed.status, claimed.started_at is not None))
        return 7

    runner = CountingRunner(work)
    assert runner.handle(run.pk) == {"run": run.pk, "status": "done", "cases": 7}
    assert seen == [("running", True)]  # the claimed instance says what its row says
    run.refresh_from_db()
    assert (run.status, run.cases_replayed, run.error) == ("done", 7, "")
    assert run.started_at <= run.finished_at
    assert runner.ended == [("done", 7)]


def test_a_run_that_ended_is_not_run_again():
    run = ReplayRun.objects.create()
    CountingRunner(lambda run: 7).handle(run.pk)
    again = CountingRunner(raising(AssertionError("ran twice")))
    assert again.handle(run.pk) == {"run": run.pk, "status": "done"}
    assert again.execute(ReplayRun.objects.get(pk=run.pk)) is None
    assert again.ended == []


def test_a_run_left_running_is_run_again():
    run = ReplayRun.objects.create()
    ReplayRun.objects.filter(pk=run.pk).update(status=ReplayRun.Status.RUNNING)
    assert CountingRunner(lambda run: 3).execute(run) == 3
    assert (run.status, run.cases_replayed) == ("done", 3)  # read again once it ended


def test_a_crash_fails_the_run_saying_why_and_logs_the_traceback(caplog):
    run = ReplayRun.objects.create()
    runner = CountingRunner(raising(RuntimeError("database went away")))
    with caplog.at_level(logging.ERROR):
        assert runner.handle(run.pk) == {"run": run.pk, "status": "failed", "cases": 0}
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "RuntimeError: database went away")
    assert run.finished_at is not None
    assert [(r.getMessage(), r.exc_info is not None) for r in caplog.records] == [
        (f"Counting run {run.pk} failed", True)
    ]
    assert runner.ended == [("failed", None)]


def test_an_expected_error_fails_the_run_without_a_traceback(caplog):
    run = ReplayRun.objects.create()
    with caplog.at_level(logging.ERROR):
        CountingRunner(raising(ValueError("no such file"))).handle(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "ValueError: no such file")
    assert caplog.records == []


def test_a_task_for_a_missing_run_does_nothing():
    runner = CountingRunner(raising(AssertionError("ran")))
    assert runner.handle(123456) == {"run": 123456, "status": "missing"}
