"""Writing tracking numbers and carrier events: the one path every source uses (bundle import, CSV
imports, the tracker webhook, the admin), so normalisation, the carrier check and de-duplication are the
same everywhere."""

from __future__ import annotations

from collections.abc import Iterable

from cases.assessment.facts import TrackingEvent as EventFacts
from cases.carriers.detect import checked_carrier, tracking_url
from cases.carriers.normalize import normalize_number
from cases.models import Order, OrderTracking, TrackingEvent, TrackingNumber


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


def link_number(order: Order, number: TrackingNumber) -> bool:
    """Put `number` on `order` (the newest link is the order's current number). True when new."""
    _, created = OrderTracking.objects.get_or_create(order=order, tracking_number=number)
    return created


def add_events(number: TrackingNumber, events: Iterable[EventFacts], source: str) -> int:
    """Store the events `number` does not have yet (same time, status and description is the same
    event), and return how many were new. Re-delivered or re-imported events add nothing. An event read
    from a local time without an offset keeps saying so (`approximate`, rules.md section 1)."""
    known = set(number.events.values_list("at", "status", "description"))
    new = []
    for event in events:
        key = (event.at, event.status, event.description)
        if key in known:
            continue
        known.add(key)
        new.append(
            TrackingEvent(
                tracking_number=number,
                at=event.at,
                status=event.status,
                raw_status=event.raw_status[:100],
                description=event.description[:500],
                location=event.location[:200],
                country=event.country[:2],
                postal_code=event.postal_code[:20],
                source=source,
                approximate=event.approximate,
            )
        )
    TrackingEvent.objects.bulk_create(new)
    return len(new)


def orders_carrying(numbers: Iterable[TrackingNumber]) -> list[int]:
    """Primary keys of the orders that carry any of these numbers (whose cases the events touch)."""
    return list(
        OrderTracking.objects.filter(tracking_number__in=list(numbers))
        .values_list("order_id", flat=True)
        .distinct()
    )
