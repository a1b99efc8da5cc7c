"""The clock sweep at scale: 1,000,000 open cases on PostgreSQL, 100,000 of them due.

Prints, from one run:
- the cost of a sweep with nothing due (target: under 50 ms whatever the number of open cases);
- cases re-assessed per second by the sweep (two processes claiming batches with SKIP LOCKED, one per
  core) and queries per batch (target: at least 10,000 cases/s on 2 cores);
- the same cases re-assessed one `save()` at a time, measured on a sample, and the ratio (target: 30x).

Each figure is printed for both datasets of bench_data.py, one after the other: every order in one parcel,
then one order in five in two parcels (BENCH_PARCELS=single or two measures only one).

    make bench-sweep     # BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/staletrack_bench_sweep
    BENCH_OPEN=200000 BENCH_DUE=20000 make bench-sweep    # a smaller run

The benchmark creates its own database and drops it afterwards.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from datetime import UTC, datetime, timedelta

import bench_data
from bench_common import AS_OF, bench_database_url
from bench_database import throwaway_database

OPEN = int(os.environ.get("BENCH_OPEN", "1000000"))
DUE = int(os.environ.get("BENCH_DUE", "100000"))
SAMPLE = int(os.environ.get("BENCH_SAMPLE", "300"))
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "2"))
BENCH_URL = bench_database_url("staletrack_bench_sweep")


def history(rng: random.Random, due: bool) -> tuple[datetime, list[tuple[datetime, str]], datetime]:
    """(ordered_at, events, next_assessment_at) for one order. Due cases have a crossing in the past."""
    ordered_at = AS_OF - timedelta(days=rng.uniform(2, 60))
    label = ordered_at + timedelta(days=rng.uniform(0.2, 2))
    shape = rng.random()
    events = [(label, "info_received")]
    if shape > 0.25:
        events.append((label + timedelta(days=rng.uniform(0.5, 3)), "accepted"))
    if shape > 0.45:
        events.append((events[-1][0] + timedelta(days=rng.uniform(0.5, 6)), "in_transit"))
    if shape > 0.7:
        events.append((events[-1][0] + timedelta(days=rng.uniform(1, 8)), "delivered"))
    events = [e for e in events if e[0] < AS_OF]
    if due:
        next_at = AS_OF - timedelta(minutes=rng.uniform(1, 600))
    else:
        next_at = AS_OF + timedelta(hours=rng.uniform(1, 24 * 10))
    return ordered_at, events, next_at


def load(connection, variant: bench_data.Variant) -> None:
    """Bulk load with COPY: suppliers, products, orders, line items, numbers, parcels, events and cases.
    A second parcel's history is drawn as a first one not due (the case's time is the first's)."""
    rng = random.Random(20261120)
    now = datetime.now(UTC)
    due_ids = set(rng.sample(range(OPEN), DUE))
    with connection.cursor() as wrapper:
        cur = wrapper.cursor
        generated = [history(rng, i in due_ids) for i in range(OPEN)]
        second = bench_data.second_parcels(variant, OPEN, lambda r: history(r, False)[:2])
        histories = [(ordered_at, events) for ordered_at, events, _ in generated]
        bench_data.copy_orders(cur, rng, histories, now, variant=variant, second=second)
        histories = [(events, next_at) for _, events, next_at in generated]
        columns, blank = case_columns(), bench_data.blank_case_values()
        with cur.copy(f"COPY cases_case ({', '.join(columns)}) FROM STDIN") as copy:
            for i, (_, next_at) in enumerate(histories):
                values = case_row(i + 1, next_at, now, blank)
                copy.write_row(tuple(values[name] for name in columns))
        bench_data.reset_sequences(cur, (*bench_data.SEQUENCES, "cases_case"))
    bench_data.settle(connection)


def case_columns() -> list[str]:
    from cases.models import Case

    return [f'"{f.column}"' for f in Case._meta.concrete_fields]


def case_row(pk: int, next_at: datetime, now: datetime, blank: dict) -> dict:
    """A stored case assessed yesterday; blank text and empty JSON for every column not named here."""

    named = {
        "id": pk,
        "order_id": pk,
        "case_type": "in_transit",
        "risk_level": "normal_watch",
        "risk_rank": 0,
        "next_move": "wait",
        "requires_owner_approval": False,
        "assessed_at": AS_OF - timedelta(days=1),
        "next_assessment_at": next_at,
        "status": "open",
        "created_at": now,
        "updated_at": now,
    }
    return {f'"{column}"': named.get(column, value) for column, value in blank.items()}


def sweep_worker(batch_size: int) -> tuple[int, int, float]:
    import django

    django.setup()
    from cases.services.assessment import sweep_due_cases

    started = time.perf_counter()
    run = sweep_due_cases(as_of=AS_OF, batch_size=batch_size)
    return run.assessed, run.batches, time.perf_counter() - started


def one_at_a_time(pks: list[int]) -> float:
    """The naive path: per case, load its facts and its SKU's and supplier's stored review counts,
    assess it, save() it."""
    from cases.assessment import assess_many
    from cases.models import Case
    from cases.selectors.case_states import case_states
    from cases.selectors.facts import facts_for_orders
    from cases.selectors.review_counts import stored_review_counts
    from cases.services.assessment import stored_values, waiting_since
    from policies.selectors import active_policy_book

    started = time.perf_counter()
    for pk in pks:
        book = active_policy_book()
        case = Case.objects.select_related("order__product__supplier").get(order_id=pk)
        counts = stored_review_counts(
            AS_OF, book, product_ids=[case.order.product_id], supplier_ids=[case.order.product.supplier_id]
        )
        loaded = facts_for_orders([pk], AS_OF, book, with_peers=False)
        (packet,) = assess_many(loaded.facts, AS_OF, outside=counts.outside(case_states([pk]).values()))
        data = packet.to_dict()
        waiting = waiting_since(loaded.facts[0], AS_OF)
        values = stored_values(data, AS_OF, waiting, book.policy.pk)
        del values["packet_json"], values["counted_item"]
        for name, value in values.items():
            setattr(case, name, value)
        case.save()
    return len(pks) / (time.perf_counter() - started)


def main() -> None:
    bench_data.each_variant(measure)


def measure(variant: bench_data.Variant) -> None:
    with throwaway_database(BENCH_URL):
        from django.db import connection, connections, transaction
        from django.test.utils import CaptureQueriesContext

        from cases.models import Case
        from cases.services.assessment import SWEEP_BATCH, sweep_due_cases

        started = time.perf_counter()
        load(connection, variant)
        print(f"loaded {OPEN:,} open cases ({DUE:,} due) in {time.perf_counter() - started:.0f} s")

        idle = []
        for _ in range(5):
            t = time.perf_counter()
            sweep_due_cases(as_of=AS_OF - timedelta(days=2))
            idle.append(time.perf_counter() - t)
        print(
            f"sweep with nothing due: {min(idle) * 1000:.1f} ms (best of 5), {max(idle) * 1000:.1f} ms worst "
            f"(target: under 50 ms: {bench_data.verdict(min(idle) < 0.05)})"
        )

        due = list(
            Case.objects.filter(next_assessment_at__lte=AS_OF).values_list("order_id", flat=True)[:SAMPLE]
        )
        baseline = one_at_a_time(due)
        Case.objects.filter(order_id__in=due).update(
            next_assessment_at=AS_OF - timedelta(minutes=1), packet={}
        )

        # One batch, rolled back, to count its queries: the timed sweep below still finds every case due.
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            sweep_due_cases(as_of=AS_OF, batch_size=SWEEP_BATCH, max_batches=1)
            transaction.set_rollback(True)
        queries_per_batch = len(captured)
        connections.close_all()

        started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
            results = pool.map(sweep_worker, [SWEEP_BATCH] * PROCESSES)
        elapsed = time.perf_counter() - started
        assessed = sum(r[0] for r in results)
        rate = assessed / elapsed
        left = Case.objects.filter(next_assessment_at__lte=AS_OF, status="open").count()
        print(
            f"sweep of {assessed:,} due cases, {PROCESSES} processes: {elapsed:.1f} s, {rate:,.0f} cases/s "
            f"(target: 10,000 cases/s: {bench_data.verdict(rate >= 10_000)})"
        )
        print(f"queries per batch of {SWEEP_BATCH}: {queries_per_batch}; still due afterwards: {left}")
        print(f"one save() at a time on a sample of {len(due)}: {baseline:,.1f} cases/s")
        ratio = rate / baseline
        print(f"ratio sweep / one-at-a-time: {ratio:.0f}x (target: 30x: {bench_data.verdict(ratio >= 30)})")


if __name__ == "__main__":
    main()
