"""Overlays 5 and 6 of rules.md section 6: counts over other cases on the same SKU or supplier.

- Product review: cases on the SKU ordered within product_review_days before as_of
  (0 <= age(ordered_at) <= N, so orders placed after as_of do not count) whose risk after overlays 1-4
  is above normal_watch. The assessed case counts itself when it qualifies.
- Supplier flag: cases of the supplier ordered within supplier_review_days before as_of whose case type
  is supplier_silence, or label_created_only with its window exceeded.

The threshold and the number of days come from the assessed case's policy; each counted case's own
standing is computed with its own policy (a supplier override changes how that case is read, not how
another case counts). The flag applies to every case of the SKU or supplier, including ones that are
themselves fine: the flag is about the product or supplier, and the owner should see it on each order.

SKUs and supplier names compare without regard to case or surrounding spaces (section 3a): "Bright Home
Supply" and " bright home supply " are one supplier; inner spaces are part of the name. The stored counts
and the peers loaded from the database (cases.selectors) group by the same key. A case with an empty SKU
or supplier is a group of its own.

At scale the caller may count part of the population itself: `outside` gives, per group, how many
qualifying cases it counted from stored assessments that are not in the population (the clock sweep
does this rather than load the facts of every order of a supplier's last 30 days). Those are taken as
they stand at as_of: they move the count, not the instants at which the count changes.

For next_assessment_at the counts are kept as step functions of time: each counted case qualifies
or not on intervals bounded by its own timeline (schedule.py) and by entering (ordered_at) and leaving
(ordered_at + N days, exceeded one microsecond later) the review window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from operator import attrgetter

from cases.assessment.clock import DAY, RESOLUTION, plural
from cases.assessment.facts import CaseFacts
from cases.assessment.schedule import Timeline

PRODUCT = "product"
SUPPLIER = "supplier"


@lru_cache(maxsize=4096)  # a population spells few SKUs and suppliers, each many times
def _normalized_name(text: str) -> str:
    return (text or "").strip().lower()  # as SQL LOWER(TRIM()) reads it, so the database can narrow


def group_name(text: str) -> str:
    """How a SKU or supplier name is compared (the key `outside` counts use)."""
    return _normalized_name(text)


def group_key(text: str, order_id: str) -> tuple[str, str]:
    normalized = _normalized_name(text)
    return (normalized, "") if normalized else ("", order_id)


@dataclass(frozen=True, slots=True)
class Tally:
    """One review count for one assessed case."""

    kind: str
    name: str  # the SKU or supplier as the assessed order spells it
    count: int
    threshold: int
    days: int
    flips_at: datetime | None  # the first instant the flag would appear or disappear
    reason: str  # the packet's sentence when flagged (section 6: one sentence per rule that fired)

    @property
    def flagged(self) -> bool:
        return self.count >= self.threshold


def _reason(kind: str, name: str, count: int, threshold: int, days: int) -> str:
    if kind == PRODUCT:
        return (
            f"SKU {name} has {plural(count, 'problem order')} placed in the last "
            f"{plural(days, 'day')}; {threshold} pauses it for owner review"
        )
    return (
        f"supplier {name} has {plural(count, 'silent or label-stuck order')} placed in the last "
        f"{plural(days, 'day')}; {threshold} flags the supplier"
    )


@dataclass(frozen=True, slots=True)
class _Steps:
    initial: int
    changes: tuple[tuple[datetime, int], ...]  # (instant, count from that instant on), sorted


class ReviewBook:
    """Counts for every group of a population of cases, at one as_of."""

    def __init__(
        self,
        population: Sequence[CaseFacts],
        as_of: datetime,
        timeline_of: Callable[[CaseFacts], Timeline],
        outside: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        self.as_of = as_of
        self._outside = outside or {}
        self._timeline_of = timeline_of
        self._groups: dict[tuple[str, tuple[str, str]], list[CaseFacts]] = defaultdict(list)
        self._names: dict[int, tuple[tuple[str, ...], str]] = {}
        for case in population:
            skus, supplier = self.names(case)
            for sku in skus:
                self._groups[(PRODUCT, group_key(sku, case.order.order_id))].append(case)
            self._groups[(SUPPLIER, group_key(supplier, case.order.order_id))].append(case)
        self._steps: dict[tuple, _Steps] = {}
        self._tallies: dict[tuple, Tally] = {}

    def names(self, case: CaseFacts) -> tuple[tuple[str, ...], str]:
        """The SKUs and supplier a case counts for (section 3a): its headline parcel's at as_of, read from
        its timeline only when it has parcels (an order of one parcel counts for its own SKU)."""
        if not case.parcels:
            return (case.order.sku,), case.order.supplier
        names = self._names.get(id(case))
        if names is None:
            names = self._names[id(case)] = self._timeline_of(case).standings[0].review_names
        return names

    def product(self, case: CaseFacts) -> Tally:
        """Overlay 5 for `case`: flagged when any SKU it counts for reaches the threshold (the first such
        SKU's tally; else the first SKU's, changing when the earliest of them would)."""
        days, threshold = case.policy.product_review_days, case.policy.product_review_threshold
        skus, _ = self.names(case)
        tallies = [self._tally(PRODUCT, case, sku, days, threshold) for sku in skus]
        if len(tallies) == 1:
            return tallies[0]
        chosen = next((tally for tally in tallies if tally.flagged), tallies[0])
        flips = [tally.flips_at for tally in tallies if tally.flips_at is not None]
        return replace(chosen, flips_at=min(flips) if flips else None)

    def supplier(self, case: CaseFacts) -> Tally:
        days, threshold = case.policy.supplier_review_days, case.policy.supplier_flag_threshold
        return self._tally(SUPPLIER, case, self.names(case)[1], days, threshold)

    def _tally(self, kind: str, case: CaseFacts, name: str, days: int, threshold: int) -> Tally:
        key = (kind, group_key(name, case.order.order_id))
        # Every case of a group that spells it alike and has the same numbers gets the same tally; a group
        # of n cases would otherwise scan its n-long list of changes n times.
        tally = self._tallies.get((key, name, days, threshold))
        if tally is None:
            steps = self._steps.get((key, days))
            if steps is None:
                members = self._groups.get(key) or [case]
                steps = self._steps[(key, days)] = self._count_steps(kind, members, days)
            extra = self._outside.get((kind, key[1][0]), 0) if key[1][0] else 0
            count = steps.initial + extra
            flagged = count >= threshold
            flips_at = next((t for t, n in steps.changes if (n + extra >= threshold) != flagged), None)
            reason = _reason(kind, name, count, threshold, days)
            tally = Tally(kind, name, count, threshold, days, flips_at, reason)
            self._tallies[(key, name, days, threshold)] = tally
        return tally

    def _count_steps(self, kind: str, members: Sequence[CaseFacts], days: int) -> _Steps:
        as_of = self.as_of
        counts = attrgetter("is_problem" if kind == PRODUCT else "is_supplier_stuck")
        initial = 0
        deltas: dict[datetime, int] = defaultdict(int)
        for member in members:
            enter = member.order.ordered_at
            leave = enter + days * DAY + RESOLUTION  # age(ordered_at) > days from here on
            if leave <= as_of or leave <= enter:
                continue  # aged out for good (time only moves forward), or no window at all (days < 0)
            timeline = self._timeline_of(member)
            verdicts = [counts(standing) for standing in timeline.standings]
            if not any(verdicts):
                continue  # never counts, inside the window or not
            if all(verdicts):
                # Counts exactly while inside the window: from `enter` until `leave`.
                if enter <= as_of:
                    initial += 1
                else:
                    deltas[enter] += 1
                deltas[leave] -= 1
                continue

            def qualifies(moment: datetime, timeline=timeline, enter=enter, leave=leave) -> bool:
                if not enter <= moment < leave:
                    return False
                return counts(timeline.at(moment))

            points = sorted({*timeline.instants[1:], *(t for t in (enter, leave) if t > as_of)})
            previous = qualifies(as_of)
            initial += previous
            for moment in points:
                now = qualifies(moment)
                if now != previous:
                    deltas[moment] += 1 if now else -1
                    previous = now
        changes, count = [], initial
        for moment in sorted(deltas):
            if deltas[moment]:
                count += deltas[moment]
                changes.append((moment, count))
        return _Steps(initial, tuple(changes))
