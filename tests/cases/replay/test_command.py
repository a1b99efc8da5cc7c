"""`manage.py replay` (cases/management/commands/replay.py): a file, chosen or every stored case, as text
or JSON; named errors. Reads only."""

import json

import pytest
from django.core.management.base import CommandError

from tests.factories import UserFactory
from tests.helpers.replay_bundles import basic_with_actuals, replay_command, write_bundle

# The command ---------------------------------------------------------------------------------------


def test_the_command_replays_a_file_as_text(past_bundle):
    text = replay_command(str(past_bundle))
    assert "Next move: 5 of 7 agreed (71.4%)" in text
    assert "Not comparable (no actual next move): 2: #1005, #1009" in text
    assert "- #1003 (stale_in_transit)" in text
    assert "outcome: delivered 3 days later" in text


def test_the_command_replays_a_file_as_json(past_bundle):
    data = json.loads(replay_command(str(past_bundle), "--format", "json"))
    assert data["next_move"] == {"agreed": 5, "compared": 7, "rate": 0.7143}
    assert data["confusion"]["counts"]["draft_update"]["escalate"] == 1
    assert [d["order_id"] for d in data["disagreements"]] == ["#1002", "#1003", "#1006"]


def test_the_command_replays_stored_cases(imported):
    data = json.loads(replay_command("--cases", "#1003", "#1006", "--format", "json"))
    assert data["cases"] == 2
    assert [d["order_id"] for d in data["disagreements"]] == ["#1003", "#1006"]


def test_the_command_replays_every_stored_case(imported):
    assert "Next move: 5 of 7 agreed" in replay_command("--all")


def test_the_command_names_an_unknown_order(imported):
    with pytest.raises(CommandError, match="No order with id #4242"):
        replay_command("--cases", "#1001", "#4242")


def test_the_command_names_an_unknown_policy_version(imported):
    with pytest.raises(CommandError, match="No policy version 'v9'"):
        replay_command("--all", "--policy", "v9")


def test_the_command_refuses_a_bad_bundle(spec_dir, tmp_path):
    document = basic_with_actuals(spec_dir)
    document["cases"][0]["actual"] = {"next_move": "panic"}
    with pytest.raises(CommandError, match="1 error"):
        replay_command(str(write_bundle(tmp_path, document)))


def test_the_command_refuses_a_user_who_may_not_view_cases(imported):
    UserFactory(username="nobody")
    with pytest.raises(CommandError, match=r"lacks the permission cases\.view_case"):
        replay_command("--all", "--as-user", "nobody")


def test_the_command_needs_exactly_one_source():
    with pytest.raises(CommandError):
        replay_command()
