"""next_assessment_at (rules.md section 9): when the packet would next change with no new facts.

It is the first whole second at or after the change; a window crossed at start + N days changes one
microsecond later, so for whole-second starts the packet reports start + N days + 1 second.
"""

from __future__ import annotations

from datetime import timedelta

from cases.assessment import assess, assess_many
from tests.helpers.case_builders import case, in_transit_case, label_case
from tests.helpers.case_pieces import at, chase, ev, inbound, tracking

ONE_SECOND = timedelta(seconds=1)


def assert_is_the_next_change(facts, as_of, peers=()):
    """The packet is the same until next_assessment_at minus a second, and different at it."""
    packet = assess(facts, as_of, peers)
    nxt = packet.next_assessment_at
    assert nxt is not None and nxt > as_of
    assert assess(facts, nxt - ONE_SECOND, peers).decision_key() == packet.decision_key()
    assert assess(facts, nxt, peers).decision_key() != packet.decision_key()
    return nxt


def test_in_transit_next_assessment_is_the_stale_window_crossing():
    nxt = assert_is_the_next_change(in_transit_case(at(3)), at(5))
    assert nxt == at(10) + ONE_SECOND


def test_at_exactly_the_window_end_the_crossing_is_still_ahead():
    assert assess(in_transit_case(at(3)), at(10)).next_assessment_at == at(10) + ONE_SECOND


def test_stale_next_assessment_is_the_lost_package_crossing():
    assert assert_is_the_next_change(in_transit_case(at(3)), at(12)) == at(23) + ONE_SECOND


def test_lost_package_case_has_nothing_left_to_change():
    assert assess(in_transit_case(at(3)), at(30)).next_assessment_at is None


def test_delivered_case_has_no_next_assessment():
    facts = case(tracking=tracking(ev(at(2), "accepted"), ev(at(3), "delivered")))
    assert assess(facts, at(4)).to_dict()["next_assessment_at"] is None


def test_awaiting_tracking_next_assessment_is_the_processing_crossing():
    assert assert_is_the_next_change(case(), at(1)) == at(3) + ONE_SECOND


def test_label_only_next_assessment_is_the_label_crossing():
    assert assert_is_the_next_change(label_case(at(1)), at(2)) == at(6) + ONE_SECOND


def test_pending_chase_next_assessment_is_the_reply_window_end():
    facts = label_case(at(1), chases=[chase(at(7))])
    assert assert_is_the_next_change(facts, at(8)) == at(9) + ONE_SECOND


def test_exception_next_assessment_is_the_grace_crossing():
    facts = case(tracking=tracking(ev(at(2), "accepted"), ev(at(5), "exception")))
    assert assert_is_the_next_change(facts, at(6)) == at(8) + ONE_SECOND


def test_crossings_of_windows_the_case_does_not_run_against_are_skipped():
    # At at(5) the accepted window (4 days from at(2)) has passed; the next real change is the stale one.
    facts = in_transit_case(at(3))
    assert assess(facts, at(6, hours=1)).next_assessment_at == at(10) + ONE_SECOND


def test_sub_second_crossing_is_rounded_up_to_the_next_whole_second():
    facts = in_transit_case(at(3, seconds=0.25))
    assert assess(facts, at(5)).next_assessment_at == at(10, seconds=1)


def test_rendered_next_assessment_is_iso_utc_with_z():
    assert assess(in_transit_case(at(3)), at(5)).to_dict()["next_assessment_at"] == "2026-11-11T12:00:01Z"


def test_future_fact_in_a_replay_is_the_next_change():
    facts = in_transit_case(at(3), messages=[inbound(at(6, hours=5), "where?")])
    assert assert_is_the_next_change(facts, at(5)) == at(6, hours=5)


def _stale(order_id, ordered_days):
    o = ordered_days
    moves = tracking(ev(at(o, hours=12), "accepted"), ev(at(o + 1), "in_transit"))
    return case(order_id=order_id, ordered_at=at(o), tracking=moves)


def test_peer_ageing_out_of_the_product_window_is_the_next_change():
    # All three are stale at day 19; #3 (placed day 6) leaves the 14-day window after day 20,
    # before any lost-package crossing (day 27 and later).
    this, peers = _stale("#1", 10), [_stale("#2", 10), _stale("#3", 6)]
    packet = assess(this, at(19), peers)
    assert "product_review" in packet.flags
    nxt = assert_is_the_next_change(this, at(19), peers)
    assert nxt == at(20) + ONE_SECOND
    assert "product_review" not in assess(this, nxt, peers).flags


def test_peer_becoming_a_problem_is_the_next_change():
    calm_peer = case(
        order_id="#3",
        ordered_at=at(10),
        tracking=tracking(ev(at(10, hours=12), "accepted"), ev(at(12), "in_transit")),
    )
    this, peers = _stale("#1", 10), [_stale("#2", 10), calm_peer]
    assert "product_review" not in assess(this, at(18, hours=12), peers).flags
    nxt = assert_is_the_next_change(this, at(18, hours=12), peers)
    assert nxt == at(19) + ONE_SECOND  # the calm peer goes stale: 7 days after its last movement
    assert "product_review" in assess(this, nxt, peers).flags


def test_assess_many_gives_each_case_its_own_next_assessment():
    packets = assess_many([in_transit_case(at(3), order_id="#1"), label_case(at(1), order_id="#2")], at(4))
    assert [p.next_assessment_at for p in packets] == [at(10) + ONE_SECOND, at(6) + ONE_SECOND]
