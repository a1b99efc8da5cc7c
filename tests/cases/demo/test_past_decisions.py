"""The demo's past decisions (cases.demo.stories.PAST_DECISIONS, written by cases.demo.seed): ten, made
after their orders and before now, that the replay scores."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import PastDecision


@pytest.mark.django_db
def test_seed_demo_leaves_ten_past_decisions_that_the_replay_scores():
    out = StringIO()
    call_command("seed_demo", orders=300, stdout=out)
    assert PastDecision.objects.count() == 10 and "10 past decisions to replay" in out.getvalue()
    assert all(d.order.ordered_at <= d.decided_at <= timezone.now() for d in PastDecision.objects.all())
    report = StringIO()
    call_command("replay", "--all", "--format", "json", stdout=report)
    assert json.loads(report.getvalue())["next_move"]["compared"] == 10
