"""The order-import engine for databases without COPY (SQLite in development and tests).

The rows are
checked in Python with the rules of `cases.intake.orders_csv`, then written with batched inserts and
updates. Same steps, results and messages as the PostgreSQL engine (`orders_copy`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC

from django.utils import timezone

from cases.intake import orders_common as common
from cases.intake.csvfiles import CsvIssue
from cases.intake.orders_csv import (
    FIELDS,
    INDEX,
    MAX_TITLE,
    TIME_FIELDS,
    HeadCheck,
    Msg,
    OrdersCsv,
    check_head,
    check_product,
    conflicts,
    decide_times,
    is_line_item,
    needs_reading,
    product_key,
    read_quantity,
    requires_shipping,
    resolve_fulfilled_at,
    resolve_payment_state,
    skip_reason,
)
from cases.models import Case, LineItem, Order, Parcel
from cases.services.audit import audit_events
from suppliers.models import Product, Supplier

CHUNK = 500  # ids per IN (...) query; SQLite allows 999 parameters
RANK = {name: i for i, name in enumerate(FIELDS)}
STORED = tuple(name for name in common.ORDER_VALUES if name != "promise_text")
WRITTEN = (*STORED, "product_id", "promise_text", "updated_at")

Row = tuple[int, tuple[str, ...]]  # (line, cells)


@dataclass(slots=True)
class _Order:
    order_id: str
    head_line: int
    head: tuple[str, ...]
    row_issues: list[tuple[int, str, str]] = field(default_factory=list)  # later rows: (line, field, msg)
    items: list[Row] = field(default_factory=list)  # its line items (orders_csv.is_line_item), in file order
    ships: bool = False  # some line item needs shipping
    skip: str | None = None
    check: HeadCheck | None = None
    product_line: int | None = None
    product: tuple[str, ...] | None = None


@dataclass(slots=True)
class _Planned:
    order: _Order
    action: str
    values: dict
    sku: str
    existing: dict | None
    changed: list[str]
    lines: list[common.Line] = field(default_factory=list)
    stored_lines: list[common.Line] = field(default_factory=list)


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BatchedEngine(common.OrderEngine):
    name = "batched"

    def __init__(self, layout, *, options: common.ImportOptions | None = None, batch_size: int = 1000):
        super().__init__(layout, options=options)
        self.batch_size = batch_size
        self.orders: dict[str, _Order] = {}
        self.issues: list[tuple[int, str | None, str | None, str]] = []  # line, order_id, field, message
        self.known_skus: dict[str, int] = {}
        self.invalid: set[str] = set()
        self.planned: list[_Planned] = []

    # --- stage --------------------------------------------------------------------------------------

    def stage(self, source: OrdersCsv, progress: Callable[[int], None]) -> int:
        layout = self.layout
        order_fields = layout.order_fields
        ships_at = INDEX["requires_shipping"]
        orders, issues = self.orders, self.issues
        for count, (line, cells) in enumerate(source.rows(), 1):
            if count % 5000 == 0:
                progress(count)
            order_id = cells[0]
            if not order_id:
                issues.append((line, None, "order_id", Msg.REQUIRED))
                continue
            order = orders.get(order_id)
            if order is None:
                order = orders[order_id] = _Order(order_id, line, cells)
            else:
                order.row_issues.extend(
                    (line, name, message)
                    for name, message in conflicts(cells, order.head, order.head_line, order_fields)
                )
            # Every row of an order is one of its line items (rules.md section 3a), in file order.
            if requires_shipping(cells[ships_at]):
                order.ships = True
                if is_line_item(cells):
                    order.items.append((line, cells))
        issues.extend((issue.line, None, None, issue.message) for issue in source.issues)
        issues.extend(
            (line, order_id or None, column, Msg.CELL) for line, order_id, column in source.long_cells
        )
        self.records = source.records
        progress(self.records)
        return self.records

    # --- check --------------------------------------------------------------------------------------

    def check(self) -> common.Checked:
        """Skipped orders first (they get no issue at all), then how the file's times read (which may
        raise OrderTimesError), then every other order's cells."""
        layout, options = self.layout, self.options
        present, rules = layout.present, options.rules
        kept = []
        for order in self.orders.values():
            order.skip = skip_reason(order.head, present, ships=order.ships, rules=rules)
            if order.skip is None:
                kept.append(order)
        samples: dict[tuple[str, str], int] = {}
        for name in (f for f in TIME_FIELDS if f in present):
            i = INDEX[name]
            for order in kept:
                text = order.head[i]
                if needs_reading(text):
                    samples.setdefault((name, text), order.head_line)
        self.times = decide_times(
            [(name, text, line) for (name, text), line in samples.items()],
            column=layout.column,
            time_zone=options.time_zone,
            date_order=options.date_order,
            store_zone=options.store_zone,
        )
        payment_method = INDEX["payment_method"]
        for order in kept:
            order.check = check_head(
                order.head, present, self.times, cod=rules.is_cod(order.head[payment_method])
            )
            self.issues.extend((order.head_line, order.order_id, n, m) for n, m in order.check.issues)
            self.issues.extend((line, order.order_id, n, m) for line, n, m in order.row_issues)
            if not order.items:
                self.issues.append((order.head_line, order.order_id, "sku", Msg.NO_ITEM))
                continue
            # The order's product is its first line item's (Order.product).
            order.product_line, order.product = order.items[0]
            for line, cells in order.items:
                self.issues.extend((line, order.order_id, n, m) for n, m in check_product(cells))
        self.issues.sort(key=lambda i: (i[0], RANK.get(i[2], -1), i[3]))
        self.invalid = {order_id for _, order_id, _, _ in self.issues if order_id is not None}
        column = layout.column
        return common.Checked(
            records=self.records,
            orders=len(self.orders),
            issues=[
                CsvIssue(line, column(name), message)
                for line, _, name, message in self.issues[: common.ISSUE_LIMIT]
            ],
            issue_count=len(self.issues),
            error_rows=len({line for line, _, _, _ in self.issues}),
            invalid_orders=len(self.invalid),
        )

    # --- plan ---------------------------------------------------------------------------------------

    def plan(self) -> common.Plan:
        valid = sorted(
            (o for o in self.orders.values() if o.order_id not in self.invalid), key=lambda o: o.head_line
        )
        existing: dict[str, dict] = {}
        ids = [o.order_id for o in valid]
        for chunk in _chunks(ids):
            for row in Order.objects.filter(order_id__in=chunk).values(
                "id", "order_id", "product_id", "promise_text", "erased_at", *STORED
            ):
                existing[row["order_id"]] = row
        keys = sorted({product_key(cells)[0] for o in valid if o.skip is None for _, cells in o.items})
        self.known_skus = {}
        for chunk in _chunks(keys):
            self.known_skus.update(Product.objects.filter(sku__in=chunk).values_list("sku", "id"))
        stored_lines = self._stored_lines([row["id"] for row in existing.values()])
        present = self.layout.present
        now = self.options.now
        counts: Counter = Counter()
        reasons: Counter = Counter()
        self.planned = []
        for order in valid:
            stored = existing.get(order.order_id)
            if order.skip is not None:
                counts[common.SKIP] += 1
                reasons[order.skip] += 1
                self.planned.append(_Planned(order, common.SKIP, {}, "", stored, []))
                continue
            v = order.check.values
            sku = product_key(order.product)[0]
            old = stored or {}
            values = {
                "ordered_at": v.ordered_at,
                "customer_email": v.customer_email
                if "customer_email" in present
                else old.get("customer_email", ""),
                "country": v.country,
                "postal_code": v.postal_code if "postal_code" in present else old.get("postal_code", ""),
                "product_id": self.known_skus.get(sku),
                "value": v.value if v.value_given else old.get("value"),
                "currency": v.currency if "currency" in present else old.get("currency", ""),
                "payment_state": resolve_payment_state(old.get("payment_state"), v.payment_state),
                "promise_text": v.promise_text if "promise_text" in present else old.get("promise_text", ""),
                "cancelled_at": v.cancelled_at if v.cancelled_given else old.get("cancelled_at"),
                "fulfilled_at": resolve_fulfilled_at(old.get("fulfilled_at"), v, now),
            }
            if old.get("erased_at") is not None:
                values.update({name: old[name] for name in common.ERASED_ORDER_FIELDS})
            lines = [_line(cells, position) for position, (_, cells) in enumerate(order.items)]
            held: list[common.Line] = []
            if stored is None:
                action, changed = common.NEW, []
            else:
                changed = [
                    "product" if name == "product_id" else name
                    for name, value in values.items()
                    if stored[name] != value or (name == "product_id" and value is None)
                ]
                held = stored_lines.get(stored["id"], [])
                if held != lines:
                    changed.append("line_items")
                action = common.UPDATE if changed else common.UNCHANGED
            counts[action] += 1
            self.planned.append(_Planned(order, action, values, sku, stored, changed, lines, held))
        return self._plan(
            counts={action: counts[action] for action in common.ACTIONS},
            preview=[self._preview(p) for p in self.planned[: common.PREVIEW_LIMIT]],
            skipped_reasons=dict(reasons),
            new_vendors=(
                cells[INDEX["supplier"]]
                for p in self.planned
                if p.action in (common.NEW, common.UPDATE)
                for _, cells in p.order.items
                if product_key(cells)[0] not in self.known_skus
            ),
            **self._summary_counts(),
        )

    @staticmethod
    def _stored_lines(order_pks: list[int]) -> dict[int, list[common.Line]]:
        """The stored line items of these orders, by order, as the plan compares them."""
        out: dict[int, list[common.Line]] = {}
        for chunk in _chunks(order_pks):
            for order_pk, position, sku, title, quantity in (
                LineItem.objects.filter(order_id__in=chunk)
                .order_by("order_id", "position")
                .values_list("order_id", "position", "product__sku", "title", "quantity")
            ):
                out.setdefault(order_pk, []).append(common.Line(position, sku, title, quantity))
        return out

    def _summary_counts(self) -> dict[str, int]:
        imported = [p for p in self.planned if p.action != common.SKIP]
        fulfilled = [p for p in imported if p.values["fulfilled_at"] is not None]
        tracked: set[int] = set()
        stored_ids = [p.existing["id"] for p in fulfilled if p.existing is not None]
        for chunk in _chunks(stored_ids):
            tracked.update(Parcel.objects.filter(order_id__in=chunk).values_list("order_id", flat=True))
        return {
            "fulfilled_without_tracking": sum(
                1 for p in fulfilled if p.existing is None or p.existing["id"] not in tracked
            ),
            "cash_on_delivery": sum(1 for p in imported if p.values["payment_state"] == "cash_on_delivery"),
            "keyed_by_title": sum(1 for p in imported if product_key(p.order.product)[1]),
        }

    @staticmethod
    def _preview(p: _Planned) -> common.PreviewRow:
        order = p.order
        v = order.check.values if order.check is not None else None
        stored = p.existing or {}
        if v is None:  # skipped: its cells were not read
            return common.PreviewRow(
                line=order.head_line,
                order_id=order.order_id,
                action=p.action,
                changed=[],
                ordered_at=None,
                country="",
                sku="",
                value=None,
                currency="",
                payment_state=stored.get("payment_state") or "",
                skip_reason=order.skip or "",
            )
        return common.PreviewRow(
            line=order.head_line,
            order_id=order.order_id,
            action=p.action,
            changed=p.changed,
            ordered_at=v.ordered_at,
            country=v.country or "",
            sku=p.sku,
            value=p.values["value"],
            currency=p.values["currency"],
            payment_state=p.values["payment_state"],
            cancelled_at=p.values["cancelled_at"],
            fulfilled_at=p.values["fulfilled_at"],
        )

    # --- write --------------------------------------------------------------------------------------

    def write(self, *, actor, via: str, create_cases: bool = True) -> common.Written:
        """Write the plan. The caller holds the transaction (and re-plans inside it first).
        `create_cases`: the new orders get their cases here (else the caller has them created later)."""
        now = timezone.now()
        written = common.Written()
        todo = [p for p in self.planned if p.action in (common.NEW, common.UPDATE)]
        written.unchanged = sum(1 for p in self.planned if p.action == common.UNCHANGED)
        written.skipped = sum(1 for p in self.planned if p.action == common.SKIP)
        self._create_products(todo, written)
        for p in todo:
            if p.values["product_id"] is None:
                p.values["product_id"] = self.known_skus[p.sku]

        updates = [p for p in todo if p.action == common.UPDATE]
        skus = {p.existing["product_id"] for p in updates} | {p.values["product_id"] for p in updates}
        sku_of = dict(Product.objects.filter(pk__in=skus).values_list("pk", "sku")) if updates else {}
        audits = []
        for batch in _chunks(updates, self.batch_size):
            objects = []
            for p in batch:
                order = Order(pk=p.existing["id"], order_id=p.order.order_id, updated_at=now, **p.values)
                objects.append(order)
                audits.append(
                    {
                        "action": "order_updated_by_import",
                        "obj": order,
                        "actor": actor,
                        "via": via,
                        "changes": {name: _change(name, p, sku_of) for name in p.changed},
                        "at": now,
                    }
                )
            Order.objects.bulk_update(objects, WRITTEN)
            written.updated_pks.extend(o.pk for o in objects)
        audit_events(audits)

        for batch in _chunks([p for p in todo if p.action == common.NEW], self.batch_size):
            created = Order.objects.bulk_create(
                [Order(order_id=p.order.order_id, **p.values) for p in batch], batch_size=self.batch_size
            )
            if any(o.pk is None for o in created):  # a backend that cannot return ids
                lookup = dict(
                    Order.objects.filter(order_id__in=[o.order_id for o in created]).values_list(
                        "order_id", "pk"
                    )
                )
                for o in created:
                    o.pk = lookup[o.order_id]
            if create_cases:
                Case.objects.bulk_create([Case(order_id=o.pk) for o in created], batch_size=self.batch_size)
                written.cases_created += len(created)
            written.created_pks.extend(o.pk for o in created)
            for o, p in zip(created, batch, strict=True):
                p.existing = {"id": o.pk}

        # Line items: a new order's all; an updated order whose lines changed has them replaced.
        relined = [p for p in todo if p.action == common.NEW or "line_items" in p.changed]
        for batch in _chunks([p for p in relined if p.action == common.UPDATE]):
            LineItem.objects.filter(order_id__in=[p.existing["id"] for p in batch]).delete()
        LineItem.objects.bulk_create(
            [
                LineItem(
                    order_id=p.existing["id"],
                    product_id=self.known_skus[line.sku],
                    title=line.title,
                    quantity=line.quantity,
                    position=line.position,
                )
                for p in relined
                for line in p.lines
            ],
            batch_size=self.batch_size,
        )
        return written

    def _create_products(self, todo: list[_Planned], written: common.Written) -> None:
        """New products: each from the first row naming its key, its supplier through the vendor map."""
        new: dict[str, tuple[str, ...]] = {}
        for _, cells in sorted((item for p in todo for item in p.order.items), key=lambda item: item[0]):
            key = product_key(cells)[0]
            if key not in self.known_skus:
                new.setdefault(key, cells)
        if not new:
            return
        vendor_at = INDEX["supplier"]
        supplier_of = {
            key: common.supplier_name(self.vendors, cells[vendor_at]) for key, cells in new.items()
        }
        names = sorted(set(supplier_of.values()))
        suppliers = {}
        for chunk in _chunks(names):
            suppliers.update(Supplier.objects.filter(name__in=chunk).values_list("name", "pk"))
        missing = [name for name in names if name not in suppliers]
        Supplier.objects.bulk_create([Supplier(name=n) for n in missing], ignore_conflicts=True)
        written.suppliers_created = len(missing)
        for chunk in _chunks(missing):
            suppliers.update(Supplier.objects.filter(name__in=chunk).values_list("name", "pk"))
        Product.objects.bulk_create(
            [
                Product(
                    sku=sku,
                    keyed_by_title=product_key(cells)[1],
                    title=cells[INDEX["product_title"]][:MAX_TITLE],
                    vendor=cells[vendor_at],
                    supplier_id=suppliers[supplier_of[sku]],
                )
                for sku, cells in new.items()
            ],
            ignore_conflicts=True,
            batch_size=self.batch_size,
        )
        written.products_created = len(new)
        for chunk in _chunks(list(new)):
            self.known_skus.update(Product.objects.filter(sku__in=chunk).values_list("sku", "id"))

    def close(self) -> None:
        self.orders.clear()
        self.planned = []


def _line(cells: tuple[str, ...], position: int) -> common.Line:
    """A row's line item (checked: its quantity reads) as the plan compares and writes it."""
    key = product_key(cells)[0]
    title = cells[INDEX["product_title"]][:MAX_TITLE]
    return common.Line(position, key, title, read_quantity(cells[INDEX["quantity"]]))


def _change(name: str, p: _Planned, sku_of: dict) -> list:
    if name == "line_items":
        return [[line.text() for line in p.stored_lines], [line.text() for line in p.lines]]
    if name == "product":
        return [sku_of.get(p.existing["product_id"], ""), sku_of.get(p.values["product_id"], p.sku)]
    return [_text(p.existing[name]), _text(p.values[name])]


def _text(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "astimezone"):
        return value.astimezone(UTC).isoformat()
    return str(value)
