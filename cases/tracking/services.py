"""Writing tracking numbers and carrier events.

This is the one path every source uses (bundle import, CSV
imports, the tracker webhook, the admin), so normalisation, the carrier check and de-duplication are the
same everywhere.

An order's numbers are its parcels (rules.md section 3a): a second number is a second parcel, never a
silent replacement. A parcel stops counting only once superseded (`supersede_parcel`: staff replaced a
wrong number, or a reship replaced it); nothing is deleted for it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cases.assessment.facts import TrackingEvent as EventFacts
from cases.choices import TrackingStatus
from cases.models import Order, Parcel, TrackingEvent, TrackingNumber
from cases.services.assessment import queue_reassessment
from cases.services.audit import audit_event
from cases.tracking.detect import checked_carrier, tracking_url
from cases.tracking.normalize import normalize_number
from staletrack import limits
from staletrack.permissions import require

SUPERSEDE_PARCEL = "cases.change_parcel"

# An event's facts are stored as they are, in the columns of the same names.
EVENT_FIELDS = tuple(f.name for f in fields(EventFacts))
# The text of an event and the limit of the column it is stored in (staletrack.limits).
EVENT_TEXTS = (
    ("raw_status", limits.MAX_RAW_STATUS),
    ("description", limits.MAX_DESCRIPTION),
    ("location", limits.MAX_LOCATION),
    ("country", 2),
    ("postal_code", limits.MAX_POSTAL_CODE),
)


class EventRefused(ValueError):
    """An event that cannot be stored (a time outside staletrack.limits' range, a text over its column's
    limit or not text at all). Every reader names such a value first, by its line or field; this is the
    last line of defence of the one write path, so that no source stores one."""


def event_problem(event: EventFacts) -> str | None:
    """Why `event` cannot be stored, or None: the gates of staletrack.limits, with the field named."""
    if not isinstance(event.at, datetime):
        return f"at: {str(event.at)[:40]!r} is not a date and time"
    problem = limits.time_problem(event.at)
    if problem:
        return f"at: {event.at.isoformat()} {problem}"
    if event.status not in TrackingStatus.values:
        return f"status: {str(event.status)[:30]!r} is not a tracking status"
    for name, limit in EVENT_TEXTS:
        value = getattr(event, name)
        if not isinstance(value, str):
            return f"{name}: is {type(value).__name__}, not text"
        problem = limits.text_problem(value, limit)
        if problem:
            return f"{name}: {problem}"
    return None


def get_or_create_number(number: str, carrier: str | None = None) -> tuple[TrackingNumber, bool]:
    """The stored number for `number` in any spelling (rules.md section 3: upper case, no spaces or
    dashes), created with its carrier (given and fitting the number, else detected: `checked_carrier`)
    and the carrier's tracking page. A number already stored keeps the carrier it has."""
    normalized = normalize_number(number)
    carrier = checked_carrier(carrier, normalized)
    return TrackingNumber.objects.get_or_create(
        normalized=normalized,
        defaults={
            "number": number.strip(),
            "carrier": carrier,
            "url": (tracking_url(carrier, normalized) if carrier else None) or "",
        },
    )


def link_number(order: Order, number: TrackingNumber, skus: Iterable[str] | None = None) -> bool:
    """Put `number` on `order` as a parcel of its own, unless the order already holds it in a parcel that
    is not superseded (rules.md section 3a). `skus`, when given, are the line item keys the parcel
    carries; given for a held parcel that says otherwise, they replace its own. True when the order's
    parcels changed (one added, or its SKUs)."""
    skus = list(skus) if skus is not None else None
    with transaction.atomic():
        # The order's row is locked so that two imports of one number cannot both add its parcel.
        Order.objects.select_for_update().filter(pk=order.pk).exists()
        held = (
            Parcel.objects.filter(order=order, tracking_number=number, superseded_at__isnull=True)
            .order_by("position", "id")
            .first()
        )
        if held is not None:
            if skus is not None and held.skus != skus:
                held.skus = skus
                held.save(update_fields=["skus"])
                return True
            return False
        add_parcel(order, number, skus=skus or ())
        return True


def add_parcel(
    order: Order,
    number: TrackingNumber | None,
    *,
    skus: Iterable[str] = (),
    superseded_at: datetime | None = None,
    superseded_reason: str = "",
) -> Parcel:
    """A new parcel of `order`, after its others (`position`: the order parcels were given in)."""
    last = Parcel.objects.filter(order=order).aggregate(last=Max("position"))["last"]
    return Parcel.objects.create(
        order=order,
        tracking_number=number,
        skus=list(skus),
        position=0 if last is None else last + 1,
        superseded_at=superseded_at,
        superseded_reason=superseded_reason,
    )


@transaction.atomic
def supersede_parcel(*, actor, parcel: Parcel, reason: str, at: datetime | None = None, via: str = "admin"):
    """Staff say `parcel` no longer counts from `at` (default now): its number was wrong and replaced, or
    a reship replaced it (rules.md section 3a). The parcel stays, listed but no longer assessed; who, when
    and why are kept and audited, and the order is re-assessed after commit. ValidationError without a
    reason or for a parcel already superseded."""
    require(actor, SUPERSEDE_PARCEL)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"superseded_reason": "Say why this parcel no longer counts."})
    if problem := limits.text_problem(reason, limits.MAX_TEXT):
        raise ValidationError({"superseded_reason": f"The reason {problem}."})
    parcel = (
        Parcel.objects.select_for_update(of=("self",))
        .select_related("tracking_number", "order")
        .get(pk=parcel.pk)
    )
    if parcel.superseded_at is not None:
        when = parcel.superseded_at.isoformat()
        raise ValidationError({"superseded_at": f"This parcel was already superseded at {when}."})
    parcel.superseded_at = at or timezone.now()
    parcel.superseded_by = actor
    parcel.superseded_reason = reason
    parcel.save(update_fields=["superseded_at", "superseded_by", "superseded_reason"])
    audit_event(
        action="parcel_superseded",
        obj=parcel.order,
        actor=actor,
        via=via,
        changes={
            "parcel": parcel.pk,
            "tracking_number": parcel.tracking_number.number if parcel.tracking_number else None,
            "superseded_at": [None, parcel.superseded_at.isoformat()],
        },
        reason=reason,
    )
    queue_reassessment([parcel.order_id])
    return parcel


def add_events(number: TrackingNumber, events: Iterable[EventFacts], source: str) -> int:
    """Store the events `number` does not have yet (same time, status and description is the same
    event), and return how many were new. Re-delivered or re-imported events add nothing. An event read
    from a local time without an offset keeps saying so (`approximate`, rules.md section 1).

    Raises EventRefused, before anything is written, when an event cannot be stored (`event_problem`):
    a time outside 2000..2100, a text longer than its column; nothing is ever cut."""
    events = list(events)
    for index, event in enumerate(events):
        problem = event_problem(event)
        if problem:
            where = f"event {index + 1} of {number.normalized}" if len(events) > 1 else number.normalized
            raise EventRefused(f"tracking event refused ({where}), {problem}")
    known = set(number.events.values_list("at", "status", "description"))
    new = []
    for event in events:
        key = (event.at, event.status, event.description)
        if key in known:
            continue
        known.add(key)
        stored = {name: getattr(event, name) for name in EVENT_FIELDS}
        new.append(TrackingEvent(tracking_number=number, source=source, **stored))
    TrackingEvent.objects.bulk_create(new)
    return len(new)


def orders_carrying(numbers: Iterable[TrackingNumber]) -> list[int]:
    """Primary keys of the orders that carry any of these numbers in a parcel still in force (whose cases
    the events touch); a superseded parcel is not assessed, so its events change nothing."""
    return list(
        Parcel.objects.filter(superseded_at__isnull=True, tracking_number__in=list(numbers))
        .values_list("order_id", flat=True)
        .distinct()
    )
