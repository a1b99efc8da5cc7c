"""The supplier scorecard at scale: 1,000,000 orders with their cases on PostgreSQL.

Prints, from one run:
- the weekly rollup build time (`build_weekly_rollups` of one week: median and worst over every week, and
  the total to build them all, as `manage.py build_rollups --weeks N` would);
- the scorecard page (the admin view through Django's test client, as a logged-in staff user, default
  filters: eight weeks) per dimension: median time over BENCH_RUNS requests and its query count
  (target: under 300 ms); and the CSV export's median time.

    make bench-scorecard   # BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/staletrack_bench_scorecard
    BENCH_ORDERS=200000 make bench-scorecard    # a smaller run

The orders are spread over BENCH_WEEKS weeks (default 26), BENCH_SUPPLIERS suppliers (default 40) with
BENCH_PRODUCTS products (default 2,000) and 20 destination countries; every order has a case, a tracking
number and its events; some have customer messages, outcomes and money decisions. The benchmark creates its
own database, loads it with COPY and drops it afterwards.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_database import throwaway_database

ORDERS = int(os.environ.get("BENCH_ORDERS", "1000000"))
WEEKS = int(os.environ.get("BENCH_WEEKS", "26"))
SUPPLIERS = int(os.environ.get("BENCH_SUPPLIERS", "40"))
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "2000"))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
LAST_WEEK = date(2026, 11, 16)  # a Monday: the latest week built
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/staletrack_bench_scorecard"
)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staletrack.settings")
os.environ.setdefault("STALETRACK_TIME_ZONE", "UTC")

COUNTRIES = (
    "US",
    "GB",
    "DE",
    "FR",
    "CA",
    "AU",
    "BR",
    "IT",
    "ES",
    "NL",
    "SE",
    "PL",
    "MX",
    "JP",
    "KR",
    "IN",
    "ZA",
    "NZ",
    "IE",
    "CH",
)
CASE_TYPES_IN_TRANSIT = (
    "in_transit",
    "stale_in_transit",
    "accepted_no_movement",
    "delivered",
    "carrier_exception",
)
OUTCOME_KINDS = ("customer_updated", "supplier_chased", "case_held", "refunded", "replaced", "lost")


class Copier:
    """COPY rows given as dicts into a table, whatever columns other migrations added: a column a row
    does not name gets NULL when nullable, else an empty value of its type (its time stamps: `now`)."""

    EMPTY = {
        "character varying": "",
        "text": "",
        "integer": 0,
        "smallint": 0,
        "bigint": 0,
        "numeric": 0,
        "boolean": False,
        "jsonb": "{}",
    }

    STAMPS = ("created_at", "updated_at")  # Django fills these (auto_now): here they are `now`

    def __init__(self, cur, *, now: datetime):
        self.cur = cur
        self.now = now

    def columns(self, table: str, given: set[str]) -> list[tuple[str, object]]:
        """The columns to copy: those the rows give, and the others that have no database default (the
        time stamps `now`)."""
        self.cur.execute(
            "SELECT column_name, data_type, is_nullable, column_default IS NOT NULL OR is_identity = 'YES' "
            "FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position",
            [table],
        )
        return [
            (
                name,
                self.now if name in self.STAMPS else None if nullable == "YES" else self.EMPTY.get(kind, ""),
            )
            for name, kind, nullable, has_default in self.cur.fetchall()
            if name in given or not has_default
        ]

    def copy(self, table: str, rows) -> int:
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return 0
        columns = self.columns(table, set(first))
        names = ", ".join(f'"{name}"' for name, _ in columns)
        count = 0
        with self.cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in itertools.chain([first], rows):
                copy.write_row(tuple(row.get(name, empty) for name, empty in columns))
                count += 1
        return count


def load(connection, user_ids: tuple[int, int]) -> dict[str, int]:
    """Suppliers, products, orders, tracking numbers, links, events, cases, messages, outcomes, money."""
    rng = random.Random(20261124)
    now = datetime.now(UTC)
    staff_id, owner_id = user_ids
    first_monday = datetime.combine(LAST_WEEK - timedelta(weeks=WEEKS - 1), datetime.min.time(), tzinfo=UTC)
    span = WEEKS * 7 * 86400
    # Some suppliers print labels early, some countries scan slowly: the notes have something to say.
    early_printers = set(rng.sample(range(SUPPLIERS), max(1, SUPPLIERS // 8)))
    slow_countries = {"BR", "MX"}
    product_supplier = [p % SUPPLIERS for p in range(PRODUCTS)]
    counts: dict[str, int] = {}
    with connection.cursor() as wrapper:
        c = Copier(wrapper.cursor, now=now)
        counts["suppliers"] = c.copy(
            "suppliers_supplier",
            ({"id": s + 1, "name": f"Supplier {s:03d}", "status": "active"} for s in range(SUPPLIERS)),
        )
        counts["products"] = c.copy(
            "suppliers_product",
            (
                {
                    "id": p + 1,
                    "sku": f"SKU-{p:05d}",
                    "title": f"Product {p}",
                    "supplier_id": product_supplier[p] + 1,
                    "state": "active",
                }
                for p in range(PRODUCTS)
            ),
        )
        plan = []  # per order: (ordered_at, country, product, events, case_type, risk, exceeded)
        for _ in range(ORDERS):
            ordered_at = first_monday + timedelta(seconds=rng.uniform(0, span))
            product = rng.randrange(PRODUCTS)
            supplier = product_supplier[product]
            country = COUNTRIES[rng.randrange(len(COUNTRIES))] if rng.random() < 0.6 else "US"
            label = ordered_at + timedelta(days=rng.uniform(0.1, 2.5))
            events = [(label, "info_received")]
            handed_over = rng.random() > (0.35 if supplier in early_printers else 0.08)
            exceeded = None
            if handed_over:
                slow = 3.0 if country in slow_countries else 1.0
                scan = label + timedelta(days=rng.uniform(0.3, 4) * slow)
                events.append((scan, "accepted"))
                if rng.random() < 0.7:
                    events.append((scan + timedelta(days=rng.uniform(1, 6)), "in_transit"))
                if rng.random() < 0.04:
                    events.append((events[-1][0] + timedelta(days=1), "exception"))
                    case_type = "carrier_exception"
                else:
                    case_type = CASE_TYPES_IN_TRANSIT[rng.randrange(4)]
            else:
                case_type = "label_created_only"
                exceeded = rng.random() < 0.7
            roll = rng.random()
            risk = "refund_risk" if roll < 0.03 else "chargeback_watch" if roll < 0.035 else "normal_watch"
            plan.append((ordered_at, country, product, events, case_type, risk, exceeded))
        counts["orders"] = c.copy(
            "cases_order",
            (
                {
                    "id": i + 1,
                    "order_id": f"#{i:08d}",
                    "ordered_at": p[0],
                    "customer_email": f"c{i}@example.com",
                    "country": p[1],
                    "postal_code": "10000",
                    "product_id": p[2] + 1,
                    "value": "29.90",
                    "currency": "USD",
                    "payment_state": "paid",
                }
                for i, p in enumerate(plan)
            ),
        )
        counts["tracking numbers"] = c.copy(
            "cases_trackingnumber",
            (
                {
                    "id": i + 1,
                    "number": f"YT{2431220000000000 + i:016d}",
                    "normalized": f"YT{2431220000000000 + i:016d}",
                    "carrier": "yunexpress",
                }
                for i in range(ORDERS)
            ),
        )
        counts["links"] = c.copy(
            "cases_parcel",
            (
                {
                    "id": i + 1,
                    "order_id": i + 1,
                    "tracking_number_id": i + 1,
                    "assigned_at": p[0],
                    "position": 0,
                    "skus": "[]",
                    "superseded_reason": "",
                }
                for i, p in enumerate(plan)
            ),
        )
        counts["events"] = c.copy(
            "cases_trackingevent",
            (
                {"tracking_number_id": i + 1, "at": at, "status": status, "source": "demo"}
                for i, p in enumerate(plan)
                for at, status in p[3]
            ),
        )
        windows = {
            True: json.dumps({"name": "label_created_max_days", "days": 5, "exceeded": True}),
            False: json.dumps({"name": "label_created_max_days", "days": 5, "exceeded": False}),
            None: None,
        }
        rank = {"normal_watch": 0, "refund_risk": 4, "chargeback_watch": 5}
        counts["cases"] = c.copy(
            "cases_case",
            (
                {
                    "id": i + 1,
                    "order_id": i + 1,
                    "case_type": p[4],
                    "risk_level": p[5],
                    "risk_rank": rank[p[5]],
                    "next_move": "wait",
                    "also": "[]",
                    "flags": "[]",
                    "window": windows[p[6]],
                    "clocks": "{}",
                    "packet": "{}",
                    "requires_owner_approval": False,
                    "assessed_at": now,
                    "status": "open",
                }
                for i, p in enumerate(plan)
            ),
        )
        counts["messages"] = c.copy(
            "cases_customermessage",
            (
                {
                    "order_id": i + 1,
                    "at": p[0] + timedelta(days=3 + k),
                    "text": "where is my parcel?",
                    "fingerprint": f"{i}-{k}",
                    "direction": "inbound",
                }
                for i, p in enumerate(plan)
                if p[4] in ("label_created_only", "stale_in_transit", "carrier_exception")
                and rng.random() < 0.4
                for k in range(1 + (i % 3))
            ),
        )
        counts["outcomes"] = c.copy(
            "cases_outcome",
            (
                {
                    "case_id": i + 1,
                    "kind": OUTCOME_KINDS[i % len(OUTCOME_KINDS)],
                    "at": p[0] + timedelta(days=6),
                }
                for i, p in enumerate(plan)
                if i % 5 == 0
            ),
        )
        counts["money decisions"] = c.copy(
            "cases_moneydecision",
            (
                {
                    "case_id": i + 1,
                    "kind": "refund",
                    "amount": "29.90",
                    "currency": "USD",
                    "reason": "late",
                    "requested_by_id": staff_id,
                    "requested_at": p[0] + timedelta(days=8),
                    "state": "approved" if i % 3 else "pending",
                    "decided_by_id": owner_id if i % 3 else None,
                    "decided_at": p[0] + timedelta(days=9) if i % 3 else None,
                    "version": 1,
                }
                for i, p in enumerate(plan)
                if p[5] != "normal_watch"
            ),
        )
        cur = wrapper.cursor
        for table in (
            "suppliers_supplier",
            "suppliers_product",
            "cases_order",
            "cases_trackingnumber",
            "cases_parcel",
            "cases_trackingevent",
            "cases_case",
            "cases_customermessage",
            "cases_outcome",
            "cases_moneydecision",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cur.execute("ANALYZE")
    return counts


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    with throwaway_database(BENCH_URL):
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        from suppliers.models import WeeklyRollup
        from suppliers.services import build_weekly_rollups
        from tests.factories import UserFactory

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        staff = UserFactory(username="bench-staff", role="Staff")
        owner = UserFactory(username="bench-owner", role="Owner")

        started = time.perf_counter()
        counts = load(connection, (staff.pk, owner.pk))
        print(
            f"loaded in {time.perf_counter() - started:.0f} s: "
            + ", ".join(f"{n:,} {k}" for k, n in counts.items())
        )

        weeks = [LAST_WEEK - timedelta(weeks=back) for back in range(WEEKS - 1, -1, -1)]
        builds = []
        for week in weeks:
            builds.append(timed(lambda week=week: build_weekly_rollups(week)))
        rebuild = timed(lambda: build_weekly_rollups(LAST_WEEK))
        rows = WeeklyRollup.objects.count()
        print(
            f"weekly rollup build, {WEEKS} weeks of ~{ORDERS // WEEKS:,} orders each: median "
            f"{statistics.median(builds):.2f} s, worst {max(builds):.2f} s, all weeks {sum(builds):.1f} s; "
            f"rebuild of the latest week {rebuild:.2f} s; {rows:,} rollup rows"
        )

        client = Client()
        client.force_login(staff)
        url = reverse("admin:suppliers_weeklyrollup_scorecard")
        csv_url = reverse("admin:suppliers_weeklyrollup_scorecard_csv")
        for dimension in ("supplier", "sku", "country"):
            params = {"dimension": dimension}
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code
            shown = response.content.count(b'class="scorecard-row"')
            total = (
                WeeklyRollup.objects.filter(
                    dimension=dimension, week_start__gt=LAST_WEEK - timedelta(weeks=8)
                )
                .values("key")
                .distinct()
                .count()
            )
            captured = []

            def count(execute, sql, *args, captured=captured):
                captured.append(sql)
                return execute(sql, *args)

            with connection.execute_wrapper(count):
                client.get(url, params)
            times = [timed(lambda params=params: client.get(url, params)) for _ in range(RUNS)]
            csv_times = [
                timed(lambda params=params: client.get(csv_url, params)) for _ in range(max(3, RUNS // 3))
            ]
            print(
                f"scorecard page, {dimension} ({total:,} rows, {shown} on the page, 8 weeks): "
                f"median {statistics.median(times) * 1000:.0f} ms (worst {max(times) * 1000:.0f} ms, "
                f"target < 300 ms), {len(captured)} queries; "
                f"CSV of all rows: median {statistics.median(csv_times) * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main()
