"""Beat fails the stored runs that can no longer finish (staletrack.runs.fail_lost_runs): pages only read,
so without it a lost import, replay or what-if run stays pending or running for ever in the admin lists.
It fails them by the one rule the pages use (`run_is_lost`, in SQL `lost_runs`) in one conditional UPDATE
per kind, and a task delivered after its run was failed refuses it."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import post_init
from django.urls import reverse
from django.utils import timezone

from cases.intake.order_import import create_run
from cases.intake.tasks import import_orders_task
from cases.models import LOST_AFTER_WRITING, LOST_COMMAND_MESSAGE, ORDERS_IMPORTED, ImportRun, ReplayRun
from cases.replay.tasks import replay_past_cases_task
from cases.services.audit import audit_event
from cases.tasks import fail_lost_runs_task
from policies.models import Policy, WhatIfRun
from policies.whatif.tasks import what_if_policy_task
from staletrack.runs import (
    HEARTBEAT_SECONDS,
    HEARTBEAT_TIMEOUT,
    LOST_RUN_MESSAGE,
    fail_lost_runs,
    lost_runs,
    task_time_limit,
    visibility_timeout,
)
from tests.factories import UserFactory
from tests.helpers.order_files import three_orders
from tests.helpers.stored_rows import NOTHING, stored

pytestmark = pytest.mark.django_db

WAITED_TOO_LONG = visibility_timeout() + timedelta(minutes=1)
TASKS = (import_orders_task, replay_past_cases_task, what_if_policy_task)
RAN_TOO_LONG = timedelta(seconds=max(task.time_limit for task in TASKS) + 60)


def import_run(**fields) -> ImportRun:
    return ImportRun.objects.create(kind=ImportRun.Kind.ORDERS, file_name="orders.csv", **fields)


def what_if_run(**fields) -> WhatIfRun:
    return WhatIfRun.objects.create(draft=Policy.objects.get(is_active=True), as_of=timezone.now(), **fields)


# Each kind: its model, how to make a run, and the field its failure is written to.
KINDS = {
    "import": (ImportRun, import_run, "message"),
    "replay": (ReplayRun, ReplayRun.objects.create, "error"),
    "what-if": (WhatIfRun, what_if_run, "error"),
}


def aged(make, *, status: str, created: timedelta, started: timedelta | None = None):
    """A run of the kind `make` makes, in `status`, created `created` and started `started` ago."""
    run = make()
    now = timezone.now()
    type(run).objects.filter(pk=run.pk).update(
        status=status, created_at=now - created, started_at=now - started if started is not None else None
    )
    run.refresh_from_db()
    return run


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("state", ["waited", "ran"])
def test_beat_fails_a_lost_run_of_every_kind_with_the_lost_message(kind, state):
    model, make, message_field = KINDS[kind]
    if state == "waited":
        run = aged(make, status=model.WAITING, created=WAITED_TOO_LONG)
    else:
        run = aged(make, status=model.RUNNING, created=WAITED_TOO_LONG * 2, started=RAN_TOO_LONG)
    assert run.lost
    fail_lost_runs_task.run()
    run.refresh_from_db()
    assert run.status == model.Status.FAILED
    assert getattr(run, message_field) == LOST_RUN_MESSAGE
    assert run.finished_at is not None and not run.lost


@pytest.mark.parametrize("kind", KINDS)
def test_beat_leaves_runs_that_can_still_finish_and_finished_runs_alone(kind):
    model, make, message_field = KINDS[kind]
    waiting = aged(make, status=model.WAITING, created=timedelta(minutes=5))
    running = aged(make, status=model.RUNNING, created=WAITED_TOO_LONG, started=timedelta(minutes=5))
    # finished long ago: the UPDATE's status condition leaves a run that finished meanwhile as it is
    done = aged(make, status=model.Status.FAILED, created=WAITED_TOO_LONG, started=RAN_TOO_LONG)
    model.objects.filter(pk=done.pk).update(**{message_field: "its own reason"})
    before = list(model.objects.order_by("pk").values())
    fail_lost_runs()
    assert list(model.objects.order_by("pk").values()) == before
    assert not any(run.lost for run in (waiting, running, done))


def command_run(*, started: timedelta, heartbeat: timedelta | None) -> ImportRun:
    """An import the import_orders command runs, started `started` ago, its last heartbeat `heartbeat`
    ago (None: it never wrote one)."""
    run = aged(
        lambda: import_run(runs_in=ImportRun.RunsIn.COMMAND),
        status=ImportRun.Status.RUNNING,
        created=started,
        started=started,
    )
    if heartbeat is not None:
        ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - heartbeat)
        run.refresh_from_db()
    return run


def test_beat_leaves_an_import_the_command_runs_alone_however_long_it_runs_while_its_heartbeat_comes():
    run = command_run(started=timedelta(hours=5), heartbeat=timedelta(seconds=HEARTBEAT_SECONDS))
    assert not run.lost
    assert fail_lost_runs()["cases.ImportRun"] == 0
    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING


@pytest.mark.parametrize("heartbeat", [HEARTBEAT_TIMEOUT + timedelta(minutes=1), None])
def test_beat_fails_a_command_import_whose_heartbeat_stopped_saying_the_command_stopped(heartbeat):
    """A command killed without a word (SIGKILL, out of memory, its machine gone) ran nothing that could
    mark its run: its heartbeat stops, and after HEARTBEAT_TIMEOUT its run is lost."""
    run = command_run(started=HEARTBEAT_TIMEOUT + timedelta(minutes=2), heartbeat=heartbeat)
    assert run.lost
    assert fail_lost_runs()["cases.ImportRun"] == 1
    run.refresh_from_db()
    assert (run.status, run.message) == (ImportRun.Status.FAILED, LOST_COMMAND_MESSAGE)


def test_a_command_import_silent_for_the_heartbeat_timeout_shows_the_command_lost_on_its_page(client):
    client.force_login(UserFactory(username="stan", role="Staff"))
    run = command_run(started=timedelta(hours=1), heartbeat=HEARTBEAT_TIMEOUT + timedelta(minutes=1))
    payload = client.get(reverse("admin:cases_importrun_status", args=[run.pk])).json()
    assert (payload["lost"], payload["finished"], payload["message"]) == (True, True, LOST_COMMAND_MESSAGE)


def test_a_lost_import_whose_transaction_committed_is_ended_as_written_not_failed():
    """The worker or command died between the import's commit and the run's last save: the orders are
    written, so beat must not say nothing was; the import's audit event has the counts."""
    run = aged(import_run, status=ImportRun.Status.RUNNING, created=RAN_TOO_LONG, started=RAN_TOO_LONG)
    audit_event(action=ORDERS_IMPORTED, obj=run, via="import_orders task", changes={"created": 3})
    assert run.lost_message == LOST_AFTER_WRITING
    fail_lost_runs()
    run.refresh_from_db()
    assert (run.status, run.message) == (ImportRun.Status.SUCCEEDED, LOST_AFTER_WRITING)


@pytest.mark.parametrize("kind", KINDS)
def test_beats_sql_and_the_pages_rule_find_the_same_runs_lost(kind):
    """`lost_runs` is `run_is_lost` in SQL: for runs on either side of both bounds, in every status."""
    model, make, _ = KINDS[kind]
    margin = timedelta(minutes=1)
    limit = timedelta(seconds=task_time_limit(model))
    for status in model.Status.values:
        for created in (visibility_timeout() - margin, visibility_timeout() + margin):
            aged(make, status=status, created=created)
            for started in (limit - margin, limit + margin):
                aged(make, status=status, created=created, started=started)
    if model is ImportRun:
        aged(lambda: import_run(runs_in="command"), status="running", created=limit * 3, started=limit * 2)
        for started in (HEARTBEAT_TIMEOUT - margin, HEARTBEAT_TIMEOUT + margin):
            for heartbeat in (None, HEARTBEAT_TIMEOUT - margin, HEARTBEAT_TIMEOUT + margin):
                command_run(started=started, heartbeat=heartbeat)
    by_the_page = {run.pk for run in model.objects.all() if run.lost}
    by_beat = set(model.objects.filter(lost_runs(model, timezone.now())).values_list("pk", flat=True))
    assert by_beat == by_the_page
    assert by_the_page  # the grid has lost runs in it


def test_beat_runs_the_task_every_ten_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["fail-lost-runs"]
    assert (entry["task"], entry["schedule"]) == (fail_lost_runs_task.name, 600.0)


# --- a task delivered after beat failed its run --------------------------------------------------------


@pytest.mark.parametrize(
    "kind, task, work",
    [
        ("import", import_orders_task, "cases.intake.order_import.import_orders"),
        ("replay", replay_past_cases_task, "cases.replay.runs.replay_all"),
        ("what-if", what_if_policy_task, "policies.whatif.runs.what_if"),
    ],
)
def test_a_task_delivered_after_beat_failed_its_run_does_not_run_it(kind, task, work):
    model, make, message_field = KINDS[kind]
    run = aged(make, status=model.WAITING, created=WAITED_TOO_LONG)
    fail_lost_runs()
    with mock.patch(work) as worked:
        assert task.run(run.pk) == {"run": run.pk, "status": "failed"}
    worked.assert_not_called()
    run.refresh_from_db()
    assert (run.status, getattr(run, message_field)) == ("failed", LOST_RUN_MESSAGE)


def test_an_import_beat_fails_just_after_its_task_read_the_run_is_not_imported(settings, tmp_path):
    """The task reads the run, then claims it in one conditional UPDATE: beat failing the run in between
    (it had waited the whole visibility timeout) wins, and nothing is imported under the failed row."""
    settings.MEDIA_ROOT = tmp_path
    run = create_run(file_name="big.csv", upload=SimpleUploadedFile("big.csv", three_orders()))
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - WAITED_TOO_LONG)

    def beat_right_after_the_read(sender, instance, **kwargs):
        if instance.pk == run.pk:
            post_init.disconnect(beat_right_after_the_read, sender=ImportRun)
            fail_lost_runs()

    post_init.connect(beat_right_after_the_read, sender=ImportRun)
    try:
        assert import_orders_task.run(run.pk) == {"run": run.pk, "status": "failed"}
    finally:
        post_init.disconnect(beat_right_after_the_read, sender=ImportRun)
    run.refresh_from_db()
    assert (run.status, run.message) == ("failed", LOST_RUN_MESSAGE)
    assert stored() == NOTHING


def test_beat_deletes_the_upload_of_an_import_run_it_fails(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    """Customer data kept for nothing: the failed run's page asks for the file again."""
    settings.MEDIA_ROOT = tmp_path
    run = create_run(file_name="big.csv", upload=SimpleUploadedFile("big.csv", three_orders()))
    stored_file = tmp_path / run.file.name
    assert stored_file.exists()
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - WAITED_TOO_LONG)
    with django_capture_on_commit_callbacks(execute=True):
        fail_lost_runs()
    run.refresh_from_db()
    assert (run.status, run.file.name) == ("failed", "")
    assert not stored_file.exists()
