"""Product and supplier decisions. Pausing a product is the owner's (DEVELOPERS.md, rules.md section 6).

The weekly review (issue 6) builds the weekly rollups (issue 8) and applies the product-review and
supplier-flag triggers of rules.md section 6 to the stored cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from cases.assessment.clock import require_aware
from cases.permissions import PAUSE_PRODUCT, require
from cases.services.audit import audit_event
from policies.selectors import active_policy_book
from suppliers import rollups, selectors
from suppliers.models import Product, Supplier, WeeklyRollup


@transaction.atomic
def set_product_state(product: Product, state: str, *, actor=None, reason: str = "") -> Product:
    """Pause or resume a product (owner only), or mark it `review_required` (the weekly review does)."""
    if state != Product.State.REVIEW_REQUIRED:
        require(actor, PAUSE_PRODUCT)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.state == state:
        return product
    previous = product.state
    product.state = state
    product.state_reason = reason
    product.state_changed_at = timezone.now()
    product.state_changed_by = actor
    product.save(update_fields=["state", "state_reason", "state_changed_at", "state_changed_by"])
    audit_event(
        action=f"product_{state}",
        obj=product,
        actor=actor,
        changes={"state": [previous, state]},
        reason=reason,
    )
    return product


# ---------------------------------------------------------------------------------------------------
# Supplier flags.

FLAG_SUPPLIER = "suppliers.flag_supplier"


@transaction.atomic
def flag_supplier(supplier: Supplier, *, actor=None, reason: str, cases, via: str = "system") -> Supplier:
    """Flag a supplier for review (the weekly review does, or a user with `flag_supplier`). `cases` are
    the order ids of the cases behind the flag; the audit event lists them. Flagging a flagged supplier
    changes nothing and records nothing."""
    return _flag_supplier(supplier, actor=actor, reason=reason, cases=cases, via=via)[0]


def _flag_supplier(supplier, *, actor, reason, cases, via) -> tuple[Supplier, bool]:
    require(actor, FLAG_SUPPLIER)
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    if supplier.status == Supplier.Status.FLAGGED:
        return supplier, False
    previous = supplier.status
    supplier.status = Supplier.Status.FLAGGED
    supplier.status_reason = reason
    supplier.status_changed_at = timezone.now()
    supplier.status_changed_by = actor
    supplier.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by"])
    audit_event(
        action="supplier_flagged",
        obj=supplier,
        actor=actor,
        via=via,
        changes={"status": [previous, supplier.status], "cases": list(cases)},
        reason=reason,
    )
    return supplier, True


@transaction.atomic
def require_product_review(product: Product, *, reason: str, cases, via: str = "weekly_review") -> bool:
    """Mark a product `review_required` with the cases behind it, unless it is already waiting for review
    or paused (only an owner pauses or resumes). Two audit events: the state change (set_product_state)
    and `product_review_triggered`, which lists the order ids of the cases. True when it changed."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.state in (Product.State.REVIEW_REQUIRED, Product.State.PAUSED):
        return False
    set_product_state(product, Product.State.REVIEW_REQUIRED, reason=reason)
    audit_event(
        action="product_review_triggered", obj=product, via=via, changes={"cases": list(cases)}, reason=reason
    )
    return True


# ---------------------------------------------------------------------------------------------------
# Weekly rollups and the weekly review.


def build_weekly_rollups(week_start: date) -> dict[str, int]:
    """Build (or rebuild: the week's rows are replaced) the supplier, SKU and country rollups of the week
    starting on `week_start` (a Monday). Returns the number of rows per dimension."""
    week = selectors.load_week(week_start)
    built = rollups.build(
        suppliers=week.suppliers,
        products=week.products,
        case_cells=week.case_cells,
        message_cells=week.message_cells,
        outcome_cells=week.outcome_cells,
        money_cells=week.money_cells,
        scans=week.scans,
    )
    built_at = timezone.now()
    rows = [
        WeeklyRollup(
            week_start=week_start,
            dimension=r.dimension,
            key=r.key,
            supplier_id=r.supplier_id,
            product_id=r.product_id,
            figures=r.figures,
            notes=r.notes,
            built_at=built_at,
        )
        for r in built
    ]
    with transaction.atomic():
        # An upsert, then the week's rows this build did not write go: a rebuild replaces the week, and
        # two builds of one week at once end as the last one, never with a duplicate key.
        WeeklyRollup.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["week_start", "dimension", "key"],
            update_fields=["supplier", "product", "figures", "notes", "built_at"],
        )
        WeeklyRollup.objects.filter(week_start=week_start).exclude(built_at=built_at).delete()
    counts = dict.fromkeys(rollups.DIMENSIONS, 0)
    for r in built:
        counts[r.dimension] += 1
    return counts


@dataclass
class WeeklyReview:
    week_start: date
    rollups: dict[str, int]
    products_marked: list[str] = field(default_factory=list)  # SKUs
    suppliers_flagged: list[str] = field(default_factory=list)  # names

    def as_dict(self) -> dict:
        return {
            "week_start": self.week_start.isoformat(),
            "rollups": self.rollups,
            "products_marked": self.products_marked,
            "suppliers_flagged": self.suppliers_flagged,
        }


def run_weekly_review(now: datetime | None = None) -> WeeklyReview:
    """Monday morning (beat): the rollups of the week that ended before `now`, then the triggers of
    rules.md section 6 as of `now`, from the stored cases, with the default policy numbers:

    - overlay 5: a product with at least product_review_threshold cases ordered within product_review_days
      before `now` whose risk is above normal_watch becomes `review_required` (never paused: an owner
      decides that), unless it already is review_required or paused;
    - overlay 6: a supplier with at least supplier_flag_threshold cases ordered within supplier_review_days
      whose case type is supplier_silence, or label_created_only with its window exceeded, is flagged
      unless it already is.

    Running it again changes nothing: the rollups are rebuilt the same and nothing is marked twice."""
    now = require_aware(now or timezone.now(), "now")
    week_start = selectors.week_that_ended(now)
    review = WeeklyReview(week_start=week_start, rollups=build_weekly_rollups(week_start))
    policy = active_policy_book().default
    stamp = f"{timezone.localtime(now):%Y-%m-%d}"

    days, threshold = policy.product_review_days, policy.product_review_threshold
    behind = selectors.product_review_cases(now, days, threshold)
    for product in Product.objects.filter(pk__in=behind).exclude(
        state__in=[Product.State.REVIEW_REQUIRED, Product.State.PAUSED]
    ):
        cases = behind[product.pk]
        reason = (
            f"Weekly review of {stamp}: {len(cases)} cases on this SKU ordered in the {days} days before "
            f"were above normal watch (the review threshold is {threshold})."
        )
        if require_product_review(product, reason=reason, cases=cases):
            review.products_marked.append(product.sku)

    days, threshold = policy.supplier_review_days, policy.supplier_flag_threshold
    behind = selectors.supplier_flag_cases(now, days, threshold)
    for supplier in Supplier.objects.filter(pk__in=behind).exclude(status=Supplier.Status.FLAGGED):
        cases = behind[supplier.pk]
        reason = (
            f"Weekly review of {stamp}: {len(cases)} cases of this supplier ordered in the {days} days "
            f"before were label-only past their window or supplier silence (the flag threshold is "
            f"{threshold})."
        )
        with transaction.atomic():
            _, changed = _flag_supplier(supplier, actor=None, reason=reason, cases=cases, via="weekly_review")
        if changed:
            review.suppliers_flagged.append(supplier.name)
    return review
