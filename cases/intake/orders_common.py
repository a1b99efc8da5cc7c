"""What the two order-import engines share: their base class, their results, and the column defaults of
set-based inserts.

The engines (`orders_copy` for PostgreSQL, `orders_batched` for everything else) run the same steps:
`stage` the rows of an `OrdersCsv`, `check` them (row issues, named by line and column), `plan` what each
valid order would become (new, update, unchanged, skip), and `write` the plan inside the caller's
transaction. `cases.intake.order_import` drives them; nothing here writes to the database (a plan reads
the vendor map).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone

from cases.intake.csvfiles import CsvIssue
from cases.intake.orders_csv import FIELDS, INDEX, OrderRules, TimeReading
from suppliers.vendor_map import DEFAULT_SUPPLIER_NAME, VendorReading, read_vendors

ISSUE_LIMIT = 1000  # issues kept in detail (ImportRun.errors); all are counted
PREVIEW_LIMIT = 500  # orders shown in the admin's preview
NEW, UPDATE, UNCHANGED, SKIP = "new", "update", "unchanged", "skip"
ACTIONS = (NEW, UPDATE, UNCHANGED, SKIP)

# An order whose customer's data was erased on request (Order.erased_at) keeps these as erased: a later file
# that carries them again does not bring them back.
ERASED_ORDER_FIELDS = ("customer_email", "postal_code")
# The Order columns an import sets, in the order the engines compare them: the canonical fields of the
# order itself, with its product (found from the line item's SKU, title and supplier) where the SKU stands.
ORDER_COLUMNS = tuple(
    "product" if name == "sku" else name
    for name in FIELDS[INDEX["ordered_at"] : INDEX["fulfilled_at"] + 1]
    if name not in ("product_title", "supplier")
)
# The order's own values, which a file or a bundle gives as they are stored.
ORDER_VALUES = tuple(name for name in ORDER_COLUMNS if name != "product")
# Orders fulfilled without a tracking number at or above this count: the import points to the tracking
# import (docs/imports-orders.md). Fewer are said in the summary's count only.
MANY_WITHOUT_TRACKING = 10


@dataclass
class ImportOptions:
    """What the person (and the settings) say about reading a file, for both engines."""

    time_zone: str | None = None  # IANA name: order times without an offset are read in it
    date_order: str | None = None  # orders_csv.DAY_FIRST / MONTH_FIRST, for a file that does not settle it
    store_zone: str = "UTC"  # offered when a file needs a zone
    rules: OrderRules = field(default_factory=OrderRules)
    now: datetime = field(default_factory=timezone.now)  # the import's time (fulfilled without a time)


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
    cancelled_at: datetime | None = None
    fulfilled_at: datetime | None = None


@dataclass
class Plan:
    counts: dict[str, int]
    preview: list[PreviewRow]
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    # fulfilled_without_tracking, cash_on_delivery, keyed_by_title (orders), vendors: {unmapped, defaulted}
    summary: dict = field(default_factory=dict)


def read_vendor_names(names: Iterable[str]) -> VendorReading:
    """The vendor names of new products read through the vendor map (suppliers.vendor_map)."""
    names = sorted(set(names))
    return read_vendors(names) if names else VendorReading(suppliers={})


def supplier_name(reading: VendorReading, vendor: str) -> str:
    """The supplier a new product with this vendor gets (the map's reading; never empty)."""
    return reading.suppliers.get(vendor) or vendor or DEFAULT_SUPPLIER_NAME


class OrderEngine:
    """What both engines hold from `stage` to `write`, and how they hand over a plan; each engine runs the
    steps its own way."""

    name = ""

    def __init__(self, layout, *, options: ImportOptions | None = None):
        self.layout = layout
        self.options = options or ImportOptions()
        self.records = 0
        self.times = TimeReading()
        self.vendors = VendorReading(suppliers={})

    def _plan(
        self,
        *,
        counts: dict[str, int],
        preview: list[PreviewRow],
        skipped_reasons: dict[str, int],
        new_vendors: Iterable[str],
        fulfilled_without_tracking: int,
        cash_on_delivery: int,
        keyed_by_title: int,
    ) -> Plan:
        """The plan, once the vendors of its new products are read through the vendor map."""
        self.vendors = read_vendor_names(new_vendors)
        summary = {
            "fulfilled_without_tracking": fulfilled_without_tracking,
            "cash_on_delivery": cash_on_delivery,
            "keyed_by_title": keyed_by_title,
            "vendors": {"unmapped": list(self.vendors.unmapped), "defaulted": list(self.vendors.defaulted)},
        }
        return Plan(counts=counts, preview=preview, skipped_reasons=skipped_reasons, summary=summary)


@dataclass(frozen=True, slots=True)
class Line:
    """One line item of an order as an import compares, writes and audits it (rules.md section 3a): its
    position in the order, its product's key (SKU, else title), its title and its quantity."""

    position: int
    sku: str
    title: str
    quantity: int

    def text(self) -> str:
        """How the audit trail shows it: `2 x LAMP-01`, with the title when it is not the key."""
        return line_text(self.quantity, self.sku, self.title)


def line_text(quantity: int, sku: str, title: str) -> str:
    # The COPY engine builds the same text in SQL (orders_copy, LINE_TEXT_SQL).
    shown = f"{quantity} x {sku}"
    return f"{shown} ({title})" if title and title != sku else shown


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
