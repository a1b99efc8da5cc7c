"""The what-if engine: how many open cases a draft policy would change, and which, read in batches.

Read-only: nothing is written to cases (a stored run is policies.whatif.runs). The pure side, what counts
as a change, how partial results merge and why the shortcuts below are exact, is policies.whatif.diff
(rules.md sections 2, 6 and 9); this module reads the database for it.

The open cases are taken in batches of order primary keys (`what_if_batch`, a function of a list of keys
returning a partial result), so a run splits over processes (`processes=`) as easily as over batches:

1. one query per batch reads each open case's stored decisions and what its numbers resolve from
   (destination country, supplier, the supplier's processing time);
2. a case whose resolved numbers are the same under the draft and the active policy cannot change and
   is only counted;
3. the others get their facts (cases.selectors.facts, set-based) with the draft's numbers and are assessed
   on their own (cases.assessment.standing: sections 3-6, overlays 1-4, which decide the case type, risk
   and next move); the stored decisions are the baseline, unless the stored assessment is not current
   (due, never assessed, other version), in which case the same facts are assessed with the active
   policy's numbers too.

Every open case is also counted in its lane (policies.lanes) under each version: from its decisions
under that version (stored, re-assessed, or the draft's) and the version's lane settings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

from django.db import connections
from django.utils import timezone

from cases.assessment.standing import assess_standing
from cases.choices import CaseStatus
from cases.models import Case
from cases.selectors.facts import facts_for_orders
from cases.selectors.rows import fetch_by_ids
from policies.lanes import LaneSettings, lane_of, money_or_dispute
from policies.models import Policy
from policies.selectors import PolicyBook, active_policy_book, policy_book
from policies.values import PolicyValues
from policies.whatif.diff import KEEP, WhatIfResult, numbers_digest, same_numbers, stored_is_current
from staletrack.batches import without_gc_pauses
from staletrack.processes import can_fork, forget_inherited_connections, fork_context

logger = logging.getLogger(__name__)

BATCH = 5000  # order keys per batch: one facts load (staletrack.batches.CHUNK ids per query)

Progress = Callable[[int, int], None]  # (open cases done, open cases in all)


@dataclass
class Timings:
    """Seconds spent per phase, summed over batches (and over processes when split)."""

    listing: float = 0.0  # listing the open cases (once, in the calling process)
    stored: float = 0.0  # reading the stored decisions
    facts: float = 0.0  # loading facts
    rules: float = 0.0  # assessing and comparing

    def add(self, other: Timings) -> None:
        self.listing += other.listing
        self.stored += other.stored
        self.facts += other.facts
        self.rules += other.rules


@dataclass
class Partial:
    """What one batch (or one process) found."""

    result: WhatIfResult
    timings: Timings = field(default_factory=Timings)
    keys: int = 0  # order keys looked at (some may no longer be open)


def book_digest(book: PolicyBook) -> str:
    return numbers_digest(book.default, book.countries, book.suppliers, book.lanes)


def open_case_order_pks() -> list[int]:
    """The order keys of every open case, in key order (the what-if's population)."""
    return list(
        Case.objects.filter(status=CaseStatus.OPEN).order_by("order_id").values_list("order_id", flat=True)
    )


def what_if(
    draft: Policy,
    *,
    as_of: datetime | None = None,
    processes: int = 1,
    batch_size: int = BATCH,
    keep: int = KEEP,
    progress: Progress | None = None,
    timings: Timings | None = None,
) -> WhatIfResult:
    """Compare every open case's case type, risk and next move under `draft` with the active policy's, at
    `as_of` (default now). `processes` > 1 splits the batches over forked processes on PostgreSQL (each
    opens its own connection); elsewhere, or inside a transaction the children could not see, it runs
    in this process."""
    as_of = as_of or timezone.now()
    draft_book, active_book = policy_book(draft), active_policy_book()
    total = Partial(WhatIfResult(keep=keep))
    started = time.perf_counter()
    pks = open_case_order_pks()
    batches = [pks[start : start + batch_size] for start in range(0, len(pks), batch_size)]
    total.timings.listing = time.perf_counter() - started
    done = 0
    if progress:
        progress(0, len(pks))
    for part in _parts(batches, processes, as_of, draft_book, active_book, keep):
        total.result.merge(part.result)
        total.timings.add(part.timings)
        done += part.keys
        if progress:
            progress(done, len(pks))
    if timings is not None:
        timings.add(total.timings)
    return total.result


def what_if_batch(
    order_pks: Sequence[int],
    *,
    as_of: datetime,
    draft_book: PolicyBook,
    active_book: PolicyBook,
    keep: int = KEEP,
) -> Partial:
    """The what-if of the open cases of these orders (others are ignored): a partial result to merge."""
    with without_gc_pauses():
        return _what_if_batch(order_pks, as_of, draft_book, active_book, keep)


def _what_if_batch(order_pks, as_of, draft_book, active_book, keep) -> Partial:
    timings = Timings()
    result = WhatIfResult(keep=keep)
    started = time.perf_counter()
    rows = fetch_by_ids(_STORED, list(order_pks), [CaseStatus.OPEN], times=(9, 10))
    result.open_cases = len(rows)

    resolved: dict[tuple, tuple[PolicyValues, PolicyValues, bool]] = {}
    stored, baseline = {}, {}  # order pk -> row; order pk -> the active policy's numbers, to re-assess
    active_id = active_book.policy.pk
    for row in rows:
        order_pk, _, _, country, supplier_id, processing_days = row[:6]
        key = (country, supplier_id, processing_days)
        numbers = resolved.get(key)
        if numbers is None:
            draft_values = draft_book.for_order(country, supplier_id, processing_days)
            active_values = active_book.for_order(country, supplier_id, processing_days)
            numbers = resolved[key] = (draft_values, active_values, same_numbers(draft_values, active_values))
        if numbers[2]:
            result.same_numbers += 1
            decisions = (row[6], row[7], row[12])
            result.count_lanes(_lane(decisions, active_book), _lane(decisions, draft_book))
            continue
        stored[order_pk] = row
        if not stored_is_current(
            assessed_at=row[9],
            next_assessment_at=row[10],
            policy_id=row[11],
            active_policy_id=active_id,
            as_of=as_of,
        ):
            baseline[order_pk] = numbers[1]
    timings.stored = time.perf_counter() - started
    if not stored:
        return Partial(result, timings, len(order_pks))

    started = time.perf_counter()
    loaded = facts_for_orders(list(stored), as_of, draft_book, with_peers=False)
    timings.facts = time.perf_counter() - started

    started = time.perf_counter()
    order_pks_by_id = loaded.order_pks
    for facts in loaded.facts:
        order_pk = order_pks_by_id[facts.order.order_id]
        row = stored[order_pk]
        after = assess_standing(facts, as_of)
        active_values = baseline.get(order_pk)
        if active_values is None:
            before = (row[6], row[7], row[8])
            lane_before = (row[6], row[7], row[12])
        else:
            result.baseline_assessed += 1
            then = assess_standing(replace(facts, policy=active_values), as_of)
            before = (then.case_type, then.risk, then.next_move)
            lane_before = (then.case_type, then.risk, then.route)
        result.count_lanes(
            _lane(lane_before, active_book), _lane((after.case_type, after.risk, after.route), draft_book)
        )
        result.record(
            order_pk=order_pk,
            case_pk=row[1],
            order_id=row[2],
            before=before,
            after=(after.case_type, after.risk, after.next_move),
            reasons=after.reasons,
        )
    timings.rules = time.perf_counter() - started
    return Partial(result, timings, len(order_pks))


def _lane(decisions: tuple[str, str, str | None], book: PolicyBook) -> str:
    """The lane of (case type, risk, route) under `book`'s version. No packet is read: an open dispute
    raises a case above any fast lane, and its route is refund (cases.workbench.lanes)."""
    return _lane_of(*decisions, book.lanes)


@lru_cache(maxsize=4096)
def _lane_of(case_type: str, risk: str, route: str | None, settings: LaneSettings) -> str:
    # A few hundred combinations over a million cases: each is worked out once.
    return lane_of(case_type, risk, money_or_dispute=money_or_dispute(route), settings=settings)


# Column positions are what_if_batch's: 0 order pk, 1 case pk, 2 order id, 3-5 what the numbers resolve
# from, 6-8 the stored decisions, 9-11 whether they are current, 12 the stored route (the lanes).
_STORED = (
    "SELECT o.id, c.id, o.order_id, o.country, p.supplier_id, s.processing_window_days, "
    "c.case_type, c.risk_level, c.next_move, c.assessed_at, c.next_assessment_at, c.policy_id, c.route "
    "FROM cases_case c JOIN cases_order o ON o.id = c.order_id "
    "JOIN suppliers_product p ON p.id = o.product_id JOIN suppliers_supplier s ON s.id = p.supplier_id "
    "WHERE c.status = %s AND c.order_id IN ({ids})"
)


# --- processes ---------------------------------------------------------------------------------------


def _parts(batches, processes, as_of, draft_book, active_book, keep):
    processes = min(processes, len(batches))
    if processes > 1 and not can_fork():
        logger.info("what-if in one process: forked children need PostgreSQL and committed data")
        processes = 1
    if processes <= 1:
        for batch in batches:
            yield what_if_batch(batch, as_of=as_of, draft_book=draft_book, active_book=active_book, keep=keep)
        return
    # Close this process's connections before forking: a child that closed an inherited connection would
    # end the parent's session too (libpq says goodbye to the server on the shared socket). The children
    # start with none and each opens its own; this process reopens on its next query (see _child_start).
    connections.close_all()
    with fork_context().Pool(
        processes, initializer=_child_start, initargs=(as_of, draft_book, active_book, keep)
    ) as pool:
        yield from pool.imap_unordered(_child_batch, batches)


_child: dict = {}


def _child_start(as_of, draft_book, active_book, keep) -> None:
    forget_inherited_connections()  # the first query here opens this process's own connection
    _child.update(as_of=as_of, draft_book=draft_book, active_book=active_book, keep=keep)


def _child_batch(batch: list[int]) -> Partial:
    return what_if_batch(batch, **_child)
