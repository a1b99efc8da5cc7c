"""The dispute clock (cases.assessment.disputes): an open dispute is a disputed payment, and under three
days left to its evidence deadline without a submitted pack the case is the owner's."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from cases.assessment import assess
from cases.assessment.disputes import OWNER_DAYS, days_left, deadline_near, entry, status_at
from cases.assessment.facts import Dispute
from tests.helpers.case_builders import in_transit_case
from tests.helpers.case_pieces import at

OPENED = at(6)
DUE = at(20)


def disputed(**fields):
    dispute = Dispute(opened_at=OPENED, processor="stripe", evidence_due_by=DUE, **fields)
    return replace(in_transit_case(at(4)), disputes=(dispute,))


def test_an_open_dispute_is_chargeback_watch_before_the_last_three_days():
    packet = assess(disputed(), at(10))
    assert packet.risk_level == "chargeback_watch"
    assert packet.next_move == "escalate"
    assert packet.requires_owner_approval
    assert any("a dispute was opened on" in reason for reason in packet.reasons)


def test_exactly_three_days_left_is_not_yet_the_owners():
    packet = assess(disputed(), DUE - timedelta(days=OWNER_DAYS))
    assert packet.risk_level == "chargeback_watch"
    assert packet.dispute["days_left"] == 3
    assert packet.dispute["owner_only"] is False


def test_one_microsecond_under_three_days_is_owner_only():
    packet = assess(disputed(), DUE - timedelta(days=OWNER_DAYS) + timedelta(microseconds=1))
    assert packet.risk_level == "owner_only"
    assert packet.dispute["days_left"] == 2
    assert packet.dispute["owner_only"] is True
    assert any("under 3 days it is the owner's" in reason for reason in packet.reasons)


def test_the_packet_schedules_the_deadline_crossing_to_the_second():
    crossing = DUE - timedelta(days=OWNER_DAYS) + timedelta(seconds=1)
    packet = assess(disputed(), crossing - timedelta(hours=1))
    assert packet.next_assessment_at == crossing


def test_an_overdue_dispute_stays_owner_only_and_says_it_was_due():
    packet = assess(disputed(), DUE + timedelta(hours=5))
    assert packet.risk_level == "owner_only"
    assert packet.dispute["days_left"] == -1
    assert any("was due on" in reason for reason in packet.reasons)


def test_a_submitted_pack_takes_the_deadline_out_of_the_risk():
    packet = assess(disputed(submitted_at=at(15)), at(19))
    assert packet.risk_level == "chargeback_watch"
    assert packet.dispute["status"] == "submitted"
    assert packet.dispute["days_left"] is None


def test_before_submission_the_same_case_was_owner_only():
    case = disputed(submitted_at=at(18))
    assert assess(case, at(17, hours=12)).risk_level == "owner_only"
    assert assess(case, at(18)).risk_level == "chargeback_watch"


def test_a_closed_dispute_no_longer_raises_the_risk():
    packet = assess(disputed(closed_at=at(12), outcome="won"), at(13))
    assert packet.decision_key() == assess(in_transit_case(at(4)), at(13)).decision_key()
    assert packet.dispute["status"] == "won"


def test_a_replay_before_the_dispute_was_opened_does_not_see_it():
    packet = assess(disputed(), at(5))
    assert packet.dispute is None
    assert packet.risk_level == "normal_watch"
    assert packet.next_assessment_at <= OPENED


def test_no_deadline_is_watch_without_owner_only():
    case = replace(in_transit_case(at(4)), disputes=(Dispute(opened_at=OPENED),))
    packet = assess(case, at(30))
    assert packet.risk_level == "chargeback_watch"
    assert packet.dispute["evidence_due_by"] is None


@pytest.mark.parametrize(
    ("moment", "expected"),
    [(at(5), None), (at(6), "needs_response"), (at(15), "submitted"), (at(16), "lost")],
)
def test_status_at_each_step(moment, expected):
    dispute = Dispute(opened_at=OPENED, submitted_at=at(15), closed_at=at(16), outcome="lost")
    assert status_at(dispute, moment) == expected


def test_days_left_counts_whole_days_down():
    dispute = Dispute(opened_at=OPENED, evidence_due_by=DUE)
    assert days_left(dispute, DUE - timedelta(days=2, hours=1)) == 2
    assert days_left(dispute, DUE) == 0
    assert not deadline_near(Dispute(opened_at=OPENED), at(30))


def test_entry_picks_the_soonest_deadline():
    later = Dispute(opened_at=at(7), processor="paypal", evidence_due_by=at(40))
    sooner = Dispute(opened_at=at(8), processor="stripe", evidence_due_by=at(25))
    assert entry((later, sooner), at(9))["processor"] == "stripe"


@pytest.mark.parametrize(
    "fields",
    [{}, {"submitted_at": at(16, hours=7)}, {"closed_at": at(18, minutes=5), "outcome": "lost"}],
)
def test_the_schedule_sees_every_change_an_hourly_walk_sees(fields):
    """Every change of the decisions, assessed hour by hour with no new facts, happens at an instant the
    timeline (next_assessment_at's walk) reported, and nowhere else."""
    from cases.assessment.schedule import build_timeline
    from cases.assessment.standing import assess_standing

    case = disputed(**fields)
    start = at(5)
    timeline = build_timeline(case, start)
    moment, previous = start, assess_standing(case, start).key()
    while moment < at(30):
        moment += timedelta(hours=1)
        now = assess_standing(case, moment).key()
        assert now == timeline.at(moment).key()
        if now != previous:
            crossed = [t for t in timeline.instants if moment - timedelta(hours=1) < t <= moment]
            assert crossed, f"a change before {moment} the timeline did not report"
        previous = now
