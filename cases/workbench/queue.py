"""Reads for the case queue.

The key clock text, age buckets, saved views, and a paginator that does not
count a million rows to draw one page."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# rules.md section 9 window names, as the queue's key clock says them.
WINDOW_WORDS = {
    "processing_window_days": "order",
    "label_created_max_days": "label",
    "accepted_no_movement_days": "accepted",
    "stale_in_transit_days": "no move",
    "exception_grace_days": "exception",
}


def parse_time(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def key_clock(window: dict | None, as_of: datetime) -> str:
    """ "label 7 d, window 5 d": the clock that decides the case, counted to `as_of`, against its window."""
    if not window:
        return "—"
    started = parse_time(window.get("started_at"))
    if started is not None:
        elapsed = math.floor((as_of - started).total_seconds() / 86400)
    else:
        elapsed = math.floor(window.get("elapsed_days") or 0)
    word = WINDOW_WORDS.get(window.get("name"), str(window.get("name", "")).replace("_", " "))
    return f"{word} {max(elapsed, 0)} d, window {window.get('days')} d"


def clock_exceeded(window: dict | None, as_of: datetime) -> bool:
    if not window:
        return False
    started = parse_time(window.get("started_at"))
    if started is None:
        return bool(window.get("exceeded"))
    return as_of - started > timedelta(days=window.get("days") or 0)


@dataclass(frozen=True)
class AgeBucket:
    key: str
    label: str
    min_days: int | None  # order age at least
    max_days: int | None  # order age under


AGE_BUCKETS = (
    AgeBucket("0-3", "under 3 days", None, 3),
    AgeBucket("3-7", "3 to 7 days", 3, 7),
    AgeBucket("7-14", "7 to 14 days", 7, 14),
    AgeBucket("14-30", "14 to 30 days", 14, 30),
    AgeBucket("30+", "30 days or more", 30, None),
)


def age_bucket_filter(key: str, as_of: datetime) -> dict:
    """ORM lookups on the order date for one age bucket (uses the index on ordered_at)."""
    bucket = next(b for b in AGE_BUCKETS if b.key == key)
    lookups = {}
    if bucket.min_days is not None:
        lookups["order__ordered_at__lte"] = as_of - timedelta(days=bucket.min_days)
    if bucket.max_days is not None:
        lookups["order__ordered_at__gt"] = as_of - timedelta(days=bucket.max_days)
    return lookups


# The seed workflow's saved views (stale-tracking-workflow.txt, "Where OpenClaw should escalate") and the
# lanes of the policy (docs/fast-lane.md): each is a link to the queue with filters. Open cases only.
SAVED_VIEWS = (
    ("fast-lane", "Fast lane", {"lane": "fast", "status__exact": "open"}),
    ("supplier-delay", "Supplier delay", {"route__exact": "supplier_delay", "status__exact": "open"}),
    ("customer-support", "Customer support", {"route__exact": "customer_support", "status__exact": "open"}),
    ("lost-package", "Lost package", {"route__exact": "lost_package", "status__exact": "open"}),
    ("wrong-address", "Wrong address", {"route__exact": "wrong_address", "status__exact": "open"}),
    ("refund", "Refund", {"route__exact": "refund", "status__exact": "open"}),
    ("owner-only", "Owner only", {"risk_level__exact": "owner_only", "status__exact": "open"}),
    ("owner-lane", "Owner-only lane", {"lane": "owner_only", "status__exact": "open"}),
    ("disputes", "Disputes waiting for evidence", {"dispute": "waiting", "status__exact": "open"}),
    ("mine", "Mine", {"assignee": "mine", "status__exact": "open"}),
)


class EstimatedCountPaginator(Paginator):
    """On PostgreSQL, the unfiltered queue's count is the planner's estimate (pg_class.reltuples), not a
    full-table COUNT. A filtered queue counts for real: its filters have indexes behind them."""

    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if query is not None and not query.where and not query.distinct:
            estimate = _estimate(self.object_list)
            if estimate is not None and estimate > 10_000:
                return estimate
        return super().count


def _estimate(queryset) -> int | None:
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] and row[0] > 0 else None
