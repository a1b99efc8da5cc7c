"""What-if at scale: 1,000,000 open cases on PostgreSQL, a draft that lengthens the in-transit
window from 7 to 10 days (rules.md section 2, stale_in_transit_days).

Prints, from one run: the time of `policies.whatif.engine.what_if` over every open case with two processes
(target: under 60 s), open cases per second, how many cases would change, and where the time went
(reading the stored decisions, loading facts, the rules; summed over the processes).

    make bench-whatif     # BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/staletrack_bench_whatif
    BENCH_CASES=20000 make bench-whatif    # a smaller run

The stored cases are what v1 says at AS_OF (the histories are simple enough to say it directly; a sample is
checked against the rules and the mismatches printed), assessed under v1, and 1% of them due, as a sweep
that runs every few minutes leaves them. The benchmark creates its own database and drops it afterwards
(BENCH_KEEP=1 keeps it).
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime, timedelta

from bench_common import AS_OF, bench_database_url
from bench_data import SEQUENCES, blank_case_values, copy_orders, reset_sequences, settle
from bench_database import throwaway_database

CASES = int(os.environ.get("BENCH_CASES", "1000000"))
DUE_SHARE = float(os.environ.get("BENCH_DUE_SHARE", "0.01"))
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "2"))
SAMPLE = int(os.environ.get("BENCH_SAMPLE", "2000"))
BENCH_URL = bench_database_url("staletrack_bench_whatif")

DAY = timedelta(days=1)


def history(rng: random.Random) -> tuple[datetime, list[tuple[datetime, str]], tuple[str, str, str], bool]:
    """(ordered_at, events, v1's decisions at AS_OF, whether a clock can still change them). A parcel
    changes under the draft exactly when it last moved between 7 and 10 days before AS_OF. Labelled,
    accepted, moving or delivered parcels, no messages, no supplier records: rules.md sections 4 and 5
    decide them from one clock each, with v1's numbers (label 5, accepted 4, in transit 7, lost 20)."""
    shape = rng.random()
    if shape < 0.15:  # label only
        age = rng.uniform(0, 12)
        label = AS_OF - age * DAY
        exceeded = age > 5
        decided = (
            "label_created_only",
            *(("supplier_chase", "chase_supplier") if exceeded else ("normal_watch", "wait")),
        )
        return label - rng.uniform(0.2, 2) * DAY, [(label, "info_received")], decided, True
    if shape < 0.3:  # accepted, no movement since
        age = rng.uniform(0, 10)
        accepted = AS_OF - age * DAY
        label = accepted - rng.uniform(0.5, 3) * DAY
        decided = (
            "accepted_no_movement",
            *(("customer_update", "draft_update") if age > 4 else ("normal_watch", "wait")),
        )
        return label - DAY, [(label, "info_received"), (accepted, "accepted")], decided, age <= 4
    if shape < 0.85:  # moving, last movement `age` days ago
        age = rng.uniform(0, 30)
        moved = AS_OF - age * DAY
        accepted = moved - rng.uniform(0.5, 4) * DAY
        label = accepted - rng.uniform(0.5, 3) * DAY
        if age > 20:
            decided = ("stale_in_transit", "refund_risk", "escalate")
        elif age > 7:
            decided = ("stale_in_transit", "customer_update", "draft_update")
        else:
            decided = ("in_transit", "normal_watch", "wait")
        events = [(label, "info_received"), (accepted, "accepted"), (moved, "in_transit")]
        return label - DAY, events, decided, age <= 20
    delivered = AS_OF - rng.uniform(0, 10) * DAY
    label = delivered - rng.uniform(4, 12) * DAY
    events = [(label, "info_received"), (label + 2 * DAY, "in_transit"), (delivered, "delivered")]
    return label - DAY, events, ("delivered", "normal_watch", "close"), False


def load(connection, policy_id: int) -> int:
    """Bulk load with COPY: suppliers, products, orders, numbers, links, events and assessed cases.
    Returns how many of them the draft should move (in transit for 7 to 10 days)."""
    from cases.models import Case

    rng = random.Random(20261120)
    now = datetime.now(UTC)
    risk_ranks = {"normal_watch": 0, "supplier_chase": 1, "customer_update": 2, "refund_risk": 4}
    columns = [f.column for f in Case._meta.concrete_fields]
    with connection.cursor() as wrapper:
        cur = wrapper.cursor
        histories = [history(rng) for _ in range(CASES)]
        copy_orders(cur, rng, [(ordered_at, events) for ordered_at, events, _, _ in histories], now)
        blank = blank_case_values()
        quoted = ", ".join(f'"{c}"' for c in columns)
        with cur.copy(f"COPY cases_case ({quoted}) FROM STDIN") as copy:
            for i, (_, _, decided, moves) in enumerate(histories):
                if rng.random() < DUE_SHARE:
                    next_at = AS_OF - rng.uniform(1, 300) * timedelta(minutes=1)
                else:
                    next_at = AS_OF + rng.uniform(1, 240) * timedelta(hours=1) if moves else None
                named = {
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
                copy.write_row(tuple(named.get(c, blank[c]) for c in columns))
        reset_sequences(cur, (*SEQUENCES, "cases_case"))
    settle(connection)
    return sum(
        1
        for _, events, _, _ in histories
        if events[-1][1] == "in_transit" and 7 * DAY < AS_OF - events[-1][0] <= 10 * DAY
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
    with throwaway_database(BENCH_URL):
        from django.db import connection

        from policies.models import Policy
        from policies.selectors import active_policy_book
        from policies.services import create_draft
        from policies.whatif.engine import Timings, what_if

        v1 = Policy.objects.get(is_active=True)
        started = time.perf_counter()
        expected = load(connection, v1.pk)
        print(f"loaded {CASES:,} open cases in {time.perf_counter() - started:.0f} s")
        print(
            f"stored decisions checked against the rules on a sample of {SAMPLE:,}: "
            f"{check_sample(active_policy_book())} mismatches"
        )

        draft = create_draft(base=v1, note="bench: slower carriers", changes={"stale_in_transit_days": 10})
        timings = Timings()
        started = time.perf_counter()
        result = what_if(draft, as_of=AS_OF, processes=PROCESSES, timings=timings)
        elapsed = time.perf_counter() - started
        print(
            f"what-if of {result.open_cases:,} open cases, {PROCESSES} processes: {elapsed:.1f} s, "
            f"{result.open_cases / elapsed:,.0f} cases/s (target: 1,000,000 in 60 s)"
        )
        print(
            f"would change: {result.changed_any:,} (case type {result.changed_case_type:,}, risk "
            f"{result.changed_risk:,}, next move {result.changed_next_move:,}); "
            f"assessed {result.assessed:,}, {result.baseline_assessed:,} of them also under v1 (due); "
            f"expected from the histories: {expected:,}"
        )
        print(
            f"phases: listing open cases {timings.listing:.1f} s; summed over processes: stored "
            f"decisions {timings.stored:.1f} s, facts "
            f"{timings.facts:.1f} s, rules {timings.rules:.1f} s "
            f"({result.assessed / timings.rules if timings.rules else 0:,.0f} cases/s per process)"
        )


if __name__ == "__main__":
    main()
