"""The what-if engine (policies.whatif.engine): a draft that lengthens the in-transit window moves exactly
the cases whose last movement lies between the old and the new window; nothing is written to cases; any
split over batches or processes gives the same result."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given

from cases.assessment import assess_many
from cases.assessment.standing import assess_standing
from cases.models import AuditEvent, Case
from cases.services.assessment import refresh_cases
from policies.models import CountryOverride, Policy
from policies.services import create_draft
from policies.whatif import engine as whatif
from policies.whatif.diff import Change, WhatIfResult
from policies.whatif.engine import what_if
from staletrack import processes
from tests.helpers.case_strategies import SETTINGS, minutes, populations
from tests.helpers.what_if_parcels import AGES, AS_OF, LOST, MOVING, STALE, decisions, expected_moves, parcel

# --- the what-if -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_stored_cases_are_what_the_rules_say_before_the_what_if(parcels):
    assert decisions("#A-5") == decisions("#A-7") == MOVING
    assert decisions("#A-8") == decisions("#A-10+") == STALE
    assert decisions("#A-25") == LOST
    assert decisions("#DUE-8") == MOVING  # stored two days ago; due since
    assert decisions("#NO-NUMBER")[0] == "supplier_silence"


@pytest.mark.django_db
def test_lengthening_the_in_transit_window_moves_exactly_the_cases_between_the_two_windows(
    parcels, longer_transit
):
    result = what_if(longer_transit, as_of=AS_OF)
    moved = {c.order_id: (c.before, c.after) for c in result.listed}
    assert moved == expected_moves()
    assert result.open_cases == len(AGES) + 2  # not the held case
    assert (result.assessed, result.same_numbers) == (result.open_cases, 0)
    assert result.baseline_assessed == 1  # the due case, compared with what v1 says now
    assert (result.changed_any, result.changed_case_type, result.changed_risk, result.changed_next_move) == (
        5,
        5,
        5,
        5,
    )
    assert (result.risk_raised, result.risk_lowered) == (0, 5)
    a8 = next(c for c in result.listed if c.order_id == "#A-8")
    assert a8.fields == ("case_type", "risk_level", "next_move")
    assert any("10" in reason for reason in a8.reasons)


@pytest.mark.django_db
def test_a_draft_equal_to_the_active_policy_changes_nothing_and_assesses_nothing(parcels, owner, v1):
    draft = create_draft(base=v1, actor=owner)
    result = what_if(draft, as_of=AS_OF)
    assert (result.open_cases, result.same_numbers, result.assessed, result.changed_any) == (11, 11, 0, 0)
    assert result.listed == []


@pytest.mark.django_db
def test_a_country_override_assesses_only_that_countrys_cases(parcels, owner, v1):
    refresh_cases([parcel("#BR-8", 8, country="BR").pk], as_of=AS_OF)
    draft = create_draft(base=v1, actor=owner)
    CountryOverride.objects.create(policy=draft, country="BR", stale_in_transit_days=10)
    result = what_if(draft, as_of=AS_OF)
    assert (result.assessed, result.same_numbers) == (1, 11)
    assert [(c.order_id, c.before, c.after) for c in result.listed] == [("#BR-8", STALE, MOVING)]


@pytest.mark.django_db
def test_the_what_if_writes_nothing_to_cases_or_the_audit_trail(parcels, longer_transit):
    cases = list(Case.objects.order_by("pk").values())
    audit = AuditEvent.objects.count()
    what_if(longer_transit, as_of=AS_OF, batch_size=3)
    assert list(Case.objects.order_by("pk").values()) == cases
    assert AuditEvent.objects.count() == audit


@pytest.mark.django_db
def test_batches_of_any_size_give_the_same_result(parcels, longer_transit):
    whole = what_if(longer_transit, as_of=AS_OF).to_dict()
    assert what_if(longer_transit, as_of=AS_OF, batch_size=1).to_dict() == whole
    assert what_if(longer_transit, as_of=AS_OF, batch_size=4).to_dict() == whole


def test_merging_keeps_the_first_changes_by_order_whatever_the_split():
    def part(pks):
        result = WhatIfResult(keep=3)
        for pk in pks:
            result.record(order_pk=pk, case_pk=pk, order_id=f"#{pk}", before=STALE, after=MOVING)
        return result

    merged = WhatIfResult.merged([part([9, 4]), part([1, 7, 3]), part([])], keep=3)
    assert [c.order_pk for c in merged.listed] == [1, 3, 4]
    assert (merged.assessed, merged.changed_any, merged.risk_lowered) == (5, 5, 5)
    change = merged.listed[0]
    assert Change.from_dict(change.to_dict()) == change


@SETTINGS
@given(population=populations(), as_of=minutes(0, 30))
def test_the_decisions_compared_are_the_packets_own(population, as_of):
    """Overlays 5 and 6 never move case type, risk or next move (rules.md section 6), so the what-if reads
    them from the single-case standing and leaves out the review counts."""
    packets = assess_many(population, as_of)
    standings = [assess_standing(case, as_of) for case in population]
    assert [(p.case_type, p.risk_level, p.next_move) for p in packets] == [
        (s.case_type, s.risk, s.next_move) for s in standings
    ]


# --- processes (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_processes_give_the_same_result_as_one(owner):
    v1 = Policy.objects.get(is_active=True)
    orders = [parcel(f"#P-{i}", 3 + i * 0.37) for i in range(60)]
    refresh_cases([o.pk for o in orders], as_of=AS_OF)
    draft = create_draft(base=v1, actor=owner, changes={"stale_in_transit_days": 10})
    one = what_if(draft, as_of=AS_OF, batch_size=7)
    assert processes.can_fork()  # so processes=2 really forks here
    with mock.patch.object(whatif, "what_if_batch", wraps=whatif.what_if_batch) as in_this_process:
        two = what_if(draft, as_of=AS_OF, batch_size=7, processes=2)
    assert in_this_process.call_count == 0  # every batch ran in a child
    assert one.changed_any > 0
    assert two.to_dict() == one.to_dict()
    assert Policy.objects.count() == 2  # this process's connection works again after the fork
