"""The order-import engine for databases without COPY (SQLite in development and tests): the rows are
checked in Python with the rules of `cases.imports.orders_csv`, then written with batched inserts and
updates. Same steps, results and messages as the PostgreSQL engine (`orders_copy`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from django.utils import timezone

from cases.csvfiles import CsvIssue
from cases.imports.orders_common import (
    ISSUE_LIMIT,
    NEW,
    PREVIEW_LIMIT,
    SKIP,
    UNCHANGED,
    UPDATE,
    Checked,
    Plan,
    PreviewRow,
    Written,
)
from cases.imports.orders_csv import (
    FIELDS,
    INDEX,
    MAX_TITLE,
    SHOPIFY,
    HeadCheck,
    Msg,
    OrdersCsv,
    check_head,
    check_product,
    conflicts,
    resolve_payment_state,
)
from cases.models import Case, Order
from cases.services.audit import audit_events
from suppliers.models import Product, Supplier

CHUNK = 500  # ids per IN (...) query; SQLite allows 999 parameters
RANK = {name: i for i, name in enumerate(FIELDS)}
STORED = ("ordered_at", "customer_email", "country", "postal_code", "value", "currency", "payment_state")
WRITTEN = (*STORED, "product_id", "promise_text", "updated_at")


@dataclass(slots=True)
class _Order:
    order_id: str
    head_line: int
    head: tuple[str, ...]
    check: HeadCheck
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


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BatchedEngine:
    name = "batched"

    def __init__(self, layout, *, batch_size: int = 1000):
        self.layout = layout
        self.batch_size = batch_size
        self.orders: dict[str, _Order] = {}
        self.issues: list[tuple[int, str | None, str | None, str]] = []  # line, order_id, field, message
        self.records = 0
        self.known_skus: dict[str, int] = {}
        self.invalid: set[str] = set()
        self.planned: list[_Planned] = []

    # --- stage --------------------------------------------------------------------------------------

    def stage(self, source: OrdersCsv, progress: Callable[[int], None]) -> int:
        layout = self.layout
        present = layout.present
        order_fields = layout.order_fields
        shopify = layout.format == SHOPIFY
        sku_at = INDEX["sku"]
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
                order = orders[order_id] = _Order(order_id, line, cells, check_head(cells, present))
                issues.extend((line, order_id, name, message) for name, message in order.check.issues)
            else:
                issues.extend(
                    (line, order_id, name, message)
                    for name, message in conflicts(cells, order.head, order.head_line, order_fields)
                )
            if order.product_line is None and cells[sku_at] and (shopify or line == order.head_line):
                order.product_line, order.product = line, cells
        issues.extend((issue.line, None, None, issue.message) for issue in source.issues)
        self.records = source.records
        progress(self.records)
        return self.records

    # --- check --------------------------------------------------------------------------------------

    def check(self) -> Checked:
        skus = sorted({o.product[INDEX["sku"]] for o in self.orders.values() if o.product is not None})
        for chunk in _chunks(skus):
            self.known_skus.update(Product.objects.filter(sku__in=chunk).values_list("sku", "id"))
        for order in self.orders.values():
            if order.product is None:
                self.issues.append((order.head_line, order.order_id, "sku", Msg.NO_SKU))
                continue
            known = order.product[INDEX["sku"]] in self.known_skus
            self.issues.extend(
                (order.product_line, order.order_id, name, message)
                for name, message in check_product(order.product, known)
            )
        self.issues.sort(key=lambda i: (i[0], RANK.get(i[2], -1), i[3]))
        self.invalid = {order_id for _, order_id, _, _ in self.issues if order_id is not None}
        column = self.layout.column
        return Checked(
            records=self.records,
            orders=len(self.orders),
            issues=[
                CsvIssue(line, column(name), message) for line, _, name, message in self.issues[:ISSUE_LIMIT]
            ],
            issue_count=len(self.issues),
            error_rows=len({line for line, _, _, _ in self.issues}),
            invalid_orders=len(self.invalid),
        )

    # --- plan ---------------------------------------------------------------------------------------

    def plan(self) -> Plan:
        valid = sorted(
            (o for o in self.orders.values() if o.order_id not in self.invalid), key=lambda o: o.head_line
        )
        existing: dict[str, dict] = {}
        ids = [o.order_id for o in valid]
        for chunk in _chunks(ids):
            for row in Order.objects.filter(order_id__in=chunk).values(
                "id", "order_id", "product_id", "promise_text", *STORED
            ):
                existing[row["order_id"]] = row
        present = self.layout.present
        counts: Counter = Counter()
        reasons: Counter = Counter()
        self.planned = []
        for order in valid:
            v = order.check.values
            stored = existing.get(order.order_id)
            sku = order.product[INDEX["sku"]]
            if v.skip_reason:
                counts[SKIP] += 1
                reasons[v.skip_reason] += 1
                self.planned.append(_Planned(order, SKIP, {}, sku, stored, []))
                continue
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
            }
            if stored is None:
                action, changed = NEW, []
            else:
                changed = [
                    "product" if name == "product_id" else name
                    for name, value in values.items()
                    if stored[name] != value or (name == "product_id" and value is None)
                ]
                action = UPDATE if changed else UNCHANGED
            counts[action] += 1
            self.planned.append(_Planned(order, action, values, sku, stored, changed))
        return Plan(
            counts={a: counts[a] for a in (NEW, UPDATE, UNCHANGED, SKIP)},
            preview=[self._preview(p) for p in self.planned[:PREVIEW_LIMIT]],
            skipped_reasons=dict(reasons),
        )

    @staticmethod
    def _preview(p: _Planned) -> PreviewRow:
        v = p.order.check.values
        stored = p.existing or {}
        return PreviewRow(
            line=p.order.head_line,
            order_id=p.order.order_id,
            action=p.action,
            changed=p.changed,
            ordered_at=v.ordered_at,
            country=v.country or "",
            sku=p.sku,
            value=p.values.get("value", v.value),
            currency=p.values.get("currency", v.currency or ""),
            payment_state=p.values.get("payment_state") or stored.get("payment_state") or "",
            skip_reason=v.skip_reason or "",
        )

    # --- write --------------------------------------------------------------------------------------

    def write(self, *, actor, via: str) -> Written:
        """Write the plan. The caller holds the transaction (and re-plans inside it first)."""
        now = timezone.now()
        written = Written()
        todo = [p for p in self.planned if p.action in (NEW, UPDATE)]
        written.unchanged = sum(1 for p in self.planned if p.action == UNCHANGED)
        written.skipped = sum(1 for p in self.planned if p.action == SKIP)
        self._create_products(todo, written)
        for p in todo:
            if p.values["product_id"] is None:
                p.values["product_id"] = self.known_skus[p.sku]

        updates = [p for p in todo if p.action == UPDATE]
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

        for batch in _chunks([p for p in todo if p.action == NEW], self.batch_size):
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
            Case.objects.bulk_create([Case(order_id=o.pk) for o in created], batch_size=self.batch_size)
            written.created_pks.extend(o.pk for o in created)
            written.cases_created += len(created)
        return written

    def _create_products(self, todo: list[_Planned], written: Written) -> None:
        new: dict[str, _Planned] = {}
        for p in sorted(todo, key=lambda p: p.order.product_line):
            if p.values["product_id"] is None and p.sku not in self.known_skus:
                new.setdefault(p.sku, p)
        if not new:
            return
        names = sorted({p.order.product[INDEX["supplier"]] for p in new.values()})
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
                    title=p.order.product[INDEX["product_title"]][:MAX_TITLE],
                    supplier_id=suppliers[p.order.product[INDEX["supplier"]]],
                )
                for sku, p in new.items()
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


def _change(name: str, p: _Planned, sku_of: dict) -> list:
    if name == "product":
        return [sku_of.get(p.existing["product_id"], ""), sku_of.get(p.values["product_id"], p.sku)]
    return [_text(p.existing[name]), _text(p.values[name])]


def _text(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "astimezone"):
        return value.astimezone(UTC).isoformat()
    return str(value)
