"""Background replays of every stored past case: the page's button records a queued ReplayRun and
queues a Celery task after commit; the task stores the report `replay_all` gives; the run page follows the
run and renders that report. A click while a run with the same policy is under way joins it; the run page
has its own URL (the older `?run=<id>` redirects there). Re-delivered tasks change nothing; failures say
why; the replay page's own permission guards every view."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from cases.models import ReplayRun
from cases.replay import runs as replay_runs
from cases.replay.engine import replay_all
from cases.replay.runs import ReplayRunner, report_from_dict, start_replay_run
from cases.replay.tasks import replay_past_cases_task
from cases.replay.views import ALL_SOURCE, RUN_TEMPLATE, UNDER_WAY, _view
from policies.models import Policy
from staletrack.runs import LOST_RUN_MESSAGE
from tests.factories import UserFactory
from tests.helpers.concurrent_starts import start_twice_at_once
from tests.helpers.replay_bundles import basic_with_actuals, write_bundle

REPLAY_URL = "admin:cases_case_replay"
RUN_URL = "admin:cases_case_replay_run"


@pytest.fixture
def nobody(db):
    """A staff user (is_staff) without the replay page's permission (cases.view_case)."""
    return UserFactory(username="nobody")


def run_page(run: ReplayRun) -> str:
    return reverse(RUN_URL, args=[run.pk])


def old_run_page(run_id) -> str:
    """A run page's address before it had its own URL, as bookmarks still have it."""
    return f"{reverse(REPLAY_URL)}?run={run_id}"


def stored(run: ReplayRun) -> tuple:
    run.refresh_from_db()
    return (
        run.status,
        run.started_at,
        run.finished_at,
        run.cases_replayed,
        run.compared,
        run.agreed,
        run.report,
        run.error,
    )


# Starting a run ---------------------------------------------------------------------------------------


def test_the_replay_every_case_button_records_a_queued_run_and_redirects_to_its_page(
    client, imported, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with (
        mock.patch.object(replay_runs, "replay_all") as replayed_in_the_request,
        mock.patch.object(replay_past_cases_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse(REPLAY_URL), {"all": "1", "policy": ""})
    run = ReplayRun.objects.get()
    assert response.status_code == 302
    assert response.url == run_page(run)
    assert (run.status, run.created_by, run.policy, run.report) == ("queued", staff, None, None)
    delay.assert_called_once_with(run.pk)
    replayed_in_the_request.assert_not_called()


def test_the_policy_chosen_on_the_page_is_the_runs(client, imported, staff):
    client.force_login(staff)
    client.post(reverse(REPLAY_URL), {"all": "1", "policy": "v1"})
    run = ReplayRun.objects.get()
    assert run.policy == Policy.objects.get(version=1)
    replay_past_cases_task.run(run.pk)
    run.refresh_from_db()
    assert "Policy v1 (chosen) for every case." in run.report["notes"]


def test_an_unknown_policy_version_starts_no_run(client, imported, staff):
    client.force_login(staff)
    response = client.post(reverse(REPLAY_URL), {"all": "1", "policy": "v9"})
    assert response.status_code == 400
    assert "No policy version" in response.content.decode()
    assert not ReplayRun.objects.exists()


def test_a_get_with_all_starts_no_run(client, imported, staff):
    client.force_login(staff)
    assert client.get(reverse(REPLAY_URL), {"all": "1"}).status_code == 200
    assert not ReplayRun.objects.exists()


def test_two_posts_of_the_button_give_one_run_and_both_redirect_to_its_page(
    client, imported, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    other = Client()  # a second person, or the same one clicking twice: the run is not per person
    other.force_login(UserFactory(username="sue", role="Staff"))
    with (
        mock.patch.object(replay_past_cases_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = client.post(reverse(REPLAY_URL), {"all": "1", "policy": "v1"})
        second = other.post(reverse(REPLAY_URL), {"all": "1", "policy": "v1"})
    run = ReplayRun.objects.get()
    assert (first.status_code, first.url) == (302, run_page(run))
    assert (second.status_code, second.url) == (302, run_page(run))
    delay.assert_called_once_with(run.pk)


@pytest.mark.parametrize("status", ["queued", "running"])
def test_a_post_that_joins_a_run_under_way_says_so_on_its_page(client, imported, staff, status):
    client.force_login(staff)
    run, _ = start_replay_run(actor=staff)
    started = datetime.now(UTC) if status == "running" else None
    ReplayRun.objects.filter(pk=run.pk).update(status=status, started_at=started)
    response = client.post(reverse(REPLAY_URL), {"all": "1", "policy": ""}, follow=True)
    assert response.redirect_chain == [(run_page(run), 302)]
    assert [str(message) for message in response.context["messages"]] == [UNDER_WAY]
    assert UNDER_WAY in response.content.decode()
    assert ReplayRun.objects.count() == 1


def test_a_post_with_another_policy_starts_a_second_run_which_that_policy_then_joins(client, imported, staff):
    client.force_login(staff)
    in_force = client.post(reverse(REPLAY_URL), {"all": "1", "policy": ""})
    chosen = client.post(reverse(REPLAY_URL), {"all": "1", "policy": "v1"})
    again = client.post(reverse(REPLAY_URL), {"all": "1", "policy": "v1"})
    runs = {run.policy: run for run in ReplayRun.objects.all()}
    v1 = Policy.objects.get(version=1)
    assert set(runs) == {None, v1}
    assert in_force.url == run_page(runs[None])
    assert chosen.url == again.url == run_page(runs[v1])


@pytest.mark.parametrize(
    "status, lost",
    [
        ("queued", {"created_at": timedelta(hours=1, minutes=1)}),
        ("running", {"started_at": timedelta(seconds=replay_past_cases_task.time_limit + 60)}),
    ],
)
def test_a_run_that_can_no_longer_finish_is_not_joined_the_next_post_starts_a_new_one(
    client, imported, staff, status, lost
):
    client.force_login(staff)
    stuck, _ = start_replay_run(actor=staff)
    now = datetime.now(UTC)
    ReplayRun.objects.filter(pk=stuck.pk).update(
        status=status, **{field: now - age for field, age in lost.items()}
    )
    response = client.post(reverse(REPLAY_URL), {"all": "1", "policy": ""})
    new = ReplayRun.objects.exclude(pk=stuck.pk).get()
    assert response.url == run_page(new)


@pytest.mark.parametrize("status", ["done", "failed"])
def test_a_finished_run_is_not_reused_the_next_post_starts_a_new_one(client, imported, staff, status):
    client.force_login(staff)
    finished, _ = start_replay_run(actor=staff)
    ReplayRun.objects.filter(pk=finished.pk).update(status=status, finished_at=datetime.now(UTC))
    response = client.post(reverse(REPLAY_URL), {"all": "1", "policy": ""}, follow=True)
    again = client.post(reverse(REPLAY_URL), {"all": "1", "policy": ""})
    new = ReplayRun.objects.exclude(pk=finished.pk).get()  # the second post joined the new run
    assert response.redirect_chain == [(run_page(new), 302)] and again.url == run_page(new)
    assert UNDER_WAY not in response.content.decode()
    assert new.status == "queued"


def test_a_broker_that_cannot_be_reached_fails_the_run_with_the_reason(
    imported, staff, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(replay_past_cases_task, "delay", side_effect=ConnectionError("refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run, _ = start_replay_run(actor=staff)
    run.refresh_from_db()
    assert run.status == "failed"
    assert run.error.startswith("Could not start the background replay (ConnectionError)")
    assert run.finished_at is not None


# Running it -------------------------------------------------------------------------------------------


def test_the_task_stores_the_report_replay_all_gives(imported, staff):
    run, _ = start_replay_run(actor=staff)
    result = replay_past_cases_task.run(run.pk)
    expected = replay_all()
    run.refresh_from_db()
    assert result == {"run": run.pk, "status": "done", "cases": 9, "agreed": 5}
    assert (run.status, run.error) == ("done", "")
    assert run.started_at <= run.finished_at
    assert (run.cases_replayed, run.compared, run.agreed) == (expected.cases, 7, 5)
    assert (run.compared, run.agreed) == (expected.next_move.compared, expected.next_move.agreed)
    assert run.report == expected.to_dict()
    assert report_from_dict(run.report) == expected


def test_a_redelivered_task_on_a_done_run_changes_nothing(imported, staff):
    run, _ = start_replay_run(actor=staff)
    replay_past_cases_task.run(run.pk)
    before = stored(run)
    with mock.patch.object(replay_runs, "replay_all") as replayed_again:
        assert replay_past_cases_task.run(run.pk) == {"run": run.pk, "status": "done"}
        ReplayRunner().execute(run)  # the runner refuses too, whoever calls it
    replayed_again.assert_not_called()
    assert stored(run) == before


def test_a_run_left_running_by_a_worker_that_died_is_replayed_again(imported, staff):
    run, _ = start_replay_run(actor=staff)
    ReplayRun.objects.filter(pk=run.pk).update(status="running")
    assert replay_past_cases_task.run(run.pk)["status"] == "done"
    run.refresh_from_db()
    assert run.report == replay_all().to_dict()


def test_a_failing_replay_marks_the_run_failed_with_the_error(imported, staff):
    run, _ = start_replay_run(actor=staff)
    with mock.patch.object(replay_runs, "replay_all", side_effect=RuntimeError("database went away")):
        result = replay_past_cases_task.run(run.pk)
    run.refresh_from_db()
    assert result["status"] == "failed"
    assert (run.status, run.error, run.report) == ("failed", "RuntimeError: database went away", None)
    assert run.finished_at is not None
    assert replay_past_cases_task.run(run.pk) == {"run": run.pk, "status": "failed"}  # left alone


def test_a_task_for_a_run_that_no_longer_exists_does_nothing(db):
    assert replay_past_cases_task.run(123456) == {"run": 123456, "status": "missing"}


# The run page -----------------------------------------------------------------------------------------


def test_the_run_page_has_its_own_url(client, imported, staff):
    client.force_login(staff)
    run, _ = start_replay_run(actor=staff)
    response = client.get(f"/admin/cases/case/replay/runs/{run.pk}/")
    assert response.status_code == 200
    assert response.templates[0].name == RUN_TEMPLATE
    assert response.context["run"] == run


def test_the_old_run_url_redirects_to_the_runs_own_url(client, imported, staff):
    client.force_login(staff)
    run, _ = start_replay_run(actor=staff)
    response = client.get(old_run_page(run.pk))
    assert (response.status_code, response.url) == (302, run_page(run))


def test_the_run_page_refreshes_itself_while_the_run_is_queued(client, imported, staff):
    client.force_login(staff)
    run, _ = start_replay_run(actor=staff)
    page = client.get(run_page(run)).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "Queued" in page
    assert 'id="replay-report"' not in page


def test_the_run_page_of_a_run_running_longer_than_its_time_limit_says_it_was_lost_and_stops_refreshing(
    client, imported, staff
):
    client.force_login(staff)
    run, _ = start_replay_run(actor=staff)
    started = datetime.now(UTC) - timedelta(seconds=replay_past_cases_task.time_limit + 60)
    ReplayRun.objects.filter(pk=run.pk).update(status=ReplayRun.Status.RUNNING, started_at=started)
    before = stored(run)
    page = client.get(run_page(run)).content.decode()
    assert f'id="replay-run-lost">{LOST_RUN_MESSAGE}<' in page
    assert 'http-equiv="refresh"' not in page
    assert stored(run) == before  # the page only reads: the run stays as the worker left it


def test_the_run_page_of_a_run_that_just_started_still_refreshes(client, imported, staff):
    client.force_login(staff)
    run, _ = start_replay_run(actor=staff)
    ReplayRun.objects.filter(pk=run.pk).update(status=ReplayRun.Status.RUNNING, started_at=datetime.now(UTC))
    page = client.get(run_page(run)).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert LOST_RUN_MESSAGE not in page


def test_the_run_page_shows_the_report_when_done(client, imported, staff):
    client.force_login(staff)
    client.post(reverse(REPLAY_URL), {"all": "1"})
    run = ReplayRun.objects.get()
    replay_past_cases_task.run(run.pk)
    response = client.get(run_page(run))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "5 of 7</strong>" in page
    assert "delivered 3 days later" in page
    report = replay_all()
    section = render_to_string(
        "admin/cases/replay/report.html", {"report": report, "view": _view(report), "source": ALL_SOURCE}
    )
    assert section in page  # exactly what the page rendered when it replayed in the request


def test_the_run_page_shows_why_a_run_failed(client, imported, staff):
    client.force_login(staff)
    run, _ = start_replay_run(actor=staff)
    with mock.patch.object(replay_runs, "replay_all", side_effect=RuntimeError("database went away")):
        replay_past_cases_task.run(run.pk)
    page = client.get(run_page(run)).content.decode()
    assert 'id="replay-run-error">RuntimeError: database went away<' in page
    assert 'http-equiv="refresh"' not in page and 'id="replay-report"' not in page


def test_the_replay_page_lists_the_runs(client, imported, staff):
    client.force_login(staff)
    run, _ = start_replay_run(actor=staff)
    page = client.get(reverse(REPLAY_URL)).content.decode()
    assert f'href="{run_page(run)}"' in page


def test_an_unknown_run_is_404(client, imported, staff):
    client.force_login(staff)
    assert client.get(reverse(RUN_URL, args=[999999])).status_code == 404
    assert client.get(old_run_page(999999)).status_code == 404
    assert client.get(old_run_page("x")).status_code == 404


# Permission -------------------------------------------------------------------------------------------


def test_staff_without_the_replay_permission_get_403_on_the_start_and_the_run_page(
    client, imported, staff, nobody
):
    run, _ = start_replay_run(actor=staff)
    client.force_login(nobody)
    assert client.post(reverse(REPLAY_URL), {"all": "1"}).status_code == 403
    assert client.get(run_page(run)).status_code == 403
    assert client.get(old_run_page(run.pk)).status_code == 403
    assert ReplayRun.objects.count() == 1
    with pytest.raises(PermissionDenied):
        start_replay_run(actor=nobody)
    assert ReplayRun.objects.count() == 1


# PostgreSQL: the task as a worker runs it, after the commit -----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_the_queued_task_replays_after_commit_and_stores_the_report_replay_all_gives(
    spec_dir, tmp_path
):
    call_command("import_cases", str(write_bundle(tmp_path, basic_with_actuals(spec_dir))), stdout=StringIO())
    Policy.objects.filter(version=1).update(activated_at=datetime(2026, 1, 1, tzinfo=UTC))
    staff = UserFactory(username="stan", role="Staff")
    # As a worker would, once the run's row is committed: outside a transaction, as in a worker.
    worker = mock.patch.object(
        replay_past_cases_task,
        "delay",
        side_effect=lambda run_id: replay_past_cases_task.apply(args=[run_id]),
    )
    with worker as delay:
        run, _ = start_replay_run(actor=staff)
    delay.assert_called_once_with(run.pk)
    run.refresh_from_db()
    assert (run.status, run.cases_replayed, run.compared, run.agreed) == ("done", 9, 7, 5)
    assert run.report == replay_all().to_dict()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_two_starts_at_once_give_one_run():
    """The second start waits for the first one's commit and joins its run (without the lock, it would
    not see the uncommitted run and start another)."""
    staff = UserFactory(username="stan", role="Staff")
    with mock.patch.object(replay_past_cases_task, "delay") as delay:
        runs = start_twice_at_once(lambda: start_replay_run(actor=staff)[0])
    run = ReplayRun.objects.get()
    assert [r.pk for r in runs] == [run.pk, run.pk]
    delay.assert_called_once_with(run.pk)
