"""Changing an order's facts by hand in the admin.

The order itself, and the facts recorded on it (tracking
links, supplier evidence, chases, customer messages) or on its tracking numbers (the number, its events).

Like the importers, every change is checked first (times inside `staletrack.limits`' range, money with at
most two decimals and below 10^10, ISO 4217 currencies, texts within their columns: a named error per
field, nothing written), audited with old and new values side by side, and the cases of the orders it
touches are re-assessed after commit (`queue_reassessment`: made due at once in the transaction, so a lost
task costs a sweep's delay, never the re-assessment).

Actions of the audit trail: `order_created`, `order_updated` (like the import's
`order_updated_by_import`: `{field: [old, new]}`, times in UTC ISO form, the product by its SKU),
`order_deleted`; `tracking_number_created`, `tracking_number_updated`; and `<fact>_added`,
`<fact>_changed`, `<fact>_removed` for the facts of `FACTS`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max

from cases.currencies import currency_code
from cases.intake.orders_common import ORDER_COLUMNS
from cases.models import (
    Case,
    CustomerMessage,
    Order,
    Parcel,
    SupplierChase,
    SupplierEvidence,
    TrackingEvent,
    TrackingNumber,
)
from cases.services.assessment import queue_reassessment
from cases.services.audit import audit_event
from cases.tracking.normalize import normalize_number
from staletrack import limits
from staletrack.permissions import require

# The order's facts a person may change: those an import sets, and its number.
ORDER_FACTS = ("order_id", *ORDER_COLUMNS)
ORDER_TIMES = ("ordered_at", "cancelled_at", "fulfilled_at")
TEXT_LIMITS = {
    "order_id": limits.MAX_ORDER_ID,
    "customer_email": limits.MAX_EMAIL,
    "postal_code": limits.MAX_POSTAL_CODE,
    "promise_text": limits.MAX_PROMISE_TEXT,
    "text": limits.MAX_TEXT,
    "raw_status": limits.MAX_RAW_STATUS,
    "description": limits.MAX_DESCRIPTION,
    "location": limits.MAX_LOCATION,
    "number": limits.MAX_TRACKING_NUMBER,
}
COUNTRY = re.compile(r"^[A-Z]{2}$")

# What a tracking event records, in the order a person reads it (its time, then whether that time is
# approximate).
TRACKING_EVENT_FIELDS = (
    "at",
    "approximate",
    "status",
    "raw_status",
    "description",
    "location",
    "country",
    "postal_code",
    "source",
)

# The facts recorded on an order or a tracking number: the name of their audit actions, and the fields
# an audit event shows.
FACTS: dict[type[models.Model], tuple[str, tuple[str, ...]]] = {
    Parcel: ("tracking_link", ("tracking_number", "skus")),
    SupplierEvidence: ("supplier_evidence", ("at", "kind", "text", "attachment")),
    SupplierChase: ("supplier_chase", ("at", "channel", "text")),
    CustomerMessage: ("customer_message", ("at", "direction", "text", "intents", "helpdesk_ticket")),
    TrackingEvent: ("tracking_event", TRACKING_EVENT_FIELDS),
}
NUMBER_FACTS = ("number", "carrier", "url")


# --- checks ------------------------------------------------------------------------------------------


def amount_problem(value) -> str | None:
    """Why `value` cannot be an amount of money, or None (None itself is no amount, and fine)."""
    if value is None:
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "is not a number"
    if not amount.is_finite():
        return "is not a number"
    if amount < 0:
        return "must not be negative"
    if amount != amount.quantize(Decimal(1).scaleb(-limits.MAX_AMOUNT_DECIMALS)):
        return f"has more than {limits.MAX_AMOUNT_DECIMALS} decimals"
    if amount >= Decimal(10) ** limits.MAX_AMOUNT_DIGITS:
        return f"must be below {10**limits.MAX_AMOUNT_DIGITS:,}"
    return None


def order_problems(values: dict) -> dict[str, str]:
    """What is wrong with these order values (any subset of `ORDER_FACTS`, cleaned), by field: the
    checks every path an order's facts enter by applies. Empty when all are right."""
    problems = {}
    for name in ORDER_TIMES:
        if values.get(name) is not None and (problem := limits.time_problem(values[name])):
            problems[name] = f"{_label(name)} {problem}."
    if "ordered_at" in values and values["ordered_at"] is None:
        problems["ordered_at"] = "The order time is required."
    for name, limit in TEXT_LIMITS.items():
        if isinstance(values.get(name), str) and (problem := limits.text_problem(values[name], limit)):
            problems[name] = f"{_label(name)} {problem}."
    if "value" in values and (problem := amount_problem(values["value"])):
        problems["value"] = f"The value {problem}."
    if "currency" in values:
        currency = values["currency"] or ""
        if currency and currency_code(currency) is None:
            problems["currency"] = f"{currency!r} is not an ISO 4217 currency code (e.g. USD, EUR)."
        elif not currency and values.get("value") is not None:
            problems["currency"] = "An order with a value needs its currency (an ISO 4217 code)."
    country = values.get("country") or ""
    if country and not COUNTRY.match(country.upper()):
        problems["country"] = f"{country!r} is not a two-letter country code (ISO 3166, e.g. US)."
    return problems


def fact_problems(record: models.Model) -> dict[str, str]:
    """What is wrong with this fact as it would be stored, by field."""
    problems = {}
    at = getattr(record, "at", None)
    if isinstance(at, datetime) and (problem := limits.time_problem(at)):
        problems["at"] = f"The time {problem}."
    for name, limit in TEXT_LIMITS.items():
        value = getattr(record, name, None)
        if isinstance(value, str) and (problem := limits.text_problem(value, limit)):
            problems[name] = f"{_label(name)} {problem}."
    return problems


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _normalised(values: dict) -> dict:
    values = dict(values)
    if values.get("currency"):
        values["currency"] = currency_code(values["currency"]) or values["currency"]
    if values.get("country"):
        values["country"] = values["country"].strip().upper()
    return values


# --- the order ---------------------------------------------------------------------------------------


@transaction.atomic
def create_order(*, order: Order, actor, via: str = "admin") -> Order:
    """Store a new order (an unsaved instance with its facts) and its case (assessed after commit),
    audited (`order_created`)."""
    require(actor, "cases.add_order")
    values = _normalised({name: getattr(order, name) for name in ORDER_FACTS if name != "product"})
    if problems := order_problems(values):
        raise ValidationError(problems)
    for name, value in values.items():
        setattr(order, name, value)
    order.save()
    Case.objects.create(order=order)
    audit_event(
        action="order_created",
        obj=order,
        actor=actor,
        via=via,
        changes={
            name: [None, shown(name, getattr(order, name))]
            for name in ORDER_FACTS
            if getattr(order, name) not in (None, "")
        },
    )
    queue_reassessment([order.pk], new_cases=True)
    return order


@transaction.atomic
def update_order(*, order: Order, actor, changes: dict, via: str = "admin") -> dict[str, list]:
    """Set `changes` (field -> new value, fields of `ORDER_FACTS`) on `order`; audit what differs from the
    stored order (`order_updated`, old and new side by side) and re-assess its case after commit.
    Returns the differences (none: nothing written)."""
    require(actor, "cases.change_order")
    unknown = sorted(set(changes) - set(ORDER_FACTS))
    if unknown:
        raise ValidationError(f"These are not facts of an order one may change: {', '.join(unknown)}.")
    changes = _normalised(changes)
    stored = Order.objects.select_for_update().select_related("product").get(pk=order.pk)
    checked = dict(changes)
    if "value" in changes or "currency" in changes:  # a value and its currency are checked together
        checked = {"value": stored.value, "currency": stored.currency, **changes}
    if problems := order_problems(checked):
        raise ValidationError(problems)
    differences = {}
    for name, value in changes.items():
        old = getattr(stored, name)
        if old != value:
            differences[name] = [shown(name, old), shown(name, value)]
            setattr(stored, name, value)
    for name in changes:  # the caller's instance shows what is stored
        setattr(order, name, getattr(stored, name))
    if not differences:
        return {}
    stored.save(update_fields=[*differences, "updated_at"])
    audit_event(action="order_updated", obj=stored, actor=actor, via=via, changes=differences)
    queue_reassessment([stored.pk])
    return differences


@transaction.atomic
def delete_order(*, order: Order, actor, via: str = "admin") -> None:
    """Delete an order (its case and facts go with it), recording what it was."""
    require(actor, "cases.delete_order")
    audit_event(
        action="order_deleted",
        obj=order,
        actor=actor,
        via=via,
        changes={name: [shown(name, getattr(order, name)), None] for name in ORDER_FACTS},
    )
    order.delete()


def shown(name: str, value) -> str | None:
    """A value as the audit trail shows it, the way the order import does: times in UTC ISO form, a
    product by its SKU, a tracking number by its number, a file by its name."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if name == "product":
        return value.sku
    if isinstance(value, TrackingNumber):
        return value.number
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    if isinstance(value, list | dict):
        return value
    return str(value)


# --- facts recorded on an order or a tracking number ------------------------------------------------


def _orders_of(record: models.Model) -> list[int]:
    """The orders whose cases a fact touches: its order, or every order carrying its tracking number."""
    if isinstance(record, TrackingEvent):
        return list(
            Parcel.objects.filter(tracking_number_id=record.tracking_number_id)
            .values_list("order_id", flat=True)
            .distinct()
        )
    return [record.order_id]


def _owner(record: models.Model) -> models.Model:
    return record.tracking_number if isinstance(record, TrackingEvent) else record.order


def _permission(record: models.Model, verb: str) -> str:
    return f"{record._meta.app_label}.{verb}_{record._meta.model_name}"


def _check(record: models.Model) -> None:
    if problems := fact_problems(record):
        raise ValidationError(problems)
    if hasattr(record, "with_fingerprint"):
        record.with_fingerprint()
        same = type(record).objects.filter(order_id=record.order_id, fingerprint=record.fingerprint)
        if same.exclude(pk=record.pk).exists():
            raise ValidationError("The same record (time, kind and text) is already on this order.")


@transaction.atomic
def add_fact(*, record: models.Model, actor, via: str = "admin") -> models.Model:
    """Store a new fact (one of `FACTS`, not saved yet), audited, its cases re-assessed after commit."""
    name, fields = FACTS[type(record)]
    require(actor, _permission(record, "add"))
    _check(record)
    if isinstance(record, Parcel):
        # After the order's other parcels: a parcel added is the newest (rules.md section 3a).
        last = Parcel.objects.filter(order_id=record.order_id).aggregate(last=Max("position"))["last"]
        record.position = 0 if last is None else last + 1
    record.save()
    audit_event(
        action=f"{name}_added",
        obj=_owner(record),
        actor=actor,
        via=via,
        changes={field: [None, shown(field, getattr(record, field))] for field in fields},
    )
    queue_reassessment(_orders_of(record))
    return record


@transaction.atomic
def change_fact(*, record: models.Model, actor, via: str = "admin") -> dict[str, list]:
    """Store a changed fact (one of `FACTS`, changed in memory), audited with what differs from the stored
    one; the cases of the orders it touched before and after are re-assessed after commit."""
    name, fields = FACTS[type(record)]
    require(actor, _permission(record, "change"))
    _check(record)
    stored = type(record).objects.select_for_update().get(pk=record.pk)
    differences = {
        field: [shown(field, getattr(stored, field)), shown(field, getattr(record, field))]
        for field in fields
        if getattr(stored, field) != getattr(record, field)
    }
    if not differences:
        return {}
    touched = set(_orders_of(stored))
    record.save()
    audit_event(action=f"{name}_changed", obj=_owner(record), actor=actor, via=via, changes=differences)
    queue_reassessment(sorted(touched | set(_orders_of(record))))
    return differences


@transaction.atomic
def remove_fact(*, record: models.Model, actor, via: str = "admin") -> None:
    """Delete a fact (one of `FACTS`), recording what it was; its cases are re-assessed after commit."""
    name, fields = FACTS[type(record)]
    require(actor, _permission(record, "delete"))
    touched = _orders_of(record)
    audit_event(
        action=f"{name}_removed",
        obj=_owner(record),
        actor=actor,
        via=via,
        changes={field: [shown(field, getattr(record, field)), None] for field in fields},
    )
    record.delete()
    queue_reassessment(touched)


# --- tracking numbers --------------------------------------------------------------------------------


@transaction.atomic
def save_tracking_number(*, number: TrackingNumber, actor, via: str = "admin") -> dict[str, list]:
    """Store a tracking number created or changed by hand (`NUMBER_FACTS`; its normalised form follows
    its number), audited; the orders carrying it are re-assessed after commit."""
    problems = fact_problems(number)
    number.normalized = normalize_number(number.number)
    if not number.normalized:
        problems["number"] = "The tracking number is empty once spaces and dashes are removed."
    clash = TrackingNumber.objects.filter(normalized=number.normalized).exclude(pk=number.pk)
    if number.normalized and clash.exists():
        problems["number"] = f"Tracking number {number.normalized} is already stored."
    if problems:
        raise ValidationError(problems)
    if number.pk is None:
        require(actor, "cases.add_trackingnumber")
        number.save()
        changes = {field: [None, getattr(number, field) or None] for field in NUMBER_FACTS}
        audit_event(action="tracking_number_created", obj=number, actor=actor, via=via, changes=changes)
        return changes
    require(actor, "cases.change_trackingnumber")
    stored = TrackingNumber.objects.select_for_update().get(pk=number.pk)
    differences = {
        field: [getattr(stored, field) or None, getattr(number, field) or None]
        for field in (*NUMBER_FACTS, "normalized")
        if getattr(stored, field) != getattr(number, field)
    }
    if not differences:
        return {}
    number.save()
    audit_event(action="tracking_number_updated", obj=number, actor=actor, via=via, changes=differences)
    queue_reassessment(list(Parcel.objects.filter(tracking_number=number).values_list("order_id", flat=True)))
    return differences


@transaction.atomic
def delete_tracking_number(*, number: TrackingNumber, actor, via: str = "admin") -> None:
    """Delete a tracking number (its events and links go with it), recorded; the orders that carried it
    are re-assessed after commit."""
    require(actor, "cases.delete_trackingnumber")
    carrying = list(Parcel.objects.filter(tracking_number=number).values_list("order_id", flat=True))
    audit_event(
        action="tracking_number_deleted",
        obj=number,
        actor=actor,
        via=via,
        changes={field: [getattr(number, field) or None, None] for field in NUMBER_FACTS},
    )
    number.delete()
    queue_reassessment(carrying)
