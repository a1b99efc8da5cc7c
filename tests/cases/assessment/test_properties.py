"""Properties of the rules that must hold for any facts (hypothesis).

Facts are generated at minute granularity around T0, with every status, evidence kind and message
intent in play, random policy numbers, and small populations sharing SKUs and suppliers.
"""

from __future__ import annotations

from datetime import timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from cases.assessment import assess, assess_many, check_draft, guard_context
from cases.assessment.vocabulary import risk_rank
from tests.helpers.case_strategies import ONE_SECOND, SETTINGS, case_facts, minutes, populations

# --- risk never falls as time passes ------------------------------------------------------------
#
# With the facts fixed and all of them in the past, every clock only runs forward: windows go from
# inside to exceeded, chases from pending to unanswered, and every such step of sections 4 and 5
# raises the base risk or keeps it; overlays 1-4 read messages and payment, which do not move.
# The property does NOT hold if facts lie between the two as_of instants: a delivered scan arriving
# later legitimately lowers a stale case to normal_watch. So facts are generated before T0 + 10 days
# and both instants at or after it.


@SETTINGS
@given(
    facts=case_facts(low=-3, high=10),
    first=minutes(10, 40),
    later=st.integers(0, 40 * 1440).map(lambda m: timedelta(minutes=m)),
)
def test_risk_never_falls_as_as_of_advances(facts, first, later):
    before = assess(facts, first).risk_level
    after = assess(facts, first + later).risk_level
    assert risk_rank(after) >= risk_rank(before)


# --- nothing changes before next_assessment_at ---------------------------------------------------
#
# Any facts, also facts in the future of as_of (a replay): the packet's decisions stay as they are
# from as_of until next_assessment_at minus one second, and differ at next_assessment_at. With no
# next_assessment_at they stay as they are for good (checked a year on).


@SETTINGS
@given(
    population=populations(),
    as_of=minutes(0, 30),
    fractions=st.lists(st.floats(0, 1), max_size=3),
)
def test_decisions_hold_until_next_assessment_at(population, as_of, fractions):
    packet = assess_many(population, as_of)[0]
    key = packet.decision_key()
    nxt = packet.next_assessment_at

    def key_at(moment):
        return assess_many(population, moment)[0].decision_key()

    if nxt is None:
        assert key_at(as_of + timedelta(days=400)) == key
        return
    assert nxt > as_of
    last_same = nxt - ONE_SECOND
    probes = [last_same] + [as_of + (last_same - as_of) * f for f in fractions]
    for moment in probes:
        if moment >= as_of:
            assert key_at(moment) == key
    assert key_at(nxt) != key


@SETTINGS
@given(population=populations(), as_of=minutes(0, 30))
def test_next_move_and_risk_hold_until_next_assessment_at(population, as_of):
    packets = assess_many(population, as_of)
    for index, packet in enumerate(packets):
        nxt = packet.next_assessment_at
        probe = as_of + timedelta(days=400) if nxt is None else nxt - ONE_SECOND
        if probe < as_of:
            continue
        later = assess_many(population, probe)[index]
        assert (later.risk_level, later.next_move) == (packet.risk_level, packet.next_move)


# --- drafts --------------------------------------------------------------------------------------


@SETTINGS
@given(population=populations(), as_of=minutes(0, 30))
def test_every_generated_draft_passes_the_guard(population, as_of):
    for packet in assess_many(population, as_of):
        if packet.draft_reply is not None:
            assert check_draft(packet.draft_reply, **guard_context(packet).kwargs()) == []
        for text in (packet.draft_reply, packet.supplier_draft):
            if text is not None:
                assert "None" not in text
                assert "{" not in text


# --- structural rules of sections 6 and 7 -----------------------------------------------------------


@SETTINGS
@given(population=populations(), as_of=minutes(0, 30))
def test_also_flags_and_approval_follow_sections_6_and_7(population, as_of):
    for packet in assess_many(population, as_of):
        assert packet.next_move not in packet.also
        assert len(set(packet.also)) == len(packet.also)
        assert list(packet.flags) == sorted(set(packet.flags))
        needs_owner = "prepare_refund_review" in (packet.next_move, *packet.also) or packet.risk_level in (
            "chargeback_watch",
            "owner_only",
        )
        assert packet.requires_owner_approval is needs_owner


@SETTINGS
@given(facts=case_facts(), as_of=minutes(0, 30), shift=st.sampled_from((8, -5, 0, 13)))
def test_offset_of_as_of_does_not_change_the_packet(facts, as_of, shift):
    moved = as_of.astimezone(timezone(timedelta(hours=shift)))
    assert assess(facts, moved).to_dict() == assess(facts, as_of).to_dict()
