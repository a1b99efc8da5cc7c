"""How one case's standing moves as `as_of` advances with no new facts (for next_assessment_at, §9).

With the facts fixed, a case's standing (sections 3 to 6, overlays 1-4) can change only when
- a window is crossed: start + N days is the last instant inside, so the change is one microsecond later
  (section 1: exceeded means strictly more than N x 24 hours); this covers the case-type windows,
  lost_package_days and the supplier reply window (supplier_response_days);
- a fact timed after the earlier as_of becomes visible (replays assess past instants, so the stored facts
  can lie in that instant's future; see derived.py).

`build_timeline` walks those candidate instants from `as_of` on and keeps the instants where the
standing's decision key really changes. Every candidate is re-assessed, so a candidate that changes
nothing (a crossing of a window the case is not running against) is dropped rather than reported.

Day counts (window.elapsed_days, clocks, the numbers in gaps and reasons) change every day; they are
display, not decisions, and are not watched here.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime

from cases.assessment.clock import first_exceeded_at
from cases.assessment.derived import future_fact_times
from cases.assessment.facts import CaseFacts
from cases.assessment.standing import Standing, assess_standing

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


def next_candidate(standing: Standing) -> datetime | None:
    """The earliest instant after the standing's as_of at which it might change."""
    case, d = standing.case, standing.derived
    policy, as_of = case.policy, d.as_of
    candidates = future_fact_times(case, as_of)
    # Every clock a rule can read, whether or not this case type runs against it now; the walk
    # re-assesses each one, so an irrelevant crossing costs one assessment and reports nothing.
    crossings = [
        (case.order.ordered_at, policy.processing_window_days),
        (d.label_at or case.order.ordered_at, policy.label_created_max_days),
    ]
    if d.last_movement_at is not None:
        crossings += [
            (d.last_movement_at, policy.accepted_no_movement_days),
            (d.last_movement_at, policy.stale_in_transit_days),
            (d.last_movement_at, policy.lost_package_days),
        ]
    if d.latest is not None:
        crossings.append((d.latest.at, policy.exception_grace_days))
    if d.last_chase is not None:
        crossings.append((d.last_chase.at, policy.supplier_response_days))
    candidates += [t for start, days in crossings if (t := first_exceeded_at(start, days)) > as_of]
    return min(candidates) if candidates else None


def build_timeline(case: CaseFacts, as_of: datetime) -> Timeline:
    current = assess_standing(case, as_of)
    instants, standings = [as_of], [current]
    for _ in range(MAX_STEPS):
        moment = next_candidate(current)
        if moment is None:
            return Timeline(tuple(instants), tuple(standings))
        current = assess_standing(case, moment)
        if current.key() != standings[-1].key():
            instants.append(moment)
            standings.append(current)
    raise RuntimeError(f"timeline of order {case.order.order_id} did not settle")
