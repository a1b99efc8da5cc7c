"""How one case's standing moves as `as_of` advances with no new facts (for next_assessment_at, §9).

With the facts fixed, a case's standing (sections 3 to 6, overlays 1-4) can change only when
- a clock its rules read is crossed: a window or limit from `start` of N days is exceeded from one
  microsecond after start + N days (section 1: exceeded means strictly more than N x 24 hours); this
  covers the case-type windows, lost_package_days and the supplier reply window (supplier_response_days);
- a fact timed after the earlier as_of becomes visible (replays assess past instants, so the stored facts
  can lie in that instant's future; see derived.py).

The rules are a fixed decision table, so a standing depends on `as_of` only through the clocks that its
own path through the table read; classify.py lists them (`Standing.watched`). Until the earliest of
those crossings, or the next fact, every rule reads as it did, and the standing's decisions stay the same.
A crossing of a clock the case is not running against (the accepted window of a parcel in transit, the
processing window of one with a number) cannot change anything, so it is not visited.

`build_timeline` walks those candidate instants from `as_of` on and keeps the instants where the
standing's decision key really changes. tests/cases/assessment/test_schedule_equivalence.py checks the walk
against the definitional one, which re-assesses at every crossing of every clock a rule can read.

Day counts (window.elapsed_days, clocks, the numbers in gaps and reasons) change every day; they are
display, not decisions, and are not watched here.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime

from cases.assessment.derived import History
from cases.assessment.facts import CaseFacts
from cases.assessment.parcels import OrderHistory
from cases.assessment.standing import Standing, assess_standing, history_of

# A case has a handful of facts and seven clocks; this bound only stops a bug from looping forever.
MAX_STEPS = 10_000


@dataclass(frozen=True, slots=True)
class Timeline:
    """Standings from `as_of` on: standings[i] holds from instants[i] until instants[i + 1]."""

    instants: tuple[datetime, ...]
    standings: tuple[Standing, ...]

    def at(self, moment: datetime) -> Standing:
        index = bisect_right(self.instants, moment) - 1
        if index < 0:
            raise ValueError("a timeline does not reach before the as_of it was built at")
        return self.standings[index]

    @property
    def first_change(self) -> datetime | None:
        """The first instant after as_of at which the standing differs, or None if it never will."""
        return self.instants[1] if len(self.instants) > 1 else None


def next_candidate(standing: Standing, history: History | OrderHistory) -> datetime | None:
    """The earliest instant after the standing's as_of at which it might change."""
    as_of = standing.as_of
    candidates = [t for t in standing.watched if t > as_of]
    next_fact = history.next_fact_after(as_of)
    if next_fact is not None:
        candidates.append(next_fact)
    return min(candidates) if candidates else None


def build_timeline(case: CaseFacts, as_of: datetime) -> Timeline:
    history = history_of(case)  # sorted once for every instant the walk reads
    current = assess_standing(case, as_of, history)
    instants, standings = [as_of], [current]
    key = current.key()
    for _ in range(MAX_STEPS):
        moment = next_candidate(current, history)
        if moment is None:
            return Timeline(tuple(instants), tuple(standings))
        current = assess_standing(case, moment, history)
        if (new_key := current.key()) != key:
            instants.append(moment)
            standings.append(current)
            key = new_key
    raise RuntimeError(f"timeline of order {case.order.order_id} did not settle")
