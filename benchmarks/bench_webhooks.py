"""Pushed deliveries under load: the production server on loopback, a burst of signed deliveries from every
source with a reader, from many concurrent clients, with the broker stopped for part of the burst.

Prints, from one run: deliveries accepted per second over the burst, p50 and p99 latency, how long the
worker took to apply what the burst kept, how many events were lost or doubled (counted in the database
afterwards against what the deliveries carried, read by each source's own reader), and whether every case
the burst touched was re-assessed within one sweep after the broker came back.

Targets on 2 cores: at least 300 deliveries/s, p99 under 250 ms, none lost, none doubled, every touched
case re-assessed.

    make bench-webhooks                        # BENCH_DATABASE_URL, default .../staletrack_bench_webhooks
    BENCH_DELIVERIES=2000 make bench-webhooks        # a smaller run
    BENCH_TIMELINE=1 make bench-webhooks             # also the slowest answers, with when they were sent

Set-up, all on this machine: its own PostgreSQL database (5,000 orders, each with a tracking number, a
parcel and an assessed case), its own Redis (the broker, on a free port, so that stopping it stops nothing
else), gunicorn with deploy/gunicorn.conf.py (DEBUG off, WEB_CONCURRENCY workers) and one Celery worker
with beat, at a lower priority than the web as deploy/staletrack-worker.service runs it. Deliveries go
round the sources (AfterShip, Shopify, 17TRACK, EasyPost, CJdropshipping, Track123, ParcelPanel,
TrackingMore and Shippo, each body built from the source's sample under cases/intake/webhooks/samples and
signed, or addressed by token, as that source does): each adds one new carrier event to one order's number
(a checkpoint never sent before), but Shopify's (the number tied to its order again: nothing new) and
ParcelPanel's (a status without events: one event per number, on orders of its own); one in twenty is
sent twice (a source's retry: a duplicate, not a second event). A hundred untimed deliveries warm the web
processes first. The broker is stopped from a third of the burst to two thirds, then started again; the
worker applies what was kept (beat picks up what was kept while the broker was down), then one sweep runs.

The benchmark creates its own database and drops it afterwards (BENCH_KEEP=1 keeps it).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bench_data
from bench_common import bench_database_url, free_port, start_gunicorn, wait_for_port
from bench_database import throwaway_database

ROOT = Path(__file__).resolve().parent.parent
DELIVERIES = int(os.environ.get("BENCH_DELIVERIES", "10000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
ORDERS = int(os.environ.get("BENCH_ORDERS", "5000"))
WORKERS = os.environ.get("BENCH_WEB_WORKERS", "4")
RETRY_SHARE = 0.05
WARM_UP = 100  # deliveries sent before the burst, not timed
BENCH_URL = bench_database_url("staletrack_bench_webhooks")
NOW = datetime.now(UTC).replace(microsecond=0)
TARGET_RATE, TARGET_P99_MS = 300, 250


def number_of(i: int) -> str:
    return f"YT{2431220000000000 + i:016d}"  # bench_data.copy_parcels: order i + 1's number


def order_name(i: int) -> str:
    return f"#{i:07d}"


# --- the deliveries ------------------------------------------------------------------------------------


SAMPLES = ROOT / "cases" / "intake" / "webhooks" / "samples"


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def moment(k: int) -> datetime:
    """Delivery k's new event: a time no other delivery's event has."""
    return NOW - timedelta(days=3) + timedelta(seconds=k)


def aftership_body(i: int, k: int) -> dict:
    checkpoint = {
        "checkpoint_time": moment(k).isoformat(),
        "tag": "InTransit",
        "subtag": "InTransit_001",
        "message": f"Departed facility {k}",
        "location": "Shenzhen",
        "country_iso3": "CHN",
    }
    return {
        "event": "tracking_update",
        "event_id": f"bench-{k}",
        "msg": {
            "tracking_number": number_of(i),
            "slug": "yunexpress",
            "tag": "InTransit",
            "checkpoints": [checkpoint],
        },
    }


def shopify_body(i: int, k: int) -> dict:
    return {
        "id": 900000 + k,
        "order_id": 800000 + i,
        "status": "success",
        "name": f"{order_name(i)}.1",
        "tracking_company": "YunExpress",
        "tracking_numbers": [number_of(i)],
        "shipment_status": "in_transit",
        "updated_at": NOW.isoformat(),
        "line_items": [],
    }


def seventeen_track_body(i: int, k: int) -> dict:
    body = sample("17track.json")
    data, at = body["data"], moment(k)
    data["number"], data["tag"] = number_of(i), None
    info = data["track_info"]
    event = info["tracking"]["providers"][0]["events"][0]
    event |= {
        "time_iso": at.isoformat(),
        "time_utc": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "time_raw": {"date": f"{at:%Y-%m-%d}", "time": f"{at:%H:%M:%S}", "timezone": "+00:00"},
        "description": f"Arrived at facility {k}",
        "description_translation": {"lang": "en", "description": f"Arrived at facility {k}"},
    }
    info["latest_event"] = event
    info["milestone"] = []
    info["misc_info"]["local_number"] = number_of(i)
    info["tracking"]["providers"] = [info["tracking"]["providers"][0] | {"events": [event]}]
    return body


def easypost_body(i: int, k: int) -> dict:
    body = sample("easypost.json")
    body["id"] = f"evt_bench{k:026d}"
    result = body["result"]
    detail = result["tracking_details"][0] | {
        "message": f"Arrived at facility {k}",
        "status": "in_transit",
        "status_detail": "arrived_at_facility",
        "datetime": moment(k).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    result |= {"tracking_code": number_of(i), "status": "in_transit", "tracking_details": [detail]}
    return body


def cjdropshipping_body(i: int, k: int) -> dict:
    body = sample("cjdropshipping.json")
    body["messageId"] = f"{k:032d}"
    params = body["params"]
    (event, *_) = json.loads(params["logisticsTrackEvents"])
    at = f"{moment(k):%Y-%m-%d %H:%M:%S}"
    event |= {
        "status": 10,
        "statusDesc": "Out for delivery",
        "activity": f"Out for delivery {k}",
        "thirdActivity": f"Out for delivery {k}",
        "eventTime": at,
        "thirdEventTime": at,
    }
    params |= {
        "trackingNumber": number_of(i),
        "storeOrderNumbers": [order_name(i)],
        "trackingStatus": 10,
        "logisticsTrackEvents": json.dumps([event]),
    }
    return body


def track123_body(i: int, k: int) -> dict:
    body = sample("track123.json")
    body |= {
        "trackingNumber": number_of(i),
        "orderName": order_name(i),
        "transitStatus": "InTransit",
        "transitSubStatus": "InTransit",
        "deliveryDate": None,
        "trackInfo": [
            {
                "eventTime": f"{moment(k):%Y-%m-%d %H:%M:%S}",
                "eventDetail": f"Shipment in transit {k}",
                "eventLocation": "DE,BE,Berlin",
            }
        ],
    }
    return body


def parcelpanel_body(i: int, k: int) -> dict:
    # A status without events: one event per number (the first delivery's), however many are sent.
    body = sample("parcelpanel.json")
    body |= {
        "tracking_number": number_of(i),
        "order_number": order_name(i),
        "status": "DELIVERED",
        "substatus": "Delivered_001",
        "delivery_date": moment(k).isoformat(),
    }
    return body


def trackingmore_body(i: int, k: int) -> dict:
    body = sample("trackingmore.json")
    data = body["data"]
    at = moment(k).isoformat()
    checkpoint = data["origin_info"]["trackinfo"][0] | {
        "checkpoint_date": at,
        "tracking_detail": f"Arrived at sorting center {k}",
    }
    data |= {"id": f"{k:032d}", "tracking_number": number_of(i), "order_number": order_name(i)}
    data |= {"latest_event": checkpoint["tracking_detail"], "latest_checkpoint_time": at}
    data["origin_info"]["trackinfo"] = [checkpoint]
    return body


def shippo_body(i: int, k: int) -> dict:
    body = sample("shippo.json")
    data = body["data"]
    at = moment(k).strftime("%Y-%m-%dT%H:%M:%SZ")
    status = data["tracking_history"][0] | {
        "object_id": f"{k:032d}",
        "status": "TRANSIT",
        "status_details": f"In transit {k}",
        "status_date": at,
        "object_created": at,
        "object_updated": at,
        "substatus": None,
    }
    data |= {"tracking_number": number_of(i), "metadata": f"Order {order_name(i)}"}
    data |= {"tracking_status": status, "tracking_history": [status]}
    return body


BUILDERS = {
    "aftership": aftership_body,
    "shopify": shopify_body,
    "17track": seventeen_track_body,
    "easypost": easypost_body,
    "cjdropshipping": cjdropshipping_body,
    "track123": track123_body,
    "parcelpanel": parcelpanel_body,
    "trackingmore": trackingmore_body,
    "shippo": shippo_body,
}
# ParcelPanel's statuses come without events: its deliveries go to orders of their own, so that whether
# a number's status event is stored never depends on which source's delivery came first.
OWN_ORDERS = {"parcelpanel"}


def signed(source, body: bytes, secret: str, k: int) -> tuple[str, dict[str, str]]:
    """The address and headers of a delivery of `source` (a token source's token in its address)."""
    if source.by_token:
        return f"/webhooks/token/{secret}/", {}
    headers = source.sign(secret, body, NOW)
    if source.name == "shopify":
        headers |= {"X-Shopify-Topic": "fulfillments/update", "X-Shopify-Webhook-Id": f"bench-{k}"}
    return f"/webhooks/{source.name}/", headers


def events_carried(source, body: bytes, headers: dict[str, str]) -> list[tuple[str, str]]:
    """(number, event key) of each event the delivery carries, read by its reader as the worker will: the
    dated events by time and words, a status without events by its status (one per number)."""
    pushed = source.read(body, {**headers, "X-Shopify-Topic": "fulfillments/update"}, NOW)
    carried = []
    for update in pushed.numbers:
        carried += [(update.number, f"{e.at.isoformat()} {e.status} {e.description}") for e in update.events]
        carried += [(update.number, f"status {e.status}") for e in update.tracker_events]
    return carried


# --- the processes -------------------------------------------------------------------------------------


def start_redis(port: int, folder: Path) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("bench-webhooks needs redis-server (Debian: apt-get install redis-server)")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, process, "redis-server")
    return process


def production_env(web_port: int, redis_port: int, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "STALETRACK_"))}
    return env | {
        "DATABASE_URL": BENCH_URL,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "STALETRACK_ADDR": f"127.0.0.1:{web_port}",
        "STALETRACK_VAR_DIR": str(var),
        "WEB_CONCURRENCY": WORKERS,
        # As deploy/production.env.example: each worker keeps its database connection between requests.
        "DATABASE_CONN_MAX_AGE": "60",
        # Beat's fallback for deliveries kept while the broker was down: every 10 s here (60 in production),
        # so that a run waits for it seconds, not a minute.
        "STALETRACK_PENDING_DELIVERIES_SECONDS": "10",
        "PYTHONPATH": str(ROOT),
    }


# --- the burst -----------------------------------------------------------------------------------------


class Burst:
    def __init__(self, plan: list[tuple[str, bytes, dict]], port: int):
        self.plan, self.port = plan, port
        self.next = 0
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.timeline: list[tuple[float, float]] = []  # (when sent, latency) of each delivery
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []
        self.sent = 0

    def take(self):
        with self.lock:
            if self.next >= len(self.plan):
                return None
            item = self.plan[self.next]
            self.next += 1
            return item

    def client(self) -> None:
        while (item := self.take()) is not None:
            path, body, headers = item
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request(
                    "POST", path, body=body, headers={"Content-Type": "application/json", **dict(headers)}
                )
                response = connection.getresponse()
                response.read()
                status = response.status
                connection.close()
            except OSError as error:
                status = 0
                with self.lock:
                    self.errors.append(str(error))
            elapsed = time.perf_counter() - started
            with self.lock:
                self.timeline.append((started, elapsed))
                self.latencies.append(elapsed)
                self.statuses[status] = self.statuses.get(status, 0) + 1
                self.sent += 1


def main() -> None:
    with throwaway_database(BENCH_URL):
        from django.db import connection

        from cases.intake.webhooks.sources import SOURCES
        from cases.models import Connection

        rng = random.Random(20261204)
        with connection.cursor() as wrapper:
            histories = [
                (NOW - timedelta(days=10), [(NOW - timedelta(days=9), "info_received")])
                for _ in range(ORDERS)
            ]
            bench_data.copy_orders(wrapper.cursor, rng, histories, NOW)
            bench_data.copy_cases(
                wrapper.cursor,
                (
                    {
                        "id": i + 1,
                        "order_id": i + 1,
                        "case_type": "label_created_only",
                        "risk_level": "normal_watch",
                        "risk_rank": 0,
                        "next_move": "wait",
                        "status": "open",
                        "requires_owner_approval": False,
                        "assessed_at": NOW - timedelta(days=1),
                        "next_assessment_at": NOW + timedelta(days=5),
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for i in range(ORDERS)
                ),
            )
        bench_data.settle(connection)
        sources = [SOURCES[name] for name in BUILDERS if name in SOURCES]
        keys = {}
        for source in sources:
            keys[source.name] = secrets.token_urlsafe(24)
            Connection.objects.create(source=source.name, secret=keys[source.name])

        own = max(1, ORDERS // 10)  # the last tenth of the orders: the statuses' without events
        plan, carried = [], set()
        for k in range(WARM_UP + DELIVERIES):
            source = sources[k % len(sources)]
            i = ORDERS - 1 - rng.randrange(own) if source.name in OWN_ORDERS else rng.randrange(ORDERS - own)
            body = json.dumps(BUILDERS[source.name](i, k)).encode()
            path, headers = signed(source, body, keys[source.name], k)
            events = events_carried(source, body, headers)
            if source.name != "shopify" and len(events) != 1:
                sys.exit(f"bench-webhooks: a {source.name} delivery carries {len(events)} events, not 1")
            carried.update(events)
            plan.append((path, body, tuple(headers.items())))
            if rng.random() < RETRY_SHARE:
                plan.append(plan[-1])
        expected_events = len(carried)
        warm_up, plan = plan[:WARM_UP], plan[WARM_UP:]
        print(
            f"{len(plan):,} deliveries ({len(plan) - len(set(plan)):,} of them retries) "
            f"from {CLIENTS} clients after {len(warm_up)} untimed, "
            f"sources: {', '.join(s.name for s in sources)}; {ORDERS:,} orders"
        )

        with tempfile.TemporaryDirectory() as folder:
            var = Path(folder)
            redis_port, web_port = free_port(), free_port()
            redis = start_redis(redis_port, var)
            env = production_env(web_port, redis_port, var)
            web_log = (var / "gunicorn.log").open("w")
            web = start_gunicorn(env, web_log)
            worker = subprocess.Popen(
                [
                    # As deploy/staletrack-worker.service runs it beside the web: the requests come first.
                    "nice",
                    "-n",
                    "10",
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "staletrack",
                    "worker",
                    "-c",
                    "1",
                    # Beat in the worker: its run of apply-pending-deliveries picks up what was kept while
                    # the broker was down (their tasks never reached it).
                    "--beat",
                    "--schedule",
                    str(var / "beat-schedule"),
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                wait_for_port(web_port, web, "gunicorn")
                # Untimed: every web process has loaded what its first request loads and opened its
                # connections, as a server that has been up for a while has.
                warming = Burst(warm_up, web_port)
                warmers = [threading.Thread(target=warming.client) for _ in range(int(WORKERS) * 2)]
                for thread in warmers:
                    thread.start()
                for thread in warmers:
                    thread.join()
                burst = Burst(plan, web_port)
                threads = [threading.Thread(target=burst.client, daemon=True) for _ in range(CLIENTS)]
                started = time.perf_counter()
                for thread in threads:
                    thread.start()
                stopped_at = restarted_at = None
                while any(thread.is_alive() for thread in threads):
                    time.sleep(0.05)
                    if stopped_at is None and burst.sent >= len(plan) // 3:
                        redis.send_signal(signal.SIGKILL)
                        redis.wait()
                        stopped_at = burst.sent
                        print(f"broker stopped at {time.perf_counter() - started:.2f} s")
                    if stopped_at is not None and restarted_at is None and burst.sent >= 2 * len(plan) // 3:
                        redis = start_redis(redis_port, var)
                        restarted_at = burst.sent
                        print(f"broker started again at {time.perf_counter() - started:.2f} s")
                elapsed = time.perf_counter() - started
                if restarted_at is None:
                    redis = start_redis(redis_port, var)
                report(burst, elapsed, stopped_at, restarted_at)
                wait_for_the_worker()
                report_events(expected_events)
                settle_and_check(worker)
            finally:
                for process in (web, worker, redis):
                    process.terminate()
                for process in (web, worker, redis):
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        process.kill()
                web_log.close()


def report(burst: Burst, elapsed: float, stopped_at, restarted_at) -> None:
    accepted = sum(n for status, n in burst.statuses.items() if 200 <= status < 300)
    rate = accepted / elapsed
    latencies = sorted(burst.latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(
        f"answers: {dict(sorted(burst.statuses.items()))}; broker stopped after {stopped_at:,} deliveries, "
        f"started again after {restarted_at:,}"
    )
    print(
        f"accepted {accepted:,} in {elapsed:.1f} s: {rate:,.0f} deliveries/s "
        f"(target {TARGET_RATE}: {bench_data.verdict(rate >= TARGET_RATE)}); latency p50 {p50:.0f} ms, "
        f"p99 {p99:.0f} ms (target {TARGET_P99_MS} ms: {bench_data.verdict(p99 < TARGET_P99_MS)})"
    )
    if os.environ.get("BENCH_TIMELINE"):
        timeline = sorted(burst.timeline)
        first = timeline[0][0]
        for start, latency in sorted(timeline, key=lambda item: -item[1])[:15]:
            print(f"  slow: sent at {start - first:6.2f} s, answered in {latency * 1000:5.0f} ms")
    if burst.errors:
        print(f"client errors: {len(burst.errors)} (first: {burst.errors[0]})")


def wait_for_the_worker(seconds: float = 600) -> None:
    """Until no delivery is pending: the worker applies what the burst kept (those of the broker's
    downtime once a later delivery's task reaches it)."""
    from cases.choices import DeliveryVerdict
    from cases.models import WebhookDelivery

    started = time.monotonic()
    pending = WebhookDelivery.objects.filter(verdict=DeliveryVerdict.PENDING)
    while pending.exists() and time.monotonic() - started < seconds:
        time.sleep(0.5)
    left = pending.count()
    print(
        f"the worker applied the kept deliveries {time.monotonic() - started:.1f} s after the burst ended"
        + (f"; {left:,} still pending ({bench_data.verdict(False)})" if left else "")
    )


def report_events(expected_events: int) -> None:
    from django.db.models import Count

    from cases.models import TrackingEvent, WebhookDelivery

    stored = TrackingEvent.objects.filter(source="webhook").count()
    doubled = max(0, stored - expected_events)
    lost = max(0, expected_events - stored)
    verdicts = dict(WebhookDelivery.objects.values_list("verdict").annotate(n=Count("id")))
    print(
        f"events: expected {expected_events:,}, stored {stored:,}: lost {lost}, doubled {doubled} "
        f"({bench_data.verdict(lost == 0 and doubled == 0)}); deliveries kept {sum(verdicts.values()):,} "
        f"{verdicts}"
    )


def settle_and_check(worker: subprocess.Popen) -> None:
    """Wait for the worker to catch up, run one sweep, then check every touched case was re-assessed
    after its newest event."""
    from django.db.models import Max, OuterRef, Subquery

    from cases.models import Case, TrackingEvent
    from cases.services.assessment import sweep_due_cases

    deadline = time.monotonic() + 120
    while (
        time.monotonic() < deadline
        and Case.objects.filter(next_assessment_at__lte=datetime.now(UTC)).exists()
    ):
        time.sleep(1)
    swept = sweep_due_cases()
    newest = (
        TrackingEvent.objects.filter(tracking_number__parcels__order=OuterRef("order_id"), source="webhook")
        .values("tracking_number__parcels__order")
        .annotate(newest=Max("created_at"))
        .values("newest")
    )
    touched = Case.objects.annotate(newest=Subquery(newest)).filter(newest__isnull=False)
    stale = touched.filter(assessed_at__lt=Subquery(newest)).count()
    print(
        f"touched cases {touched.count():,}; after one sweep ({swept}) not re-assessed since their newest "
        f"event: {stale} ({bench_data.verdict(stale == 0)})"
    )


if __name__ == "__main__":
    main()
