"""Which order a message is about (a supplier's email, a helpdesk ticket's message): the one order it
names, else the one order carrying a tracking number it gives, else the customer's one case still open; no
order when it names none that exists, or more than one (a person picks)."""

from __future__ import annotations

from dataclasses import dataclass

from cases.choices import CaseStatus
from cases.models import Order, TrackingNumber
from cases.tracking.normalize import normalize_number
from cases.tracking.services import orders_carrying


@dataclass(frozen=True)
class OrderMatch:
    order: Order | None
    how: str  # how it was found, or why none was


def _names(orders: list[Order]) -> str:
    shown = ", ".join(order.order_id for order in orders[:5])
    return shown + (", …" if len(orders) > 5 else "")


def order_for_message(
    *, order_numbers: list[str], tracking_numbers: list[str], customer_email: str = ""
) -> OrderMatch:
    named = (
        list(Order.objects.filter(order_id__in=order_numbers).order_by("order_id")) if order_numbers else []
    )
    if len(named) == 1:
        return OrderMatch(named[0], f"order {named[0].order_id} named in the message")
    if len(named) > 1:
        return OrderMatch(None, f"names {len(named)} orders ({_names(named)})")
    if tracking_numbers:
        normalized = [normalize_number(number) for number in tracking_numbers]
        numbers = TrackingNumber.objects.filter(normalized__in=normalized)
        carrying = list(Order.objects.filter(pk__in=orders_carrying(numbers)).order_by("order_id"))
        if len(carrying) == 1:
            return OrderMatch(carrying[0], f"order {carrying[0].order_id} carries a tracking number in it")
        if len(carrying) > 1:
            return OrderMatch(
                None, f"its tracking numbers are on {len(carrying)} orders ({_names(carrying)})"
            )
    if customer_email.strip():
        open_cases = list(
            Order.objects.filter(
                customer_email__iexact=customer_email.strip(),
                case__status__in=[CaseStatus.OPEN, CaseStatus.HELD],
            ).order_by("order_id")
        )
        if len(open_cases) == 1:
            return OrderMatch(open_cases[0], f"the customer's one open case ({open_cases[0].order_id})")
        if len(open_cases) > 1:
            return OrderMatch(None, f"the customer has {len(open_cases)} open cases ({_names(open_cases)})")
    if order_numbers:
        return OrderMatch(None, f"no stored order is {', '.join(order_numbers[:5])}")
    return OrderMatch(None, "no order number, tracking number or open case of the sender")
