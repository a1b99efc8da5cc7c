"""The agents' API under load: the production server on loopback over 1,000,000 cases on PostgreSQL, read by
20 concurrent clients for a fixed time.

Prints, from one run: p50, p99 and the longest latency and the calls per second, over all and per kind
(the queue's first page, filtered pages, cursor pages, one case's packet, its timeline, its parcels), the
answers by status (every one must be 2xx) and how many cores the load generator, the web workers and
PostgreSQL used; before the load, in the same process and database, the queries one call of each kind
needs (Django's test client, CaptureQueriesContext) and its median time alone.

Targets on 2 cores: p99 under 300 ms over all and for each kind; no answer but 2xx; /api/cases?limit=200 no
more queries than ?limit=5 (a page's query count does not grow with its length).

    make bench-api                               # BENCH_DATABASE_URL, default .../staletrack_bench_api
    BENCH_CASES=20000 make bench-api             # a smaller run
    BENCH_SECONDS=10 BENCH_WARMUP=2 make bench-api   # a shorter load
    BENCH_PROFILE=1 make bench-api               # also cProfile of each kind of call, in-process
    BENCH_KEEP=1 make bench-api, then BENCH_REUSE=1 make bench-api   # the load again on the kept data

The data: bench_admin's loader (its catalogue, orders and case rows, drawn alike) with its second dataset's
line items and parcels (one order in five in two parcels), plus here, each from a random stream of its
own, one to six carrier events on every number and a stored packet on every case: a real one, made by the
assessment engine (`cases.assessment.assess_many`) for bench_assess's orders, of the case's case type where
one was made, then given the case's order, decisions, window and parcels (1 to 3 KB of JSON each).

The load: gunicorn with deploy/gunicorn.conf.py (DEBUG off, BENCH_WEB_WORKERS workers, default 4 as
bench_webhooks; each keeps its database connection, as deploy/production.env.example; no Redis, so the rate
counts live in each worker's memory cache), and BENCH_CLIENTS clients (threads, spread over
BENCH_CLIENT_PROCESSES processes so that they do not wait on one interpreter's lock), each sending its next
call as soon as the last was answered (http.client, keep-alive asked; gunicorn's sync workers close every
connection anyway), on one of five read tokens (100,000 calls a minute each). Each client's next call
(MIX): a quarter of the time a list (the first page; a page filtered by status, risk level, route, next
move, case type, flag, assignee or supplier; or a chain of 2 to 4 cursor pages after one of those; limit
50, the default, nine times in ten, else 200, the most), else a random case's packet, timeline or parcels.
BENCH_WARMUP seconds (5) untimed, then BENCH_SECONDS (30) timed. Before the load, every filter's first
page is also timed alone, in-process (median of 3), against the same target.

The benchmark creates its own database and drops it afterwards (BENCH_KEEP=1 keeps it), and stops the
server it started.
"""

from __future__ import annotations

import cProfile
import http.client
import io
import multiprocessing
import os
import pstats
import random
import resource
import secrets
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import bench_admin
import bench_assess
import bench_data
import orjson
from bench_common import bench_database_url, free_port, start_gunicorn, wait_for_port
from bench_database import throwaway_database

# Importing bench_admin, bench_assess and bench_webhooks pointed DATABASE_URL at their own databases; this
# benchmark's is set last, before Django is set up.
BENCH_URL = bench_database_url("staletrack_bench_api")

ROOT = Path(__file__).resolve().parent.parent
CASES = bench_admin.CASES  # BENCH_CASES
NOW = bench_admin.NOW
VARIANT = bench_data.TWO_PARCELS
SECONDS = float(os.environ.get("BENCH_SECONDS", "30"))
WARM_UP = float(os.environ.get("BENCH_WARMUP", "5"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
CLIENT_PROCESSES = max(1, min(CLIENTS, int(os.environ.get("BENCH_CLIENT_PROCESSES", "4"))))
WORKERS = os.environ.get("BENCH_WEB_WORKERS", "4")
TOKENS = 5
REUSE = bool(os.environ.get("BENCH_REUSE"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))  # in-process timings: the median of this many calls
TARGET_P99_MS = 300

# (kind, weight): what a client's next call is. "list chain" is a filtered or first page followed by 2 to
# 4 cursor pages (kind "list cursor"), the first page counted under its own kind.
MIX = (
    ("list first page", 5),
    ("list filtered", 15),
    ("list chain", 5),
    ("packet", 35),
    ("timeline", 20),
    ("parcels", 20),
)
KINDS = ("list first page", "list filtered", "list cursor", "packet", "timeline", "parcels")
# Filters an agent asks for, each a name and its query (every value one bench_admin's SHAPES stores).
FILTERS = (
    ("status=open", {"status": "open"}),
    ("status=held", {"status": "held"}),
    ("risk_level=owner_only", {"risk_level": "owner_only"}),
    ("risk_level=refund_risk", {"risk_level": "refund_risk"}),
    ("risk_level=customer_update", {"risk_level": "customer_update"}),
    ("risk_level=supplier_chase", {"risk_level": "supplier_chase"}),
    ("risk_level=normal_watch", {"risk_level": "normal_watch"}),
    ("route=supplier_delay", {"route": "supplier_delay"}),
    ("route=customer_support", {"route": "customer_support"}),
    ("route=lost_package", {"route": "lost_package"}),
    ("next_move=draft_update", {"next_move": "draft_update"}),
    ("next_move=chase_supplier", {"next_move": "chase_supplier"}),
    ("next_move=escalate", {"next_move": "escalate"}),
    ("case_type=stale_in_transit", {"case_type": "stale_in_transit"}),
    ("case_type=carrier_exception", {"case_type": "carrier_exception"}),
    ("status=open+risk_level=customer_update", {"status": "open", "risk_level": "customer_update"}),
    ("status=open+next_move=chase_supplier", {"status": "open", "next_move": "chase_supplier"}),
    ("status=open+flag=customer_waiting", {"status": "open", "flag": "customer_waiting"}),
    ("assignee=bench-staff", {"assignee": "bench-staff"}),
    ("supplier=3", {"supplier": 3}),
    # Cases low in the queue, behind hundreds of thousands of others (cases.selectors.case_queue reads
    # them rank by rank).
    ("next_move=wait", {"next_move": "wait"}),
    ("parcel_case_type=in_transit", {"parcel_case_type": "in_transit"}),
    ("case_type=in_transit", {"case_type": "in_transit"}),
    ("age=3-7", {"age": "3-7"}),
)


# --- the data ------------------------------------------------------------------------------------------


def order_name(i: int) -> str:
    return f"#{i:07d}"  # bench_data.copy_order_rows


def number_of(pk: int) -> str:
    return f"YT{2431220000000000 + pk - 1:016d}"  # bench_data.copy_parcels: tracking number `pk`


# Carrier statuses in the order a parcel goes through them; each number gets a prefix of one.
PATHS = (
    ("info_received",),
    ("info_received", "accepted"),
    ("info_received", "accepted", "in_transit"),
    ("info_received", "accepted", "in_transit", "in_transit"),
    ("info_received", "accepted", "in_transit", "in_transit", "out_for_delivery", "delivered"),
)


def carrier_events(seed: int):
    """bench_admin.load's `events`: each number's history, labelled half a day to two days after the order,
    then a status every half day to four days, none after NOW."""
    rng = random.Random(seed)

    def draw(i: int, ordered_at: datetime) -> bench_data.Events:
        at = ordered_at + timedelta(days=rng.uniform(0.5, 2))
        history = []
        for status in rng.choice(PATHS):
            if at >= NOW:
                break
            history.append((at, status))
            at += timedelta(days=rng.uniform(0.5, 4))
        return history

    return draw


def iso_z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Packets:
    """bench_admin.load's `packet`: a real packet of the case's case type, given the case's own order,
    decisions, window and parcels (numbers and items as bench_data.copy_parcels stores them)."""

    def __init__(self, seed: int, count: int = 2000):
        from cases.assessment import assess_many

        rng = random.Random(seed)
        scenarios = [bench_assess.scenario(rng, i) for i in range(count)]
        self.by_type: dict[str, list[dict]] = defaultdict(list)
        for packet in assess_many(bench_assess.in_memory_facts(scenarios), bench_assess.AS_OF):
            self.by_type[packet.case_type].append(packet.to_dict())
        self.every = [packet for packets in self.by_type.values() for packet in packets]
        self.rng = random.Random(seed + 1)
        # order i's second number: bench_data.copy_parcels numbers the second parcels after the first ones
        seconds = [i for i in range(CASES) if VARIANT.two_parcels(i)]
        self.second_number = {i: CASES + j + 1 for j, i in enumerate(seconds)}

    def __call__(self, i: int, row: dict, orders: bench_data.Orders) -> str:
        choices = self.by_type.get(row["case_type"]) or self.every
        template = choices[self.rng.randrange(len(choices))]
        numbers = [i + 1] + ([self.second_number[i]] if i in self.second_number else [])
        model = template["parcels"][0] if template["parcels"] else {}
        parcels = []
        for position, pk in enumerate(numbers):
            skus = [bench_data.sku(orders.items[i][position])] if len(numbers) > 1 else []
            parcels.append(model | {"number": number_of(pk), "carrier": "yunexpress", "skus": skus})
        packet = template | {
            "order_id": order_name(i),
            "case_type": row["case_type"],
            "risk_level": row["risk_level"],
            "next_move": row["next_move"],
            "route": row["route"] or None,
            "window": orjson.loads(row["window"]) if row["window"] else None,
            "flags": orjson.loads(row["flags"]),
            "requires_owner_approval": row["requires_owner_approval"],
            "next_assessment_at": iso_z(row["next_assessment_at"]),
            "as_of": iso_z(NOW),
            "parcels": parcels,
        }
        text = orjson.dumps(packet).decode()
        # the drafts name the template's order and number
        text = text.replace(template["order_id"], order_name(i))
        if template["parcels"] and template["parcels"][0]["number"]:
            text = text.replace(template["parcels"][0]["number"], number_of(i + 1))
        return text


# --- in-process: each call's queries and time alone -----------------------------------------------------


def measure_in_process(raw: str) -> bool:
    """Print each kind of call's query count and median time through Django's test client on the bench
    database; returns whether ?limit=200 needs no more queries than ?limit=5."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    case = min(5, CASES)  # order 4: two parcels
    first = client.get("/api/cases", {"limit": 200}).json()
    calls = [
        ("cases?limit=5", "/api/cases?limit=5"),
        ("cases?limit=200", "/api/cases?limit=200"),
        ("cases?limit=200 (cursor page 2)", f"/api/cases?limit=200&cursor={first['next_cursor']}"),
        ("cases?status=open&limit=5", "/api/cases?status=open&limit=5"),
        ("cases?status=open&limit=200", "/api/cases?status=open&limit=200"),
        ("cases?risk_level=supplier_chase&limit=50", "/api/cases?risk_level=supplier_chase&limit=50"),
        ("cases?next_move=chase_supplier&limit=50", "/api/cases?next_move=chase_supplier&limit=50"),
        (f"cases/{case} (packet)", f"/api/cases/{case}"),
        (f"cases/{case}/timeline", f"/api/cases/{case}/timeline"),
        (f"cases/{case}/parcels", f"/api/cases/{case}/parcels"),
    ]
    counts = {}
    print(f"in-process, one call at a time (the token's read and audit insert counted; median of {RUNS}):")
    for name, path in calls:
        response = client.get(path)  # warm; and the token's last_used_at, written once a minute
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        counts[name] = len(captured)
        sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
        median_ms = statistics.median(times) * 1000
        print(
            f"  {name:<44} {len(captured):2d} queries  {median_ms:7.1f} ms ({sql_ms:5.1f} ms in SQL)  "
            f"{len(response.content):7,} bytes"
        )
        if os.environ.get("BENCH_VERBOSE"):
            for query in captured.captured_queries:
                print(f"      {query['time']}s {query['sql'][:160]}")
    fixed = counts["cases?limit=200"] <= counts["cases?limit=5"]
    fixed_filtered = counts["cases?status=open&limit=200"] <= counts["cases?status=open&limit=5"]
    print(
        f"  queries of a page do not grow with its length (limit=200: {counts['cases?limit=200']}, "
        f"limit=5: {counts['cases?limit=5']}; filtered {counts['cases?status=open&limit=200']} vs "
        f"{counts['cases?status=open&limit=5']}): {pass_fail(fixed and fixed_filtered)}"
    )
    print(f"every filter's first page alone (median of 3; target {TARGET_P99_MS} ms):")
    alone_ok = True
    for name, query in FILTERS:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            response = client.get("/api/cases", query)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (name, response.status_code)
        median_ms = statistics.median(times) * 1000
        alone_ok = alone_ok and median_ms < TARGET_P99_MS
        print(f"  {name:<44} {median_ms:7.1f} ms  {pass_fail(median_ms < TARGET_P99_MS)}")
    if os.environ.get("BENCH_PROFILE"):
        profile_calls(client, [path for _, path in calls])
    return fixed and fixed_filtered and alone_ok


def profile_calls(client, paths: list[str], repeat: int = 30) -> None:
    """cProfile of `repeat` calls of each path, in-process: the 25 functions taking the most time."""
    for path in paths:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            client.get(path)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(f"--- profile of {repeat} x {path[:100]} ---")
        print(out.getvalue())


def pass_fail(met: bool) -> str:
    return "PASS" if met else "FAIL"


# --- the load ------------------------------------------------------------------------------------------


def server_env(port: int, var: Path) -> dict[str, str]:
    prefixes = ("DJANGO_", "CELERY_", "STALETRACK_", "DATABASE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return (
        env
        | {
            "DATABASE_URL": BENCH_URL,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "STALETRACK_ADDR": f"127.0.0.1:{port}",
            "STALETRACK_VAR_DIR": str(var),
            "WEB_CONCURRENCY": WORKERS,
            # As deploy/production.env.example: each worker keeps its database connection between requests.
            "DATABASE_CONN_MAX_AGE": "60",
            "PYTHONPATH": str(ROOT),
        }
        | (
            {"DJANGO_STATIC_ROOT": os.environ["DJANGO_STATIC_ROOT"]}
            if "DJANGO_STATIC_ROOT" in os.environ
            else {}
        )
    )


Record = tuple[str, str, float, int]  # kind, detail (the filter), latency in seconds, status


class Client:
    """One client: its next call as soon as the last was answered, on one keep-alive connection (opened
    again whenever the server closed it)."""

    def __init__(self, seed: int, port: int, token: str, window: tuple[float, float, float]):
        self.rng = random.Random(seed)
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Connection": "keep-alive"}
        self.start_at, self.measure_from, self.stop_at = window
        self.records: list[Record] = []
        self.statuses: Counter = Counter()  # every answer, the warm-up's too
        self.errors: list[str] = []
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, kind: str, detail: str, path: str) -> bytes:
        sent = time.time()
        started = time.perf_counter()
        try:
            self.connection.request("GET", path, headers=self.headers)
            response = self.connection.getresponse()
            body = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.errors.append(f"{type(error).__name__}: {error}")
            body, status = b"", 0
        latency = time.perf_counter() - started
        self.statuses[status] += 1
        if self.measure_from <= sent < self.stop_at:
            self.records.append((kind, detail, latency, status))
        return body if status == 200 else b""

    def page(self, kind: str, detail: str, query: dict) -> str | None:
        body = self.call(kind, detail, f"/api/cases?{urlencode(query)}" if query else "/api/cases")
        return orjson.loads(body)["next_cursor"] if body else None

    def run(self) -> None:
        rng = self.rng
        kinds, weights = zip(*MIX, strict=True)
        while time.time() < self.start_at:
            time.sleep(0.01)
        while time.time() < self.stop_at:
            kind = rng.choices(kinds, weights)[0]
            if kind.startswith("list"):
                name, query = ("first page", {}) if kind == "list first page" else rng.choice(FILTERS)
                if rng.random() < 0.1:
                    query = query | {"limit": 200}
                first_kind = "list first page" if name == "first page" else "list filtered"
                cursor = self.page(first_kind, name, query)
                if kind == "list chain":
                    for _ in range(rng.randint(2, 4)):
                        if cursor is None or time.time() >= self.stop_at:
                            break
                        cursor = self.page("list cursor", name, query | {"cursor": cursor})
                continue
            case = rng.randint(1, CASES)
            path = {
                "packet": f"/api/cases/{case}",
                "timeline": f"/api/cases/{case}/timeline",
                "parcels": f"/api/cases/{case}/parcels",
            }[kind]
            self.call(kind, "", path)
        self.connection.close()


def drive(index: int, threads: int, port: int, tokens: list[str], window, results) -> None:
    """A load process: `threads` clients; puts their records, answers, errors and this process's CPU
    seconds within the timed window on `results`."""
    clients = [
        Client(1000 * index + k, port, tokens[(index * threads + k) % len(tokens)], window)
        for k in range(threads)
    ]
    running = [threading.Thread(target=client.run) for client in clients]
    for thread in running:
        thread.start()
    _, measure_from, stop_at = window
    time.sleep(max(0.0, measure_from - time.time()))
    before = cpu_of_self()
    time.sleep(max(0.0, stop_at - time.time()))
    after = cpu_of_self()
    for thread in running:
        thread.join()
    results.put(
        (
            [record for client in clients for record in client.records],
            sum((client.statuses for client in clients), Counter()),
            [error for client in clients for error in client.errors],
            after - before,
        )
    )


def cpu_of_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- CPU, from /proc -----------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of every core since boot."""
    with open("/proc/stat") as stat:
        fields = [int(n) for n in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def process_ticks(select) -> dict[int, int]:
    """CPU ticks (user + system) of each running process `select(pid, name, parent)` keeps, by pid."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        rest = text[text.rindex(")") + 2 :].split()
        if select(int(entry), name, int(rest[1])):
            found[int(entry)] = int(rest[11]) + int(rest[12])
    return found


def used(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU seconds between two process_ticks (a process that started in between counts from nothing)."""
    return sum(ticks - before.get(pid, 0) for pid, ticks in after.items()) / TICK


# --- the run -------------------------------------------------------------------------------------------


def run_load(port: int, tokens: list[str], web_pid: int) -> tuple[list[Record], Counter, list[str], dict]:
    start_at = time.time() + 1.0
    window = (start_at, start_at + WARM_UP, start_at + WARM_UP + SECONDS)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    shares = [CLIENTS // CLIENT_PROCESSES + (p < CLIENTS % CLIENT_PROCESSES) for p in range(CLIENT_PROCESSES)]
    processes = [
        context.Process(target=drive, args=(p, shares[p], port, tokens, window, results))
        for p in range(CLIENT_PROCESSES)
    ]
    for process in processes:
        process.start()

    def web(pid, name, parent):
        return pid == web_pid or parent == web_pid

    database_name = BENCH_URL.rsplit("/", 1)[1]

    def database(pid, name, parent):
        # the server's processes for this database (its title names it), not other databases' sessions
        return name.startswith("postgres") and f" {database_name} " in command_line(pid)

    time.sleep(max(0.0, window[1] - time.time()))
    machine_before, web_before, db_before = machine_ticks(), process_ticks(web), process_ticks(database)
    time.sleep(max(0.0, window[2] - time.time()))
    machine_after, web_after, db_after = machine_ticks(), process_ticks(web), process_ticks(database)
    records, statuses, errors, client_cpu = [], Counter(), [], 0.0
    for _ in processes:
        r, s, e, c = results.get()
        records += r
        statuses += s
        errors += e
        client_cpu += c
    for process in processes:
        process.join()
    busy = (machine_after[0] - machine_before[0]) / max(1, machine_after[1] - machine_before[1])
    cpu = {
        "clients": client_cpu / SECONDS,
        "web": used(web_before, web_after) / SECONDS,
        "postgresql": used(db_before, db_after) / SECONDS,
        "machine": busy * (os.cpu_count() or 1),
    }
    return records, statuses, errors, cpu


def percentile(latencies: list[float], share: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def line(name: str, latencies: list[float]) -> tuple[str, bool]:
    p50, p99 = statistics.median(latencies) * 1000, percentile(latencies, 0.99) * 1000
    met = p99 < TARGET_P99_MS
    text = (
        f"  {name:<44} {len(latencies):7,} calls {len(latencies) / SECONDS:7.1f}/s  p50 {p50:6.1f} ms  "
        f"p99 {p99:6.1f} ms  max {max(latencies) * 1000:7.1f} ms  {pass_fail(met)}"
    )
    return text, met


def report(records: list[Record], statuses: Counter, errors: list[str], cpu: dict) -> bool:
    print(f"answers by status (warm-up included): {dict(sorted(statuses.items()))}")
    all_2xx = all(200 <= status < 300 for status in statuses)
    print(f"  every answer 2xx: {pass_fail(all_2xx)}")
    if errors:
        print(f"  client errors: {len(errors)} (first: {errors[0]})")
    print(f"latency, {SECONDS:.0f} s timed after {WARM_UP:.0f} s of warm-up (p99 under {TARGET_P99_MS} ms):")
    text, met = line("all", [latency for _, _, latency, _ in records])
    print(text)
    by_kind, by_filter = defaultdict(list), defaultdict(list)
    for kind, detail, latency, _ in records:
        by_kind[kind].append(latency)
        if kind.startswith("list"):
            by_filter[f"{kind.removeprefix('list ')}: {detail}"].append(latency)
    for kind in KINDS:
        if by_kind[kind]:
            text, kind_met = line(kind, by_kind[kind])
            print(text)
            met = met and kind_met
    print("list pages by filter, slowest p99 first:")
    for name, latencies in sorted(by_filter.items(), key=lambda item: -percentile(item[1], 0.99)):
        print(line(name, latencies)[0])
    other = max(0.0, cpu["machine"] - cpu["clients"] - cpu["web"] - cpu["postgresql"])
    print(
        f"CPU over the timed window, in cores of {os.cpu_count()}: load generator {cpu['clients']:.2f} "
        f"({CLIENTS} clients in {CLIENT_PROCESSES} processes), gunicorn {cpu['web']:.2f} ({WORKERS} "
        f"workers), PostgreSQL {cpu['postgresql']:.2f} (this database's sessions); the machine "
        f"{cpu['machine']:.2f} busy, {other:.2f} of it other processes"
    )
    return met and all_2xx


def main() -> None:
    global CASES
    print(
        f"bench-api: {CASES:,} cases, {CLIENTS} clients, {WORKERS} web workers, {os.cpu_count()} cores, "
        f"load average before: {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    with bench_database():
        from django.db import connection, connections
        from django.test.utils import setup_test_environment, teardown_test_environment

        from cases.models import Case
        from staletrack.tokens import create_token
        from tests.factories import UserFactory

        setup_test_environment()  # the test client's host; DEBUG stays off
        try:
            staff = UserFactory(username="bench-staff", role="Staff")
            if REUSE:
                CASES = Case.objects.count()  # the clients draw case ids 1..CASES
                print(f"reusing {BENCH_URL.rsplit('/', 1)[1]}: {CASES:,} cases", flush=True)
            else:
                load(connection, staff.pk)
            tokens = [
                create_token(name=f"bench-agent-{k}", scope="read", actor=None, rate_per_minute=100_000)[1]
                for k in range(TOKENS)
            ]
            fixed = measure_in_process(tokens[0])
            connections.close_all()  # before the load processes fork
            met = serve_and_load(tokens)
            print(f"bench-api: {pass_fail(met and fixed)}")
        finally:
            teardown_test_environment()


@contextmanager
def bench_database():
    """The throwaway database, or with BENCH_REUSE=1 the one a run kept (BENCH_KEEP=1), migrated, as it is:
    a quicker run of the load alone while developing."""
    if not REUSE:
        with throwaway_database(BENCH_URL):
            yield
        return
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    call_command("migrate", verbosity=0)
    try:
        yield
    finally:
        connections.close_all()


def load(connection, staff_id: int) -> None:
    started = time.perf_counter()
    bench_admin.load(connection, staff_id, VARIANT, events=carrier_events(20261207), packet=Packets(20261208))
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
        cursor.execute(
            "SELECT (SELECT count(*) FROM cases_trackingevent), "
            "(SELECT avg(octet_length(packet::text)) FROM cases_case TABLESAMPLE SYSTEM (1)), "
            "pg_size_pretty(pg_database_size(current_database()))"
        )
        events, packet_bytes, size = cursor.fetchone()
    elapsed = time.perf_counter() - started
    print(
        f"loaded {CASES:,} cases ({VARIANT.name}), {events:,} carrier events, packets of "
        f"{packet_bytes or 0:,.0f} bytes on average, {size}, in {elapsed:.0f} s",
        flush=True,
    )


def serve_and_load(tokens: list[str]) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        var = Path(folder)
        port = free_port()
        log_path = var / "gunicorn.log"
        with log_path.open("w") as log:
            web = start_gunicorn(server_env(port, var), log)
            try:
                wait_for_port(port, web, "gunicorn")
                records, statuses, errors, cpu = run_load(port, tokens, web.pid)
            finally:
                web.terminate()
                try:
                    web.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    web.kill()
        met = report(records, statuses, errors, cpu)
        if not met or errors:
            print("gunicorn's log, the last lines:")
            print("\n".join(log_path.read_text().splitlines()[-20:]))
        return met


if __name__ == "__main__":
    main()
