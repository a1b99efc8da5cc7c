"""Replay at scale: 1,000,000 stored past decisions on PostgreSQL, one per order, replayed with
two processes (target: under 60 s).

Prints, from one run: the time of `replay_all` (`manage.py replay --all` without the printing) with two
processes, past cases per second, and the agreement found against what the generator expects: each
order's decided_at falls somewhere between its label and AS_OF, the packet at that moment follows from
the last carrier event before it (simple histories: labelled, accepted, moving or delivered parcels, no
messages, no supplier records; v1's numbers: label 5 days, accepted 4, in transit 7, lost 20), and the
actual next move is that one for a known share of the cases, another move for the rest, or missing.

    make bench-replay     # BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/staletrack_bench_replay
    BENCH_CASES=20000 make bench-replay    # a smaller run

Every figure is printed for both datasets of bench_data.py, one after the other: every order in one parcel,
then one order in five in two parcels, whose expected packet is its headline parcel's (rules.md section 3a)
at a decided_at after both parcels' labels (BENCH_PARCELS=single or two measures only one).

Two policy versions with the same numbers are in force one after the other (v2 from MIDDLE on), so the
replay resolves the version per decision and the report's per-version counts can be checked too. The
benchmark creates its own database and drops it afterwards (BENCH_KEEP=1 keeps it).
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_data
from bench_database import throwaway_database

CASES = int(os.environ.get("BENCH_CASES", "1000000"))
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "2"))
AS_OF = datetime(2026, 11, 20, 12, tzinfo=UTC)
MIDDLE = AS_OF - timedelta(days=15)  # v2's activation
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/staletrack_bench_replay")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staletrack.settings")

DAY = timedelta(days=1)
AGREE, OTHER = 0.8, 0.15  # the actual next move: the packet's, another one, else none (risk only)
RISK_AGREE = 0.9
MOVES = ("wait", "chase_supplier", "request_proof", "draft_update", "escalate", "close")
RISKS = ("normal_watch", "supplier_chase", "customer_update", "refund_risk")


class Expected:
    """What the report should say, counted while generating."""

    def __init__(self) -> None:
        self.next_move = [0, 0]  # agreed, compared
        self.risk = [0, 0]
        self.not_comparable = 0
        self.case_types: Counter[str] = Counter()
        self.policies: Counter[str] = Counter()


def decision(
    rng: random.Random, events: bench_data.Events, other: bench_data.Events | None, expected: Expected
) -> tuple:
    """(decided_at, actual next move, actual risk level) for one order, counted into `expected`: decided
    after its parcels' labels (the packet then follows from the last carrier event of each, with v1's
    numbers, and from the headline parcel of two)."""
    label = max(events[0][0], other[0][0]) if other is not None else events[0][0]
    decided_at = label + rng.random() * (AS_OF - label)
    case_type, risk, move = bench_data.order_decided(events, other, decided_at)
    expected.case_types[case_type] += 1
    expected.policies["v2" if decided_at >= MIDDLE else "v1"] += 1
    roll = rng.random()
    if roll < AGREE:
        actual_move = move
    elif roll < AGREE + OTHER:
        actual_move = rng.choice([m for m in MOVES if m != move])
    else:
        actual_move = ""
    actual_risk = risk if rng.random() < RISK_AGREE else rng.choice([r for r in RISKS if r != risk])
    if actual_move:
        expected.next_move[1] += 1
        expected.next_move[0] += actual_move == move
    else:
        expected.not_comparable += 1
    expected.risk[1] += 1
    expected.risk[0] += actual_risk == risk
    return decided_at, actual_move, actual_risk


def load(connection, variant: bench_data.Variant) -> Expected:
    """Bulk load with COPY: suppliers, products, orders, line items, numbers, parcels, events and past
    decisions."""
    rng = random.Random(20261124)
    now = datetime.now(UTC)
    expected = Expected()
    with connection.cursor() as wrapper:
        cur = wrapper.cursor
        histories = [bench_data.parcel_history(rng) for _ in range(CASES)]
        second = bench_data.second_parcels(variant, CASES, bench_data.parcel_history)
        bench_data.copy_orders(cur, rng, histories, now, variant=variant, second=second)
        decision_columns = (
            "id, order_id, decided_at, actual_next_move, actual_risk_level, actual_outcome, source, "
            "created_at, updated_at"
        )
        with cur.copy(f"COPY cases_pastdecision ({decision_columns}) FROM STDIN") as copy:
            for i, (_, events) in enumerate(histories):
                other = second[i][1] if i in second else None
                decided_at, move, risk = decision(rng, events, other, expected)
                copy.write_row((i + 1, i + 1, decided_at, move, risk, "", "bench", now, now))
        bench_data.reset_sequences(cur, (*bench_data.SEQUENCES, "cases_pastdecision"))
    bench_data.settle(connection)
    return expected


def main() -> None:
    bench_data.each_variant(measure)


def measure(variant: bench_data.Variant) -> None:
    with throwaway_database(BENCH_URL):
        from django.db import connection

        from cases.replay.engine import replay_all
        from policies.models import Policy
        from policies.services import create_draft

        v1 = Policy.objects.get(version=1)
        Policy.objects.filter(pk=v1.pk).update(activated_at=AS_OF - 400 * DAY)
        v2 = create_draft(base=v1, note="bench: the same numbers, in force from MIDDLE")
        Policy.objects.filter(pk=v2.pk).update(activated_at=MIDDLE)
        started = time.perf_counter()
        expected = load(connection, variant)
        print(f"loaded {CASES:,} orders with a past decision each in {time.perf_counter() - started:.0f} s")

        started = time.perf_counter()
        report = replay_all(processes=PROCESSES)
        elapsed = time.perf_counter() - started
        rate = report.cases / elapsed
        print(
            f"replay of {report.cases:,} past cases, {PROCESSES} processes: {elapsed:.1f} s, "
            f"{rate:,.0f} cases/s (target: 1,000,000 in 60 s: {bench_data.verdict(rate >= 1_000_000 / 60)})"
        )
        found = (
            (report.next_move.agreed, report.next_move.compared),
            (report.risk_level.agreed, report.risk_level.compared),
            report.not_comparable_total,
            {row.case_type: row.cases for row in report.per_case_type},
            report.policies,
        )
        wanted = (
            tuple(expected.next_move),
            tuple(expected.risk),
            expected.not_comparable,
            dict(expected.case_types),
            dict(expected.policies),
        )
        print(
            f"next move agreed: {report.next_move.agreed:,} of {report.next_move.compared:,} "
            f"({report.next_move.rate:.2%}); expected {expected.next_move[0]:,} of {expected.next_move[1]:,}"
        )
        print(
            f"risk level agreed: {report.risk_level.agreed:,} of {report.risk_level.compared:,}; expected "
            f"{expected.risk[0]:,} of {expected.risk[1]:,}; not comparable {report.not_comparable_total:,} "
            f"(expected {expected.not_comparable:,}); disagreements {report.disagreements_total:,}, "
            f"{len(report.disagreements):,} listed"
        )
        print(f"policies: {report.policies} (expected {dict(expected.policies)})")
        if found == wanted:
            print("the report matches the generator: agreement, not comparable, case types, policies")
        else:
            print("MISMATCH with the generator:")
            print(f"  case types found    {found[3]}")
            print(f"  case types expected {wanted[3]}")


if __name__ == "__main__":
    main()
