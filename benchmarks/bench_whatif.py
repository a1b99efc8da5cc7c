"""What-if at scale: 1,000,000 open cases on PostgreSQL, a draft that lengthens the in-transit
window from 7 to 10 days (rules.md section 2, stale_in_transit_days).

Prints, from one run: the time of `policies.whatif.engine.what_if` over every open case with two processes
(target: under 60 s), open cases per second, how many cases would change, and where the time went
(reading the stored decisions, loading facts, the rules; summed over the processes).

    make bench-whatif     # BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/staletrack_bench_whatif
    BENCH_CASES=20000 make bench-whatif    # a smaller run

The stored cases are what v1 says at AS_OF (the histories are simple enough to say it directly, an order in
two parcels following its headline parcel, rules.md section 3a; a sample is checked against the rules and
the mismatches printed), assessed under v1, and 1% of them due, as a sweep that runs every few minutes
leaves them. The cases the draft should change are counted from the histories the same way and checked
against the what-if's count. Every figure is printed for both datasets of bench_data.py, one after the
other: every order in one parcel, then one order in five in two parcels (BENCH_PARCELS=single or two).
The benchmark creates its own database and drops it afterwards (BENCH_KEEP=1 keeps it).
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime, timedelta

import bench_data
from bench_common import AS_OF, bench_database_url
from bench_database import throwaway_database

CASES = int(os.environ.get("BENCH_CASES", "1000000"))
DUE_SHARE = float(os.environ.get("BENCH_DUE_SHARE", "0.01"))
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "2"))
SAMPLE = int(os.environ.get("BENCH_SAMPLE", "2000"))
BENCH_URL = bench_database_url("staletrack_bench_whatif")

DAY = timedelta(days=1)


def clock_left(events: bench_data.Events) -> bool:
    """Whether a clock of v1 can still change the parcel's decision after AS_OF (the case then has a next
    assessment): a label, an acceptance within 4 days, a movement within 20; never once delivered."""
    at, status = events[-1]
    age = AS_OF - at
    if status == "info_received":
        return True
    if status == "accepted":
        return age <= 4 * DAY
    if status == "in_transit":
        return age <= 20 * DAY
    return False


def load(connection, policy_id: int, variant: bench_data.Variant) -> int:
    """Bulk load with COPY: suppliers, products, orders, line items, numbers, parcels, events and assessed
    cases. Returns how many of them the draft should change (the order's decision under 10 days in transit
    is not v1's)."""

    rng = random.Random(20261120)
    now = datetime.now(UTC)
    risk_ranks = {"normal_watch": 0, "supplier_chase": 1, "customer_update": 2, "refund_risk": 4}
    with connection.cursor() as wrapper:
        cur = wrapper.cursor
        histories = [bench_data.parcel_history(rng) for _ in range(CASES)]
        second = bench_data.second_parcels(variant, CASES, bench_data.parcel_history)
        bench_data.copy_orders(cur, rng, histories, now, variant=variant, second=second)
        parcels = [(events, second[i][1] if i in second else None) for i, (_, events) in enumerate(histories)]

        def case_rows():
            for i, (events, other) in enumerate(parcels):
                decided = bench_data.order_decided(events, other, AS_OF)
                moves = clock_left(events) or (other is not None and clock_left(other))
                if rng.random() < DUE_SHARE:
                    next_at = AS_OF - rng.uniform(1, 300) * timedelta(minutes=1)
                else:
                    next_at = AS_OF + rng.uniform(1, 240) * timedelta(hours=1) if moves else None
                yield {
                    "id": i + 1,
                    "order_id": i + 1,
                    "case_type": decided[0],
                    "risk_level": decided[1],
                    "risk_rank": risk_ranks[decided[1]],
                    "next_move": decided[2],
                    "requires_owner_approval": False,
                    "assessed_at": AS_OF - timedelta(minutes=5),
                    "next_assessment_at": next_at,
                    "policy_id": policy_id,
                    "status": "open",
                    "created_at": now,
                    "updated_at": now,
                }

        bench_data.copy_cases(cur, case_rows())
    bench_data.settle(connection)
    return sum(
        bench_data.order_decided(events, other, AS_OF)
        != bench_data.order_decided(events, other, AS_OF, in_transit_days=10)
        for events, other in parcels
    )


def check_sample(book) -> int:
    """How many of a sample of stored cases say something else than the rules (v1, AS_OF): 0 expected."""
    from cases.assessment.standing import assess_standing
    from cases.models import Case
    from cases.selectors.facts import facts_for_orders

    rng = random.Random(7)
    pks = rng.sample(range(1, CASES + 1), min(SAMPLE, CASES))
    stored = {
        order_id: rest
        for order_id, *rest in Case.objects.filter(order_id__in=pks).values_list(
            "order__order_id", "case_type", "risk_level", "next_move"
        )
    }
    mismatches = 0
    for facts in facts_for_orders(pks, AS_OF, book, with_peers=False).facts:
        s = assess_standing(facts, AS_OF)
        mismatches += [s.case_type, s.risk, s.next_move] != stored[facts.order.order_id]
    return mismatches


def main() -> None:
    bench_data.each_variant(measure)


def measure(variant: bench_data.Variant) -> None:
    with throwaway_database(BENCH_URL):
        from django.db import connection

        from policies.models import Policy
        from policies.selectors import active_policy_book
        from policies.services import create_draft
        from policies.whatif.engine import Timings, what_if

        v1 = Policy.objects.get(is_active=True)
        started = time.perf_counter()
        expected = load(connection, v1.pk, variant)
        print(f"loaded {CASES:,} open cases in {time.perf_counter() - started:.0f} s")
        mismatches = check_sample(active_policy_book())
        print(
            f"stored decisions checked against the rules on a sample of {SAMPLE:,}: {mismatches} mismatches"
            f"{'' if mismatches == 0 else ' (MISMATCH: expected 0)'}"
        )

        draft = create_draft(base=v1, note="bench: slower carriers", changes={"stale_in_transit_days": 10})
        timings = Timings()
        started = time.perf_counter()
        result = what_if(draft, as_of=AS_OF, processes=PROCESSES, timings=timings)
        elapsed = time.perf_counter() - started
        rate = result.open_cases / elapsed
        print(
            f"what-if of {result.open_cases:,} open cases, {PROCESSES} processes: {elapsed:.1f} s, "
            f"{rate:,.0f} cases/s (target: 1,000,000 in 60 s: {bench_data.verdict(rate >= 1_000_000 / 60)})"
        )
        print(
            f"would change: {result.changed_any:,} (case type {result.changed_case_type:,}, risk "
            f"{result.changed_risk:,}, next move {result.changed_next_move:,}); "
            f"assessed {result.assessed:,}, {result.baseline_assessed:,} of them also under v1 (due); "
            f"expected from the histories: {expected:,}"
            f"{'' if result.changed_any == expected else ' (MISMATCH)'}"
        )
        print(
            f"phases: listing open cases {timings.listing:.1f} s; summed over processes: stored "
            f"decisions {timings.stored:.1f} s, facts "
            f"{timings.facts:.1f} s, rules {timings.rules:.1f} s "
            f"({result.assessed / timings.rules if timings.rules else 0:,.0f} cases/s per process)"
        )


if __name__ == "__main__":
    main()
