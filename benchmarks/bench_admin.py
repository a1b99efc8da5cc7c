"""The case queue, the bulk review and the home page at scale: the admin over 1,000,000 cases on PostgreSQL.

Prints the median time and the query count of the queue page, unfiltered, with three pairs of filters and
on page 50 (or the last page, when a smaller run has fewer), as a logged-in staff user, of the bulk review
of fast-lane drafts (the queue's action with 500 cases chosen, and the fast lane's saved view, 500 drawn;
`load_bulk` gives those cases a stored packet with its draft and their customers a message), and of the
admin's home page (`/admin/`) as an owner and as staff, through Django's test client (the whole request:
middleware, session, admin, template). For the home page the run also stores what it counts and shows
(`load_home`): money decisions and agent proposals, some waiting, products waiting for review, flagged
suppliers, the day's count of open cases, the last sweep's and weekly review's reports, an import run and
replies sent in each lane.

    make bench-admin                       # BENCH_DATABASE_URL, default .../staletrack_bench_admin
    BENCH_CASES=200000 make bench-admin    # a smaller run

Every page is measured for both datasets of bench_data.py, one after the other: orders without tracking,
as always, then every order with its line items and a parcel, one in five with two (two items, two
numbers, no events: the queue reads none); BENCH_PARCELS=single or two measures only one. Each page's
median is checked against 300 ms (the bulk review's, drawing 500 drafts, against 500 ms) and its query
count against the first dataset's (fixed query counts); the bulk review's also against 50 chosen cases'.

The benchmark creates its own database and drops it afterwards (BENCH_KEEP=1 keeps it).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_data
from bench_database import throwaway_database

CASES = int(os.environ.get("BENCH_CASES", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/staletrack_bench_admin")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staletrack.settings")

NOW = datetime.now(UTC).replace(microsecond=0)
SUPPLIERS = 40
PRODUCTS = 800
COUNTRIES = ("US", "GB", "DE", "FR", "CA", "AU", "BR", "NL", "ES", "IT")
# (case_type, risk_level, risk rank, next_move, route, window name, window days, weight)
SHAPES = (
    ("in_transit", "normal_watch", 0, "wait", "", "stale_in_transit_days", 7, 40),
    ("delivered", "normal_watch", 0, "close", "", None, None, 20),
    ("label_created_only", "normal_watch", 0, "wait", "", "label_created_max_days", 5, 10),
    (
        "label_created_only",
        "supplier_chase",
        1,
        "chase_supplier",
        "supplier_delay",
        "label_created_max_days",
        5,
        10,
    ),
    (
        "stale_in_transit",
        "customer_update",
        2,
        "draft_update",
        "customer_support",
        "stale_in_transit_days",
        7,
        8,
    ),
    ("carrier_exception", "refund_risk", 4, "escalate", "lost_package", "exception_grace_days", 3, 5),
    ("wrong_destination", "owner_only", 6, "escalate", "wrong_address", None, None, 2),
    ("supplier_silence", "owner_only", 6, "escalate", "supplier_delay", "processing_window_days", 3, 3),
    ("stale_in_transit", "chargeback_watch", 5, "escalate", "refund", "stale_in_transit_days", 7, 2),
)


def load(
    connection,
    assignee_id: int,
    variant: bench_data.Variant,
    *,
    events: Callable[[int, datetime], bench_data.Events] | None = None,
    packet: Callable[[int, dict, bench_data.Orders], str] | None = None,
) -> None:
    """COPY the catalogue, CASES orders and their cases (drawn from SHAPES) into the database. Two hooks
    for the benchmarks that read more of each case (bench_api), each drawing from a random stream of its
    own so that every other row stays as this benchmark loads it: `events(i, ordered_at)`, the carrier
    events of each of order i's numbers (with a `variant` that has line items, hence parcels; else
    none), and `packet(i, row, orders)`, case i's stored packet as JSON text (else an empty one)."""
    rng = random.Random(20261124)
    shapes = [shape for shape in SHAPES for _ in range(shape[-1])]
    with connection.cursor() as wrapper:
        cur = wrapper.cursor
        bench_data.copy_catalogue(cur, NOW, suppliers=SUPPLIERS, products=PRODUCTS)
        # a generator: each time is drawn just before its order's product, as the rows were always drawn
        order_times = (NOW - timedelta(days=rng.uniform(0.5, 60)) for _ in range(CASES))
        orders = bench_data.copy_order_rows(
            cur, rng, order_times, NOW, products=PRODUCTS, countries=COUNTRIES, variant=variant
        )
        ordered = orders.ordered_at
        if variant.line_items:

            def drawn(i: int) -> bench_data.Events:
                return events(i, ordered[i]) if events is not None else []

            histories = [drawn(i) for i in range(CASES)]
            second = {i: (ordered[i], drawn(i)) for i in range(CASES) if variant.two_parcels(i)}
            bench_data.copy_parcels(cur, orders, histories, second, NOW)

        def case_rows():
            for i in range(CASES):
                case_type, risk, rank, move, route, window_name, days, _ = rng.choice(shapes)
                ordered_at = ordered[i]
                window = None
                if window_name:
                    started = ordered_at + timedelta(days=1)
                    elapsed = max(0, (NOW - started).days)
                    window = json.dumps(
                        {
                            "name": window_name,
                            "days": days,
                            "started_at": started.isoformat(),
                            "elapsed_days": elapsed,
                            "exceeded": elapsed > days,
                        }
                    )
                flags = ["label_only"] if case_type == "label_created_only" else []
                waiting = None
                if rng.random() < 0.15:
                    flags.append("customer_waiting")
                    waiting = NOW - timedelta(days=rng.uniform(0, 10))
                status = (
                    "resolved" if case_type == "delivered" else ("held" if rng.random() < 0.03 else "open")
                )
                assignee = assignee_id if rng.random() < 0.05 else None
                row = {
                    "id": i + 1,
                    "order_id": i + 1,
                    "case_type": case_type,
                    "risk_level": risk,
                    "risk_rank": rank,
                    "next_move": move,
                    "also": "[]",
                    "route": route,
                    "flags": json.dumps(sorted(flags)),
                    "window": window,
                    "clocks": "{}",
                    "packet": "{}",
                    "packet_digest": "",
                    "requires_owner_approval": rank >= 4,
                    "waiting_since": waiting,
                    "assessed_at": NOW,
                    "next_assessment_at": NOW + timedelta(days=1),
                    "status": status,
                    "held_until": None,
                    "hold_reason": "",
                    "assignee_id": assignee,
                    "draft_text": "",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                if packet is not None:
                    row["packet"] = packet(i, row, orders)
                yield row

        bench_data.copy_cases(cur, case_rows())
        cur.execute("VACUUM ANALYZE")  # Django autocommits, so VACUUM may run here


def load_home(connection, staff, owner) -> None:
    """What the home page counts and shows besides the cases: a money decision on one case in 50 (one in
    ten of them waiting), an agent proposal on one in 100 (one in five waiting), one product in 20 waiting
    for review, two suppliers flagged, today's first count of the open cases, the reports of a sweep and a
    weekly review, and an import run."""
    from cases.models import AgentProposal, ImportRun, MoneyDecision
    from cases.services.open_case_counts import record_open_case_counts
    from staletrack.job_reports import SWEEP, WEEKLY_REVIEW, record_job
    from suppliers.models import Product, Supplier

    decisions = []
    for n, case_id in enumerate(range(1, CASES + 1, 50)):
        waiting = n % 10 == 0
        decisions.append(
            MoneyDecision(
                case_id=case_id,
                kind="refund",
                amount="9.90",
                currency="USD",
                reason="late",
                requested_by=staff,
                requested_at=NOW - timedelta(hours=n % 500),
                state="pending" if waiting else "approved",
                decided_by=None if waiting else owner,
                decided_at=None if waiting else NOW,
            )
        )
    MoneyDecision.objects.bulk_create(decisions, batch_size=5000)
    proposals = [
        AgentProposal(
            case_id=case_id,
            agent="bench",
            kind="note",
            text="look",
            state="dismissed" if n % 5 else "pending",
        )
        for n, case_id in enumerate(range(1, CASES + 1, 100))
    ]
    AgentProposal.objects.bulk_create(proposals, batch_size=5000)
    Product.objects.filter(id__lte=PRODUCTS // 20).update(state="review_required")
    Supplier.objects.filter(id__lte=2).update(status="flagged")
    record_open_case_counts(now=NOW)
    record_job(SWEEP, started_at=NOW, summary={"assessed": 1200, "written": 80, "changed": 12, "batches": 2})
    rollups = {"supplier": SUPPLIERS, "sku": PRODUCTS, "country": len(COUNTRIES)}
    marked = list(Product.objects.filter(state="review_required").values_list("sku", flat=True))
    review = {"week_start": "2026-11-09", "rollups": rollups, "products_marked": marked}
    record_job(WEEKLY_REVIEW, started_at=NOW, summary=review | {"suppliers_flagged": ["Supplier 1"]})
    ImportRun.objects.create(kind="orders", file_name="orders.csv", status="succeeded", created_rows=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_moneydecision, cases_agentproposal, suppliers_product")


def load_bulk(connection, chosen: list[int]) -> None:
    """The bulk review's cases: each a stored packet as an assessment writes it (its draft reply, reasons,
    clocks, its parcel), its own digest, and a message from its customer waiting for an answer."""
    from cases.choices import Direction
    from cases.models import CustomerMessage

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET packet = %s::jsonb, packet_digest = md5(id::text) WHERE id = ANY(%s)",
            [json.dumps(bulk_packet()), chosen],
        )
    rows = orders_of(chosen)
    CustomerMessage.objects.bulk_create(
        [
            CustomerMessage(
                order_id=order_pk,
                at=NOW - timedelta(hours=6 + n % 48),
                text="Hello, where is my order? The tracking has not moved for ten days.",
                direction=Direction.INBOUND,
            ).with_fingerprint()
            for n, order_pk in enumerate(rows)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_customermessage")


def orders_of(case_pks: list[int]) -> list[int]:
    from cases.models import Case

    return list(Case.objects.filter(pk__in=case_pks).values_list("order_id", flat=True))


def bulk_packet() -> dict:
    """A stale-in-transit packet as the rules write it (rules.md section 9), about 3 KB."""
    moved = (NOW - timedelta(days=10)).date().isoformat()
    draft = (
        "Hello,\n\nThank you for your message about your order.\n\nThe latest carrier update is from "
        f'{moved}: in transit (carrier note: "Departed facility"). There has been no new carrier update '
        "since then, and we are looking into it with the carrier. We will write again as soon as we hear "
        "back, and we are sorry for the wait.\n\nBest regards,\nThe store team"
    )
    window = {"name": "stale_in_transit_days", "days": 7, "elapsed_days": 10, "exceeded": True}
    clocks = {"order_age_days": 20, "tracking_age_days": 18, "days_since_first_scan": 17}
    clocks |= {"days_since_last_movement": 10}
    return {
        "order_id": "#bench",
        "case_type": "stale_in_transit",
        "risk_level": "customer_update",
        "next_move": "draft_update",
        "also": [],
        "route": "customer_support",
        "window": window,
        "clocks": clocks,
        "carrier": "yunexpress",
        "flags": ["customer_waiting"],
        "evidence_gaps": ["no supplier pickup proof"],
        "reasons": [
            f"last movement {moved}, 10 days ago; the in-transit window is 7 days",
            "1 unanswered customer message, the latest today",
        ],
        "requires_owner_approval": False,
        "policy_version": "v1",
        "next_assessment_at": (NOW + timedelta(days=1)).isoformat(),
        "draft_reply": draft,
        "supplier_draft": None,
        "draft_notes": [],
        "parcels": [
            {
                "number": "YT2431220000000001",
                "carrier": "yunexpress",
                "skus": ["SKU-1"],
                "superseded": False,
                "case_type": "stale_in_transit",
                "risk_level": "customer_update",
                "next_move": "draft_update",
                "window": window,
                "clocks": clocks,
                "flags": [],
            }
        ],
        "as_of": NOW.isoformat(),
        "dispute": None,
    }


def load_lane_replies(staff) -> None:
    """Replies sent in the last four weeks, one open case in 200 each, in the three lanes (the home page)."""
    from cases.models import CustomerMessage, SentReply

    messages, replies = [], []
    for n, case_id in enumerate(range(3, CASES + 1, 200)):
        at = NOW - timedelta(hours=n % (24 * 27))
        messages.append(
            CustomerMessage(
                order_id=case_id, at=at, text=f"reply {n}", direction="outbound"
            ).with_fingerprint()
        )
    CustomerMessage.objects.bulk_create(messages, batch_size=5000)
    for n, message in enumerate(messages):
        lane = ("fast", "fast", "standard", "owner_only")[n % 4]
        replies.append(
            SentReply(case_id=message.order_id, message=message, lane=lane, sent_at=message.at, by=staff)
        )
    SentReply.objects.bulk_create(replies, batch_size=5000)


TARGET_MS = 300  # each page's median at 1,000,000 cases
BULK_TARGET_MS = 500  # the bulk review's, 500 drafts drawn
BULK_CASES = 500


def measure(
    client,
    url: str,
    params: dict,
    name: str,
    queries: dict[str, int],
    *,
    post: bool = False,
    target_ms: int = TARGET_MS,
):
    """Print the page's median time, query count and time in SQL, each checked (the median against
    `target_ms`, the count against `queries`' for the same page, set on the first dataset measured); returns
    the admin's ChangeList (None for the other pages, which show what they counted instead)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ask = client.post if post else client.get
    ask(url, params)  # warm
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = ask(url, params)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (name, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        response = ask(url, params)
    sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    cl = response.context.get("cl")
    if cl is not None:
        shown = cl.result_count
    elif "rows" in response.context:
        shown = len(response.context["rows"])  # the bulk review's drafts
    else:
        shown = response.context["home"].open_now
    median_ms = statistics.median(times) * 1000
    fixed = queries.setdefault(name, len(captured)) == len(captured)
    print(
        f"  {name:<38} {median_ms:7.1f} ms  {len(captured):2d} queries "
        f"({sql_ms:6.1f} ms in SQL)  count shown: {shown:,}  "
        f"(under {target_ms} ms: {bench_data.verdict(median_ms < target_ms)}; "
        f"queries as in the first dataset: {bench_data.verdict(fixed)})"
    )
    return cl


def measure_bulk(client, chosen: list[int], queries: dict[str, int]) -> None:
    """The bulk review: the queue's action over the chosen cases (50, then all 500: the same queries),
    and the fast lane's saved view."""
    action = {"action": "review_in_bulk", "index": "0"}
    few, name = (
        f"bulk review: action, {len(chosen[:50])} chosen",
        f"bulk review: action, {len(chosen)} chosen",
    )
    measure(client, "/admin/cases/case/", action | {"_selected_action": chosen[:50]}, few, queries, post=True)
    measure(
        client,
        "/admin/cases/case/",
        action | {"_selected_action": chosen},
        name,
        queries,
        post=True,
        target_ms=BULK_TARGET_MS,
    )
    same = bench_data.verdict(queries[few] == queries[name])
    print(f"    same queries for 50 and {len(chosen)} chosen: {same}")
    measure(
        client,
        "/admin/cases/case/bulk-review/",
        {"view": "fast-lane"},
        f"bulk review: fast-lane view, {BULK_CASES} drawn",
        queries,
        target_ms=BULK_TARGET_MS,
    )


def main() -> None:
    queries: dict[str, int] = {}  # page -> its query count in the first dataset measured
    bench_data.each_variant(lambda variant: measure_queue(variant, queries))


def measure_queue(variant: bench_data.Variant, queries: dict[str, int]) -> None:
    with throwaway_database(BENCH_URL):
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment, teardown_test_environment

        from tests.factories import UserFactory

        setup_test_environment()
        try:
            staff = UserFactory(username="bench-staff", role="Staff")
            owner = UserFactory(username="bench-owner", role="Owner")
            started = time.perf_counter()
            load(connection, staff.pk, variant)
            load_home(connection, staff, owner)
            load_lane_replies(staff)
            chosen = fast_lane_cases()
            load_bulk(connection, chosen)
            print(f"loaded {CASES:,} cases in {time.perf_counter() - started:.0f} s")

            client = Client()
            client.force_login(staff)
            url = "/admin/cases/case/"
            scenarios = [
                ("route=supplier_delay + country=DE", {"route__exact": "supplier_delay", "country": "DE"}),
                (
                    "status=open + risk=owner_only",
                    {"status__exact": "open", "risk_level__exact": "owner_only"},
                ),
                ("flag=customer_waiting + assignee=mine", {"flag": "customer_waiting", "assignee": "mine"}),
            ]
            print(f"queue page, median of {RUNS} requests, {CASES:,} cases:")
            pages = measure(client, url, {}, "unfiltered", queries).paginator.num_pages
            for name, params in scenarios:
                measure(client, url, params, name, queries)
            # A deep page: page 50, or the last one when a small queue has fewer (the admin redirects
            # past it).
            page = min(50, pages)
            measure(client, url, {"p": str(page)}, f"page {page} of {pages:,}, unfiltered", queries)

            print(f"bulk review of fast-lane drafts, median of {RUNS} requests, {CASES:,} cases:")
            measure_bulk(client, chosen, queries)

            print(f"home page, median of {RUNS} requests, {CASES:,} cases:")
            measure(client, "/admin/", {}, "home page as staff", queries)
            as_owner = Client()
            as_owner.force_login(owner)
            measure(as_owner, "/admin/", {}, "home page as the owner", queries)
        finally:
            teardown_test_environment()


def fast_lane_cases() -> list[int]:
    """The first BULK_CASES open fast-lane cases in the queue's order: those the saved view draws."""
    from cases.models import Case
    from cases.selectors.case_queue import QUEUE_ORDER
    from cases.workbench.lanes import FAST, active_lane_settings, lane_q

    fast = Case.objects.filter(lane_q(FAST, active_lane_settings()), status="open")
    return list(fast.order_by(*QUEUE_ORDER).values_list("pk", flat=True)[:BULK_CASES])


if __name__ == "__main__":
    main()
