"""Helpdesk messages in (docs/helpdesk.md): each message of a ticket, from a helpdesk's webhook or its export,
is kept once (`TicketMessage`) and put on its order as a customer message when it is about exactly one
(cases.selectors.message_orders: the order it names, the order carrying a tracking number it gives, the
customer's one open case); otherwise it waits, unmatched, for staff to attach it to an order or dismiss it.

Customer messages are written through the facts' one writing path (cases.services.orders.add_fact:
audited, the case re-assessed after commit); their intents are read from the text by the rules (rules.md
section 3). The same message arriving twice (the helpdesk's id, else a digest of what it says) is one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.choices import Direction, TicketMessageState
from cases.intake.helpdesk.messages import references
from cases.intake.helpdesk.ticket_csv import read_ticket_messages
from cases.models import CustomerMessage, Order, TicketMessage
from cases.selectors.message_orders import order_for_message
from cases.services.audit import audit_event
from cases.services.orders import add_fact
from staletrack.permissions import require

ATTACH = "cases.change_ticketmessage"


class TicketMessageError(ValueError):
    """A decision that cannot be made: names the field or the state."""


@dataclass
class Taken:
    attached: int = 0
    unmatched: int = 0
    duplicates: int = 0
    order_pks: set[int] = field(default_factory=set)


def helpdesk_id(message) -> str:
    """The helpdesk's own id of the message, else a digest of the ticket, time, direction and text."""
    if getattr(message, "message_id", ""):
        return str(message.message_id)[:200]
    said = "\x1f".join(
        [
            message.ticket_id or "",
            message.at.isoformat(),
            message.direction,
            message.subject or "",
            message.text,
        ]
    )
    return "sha256:" + hashlib.sha256(said.encode("utf-8", "replace")).hexdigest()


def take_messages(*, messages: Iterable, via: str, actor=None) -> Taken:
    """Keep each message (cases.intake.helpdesk.messages.HelpdeskMessage) once, and put it on its order
    when it is about exactly one. In the caller's transaction."""
    taken = Taken()
    for message in messages:
        key = helpdesk_id(message)
        if TicketMessage.objects.filter(source=message.source, helpdesk_id=key).exists():
            taken.duplicates += 1
            continue
        found = references(message.text, message.subject or "")
        inbound = message.direction == Direction.INBOUND
        match = order_for_message(
            order_numbers=found.order_ids,
            tracking_numbers=found.numbers,
            customer_email=message.from_email if inbound else "",
        )
        row = TicketMessage(
            source=message.source,
            ticket_id=(message.ticket_id or "")[:100],
            helpdesk_id=key,
            at=message.at,
            from_email=(message.from_email or "")[:254],
            direction=message.direction,
            subject=(message.subject or "")[:500],
            text=message.text,
            tags=list(message.tags or []),
            state=TicketMessageState.UNMATCHED,
            match=match.how[:300],
        )
        try:
            with transaction.atomic():
                if match.order is not None:
                    row.order = match.order
                    row.customer_message = _on_order(row, match.order, actor=actor, via=via)
                    row.state = TicketMessageState.ATTACHED
                row.save()
        except IntegrityError:  # the same message taken by a concurrent delivery
            taken.duplicates += 1
            continue
        if row.state == TicketMessageState.ATTACHED:
            taken.attached += 1
            taken.order_pks.add(match.order.pk)
        else:
            taken.unmatched += 1
    return taken


def _on_order(row: TicketMessage, order: Order, *, actor, via: str) -> CustomerMessage:
    """The message as a customer message of `order`; the same one already there (by its time, direction
    and text: another source of the same message) is that one."""
    record = CustomerMessage(
        order=order,
        at=row.at,
        text=row.text or row.subject,
        direction=row.direction,
        helpdesk_ticket=row.ticket_id,
        recorded_by=actor,
    )
    try:
        return add_fact(record=record, actor=actor, via=via)
    except ValidationError:
        record.with_fingerprint()
        same = CustomerMessage.objects.filter(order=order, fingerprint=record.fingerprint).first()
        if same is None:
            raise
        return same


@transaction.atomic
def import_ticket_file(
    *, raw: bytes, source: str, via: str, actor=None, column_map: dict[str, str] | None = None
) -> tuple[int, Taken]:
    """A helpdesk's CSV export (cases.intake.helpdesk.ticket_csv): every message taken, in one transaction,
    or CsvError naming every problem and nothing taken. Returns (messages read, what became of them)."""
    found = read_ticket_messages(raw, column_map=column_map, source=source)
    return len(found), take_messages(messages=found, via=via, actor=actor)


@transaction.atomic
def attach(*, ticket_message: TicketMessage, order: Order, actor, via: str = "admin") -> TicketMessage:
    """Staff attach an unmatched message to `order`: it becomes that order's customer message (audited,
    the case re-assessed)."""
    require(actor, ATTACH)
    row = TicketMessage.objects.select_for_update().get(pk=ticket_message.pk)
    if row.state != TicketMessageState.UNMATCHED:
        raise TicketMessageError(f"state: this message is already {row.state}")
    if order is None:
        raise TicketMessageError("order: choose the order this message is about")
    row.customer_message = _on_order(row, order, actor=actor, via=via)
    row.order, row.state, row.decided_by = order, TicketMessageState.ATTACHED, actor
    row.save(update_fields=["customer_message", "order", "state", "decided_by"])
    audit_event(
        action="ticket_message_attached",
        obj=order,
        actor=actor,
        via=via,
        changes={"ticket": row.ticket_id, "source": row.source},
        reason=row.match[:200],
    )
    return row


@transaction.atomic
def dismiss(*, ticket_message: TicketMessage, actor, reason: str = "", via: str = "admin") -> TicketMessage:
    """Staff dismiss an unmatched message (not about an order): audited, nothing else written."""
    require(actor, ATTACH)
    row = TicketMessage.objects.select_for_update().get(pk=ticket_message.pk)
    if row.state != TicketMessageState.UNMATCHED:
        raise TicketMessageError(f"state: this message is already {row.state}")
    row.state, row.decided_by = TicketMessageState.DISMISSED, actor
    row.save(update_fields=["state", "decided_by"])
    audit_event(
        action="ticket_message_dismissed",
        obj=row,
        actor=actor,
        via=via,
        changes={"ticket": row.ticket_id, "source": row.source},
        reason=(reason or row.match)[:200],
    )
    return row
