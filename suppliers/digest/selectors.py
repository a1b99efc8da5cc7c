"""Reading the weekly digest: the week's stored rollups and the week before's, the trends of the rows it
lists, the outcomes recorded, the promise review, the products and suppliers waiting for an owner, and who
receives it. A fixed number of queries whatever the store's size (ten): the rollups are already one row
per supplier, SKU and country a week, and the promise review aggregates in SQL on PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min, Q

from cases.models import Outcome
from suppliers.digest import content
from suppliers.models import Product, Supplier, WeeklyRollup
from suppliers.promises.review import DEFAULT_WEEKS as PROMISE_WEEKS
from suppliers.promises.selectors import promise_review
from suppliers.selectors import WEEK, week_bounds

OWNER_ROLE = "Owner"
FLAGGED_SHOWN = 20


def built_at(week_start: date) -> datetime | None:
    """When the week's rollups were built (the latest row's time); None when they are not."""
    return WeeklyRollup.objects.filter(week_start=week_start).aggregate(at=Max("built_at"))["at"]


def built_weeks_around(week_start: date) -> tuple[date | None, date | None]:
    """The built weeks just before and just after `week_start` (the page's links), None where none."""
    weeks = WeeklyRollup.objects.order_by()
    before = weeks.filter(week_start__lt=week_start).aggregate(w=Max("week_start"))["w"]
    after = weeks.filter(week_start__gt=week_start).aggregate(w=Min("week_start"))["w"]
    return before, after


def _stored(rows) -> list[content.StoredRow]:
    return [
        content.StoredRow(week, dimension, key, supplier_id, product_id, figures or {}, tuple(notes or ()))
        for week, dimension, key, supplier_id, product_id, figures, notes in rows.values_list(
            "week_start", "dimension", "key", "supplier_id", "product_id", "figures", "notes"
        )
    ]


def stored_rows(week_start: date) -> tuple[list[content.StoredRow], list[content.StoredRow]]:
    """The week's rollup rows and the week before's (one query)."""
    rows = _stored(WeeklyRollup.objects.filter(week_start__in=[week_start, week_start - WEEK]).order_by())
    return [r for r in rows if r.week_start == week_start], [r for r in rows if r.week_start != week_start]


def trend_figures(chart_weeks: list[date], listed: dict[str, list[str]]) -> dict[tuple[str, str], dict]:
    """(dimension, key) -> week -> figures over `chart_weeks`, for every supplier and the listed SKUs and
    countries (one query)."""
    if not chart_weeks:
        return {}
    wanted = Q(dimension=content.SUPPLIER)
    for dimension in (content.SKU, content.COUNTRY):
        if listed.get(dimension):
            wanted |= Q(dimension=dimension, key__in=listed[dimension])
    trends: dict[tuple[str, str], dict] = {}
    rows = WeeklyRollup.objects.filter(
        wanted, week_start__gte=chart_weeks[0], week_start__lte=chart_weeks[-1]
    ).order_by()
    for week, dimension, key, figures in rows.values_list("week_start", "dimension", "key", "figures"):
        trends.setdefault((dimension, key), {})[week] = figures or {}
    return trends


def outcome_counts(week_start: date) -> tuple[dict[str, int], dict[str, int]]:
    """The cases with an outcome of each kind recorded in the week, and in the week before (one query)."""
    start, end = week_bounds(week_start)
    before_start, _ = week_bounds(week_start - WEEK)
    rows = (
        Outcome.objects.filter(at__gte=before_start, at__lt=end, kind__in=content.OUTCOME_KINDS)
        .order_by()
        .annotate(this_week=Q(at__gte=start))
        .values("this_week", "kind")
        .annotate(n=Count("case_id", distinct=True))
    )
    now, before = {}, {}
    for row in rows:
        (now if row["this_week"] else before)[row["kind"]] = row["n"]
    return now, before


def waiting_for_owners(since: datetime) -> tuple[list[content.Flagged], list[content.Flagged], int, int]:
    """The products marked for review and the suppliers flagged since `since` (at most FLAGGED_SHOWN each,
    latest first), and how many wait in all (four queries)."""
    review = Product.objects.filter(state=Product.State.REVIEW_REQUIRED)
    flagged = Supplier.objects.filter(status=Supplier.Status.FLAGGED)
    products = [
        content.Flagged(pk, sku, title, reason, at)
        for pk, sku, title, reason, at in review.filter(state_changed_at__gte=since)
        .order_by("-state_changed_at", "sku")
        .values_list("pk", "sku", "title", "state_reason", "state_changed_at")[:FLAGGED_SHOWN]
    ]
    suppliers = [
        content.Flagged(pk, name, "", reason, at)
        for pk, name, reason, at in flagged.filter(status_changed_at__gte=since)
        .order_by("-status_changed_at", "name")
        .values_list("pk", "name", "status_reason", "status_changed_at")[:FLAGGED_SHOWN]
    ]
    return products, suppliers, review.count(), flagged.count()


def weekly_digest(
    week_start: date, *, promise_weeks: int = PROMISE_WEEKS, aggregate_in_sql: bool | None = None
) -> content.Digest:
    """The digest of the week starting on `week_start` (a Monday). A week whose rollups are not built gives
    a digest with `built` False and nothing else read."""
    start, _ = week_bounds(week_start)  # refuses a day that is not a Monday
    at = built_at(week_start)
    if at is None:
        return content.build(week_start=week_start, built_at=None, now=[], before=[])
    now, before = stored_rows(week_start)
    chart_weeks = [week_start - back * WEEK for back in range(content.CHART_WEEKS - 1, -1, -1)]
    outcomes_now, outcomes_before = outcome_counts(week_start)
    products, suppliers, products_waiting, suppliers_waiting = waiting_for_owners(start)
    return content.build(
        week_start=week_start,
        built_at=at,
        now=now,
        before=before,
        trends=trend_figures(chart_weeks, content.listed_keys(now)),
        chart_weeks=chart_weeks,
        outcomes_now=outcomes_now,
        outcomes_before=outcomes_before,
        promises=promise_review(weeks=promise_weeks, last_week=week_start, aggregate_in_sql=aggregate_in_sql),
        products_marked=products,
        suppliers_flagged=suppliers,
        products_waiting=products_waiting,
        suppliers_waiting=suppliers_waiting,
    )


def recipients() -> list:
    """Every owner who can receive it: active users of the Owner role with an email address, by username."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=OWNER_ROLE)
        .exclude(email="")
        .distinct()
        .order_by("username")
    )
