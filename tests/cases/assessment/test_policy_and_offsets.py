"""rules.md sections 1 and 2: the policy's numbers drive the outcome, and offsets do not."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

import pytest

from cases.assessment import assess
from cases.assessment.clock import require_aware
from policies.values import PolicyValues
from tests.helpers.case_builders import case, in_transit_case, label_case, with_policy
from tests.helpers.case_pieces import at, chase, ev, evidence, inbound, outbound, tracking
from tests.helpers.spec_tables import SPEC_POLICY_DEFAULTS


def test_longer_label_window_turns_a_chase_into_a_wait():
    facts = label_case(at(1))
    assert assess(facts, at(8)).next_move == "chase_supplier"
    assert assess(with_policy(facts, label_created_max_days=10), at(8)).next_move == "wait"


def test_shorter_in_transit_window_makes_a_case_stale_sooner():
    facts = in_transit_case(at(3))
    assert assess(facts, at(6)).case_type == "in_transit"
    assert assess(with_policy(facts, stale_in_transit_days=2), at(6)).case_type == "stale_in_transit"


def test_zero_day_window_is_exceeded_the_moment_after_it_starts():
    facts = with_policy(label_case(at(1)), label_created_max_days=0)
    assert assess(facts, at(1)).next_move == "wait"
    assert assess(facts, at(1, seconds=1)).next_move == "chase_supplier"


def test_lost_package_days_override():
    facts = in_transit_case(at(3))
    assert assess(with_policy(facts, lost_package_days=10), at(14)).next_move == "escalate"


def test_processing_window_override():
    assert assess(with_policy(case(), processing_window_days=1), at(2)).case_type == "supplier_silence"


def test_accepted_window_override():
    facts = case(tracking=tracking(ev(at(2), "accepted")))
    assert assess(with_policy(facts, accepted_no_movement_days=1), at(4)).next_move == "draft_update"


def test_exception_grace_override():
    facts = case(tracking=tracking(ev(at(2), "exception")))
    assert assess(with_policy(facts, exception_grace_days=1), at(4)).next_move == "escalate"


def test_supplier_response_days_override():
    facts = label_case(at(1), chases=[chase(at(7))])
    assert assess(facts, at(8, hours=12)).next_move == "wait"
    assert assess(with_policy(facts, supplier_response_days=1), at(8, hours=12)).next_move == "escalate"


def test_review_risk_unanswered_override():
    facts = in_transit_case(at(3), messages=[inbound(at(4))])
    assert assess(with_policy(facts, review_risk_unanswered=1), at(5)).risk_level == "review_risk"


def test_packet_records_the_policy_version():
    facts = with_policy(in_transit_case(at(3)), version="v7 (supplier override)")
    assert assess(facts, at(5)).to_dict()["policy_version"] == "v7 (supplier override)"


def test_default_policy_is_the_spec_table():
    assert PolicyValues().as_dict() == SPEC_POLICY_DEFAULTS


# --- offsets ----------------------------------------------------------------------------------

OFFSETS = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]


def _rich_case(tz):
    def t(days, hours=0):
        return at(days, hours).astimezone(tz)

    return case(
        ordered_at=t(0),
        tracking=tracking(ev(t(1, 3), "info_received"), ev(t(2, 23), "accepted"), ev(t(4, 1), "in_transit")),
        evidence=[evidence(t(1, 5), "dispatch_claim", "sent")],
        chases=[chase(t(3))],
        messages=[inbound(t(9, 22), "Where is it? refund?"), outbound(t(10)), inbound(t(11, 23), "hello?")],
    )


@pytest.mark.parametrize("as_of_tz", OFFSETS, ids=["Z", "+08:00", "-05:00"])
def test_timestamps_in_any_offset_give_the_same_packet(as_of_tz):
    reference = assess(_rich_case(UTC), at(12)).to_dict()
    for tz in OFFSETS:
        assert assess(_rich_case(tz), at(12).astimezone(as_of_tz)).to_dict() == reference


def test_window_start_is_reported_in_utc_with_z():
    facts = label_case(at(1).astimezone(timezone(timedelta(hours=8))))
    assert assess(facts, at(2)).to_dict()["window"]["started_at"] == "2026-11-02T12:00:00Z"


def test_naive_as_of_is_rejected():
    with pytest.raises(ValueError):
        assess(case(), at(1).replace(tzinfo=None))
    with pytest.raises(ValueError):
        require_aware(at(1).replace(tzinfo=None))
