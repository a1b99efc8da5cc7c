"""The case changelist URLs of one scorecard row: the row's own cases, ordered in a range of weeks.

A row's group is its supplier, SKU or destination country; its weeks bound when the orders were placed, in
the store's time zone. A supplier's or SKU's cases are those that count for it, as the figures count them
(rules.md section 3a: an order in several parcels for its headline parcel's first item; see
`suppliers.scorecard.selectors.counted_product`): the case admin's "counts for" filters. A figure adds
its own condition (`figures.Figure.condition`) to those; the lookups all of them use are
`figures.CASE_LOOKUPS`, which the case admin allows.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from suppliers.scorecard.filters import SKU, SUPPLIER
from suppliers.selectors import week_bounds

# The parameter that narrows the case changelist to a row's group, per dimension.
SUPPLIER_PARAMETER = "counts_for_supplier"  # CaseAdmin's CountsForSupplierFilter
PRODUCT_PARAMETER = "counts_for_sku"  # CaseAdmin's CountsForProductFilter
COUNTRY_PARAMETER = "country"  # CaseAdmin's CountryFilter
GROUP_LOOKUPS = frozenset({SUPPLIER_PARAMETER, PRODUCT_PARAMETER, COUNTRY_PARAMETER})
WEEK_LOOKUPS = frozenset({"order__ordered_at__gte", "order__ordered_at__lt"})


def group(*, dimension: str, key: str, supplier_id: int | None, product_id: int | None) -> dict | None:
    """The changelist parameters of a row's group; None when the row has no supplier or product left."""
    if dimension == SUPPLIER:
        return None if supplier_id is None else {SUPPLIER_PARAMETER: supplier_id}
    if dimension == SKU:
        return None if product_id is None else {PRODUCT_PARAMETER: product_id}
    return {COUNTRY_PARAMETER: key}


def weeks(week_from: date, week_to: date) -> dict:
    """The changelist parameters of the orders placed from `week_from`'s Monday to `week_to`'s end."""
    start, _ = week_bounds(week_from)
    _, end = week_bounds(week_to)
    return {"order__ordered_at__gte": start.isoformat(), "order__ordered_at__lt": end.isoformat()}


class CaseLinks:
    """Case changelist URLs for one row: its group, the orders of a week range (or of its latest week), and
    a figure's condition."""

    def __init__(
        self, changelist: str, *, group: dict | None, week_from: date, week_to: date, latest_week: date | None
    ):
        self.changelist = changelist
        self.enabled = group is not None
        self.range_query = urlencode({**(group or {}), **weeks(week_from, week_to)})
        latest = latest_week or week_to
        self.latest_query = urlencode({**(group or {}), **weeks(latest, latest)})

    def url(self, *, latest: bool = False, **condition) -> str | None:
        if not self.enabled:
            return None
        query = self.latest_query if latest else self.range_query
        if condition:
            query += "&" + urlencode(condition)
        return f"{self.changelist}?{query}"
