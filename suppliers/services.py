"""Product and supplier decisions.

Pausing a product is the owner's (rules.md section 6, README "Roles"); so
are the vendor map (which supplier a vendor name in a store's file stands for) and a SKU's supplier.

The weekly review builds the weekly rollups (`suppliers.scorecard.rollups`) and applies the
product-review and supplier-flag triggers of rules.md section 6 to the stored cases
(`apply_review_triggers`, which the clock sweep and `seed_demo` run too)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.assessment.clock import require_aware
from cases.services.assessment import queue_reassessment
from cases.services.audit import Target, audit_event, audit_events
from policies.selectors import active_policy, values_of
from staletrack.permissions import require
from suppliers import selectors
from suppliers.models import Product, Supplier, VendorMapping, WeeklyRollup, vendor_key
from suppliers.permissions import FLAG_SUPPLIER, MANAGE_VENDOR_MAP, PAUSE_PRODUCT
from suppliers.scorecard.rollups import DIMENSIONS, Rollup
from suppliers.scorecard.selectors import latest_built_week, week_rollups
from suppliers.vendor_map import read_vendors

# A stored weekly rollup keeps a computed one's fields as they are, in the columns of the same names.
ROLLUP_FIELDS = tuple(f.name for f in fields(Rollup))


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
    built = week_rollups(week_start)
    built_at = timezone.now()
    rows = [
        WeeklyRollup(
            week_start=week_start, built_at=built_at, **{name: getattr(r, name) for name in ROLLUP_FIELDS}
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
    counts = dict.fromkeys(DIMENSIONS, 0)
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
    """Monday morning (beat): the rollups of the week that ended before `now`, then the review triggers
    as of `now` (`apply_review_triggers`). Running it again changes nothing: the rollups are rebuilt the
    same and nothing is marked twice."""
    now = require_aware(now or timezone.now(), "now")
    week_start = selectors.week_that_ended(now)
    review = WeeklyReview(week_start=week_start, rollups=build_weekly_rollups(week_start))
    triggered = apply_review_triggers(now=now, via=WEEKLY_REVIEW)
    review.products_marked, review.suppliers_flagged = triggered.products_marked, triggered.suppliers_flagged
    return review


# ---------------------------------------------------------------------------------------------------
# The review triggers (rules.md section 6, overlays 5 and 6) on the stored cases.

WEEKLY_REVIEW = "weekly_review"


@dataclass
class Triggered:
    products_marked: list[str] = field(default_factory=list)  # SKUs
    suppliers_flagged: list[str] = field(default_factory=list)  # names


def apply_review_triggers(*, now: datetime | None = None, via: str = "review_triggers") -> Triggered:
    """The triggers of rules.md section 6 as of `now`, from the stored cases, with the active policy's
    default numbers; each case counts for the product and supplier of its headline parcel (section 3a):

    - overlay 5: a product with at least product_review_threshold cases ordered within product_review_days
      before `now` whose risk is above normal_watch becomes `review_required` (never paused: an owner
      decides that), unless it already is review_required or paused;
    - overlay 6: a supplier with at least supplier_flag_threshold cases ordered within supplier_review_days
      whose case type is supplier_silence, or label_created_only with its window exceeded, is flagged
      unless it already is.

    The weekly review runs it, and so do the clock sweep and a re-assessment whenever they changed a case's
    type or risk (`cases.tasks`), and `seed_demo`: a product or supplier is listed for the owner the moment
    its trigger holds, not on the next Monday. Each mark is audited with the order ids behind it (`via`
    names who ran it). Nothing is marked twice, and an owner's decision stands: once a person has resumed a
    product (or cleared a supplier's flag), only cases ordered after that decision count, so the cases they
    have reviewed do not mark it again minutes later. Three queries when nothing holds (the policy, then
    the counts of each trigger)."""
    now = require_aware(now or timezone.now(), "now")
    policy = values_of(active_policy())  # the default numbers: no override is read
    local = timezone.localtime(now)
    weekly = via == WEEKLY_REVIEW
    heading = f"Weekly review of {local:%Y-%m-%d}" if weekly else f"As of {local:%Y-%m-%d %H:%M}"
    triggered = Triggered()

    days, threshold = policy.product_review_days, policy.product_review_threshold
    behind = selectors.product_review_cases(now, days, threshold)
    waiting = [Product.State.REVIEW_REQUIRED, Product.State.PAUSED]
    for product in Product.objects.filter(pk__in=behind).exclude(state__in=waiting).order_by("sku"):
        cases, since = _after_decision(
            behind[product.pk], product.state_changed_by_id, product.state_changed_at
        )
        if len(cases) < threshold:
            continue
        reason = (
            f"{heading}: {len(cases)} cases on this SKU ordered in the {days} days before{since} were above "
            f"normal watch (the review threshold is {threshold})."
        )
        if require_product_review(product, reason=reason, cases=cases, via=via):
            triggered.products_marked.append(product.sku)

    days, threshold = policy.supplier_review_days, policy.supplier_flag_threshold
    behind = selectors.supplier_flag_cases(now, days, threshold)
    for supplier in Supplier.objects.filter(pk__in=behind).exclude(status=Supplier.Status.FLAGGED):
        cases, since = _after_decision(
            behind[supplier.pk], supplier.status_changed_by_id, supplier.status_changed_at
        )
        if len(cases) < threshold:
            continue
        reason = (
            f"{heading}: {len(cases)} cases of this supplier ordered in the {days} days before{since} were "
            f"label-only past their window or supplier silence (the flag threshold is {threshold})."
        )
        with transaction.atomic():
            _, changed = _flag_supplier(supplier, actor=None, reason=reason, cases=cases, via=via)
        if changed:
            triggered.suppliers_flagged.append(supplier.name)
    return triggered


def _after_decision(cases, decided_by, decided_at) -> tuple[list[str], str]:
    """The order ids of `cases` ((order id, ordered_at), oldest first) that count, and how the reason says
    so: all of them, unless a person made the last decision (`decided_by`, at `decided_at`) on the product
    or supplier, which is then active again: only those ordered after it."""
    if decided_by is None or decided_at is None:
        return [order_id for order_id, _ in cases], ""
    after = [order_id for order_id, ordered_at in cases if ordered_at > decided_at]
    return after, f", since an owner's decision of {timezone.localtime(decided_at):%Y-%m-%d %H:%M},"


# ---------------------------------------------------------------------------------------------------
# The vendor map and a SKU's supplier (the owner's: `suppliers.manage_vendor_map`).


@dataclass(frozen=True)
class VendorMapChange:
    mapping: VendorMapping | None  # None once deleted
    products_moved: int


def check_vendor_mapping(*, vendor: str, meaning: str, supplier: Supplier | None) -> None:
    """Refuse a mapping the map cannot hold, naming the field: a supplier mapping without a supplier, a
    "not a supplier" one with one, a default (empty vendor) that is not a supplier."""
    if meaning not in VendorMapping.Meaning.values:
        choices = ", ".join(VendorMapping.Meaning.values)
        raise ValidationError({"meaning": f"must be one of {choices}, got {meaning!r}."})
    if len(vendor.strip()) > VendorMapping._meta.get_field("vendor").max_length:
        raise ValidationError({"vendor": "is longer than 200 characters."})
    if meaning == VendorMapping.Meaning.SUPPLIER and supplier is None:
        raise ValidationError({"supplier": "Choose the supplier this vendor name stands for."})
    if meaning == VendorMapping.Meaning.NOT_A_SUPPLIER:
        if not vendor_key(vendor):
            raise ValidationError(
                {"meaning": "The default (empty vendor) must name a supplier: the one products get."}
            )
        if supplier is not None:
            raise ValidationError({"supplier": "A vendor name that is not a supplier takes no supplier."})


@transaction.atomic
def save_vendor_mapping(
    *, vendor: str, meaning: str, supplier: Supplier | None, actor, reason: str = ""
) -> VendorMapChange:
    """Say what a vendor name stands for (the empty name: the default supplier), creating or changing its
    row (names compare by `vendor_key`). The products the map places follow at once, each audited with
    its old and new supplier, their open cases re-assessed after commit, and the latest built week of
    rollups rebuilt after commit (`_products_follow_the_map`)."""
    require(actor, MANAGE_VENDOR_MAP)
    check_vendor_mapping(vendor=vendor, meaning=meaning, supplier=supplier)
    key = vendor_key(vendor)
    old_default = _default_supplier()
    mapping = VendorMapping.objects.select_for_update().filter(key=key).first()
    before = _mapping_values(mapping)
    mapping = mapping or VendorMapping()
    mapping.vendor = vendor.strip()
    mapping.meaning = meaning
    mapping.supplier = supplier if meaning == VendorMapping.Meaning.SUPPLIER else None
    mapping.updated_by = actor
    mapping.save()
    after = _mapping_values(mapping)
    changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
    if changes:
        audit_event(
            action="vendor_mapping_saved" if before else "vendor_mapping_added",
            obj=mapping,
            actor=actor,
            changes=changes,
            reason=reason,
        )
    moved = _products_follow_the_map(key, old_default=old_default, actor=actor, reason=reason)
    return VendorMapChange(mapping, moved)


@transaction.atomic
def delete_vendor_mapping(mapping: VendorMapping, *, actor, reason: str = "") -> VendorMapChange:
    """Remove a row of the map. Its vendor name is then unknown: read as a supplier's name (created if
    missing, as an import would); the default's removal gives the default supplier back to the supplier
    named DEFAULT_SUPPLIER_NAME. The products the map placed follow, as on a save."""
    require(actor, MANAGE_VENDOR_MAP)
    mapping = VendorMapping.objects.select_for_update().filter(pk=mapping.pk).first()
    if mapping is None:
        return VendorMapChange(None, 0)
    old_default = _default_supplier()
    target = Target(VendorMapping, mapping.pk, str(mapping))
    before = _mapping_values(mapping)
    mapping.delete()
    audit_event(
        action="vendor_mapping_deleted",
        obj=target,
        actor=actor,
        changes={name: [value, None] for name, value in before.items()},
        reason=reason,
    )
    moved = _products_follow_the_map(before["key"], old_default=old_default, actor=actor, reason=reason)
    return VendorMapChange(None, moved)


@transaction.atomic
def change_product_supplier(*, product: Product, supplier: Supplier, actor, reason: str) -> Product:
    """An owner chooses a SKU's supplier: audited with the old and new supplier; the vendor map no longer
    moves the product (`supplier_set_by_owner`); its open cases are re-assessed after commit (the
    supplier's window and overrides apply to them) and the latest built week of rollups is rebuilt."""
    require(actor, MANAGE_VENDOR_MAP)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why this SKU's supplier changes (it goes in the audit trail)."})
    product = Product.objects.select_for_update().select_related("supplier").get(pk=product.pk)
    if product.supplier_id == supplier.pk and product.supplier_set_by_owner:
        return product
    previous, was_set = product.supplier, product.supplier_set_by_owner
    product.supplier = supplier
    product.supplier_set_by_owner = True
    product.save(update_fields=["supplier", "supplier_set_by_owner"])
    changes = {"supplier": [previous.name, supplier.name]}
    if not was_set:
        changes["supplier_set_by_owner"] = [False, True]
    audit_event(action="product_supplier_changed", obj=product, actor=actor, changes=changes, reason=reason)
    if previous.pk != supplier.pk:
        _after_products_moved([product.pk])
    return product


def _mapping_values(mapping: VendorMapping | None) -> dict:
    if mapping is None:
        return {}
    return {
        "vendor": mapping.vendor,
        "key": mapping.key,
        "meaning": mapping.meaning,
        "supplier": mapping.supplier.name if mapping.supplier_id else None,
    }


def _default_supplier() -> Supplier | None:
    """The supplier products get when their vendor is not a supplier or missing, if it exists yet."""
    name = read_vendors([""]).suppliers[""]
    return Supplier.objects.filter(name=name).first()


def _products_follow_the_map(key: str, *, old_default: Supplier | None, actor, reason: str) -> int:
    """Move the products whose vendor has `key` (and whose supplier no owner chose) to the supplier the
    map now reads for their vendor name. For the default row (key ""), only the products the old default
    supplier holds because their vendor is not a supplier or missing move to the new default: a product
    stored before vendor names were kept has an empty vendor too, and its supplier is a real one."""
    if key:
        products = selectors.products_the_map_places(keys=[key])
    else:
        if old_default is None:
            return 0
        defaulted = {""} | set(
            VendorMapping.objects.filter(meaning=VendorMapping.Meaning.NOT_A_SUPPLIER).values_list(
                "key", flat=True
            )
        )
        products = selectors.products_the_map_places(keys=defaulted, supplier_id=old_default.pk)
    if not products:
        return 0
    reading = read_vendors({vendor for _, _, vendor, _ in products})
    targets = _suppliers_named(set(reading.suppliers.values()))
    moves = [
        (pk, sku, old, targets[reading.suppliers[vendor]])
        for pk, sku, vendor, old in products
        if old != targets[reading.suppliers[vendor]].pk
    ]
    if not moves:
        return 0
    by_target: dict[Supplier, list[int]] = {}
    for pk, _, _, target in moves:
        by_target.setdefault(target, []).append(pk)
    locked = set(
        Product.objects.select_for_update()
        .filter(pk__in=[pk for pk, *_ in moves], supplier_set_by_owner=False)
        .values_list("pk", flat=True)
    )
    moves = [move for move in moves if move[0] in locked]
    for target, pks in by_target.items():
        Product.objects.filter(pk__in=[pk for pk in pks if pk in locked]).update(supplier=target)
    names = dict(Supplier.objects.filter(pk__in={old for _, _, old, _ in moves}).values_list("pk", "name"))
    audit_events(
        {
            "action": "product_supplier_changed",
            "obj": Target(Product, pk, sku),
            "actor": actor,
            "via": "vendor_map",
            "changes": {"supplier": [names.get(old), target.name]},
            "reason": reason or "The vendor map changed.",
        }
        for pk, sku, old, target in moves
    )
    _after_products_moved([pk for pk, *_ in moves])
    return len(moves)


def _suppliers_named(names: set[str]) -> dict[str, Supplier]:
    """The suppliers of these names, those missing created (as an import creates them)."""
    found = {s.name: s for s in Supplier.objects.filter(name__in=names)}
    missing = names - set(found)
    if missing:
        Supplier.objects.bulk_create([Supplier(name=name) for name in sorted(missing)], ignore_conflicts=True)
        found.update({s.name: s for s in Supplier.objects.filter(name__in=missing)})
    return found


def _after_products_moved(product_pks: list[int]) -> None:
    """Their open cases are re-assessed after commit (made due now, so a lost task costs a sweep's delay),
    and the latest built week of rollups is rebuilt after commit, so the scorecard's supplier rows follow.
    Older weeks keep the suppliers they were built with until `manage.py build_rollups` rebuilds them."""
    queue_reassessment(selectors.orders_with_open_cases(product_pks))
    connection = transaction.get_connection()
    if any(getattr(callback, "rebuilds_rollups", False) for _, callback, _ in connection.run_on_commit):
        return  # one rebuild per transaction, however many products moved
    transaction.on_commit(_rebuild_latest_week, robust=True)


def _rebuild_latest_week() -> None:
    week = latest_built_week()
    if week is not None:
        build_weekly_rollups(week)


_rebuild_latest_week.rebuilds_rollups = True
