"""Storing a case bundle (spec bundle.md): all or nothing, and idempotent.

A bundle that `cases.intake.bundles.reader` accepted can still conflict with what the database holds (a SKU
that belongs to another supplier). Those conflicts are collected, named by case index and field like
the reader's, and the whole import is rolled back. Importing the same file twice writes nothing the
second time and says so. A dry run does all of it, reports what would change, and writes nothing.

A version-2 order's line items are stored in input order, each with its product (its SKU, else its title:
a product keyed by title), the first one's product being the order's; its parcels are stored in input
order with the line item keys they name and when they were superseded (rules.md section 3a). A parcel of
the bundle is the stored parcel of the same number (or the same place among those without one), so
importing the bundle again adds none. Its cancellation, fulfilment and the events' approximate times are
stored as read.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from cases.intake.bundles.reader import (
    Bundle,
    BundleCase,
    BundleError,
    BundleIssue,
    BundleLineItem,
    BundleParcel,
    BundleTracking,
)
from cases.intake.orders_common import ERASED_ORDER_FIELDS, ORDER_VALUES
from cases.models import (
    Case,
    CustomerMessage,
    LineItem,
    Order,
    Parcel,
    PastDecision,
    SupplierChase,
    SupplierEvidence,
)
from cases.permissions import IMPORT_CASES
from cases.services.assessment import refresh_cases
from cases.services.audit import audit_event
from cases.tracking import services as tracking
from policies import services as policy_services
from policies.permissions import EDIT_POLICY
from staletrack.permissions import require
from suppliers.models import Product, Supplier

SUPERSEDED_IN_BUNDLE = "superseded in an imported bundle"


@dataclass
class ImportSummary:
    orders: int = 0
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    policy_version: str | None = None
    as_of: str | None = None
    sha256: str = ""
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(+self.created or +self.updated or self.policy_version)

    def describe(self) -> str:
        if not self.changed:
            told = (
                f"Nothing changed: all {self.orders} orders of this bundle are already imported as they are."
            )
            return f"Dry run, nothing written. {told}" if self.dry_run else told
        parts = [f"{n} {name} created" for name, n in sorted(self.created.items()) if n]
        parts += [f"{n} {name} updated" for name, n in sorted(self.updated.items()) if n]
        if self.policy_version:
            parts.append(f"policy {self.policy_version} adopted from the bundle and activated")
        if self.dry_run:
            return (
                f"Dry run, nothing written. Importing {self.orders} orders would leave: "
                + ", ".join(parts)
                + "."
            )
        return f"Imported {self.orders} orders: " + ", ".join(parts) + "."


def import_bundle(
    bundle: Bundle, *, raw: bytes = b"", actor=None, via: str = "import_cases", dry_run: bool = False
) -> ImportSummary:
    """Store every case of `bundle`, or nothing. Raises BundleError for conflicts with stored data and
    PermissionDenied when `actor` may not import (or may not change the policy the bundle carries).
    With `dry_run` the same checks run and the summary tells what would change; nothing is kept."""
    require(actor, IMPORT_CASES)
    if bundle.policy:
        require(actor, EDIT_POLICY)
    summary = ImportSummary(
        orders=len(bundle.cases),
        as_of=bundle.as_of.isoformat() if bundle.as_of else None,
        sha256=hashlib.sha256(raw).hexdigest() if raw else "",
        dry_run=dry_run,
    )
    with transaction.atomic():
        writer = _Writer(summary, actor=actor, via=via)
        touched = [writer.case(case) for case in bundle.cases]
        if writer.issues:
            raise BundleError(writer.issues)
        if bundle.policy:
            adopted = policy_services.adopt_fields(
                bundle.policy, actor=actor, via=via, reason="Policy fields carried by an imported bundle"
            )
            summary.policy_version = adopted.label if adopted else None
        if dry_run:
            # Every write above was real, so every conflict was found; none of it is kept.
            transaction.set_rollback(True)
        elif summary.changed:
            order_pks = [pk for pk, changed in touched if changed]
            if summary.policy_version:
                order_pks = [pk for pk, _ in touched]
            refresh_cases(order_pks, via=via)
            audit_event(
                action="bundle_imported",
                actor=actor,
                via=via,
                changes={
                    "created": dict(summary.created),
                    "updated": dict(summary.updated),
                    "orders": [case.order.order_id for case in bundle.cases],
                    "sha256": summary.sha256,
                    "as_of": summary.as_of,
                },
                reason=summary.describe(),
            )
    return summary


class _Writer:
    def __init__(self, summary: ImportSummary, *, actor=None, via: str = "import_cases"):
        self.summary = summary
        self.actor = actor
        self.via = via
        self.issues: list[BundleIssue] = []
        self.suppliers: dict[str, Supplier] = {}

    def fail(self, case: BundleCase, path: str, message: str) -> None:
        self.issues.append(BundleIssue(case.index, path, message))

    def case(self, case: BundleCase) -> tuple[int | None, bool]:
        """Write one case; return (order pk, whether anything about it changed)."""
        before = sum(self.summary.created.values()) + sum(self.summary.updated.values())
        items = case.line_items or (
            BundleLineItem(case.order.sku, case.order.product_title, case.order.supplier),
        )
        products = [self.product(case, item, i) for i, item in enumerate(items)]
        if None in products:
            return None, False
        order = self.order(case, products[0])
        self.line_items(case, order, items, products)
        if case.parcels:
            self.parcels(case, order)
        elif case.tracking is not None:
            self.tracking(case, order)
        self.records(case, order)
        _, created = Case.objects.get_or_create(order=order)
        self.summary.created["cases"] += created
        after = sum(self.summary.created.values()) + sum(self.summary.updated.values())
        self.past_decision(case, order)  # not a fact: the case needs no re-assessment for it
        return order.pk, after > before

    def product(self, case: BundleCase, item: BundleLineItem, index: int) -> Product | None:
        """The line item's product: by its SKU, else (the store gave none) by its title; created when new."""
        supplier = self.suppliers.get(item.supplier)
        if supplier is None:
            supplier, created = Supplier.objects.get_or_create(name=item.supplier)
            self.suppliers[item.supplier] = supplier
            self.summary.created["suppliers"] += created
        product, created = Product.objects.select_related("supplier").get_or_create(
            sku=item.key,
            defaults={"supplier": supplier, "title": item.title, "keyed_by_title": item.keyed_by_title},
        )
        self.summary.created["products"] += created
        if product.supplier_id != supplier.pk:
            path = f"order.line_items[{index}].supplier" if len(case.line_items) > 1 else "order.supplier"
            self.fail(case, path, f"SKU {item.key} belongs to supplier {product.supplier.name}")
            return None
        return product

    def line_items(
        self, case: BundleCase, order: Order, items: tuple[BundleLineItem, ...], products: list[Product]
    ) -> None:
        """The order's line items as the bundle gives them: one changed is updated (audited), one the bundle
        no longer gives is removed with it."""
        stored = {item.position: item for item in LineItem.objects.filter(order=order)}
        for position, (item, product) in enumerate(zip(items, products, strict=True)):
            values = {"product": product, "title": item.title, "quantity": item.quantity}
            held = stored.pop(position, None)
            if held is None:
                LineItem.objects.create(order=order, position=position, **values)
                self.summary.created["line items"] += 1
                continue
            self.update(held, values, order=order, kept=LINE_ITEMS)
        if stored:
            LineItem.objects.filter(pk__in=[item.pk for item in stored.values()]).delete()
            self.summary.updated["line items"] += len(stored)
            audit_event(
                action="line_items_removed_by_import",
                obj=order,
                actor=self.actor,
                via=self.via,
                changes={"positions": sorted(stored)},
                reason="The bundle gives this order fewer line items.",
            )

    def order(self, case: BundleCase, product: Product) -> Order:
        facts = case.order
        values = {name: getattr(facts, name) for name in ORDER_VALUES} | {"product": product}
        order, created = Order.objects.get_or_create(order_id=facts.order_id, defaults=values)
        if created:
            self.summary.created["orders"] += 1
            return order
        if order.erased_at is not None:  # erased on request: a file does not bring the data back
            values = {k: v for k, v in values.items() if k not in ERASED_ORDER_FIELDS}
        self.update(order, values, order=order, kept=ORDERS)
        return order

    def tracking(self, case: BundleCase, order: Order) -> None:
        number = self.number(case, case.tracking, "tracking")
        if number is not None:
            self.summary.created["parcels"] += tracking.link_number(order, number)

    def number(self, case: BundleCase, given: BundleTracking, path: str):
        """The stored number of `given`, created when new, with its events."""
        number, created = tracking.get_or_create_number(given.number, given.carrier)
        self.summary.created["tracking numbers"] += created
        try:
            added = tracking.add_events(number, given.events, "bundle")
        except tracking.EventRefused as refused:  # the reader refuses first; the writing path's own gate
            self.fail(case, f"{path}.events", str(refused))
            return None
        self.summary.created["tracking events"] += added
        return number

    def parcels(self, case: BundleCase, order: Order) -> None:
        """Version-2 parcels, in input order. Each is matched to a stored parcel of the order: the same
        number (none: the next stored one without a number), else it is added after the stored ones. A
        matched parcel takes the bundle's SKUs and superseded_at (updated, audited)."""
        unmatched = list(Parcel.objects.filter(order=order).order_by("position", "id"))
        for i, given in enumerate(case.parcels):
            number = None
            if given.tracking is not None:
                number = self.number(case, given.tracking, f"parcels[{i}]")
                if number is None:
                    continue
            held = self.matching(unmatched, number, given)
            if held is None:
                tracking.add_parcel(
                    order,
                    number,
                    skus=given.skus,
                    superseded_at=given.superseded_at,
                    superseded_reason=SUPERSEDED_IN_BUNDLE if given.superseded_at else "",
                )
                self.summary.created["parcels"] += 1
                continue
            unmatched.remove(held)
            values = {"skus": list(given.skus)}
            # A bundle supersedes a parcel, never brings one back: staff may have superseded it since.
            if given.superseded_at is not None and held.superseded_at != given.superseded_at:
                values |= {"superseded_at": given.superseded_at, "superseded_reason": SUPERSEDED_IN_BUNDLE}
            self.update(held, values, order=order, kept=PARCELS)

    @staticmethod
    def matching(stored: list[Parcel], number, given: BundleParcel) -> Parcel | None:
        """The first stored parcel of the same number (or none), an exact match of SKUs and superseded_at
        first: the same number may be on two parcels of one order."""
        number_pk = number.pk if number is not None else None
        same = [parcel for parcel in stored if parcel.tracking_number_id == number_pk]
        for parcel in same:
            if list(given.skus) == parcel.skus and given.superseded_at == parcel.superseded_at:
                return parcel
        return same[0] if same else None

    def past_decision(self, case: BundleCase, order: Order) -> None:
        """Keep `decided_at` and `actual` for replays. A changed one replaces the stored one (audited); a
        case that carries neither leaves the stored one as it is."""
        if case.decided_at is None:
            return  # the reader refuses an actual without decided_at
        actual = case.actual
        values = {
            "decided_at": case.decided_at,
            "actual_next_move": (actual.next_move if actual else None) or "",
            "actual_risk_level": (actual.risk_level if actual else None) or "",
            "actual_outcome": actual.outcome if actual else "",
        }
        stored = PastDecision.objects.filter(order=order).first()
        if stored is None:
            PastDecision.objects.create(order=order, source="bundle", **values)
            self.summary.created["past decisions"] += 1
            return
        self.update(stored, values, order=order, kept=PAST_DECISIONS)

    def records(self, case: BundleCase, order: Order) -> None:
        batches = (
            (
                "supplier evidence",
                SupplierEvidence,
                [
                    SupplierEvidence(order=order, kind=e.kind, at=e.at, text=e.text)
                    for e in case.supplier_evidence
                ],
            ),
            (
                "supplier chases",
                SupplierChase,
                [
                    SupplierChase(order=order, channel=c.channel, at=c.at, text=c.text)
                    for c in case.supplier_chases
                ],
            ),
            (
                "customer messages",
                CustomerMessage,
                [
                    CustomerMessage(
                        order=order,
                        direction=m.direction,
                        at=m.at,
                        text=m.text,
                        intents=sorted(m.intents) if m.intents is not None else None,
                    )
                    for m in case.customer_messages
                ],
            ),
        )
        for label, model, rows in batches:
            known = set(model.objects.filter(order=order).values_list("fingerprint", flat=True))
            new = []
            for row in rows:
                row.with_fingerprint()
                if row.fingerprint not in known:
                    known.add(row.fingerprint)
                    new.append(row)
            model.objects.bulk_create(new)
            self.summary.created[label] += len(new)

    def update(self, record, values: dict, *, order: Order, kept: Kept):
        """Set `values` on `record` and save it if any differs: counted as updated under `kept.counted_as`,
        with an audit event on the order (`kept.action`, `kept.reason`) that holds the differences, old and
        new as `kept.shown` writes them."""
        shown = kept.shown
        differences = {
            name: [shown(getattr(record, name)), shown(value)]
            for name, value in values.items()
            if getattr(record, name) != value
        }
        if not differences:
            return
        for name, value in values.items():
            setattr(record, name, value)
        record.save()
        self.summary.updated[kept.counted_as] += 1
        audit_event(
            action=kept.action,
            obj=order,
            actor=self.actor,
            via=self.via,
            changes=differences,
            reason=kept.reason,
        )


def _shown(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@dataclass(frozen=True)
class Kept:
    """How the import keeps one kind of stored record up to date: what it counts an update as, the audit
    event it writes (action and reason) and how old and new values are shown in it."""

    counted_as: str
    action: str
    reason: str
    shown: Callable[[object], str] = str


LINE_ITEMS = Kept(
    "line items", "line_item_updated_by_import", "The bundle carries a different line item for this order."
)
ORDERS = Kept("orders", "order_updated_by_import", "The bundle carries different facts for this order.")
PARCELS = Kept(
    "parcels",
    "parcel_updated_by_import",
    "The bundle carries different SKUs or a different superseded_at for this parcel.",
    _shown,
)
PAST_DECISIONS = Kept(
    "past decisions",
    "past_decision_updated_by_import",
    "The bundle carries a different decided_at or actual for this order.",
    _shown,
)
