"""A stored run whose task cannot be queued (a broker that is down) is marked failed with the reason,
never left waiting for ever (staletrack.runs.queue_run_after_commit); one whose task was lost later is
known by the rule all stored runs share (staletrack.runs.run_is_lost); a worker finds every kind's task
under the name its runs are queued by."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from cases.intake.tasks import queue_import
from cases.models import ImportRun
from staletrack.runs import HEARTBEAT_TIMEOUT, run_is_lost

pytestmark = pytest.mark.django_db


def queue_with_the_broker_down(run: ImportRun, capture_on_commit) -> None:
    with (
        mock.patch("cases.intake.tasks.import_orders_task.delay", side_effect=OperationalError("down")),
        mock.patch("staletrack.celery.logger"),
        capture_on_commit(execute=True),
    ):
        queue_import(run)
    run.refresh_from_db()


def test_an_import_run_that_cannot_be_queued_fails_saying_nothing_was_imported(
    django_capture_on_commit_callbacks,
):
    run = ImportRun.objects.create(kind=ImportRun.Kind.ORDERS, file_name="orders.csv")
    queue_with_the_broker_down(run, django_capture_on_commit_callbacks)
    assert run.status == ImportRun.Status.FAILED
    assert run.message.startswith("Could not start the background import (OperationalError)")


def test_a_run_that_already_started_is_not_marked_failed(django_capture_on_commit_callbacks):
    run = ImportRun.objects.create(kind=ImportRun.Kind.ORDERS, file_name="orders.csv")
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
    queue_with_the_broker_down(run, django_capture_on_commit_callbacks)
    assert run.status == ImportRun.Status.RUNNING


# --- the rule of a run that can no longer finish (staletrack.runs.run_is_lost) ----------------------

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
TIME_LIMIT = 1800


def lost(*, waiting=False, running=False, created=None, started=None) -> bool:
    """Whether a run created `created` and started `started` (timedeltas) before NOW is lost."""
    return run_is_lost(
        waiting=waiting,
        running=running,
        created_at=NOW - created,
        started_at=NOW - started if started is not None else None,
        time_limit=TIME_LIMIT,
        now=NOW,
    )


@pytest.mark.parametrize(
    "waited, expected", [(timedelta(seconds=3599), False), (timedelta(seconds=3600), True)]
)
def test_a_waiting_run_is_lost_once_it_has_waited_the_whole_visibility_timeout(settings, waited, expected):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    assert lost(waiting=True, created=waited) is expected


@pytest.mark.parametrize("ran, expected", [(timedelta(seconds=1799), False), (timedelta(seconds=1800), True)])
def test_a_running_run_is_lost_once_it_has_run_its_tasks_whole_time_limit_however_long_it_waited(
    ran, expected
):
    assert lost(running=True, created=timedelta(hours=5), started=ran) is expected


@pytest.mark.parametrize(
    "options, timeout",
    [({"visibility_timeout": 600}, 600), ({"store_processed": False}, 3600)],  # the second: filesystem://
)
def test_the_visibility_timeout_is_the_brokers_setting_else_3600_s(settings, options, timeout):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
    waited = [timedelta(seconds=timeout - 1), timedelta(seconds=timeout)]
    assert [lost(waiting=True, created=age) for age in waited] == [False, True]


def test_a_finished_run_is_never_lost():
    assert not lost(created=timedelta(days=30), started=timedelta(days=30))


def outside_a_worker_lost(*, started: timedelta, heartbeat: timedelta | None) -> bool:
    """time_limit None: an import the import_orders command runs in its own process, which no task's
    time limit stops; it writes a heartbeat instead."""
    return run_is_lost(
        waiting=False,
        running=True,
        created_at=NOW - started,
        started_at=NOW - started,
        time_limit=None,
        now=NOW,
        heartbeat_at=NOW - heartbeat if heartbeat is not None else None,
    )


def test_a_run_outside_a_worker_is_not_lost_however_long_it_runs_while_its_heartbeat_comes():
    assert not outside_a_worker_lost(started=timedelta(days=2), heartbeat=timedelta(seconds=30))


@pytest.mark.parametrize(
    "silent, expected", [(HEARTBEAT_TIMEOUT - timedelta(seconds=1), False), (HEARTBEAT_TIMEOUT, True)]
)
def test_a_run_outside_a_worker_is_lost_once_its_heartbeat_is_silent_for_the_timeout(silent, expected):
    assert outside_a_worker_lost(started=timedelta(days=2), heartbeat=silent) is expected


@pytest.mark.parametrize(
    "started, expected", [(HEARTBEAT_TIMEOUT - timedelta(seconds=1), False), (HEARTBEAT_TIMEOUT, True)]
)
def test_a_run_outside_a_worker_that_never_wrote_a_heartbeat_is_lost_the_timeout_after_it_started(
    started, expected
):
    assert outside_a_worker_lost(started=started, heartbeat=None) is expected


# --- the task of each kind, as a worker finds it ----------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# What a worker does at start (autodiscovery), then the name each kind's task is queued by.
WORKER = """
import json, django
django.setup()
from django.utils.module_loading import import_string
from staletrack.celery import app
from staletrack.runs import stored_run_models
app.loader.import_default_modules()
registered = set(app.tasks)
print(json.dumps({m.__name__: [import_string(m.TASK).name, import_string(m.TASK).name in registered]
                  for m in stored_run_models()}))
"""


def test_a_worker_registers_every_kinds_task_under_the_name_its_runs_are_queued_by():
    """The replay and what-if tasks live in their features' packages (cases.replay.tasks,
    policies.whatif.tasks) but keep the names runs queued before they moved there carry, and the apps'
    tasks modules import them so that autodiscovery registers them before anything imports a model's
    TASK."""
    out = subprocess.run(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "staletrack.settings"},
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == {
        "ImportRun": ["cases.intake.tasks.import_orders_task", True],
        "ReplayRun": ["cases.tasks.replay_past_cases_task", True],
        "WhatIfRun": ["policies.tasks.what_if_policy_task", True],
    }
