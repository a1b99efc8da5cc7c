"""The suppliers' routes of the agents' API: suppliers and the weekly scorecard, read only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Query, Router, Schema

from staletrack.api import ERRORS, PageQuery
from staletrack.cursors import MESSAGE, BadCursor, decode_cursor, encode_cursor, id_page
from suppliers.models import Supplier, WeeklyRollup
from suppliers.scorecard.card import latest_week

router = Router(tags=["suppliers"])


class SupplierRow(Schema):
    id: int
    name: str
    status: str
    status_reason: str
    processing_window_days: int | None


class SupplierPage(Schema):
    items: list[SupplierRow]
    next_cursor: str | None


class ScorecardRow(Schema):
    dimension: str
    key: str
    supplier_id: int | None
    product_id: int | None
    figures: dict[str, Any] = Field(description="The week's figures (suppliers/scorecard/figures.py).")
    notes: list[Any]
    built_at: datetime


class Scorecard(Schema):
    week_start: date = Field(description="The Monday the week starts on, in the store's time zone.")
    dimension: str
    items: list[ScorecardRow]
    next_cursor: str | None


class ScorecardQuery(Schema):
    week: date | None = Field(
        None, description="Any day of the week (its Monday is taken); default: the latest."
    )
    dimension: Literal["supplier", "sku", "country"] = "supplier"


def suppliers_page(*, cursor: str | None = None, limit: int = 50) -> dict:
    rows, next_cursor = id_page(Supplier.objects.all(), cursor=cursor, limit=limit, newest_first=False)
    return {
        "items": [
            {
                "id": s.pk,
                "name": s.name,
                "status": s.status,
                "status_reason": s.status_reason,
                "processing_window_days": s.processing_window_days,
            }
            for s in rows
        ],
        "next_cursor": next_cursor,
    }


def scorecard_week(
    *, week: date | None = None, dimension: str = "supplier", cursor: str | None = None, limit: int = 50
) -> dict:
    """One week's rows of one dimension, by key, as the weekly review built them."""
    monday = date.fromordinal(week.toordinal() - week.weekday()) if week else latest_week()
    queryset = WeeklyRollup.objects.filter(week_start=monday, dimension=dimension).order_by("key")
    if cursor:
        (after,) = decode_cursor(cursor, length=1)
        if not isinstance(after, str):
            raise BadCursor(MESSAGE)
        queryset = queryset.filter(key__gt=after)
    rows = list(queryset[: limit + 1])
    return {
        "week_start": monday,
        "dimension": dimension,
        "items": [
            {
                "dimension": row.dimension,
                "key": row.key,
                "supplier_id": row.supplier_id,
                "product_id": row.product_id,
                "figures": row.figures,
                "notes": row.notes,
                "built_at": row.built_at,
            }
            for row in rows[:limit]
        ],
        "next_cursor": encode_cursor([rows[limit - 1].key]) if len(rows) > limit else None,
    }


@router.get("/suppliers", response={200: SupplierPage, **ERRORS}, summary="Suppliers")
def suppliers(request, page: Query[PageQuery]):
    return suppliers_page(cursor=page.cursor, limit=page.limit)


@router.get("/scorecard", response={200: Scorecard, **ERRORS}, summary="The scorecard of one week")
def scorecard(request, query: Query[ScorecardQuery], page: Query[PageQuery]):
    return scorecard_week(week=query.week, dimension=query.dimension, cursor=page.cursor, limit=page.limit)
