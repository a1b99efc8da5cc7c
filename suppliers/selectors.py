"""Reading for the supplier app: weeks, the weekly review's triggers, the products the vendor map places.

Weeks run from Monday 00:00 to the next Monday 00:00 in the store's time zone (settings.TIME_ZONE); the
weekly rollups of the scorecard are built per week (`suppliers.scorecard.selectors` reads their rows). The
triggers and the vendor map's reads are set-based, in a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.assessment import vocabulary as v
from cases.choices import CaseStatus
from cases.models import Case, Order
from suppliers.models import Product, vendor_key

WEEK = timedelta(days=7)


# ---------------------------------------------------------------------------------------------------
# Weeks.


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) in the store's time zone, as aware datetimes."""
    if week_start.weekday() != 0:
        raise ValueError(f"A week starts on a Monday; {week_start.isoformat()} is a {week_start:%A}.")
    zone = timezone.get_default_timezone()
    start = datetime.combine(week_start, time.min, tzinfo=zone)
    end = datetime.combine(week_start + WEEK, time.min, tzinfo=zone)
    return start, end


def week_that_ended(now: datetime) -> date:
    """The Monday of the last whole week before `now` (store time): on Monday 07:00, the week before."""
    return monday_of(timezone.localtime(now, timezone.get_default_timezone()).date()) - WEEK


# ---------------------------------------------------------------------------------------------------
# The weekly review's triggers (rules.md section 6, overlays 5 and 6), from the stored cases.


# The product and supplier a case counts for (rules.md section 3a): its headline parcel's first item's
# (`Case.counted_product`, set only for orders in several parcels), else the order's own. The scorecard's
# selectors read them on orders (the defaults); the triggers below on cases.
def counted_product(case: str = "case__", order: str = "") -> Coalesce:
    """The product an order counts for: its case's counted product, else the order's own. `case` and
    `order` are the paths to the case and the order from the rows queried (orders: the defaults)."""
    return Coalesce(F(f"{case}counted_product_id"), F(f"{order}product_id"))


def counted_supplier(case: str = "case__", order: str = "") -> Coalesce:
    """The supplier of the product an order counts for (a counted product always has a supplier, so the
    order's own is taken only when its product is); paths as `counted_product`'s."""
    return Coalesce(F(f"{case}counted_product__supplier_id"), F(f"{order}product__supplier_id"))


def _cases_behind(
    condition: Q, group: Coalesce, since: datetime, now: datetime, threshold: int
) -> dict[int, list[tuple[str, datetime]]]:
    """{group id: [(order id, ordered_at)], oldest first} for the groups with at least `threshold` cases
    meeting `condition` whose order was placed within [since, now]. Two queries: the counts (HAVING),
    then the hits' orders; the second only when a group hits."""
    cases = (
        Case.objects.filter(condition, order__ordered_at__gte=since, order__ordered_at__lte=now)
        .annotate(counted_for=group)
        .order_by()
    )
    counts = cases.values("counted_for").annotate(n=Count("pk")).filter(n__gte=threshold)
    hits = [ident for ident in counts.values_list("counted_for", flat=True) if ident is not None]
    behind = defaultdict(list)
    if hits:
        rows = (
            cases.filter(counted_for__in=hits)
            .order_by("order__ordered_at", "order__order_id")
            .values_list("counted_for", "order__order_id", "order__ordered_at")
        )
        for ident, order_id, ordered_at in rows:
            behind[ident].append((order_id, ordered_at))
    return dict(behind)


def product_review_cases(now: datetime, days: int, threshold: int) -> dict[int, list[tuple[str, datetime]]]:
    """Overlay 5: per product (the one each case counts for), the cases ordered within `days` before `now`
    (0 <= age <= days, as the assessment counts) whose stored risk is above normal_watch (overlays 5 and
    6 never change the risk), for the products with at least `threshold` of them."""
    on_cases = counted_product(case="", order="order__")
    return _cases_behind(Q(risk_rank__gt=0), on_cases, now - timedelta(days=days), now, threshold)


def supplier_flag_cases(now: datetime, days: int, threshold: int) -> dict[int, list[tuple[str, datetime]]]:
    """Overlay 6: per supplier (of the product each case counts for), the cases ordered within `days`
    before `now` whose stored case type is supplier_silence, or label_created_only with its window
    exceeded."""
    stuck = Q(case_type=v.SUPPLIER_SILENCE) | Q(case_type=v.LABEL_CREATED_ONLY, window__exceeded=True)
    on_cases = counted_supplier(case="", order="order__")
    return _cases_behind(stuck, on_cases, now - timedelta(days=days), now, threshold)


# ---------------------------------------------------------------------------------------------------
# The vendor map: the products it places.


def products_the_map_places(*, keys: Iterable[str], supplier_id: int | None = None) -> list[tuple]:
    """(pk, sku, vendor, supplier_id) of the products whose vendor name has one of `keys`
    (`suppliers.models.vendor_key`) and whose supplier an owner did not choose; with `supplier_id`, only
    those now with that supplier. Two queries: the distinct vendor names (a store has few), compared here
    by key as Python computes it, then their products."""
    keys = set(keys)
    movable = Product.objects.filter(supplier_set_by_owner=False).order_by()
    if supplier_id is not None:
        movable = movable.filter(supplier_id=supplier_id)
    names = [name for name in movable.values_list("vendor", flat=True).distinct() if vendor_key(name) in keys]
    if not names:
        return []
    return list(
        movable.filter(vendor__in=names).order_by("pk").values_list("pk", "sku", "vendor", "supplier_id")
    )


def orders_with_open_cases(product_pks: Iterable[int]) -> list[int]:
    """The pks of these products' orders whose case is open (re-assessed when their supplier changes)."""
    product_pks = list(product_pks)
    if not product_pks:
        return []
    return list(
        Order.objects.filter(product_id__in=product_pks, case__status=CaseStatus.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
