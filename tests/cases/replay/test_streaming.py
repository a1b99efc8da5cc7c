"""The replay at scale: stored past cases stream through batches, and through processes on
PostgreSQL, into one report that counts everything and lists the first few; the review flags of rules.md
section 6 are left out of stored replays and the report says so."""

import json
from datetime import UTC, datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.intake.bundles.reader import read_bundle
from cases.models import Case, Order, PastDecision, ReplayRun
from cases.replay import KEEP, render_report
from cases.replay import engine as replay_engine
from cases.replay import runs as replay_runs
from cases.replay.engine import REVIEW_NOTE, replay_all, replay_bundle, replay_orders, replayed_orders
from cases.replay.tasks import replay_past_cases_task
from policies.models import Policy
from staletrack.processes import can_fork
from tests.helpers.replay_bundles import many_past_cases, write_bundle

CASES = 80


def import_many(tmp_path) -> list[int]:
    """The orders of many_past_cases, stored with their past decisions; their keys in bundle order."""
    call_command("import_cases", str(write_bundle(tmp_path, many_past_cases(CASES))), stdout=StringIO())
    Policy.objects.filter(version=1).update(activated_at=datetime(2026, 1, 1, tzinfo=UTC))
    by_id = dict(Order.objects.values_list("order_id", "pk"))
    return [by_id[f"#M{i:04d}"] for i in range(CASES)]


@pytest.fixture
def many(tmp_path, db) -> list[int]:
    return import_many(tmp_path)


def counts(report) -> dict:
    """Everything a report says except its listed cases."""
    data = report.to_dict()
    for key in ("disagreements", "not_comparable", "skipped"):
        data.pop(key)
    return data


def test_the_generated_past_cases_exercise_every_part_of_the_report(many):
    report = replay_orders(many)
    assert report.cases == CASES
    assert report.next_move.compared > 40 and 0 < report.next_move.agreed < report.next_move.compared
    assert report.disagreements_total > 20 and report.not_comparable_total > 10
    assert len(report.per_case_type) >= 5


@pytest.mark.parametrize("batch_size", [1, 7, 13])
def test_a_replay_in_several_batches_gives_the_report_of_one_batch(many, batch_size):
    one = replay_orders(many)  # BATCH is 5,000: one batch
    assert replay_orders(many, batch_size=batch_size).to_dict() == one.to_dict()


def test_the_streamed_report_is_the_report_of_every_packet_held_at_once(many):
    assert replay_orders(many, batch_size=7).to_dict() == replayed_orders(many).report().to_dict()


def test_listed_cases_follow_the_order_asked_for_whatever_the_batches(many):
    backwards = list(reversed(many))
    report = replay_orders(backwards, batch_size=7)
    place = {order_id: i for i, order_id in enumerate(f"#M{i:04d}" for i in reversed(range(CASES)))}
    listed = [item.order_id for item in report.disagreements]
    assert listed == sorted(listed, key=place.__getitem__)
    assert list(report.not_comparable) == sorted(report.not_comparable, key=place.__getitem__)


def test_a_report_lists_at_most_keep_disagreements_and_counts_them_all(many):
    full = replay_orders(many)
    capped = replay_orders(many, batch_size=7, keep=5)
    assert KEEP == 1000
    assert len(full.disagreements) == full.disagreements_total  # under KEEP: all listed
    assert capped.disagreements == full.disagreements[:5]
    assert capped.disagreements_total == full.disagreements_total
    assert capped.more_disagreements == full.disagreements_total - 5
    assert capped.not_comparable == full.not_comparable[:5]
    assert capped.not_comparable_total == full.not_comparable_total
    assert counts(capped) == counts(full)
    text = render_report(capped)
    assert f"Disagreements: {full.disagreements_total} (the first 5 listed)" in text
    assert f"and {full.disagreements_total - 5} more disagreements, not listed." in text
    assert f", and {full.not_comparable_total - 5} more" in text


def test_orders_that_cannot_be_replayed_are_listed_up_to_keep_and_counted(many):
    PastDecision.objects.filter(order_id__in=many[10:20]).delete()
    report = replay_orders(many, batch_size=7, keep=3)
    assert report.cases == CASES - 10
    assert report.skipped == tuple(
        (f"#M{i:04d}", "no past decision recorded (decided_at)") for i in range(10, 13)
    )
    assert report.skipped_total == 10
    assert "Not replayed: 10" in render_report(report)


def test_decisions_before_any_activation_are_named_up_to_keep(many):
    Policy.objects.filter(version=1).update(activated_at=datetime(2027, 1, 1, tzinfo=UTC))
    report = replay_orders(many, batch_size=7, keep=2)
    (note,) = [note for note in report.notes if "before any policy version was activated" in note]
    assert note.startswith(f"{CASES} decided before any policy version was activated")
    assert note.endswith(f"the oldest version: #M0000, #M0001, and {CASES - 2} more.")


def test_a_stored_replay_says_review_flags_are_not_replayed_and_a_bundle_replay_keeps_them(many):
    assert REVIEW_NOTE in replay_all().notes
    assert REVIEW_NOTE in replay_orders([]).notes
    assert REVIEW_NOTE not in replay_bundle(read_bundle(json.dumps(many_past_cases(10)))).notes
    assert "review" in REVIEW_NOTE and "never change the case type, risk level or next move" in REVIEW_NOTE


def test_the_command_lists_as_many_as_asked(many):
    out = StringIO()
    call_command("replay", "--all", "--list", "3", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert len(data["disagreements"]) == 3
    assert data["disagreements_total"] == replay_all().disagreements_total
    assert REVIEW_NOTE in data["notes"]


# The admin ------------------------------------------------------------------------------------------


def test_the_page_carries_the_selection_back_in_one_field(client, many, staff):
    """One hidden field per case would pass Django's 1,000-field limit on a post."""
    client.force_login(staff)
    pks = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    response = client.post(
        reverse("admin:cases_case_replay"), {"cases": ",".join(map(str, pks)), "policy": "v1"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'name="cases" value="{",".join(map(str, pks))}"' in page
    assert 'name="case"' not in page
    assert f"{CASES} chosen cases" in page


def test_the_page_replays_every_stored_case_and_says_how_many_disagreements_are_not_shown(
    client, many, staff
):
    """Every stored case replays in the background (test_runs.py beside this one); its run page shows it."""
    client.force_login(staff)
    full = replay_all()
    response = client.post(reverse("admin:cases_case_replay"), {"all": "1"})
    assert response.status_code == 302

    def keep_four(policy=None, processes=1):
        return replay_all(policy=policy, keep=4)

    with mock.patch.object(replay_runs, "replay_all", keep_four):
        replay_past_cases_task.run(ReplayRun.objects.get().pk)
    response = client.get(response.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Disagreements ({full.disagreements_total})" in page
    assert f"{full.disagreements_total - 4} more are not" in page
    assert page.count('class="disagreement"') == 4


# Processes (PostgreSQL) ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_processes_give_the_same_report_as_one(tmp_path):
    pks = import_many(tmp_path)
    one = replay_orders(pks, batch_size=7)
    capped = replay_orders(pks, batch_size=7, keep=5)
    assert can_fork()  # so processes=2 really forks here
    with mock.patch.object(
        replay_engine, "_replay_batches", wraps=replay_engine._replay_batches
    ) as in_this_process:
        two = replay_orders(pks, batch_size=7, processes=2)
        two_capped = replay_orders(pks, batch_size=7, processes=2, keep=5)
    assert in_this_process.call_count == 0  # every batch ran in a child
    assert two.to_dict() == one.to_dict()
    assert two_capped.to_dict() == capped.to_dict()
    assert Order.objects.count() == CASES  # this process's connection works again after the fork
