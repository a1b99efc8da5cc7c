"""What the two order-import engines share: their results, and the column defaults of set-based inserts.

The engines (`orders_copy` for PostgreSQL, `orders_batched` for everything else) run the same steps:
`stage` the rows of an `OrdersCsv`, `check` them (row issues, named by line and column), `plan` what each
valid order would become (new, update, unchanged, skip), and `write` the plan inside the caller's
transaction. `cases.services.order_import` drives them; nothing here talks to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import models

from cases.csvfiles import CsvIssue

ISSUE_LIMIT = 1000  # issues kept in detail (ImportRun.errors); all are counted
PREVIEW_LIMIT = 500  # orders shown in the admin's preview
NEW, UPDATE, UNCHANGED, SKIP = "new", "update", "unchanged", "skip"
ACTIONS = (NEW, UPDATE, UNCHANGED, SKIP)

# The Order columns an import sets, in the order the engines compare them.
ORDER_COLUMNS = (
    "ordered_at",
    "customer_email",
    "country",
    "postal_code",
    "product",
    "value",
    "currency",
    "payment_state",
    "promise_text",
)


@dataclass
class Checked:
    """The row issues of a staged file."""

    records: int = 0
    orders: int = 0
    issues: list[CsvIssue] = field(default_factory=list)  # the first ISSUE_LIMIT, by line
    issue_count: int = 0
    error_rows: int = 0  # rows (lines) with at least one issue
    invalid_orders: int = 0


@dataclass
class PreviewRow:
    line: int
    order_id: str
    action: str
    changed: list[str]
    ordered_at: datetime | None
    country: str
    sku: str
    value: Decimal | None
    currency: str
    payment_state: str
    skip_reason: str = ""


@dataclass
class Plan:
    counts: dict[str, int]
    preview: list[PreviewRow]
    skipped_reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class Written:
    created_pks: list[int] = field(default_factory=list)
    updated_pks: list[int] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    suppliers_created: int = 0
    products_created: int = 0
    cases_created: int = 0

    @property
    def touched_pks(self) -> list[int]:
        return self.created_pks + self.updated_pks


def insert_defaults(model: type[models.Model], given: set[str], connection, now: datetime):
    """(columns, placeholders, values) for every concrete column of `model` an insert does not give: the
    field's default, `now` for auto_now(_add) fields. A raw INSERT must name them all (Django's defaults
    are not database defaults); each placeholder is cast to its column's type (a bare NULL is text)."""
    columns, placeholders, values = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in given or f.attname in given:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        else:
            value = f.get_default()  # "" for text fields without one
            if value is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.name} has no default; the import must give it")
        columns.append(connection.ops.quote_name(f.column))
        placeholders.append(f"%s::{f.db_type(connection)}")
        values.append(f.get_db_prep_save(value, connection))
    return columns, placeholders, values
