"""The facts of one order's evidence pack (cases.evidence), read in a fixed number of queries.

One query each for the order (with its product and supplier), its line items, its parcels with their
numbers, those numbers' events, the supplier's evidence, the customer's messages and the disputes, and
three for the policy in force: however many parcels, events or messages the order has. Nothing of the ORM
leaves: the answer is `cases.evidence.facts.EvidenceFacts`.

Facts with a stored time that cannot be read back (`cases.workbench.timeline.READABLE`) are left out, as
the case page leaves them out.
"""

from __future__ import annotations

from collections import defaultdict

from cases.evidence.facts import (
    DisputeInfo,
    Event,
    EvidenceFacts,
    EvidenceRecord,
    Item,
    Message,
    OrderInfo,
    ParcelInfo,
)
from cases.intake.tracking_import import find_orders
from cases.models import CustomerMessage, Dispute, LineItem, Order, Parcel, SupplierEvidence, TrackingEvent
from cases.selectors.disputes import shown_status_value
from cases.workbench.timeline import READABLE
from policies.models import Policy
from policies.selectors import active_policy_book


def find_order(order_id: str) -> Order | None:
    """The order a person names by its store id, with or without "#" (`find_orders`, as the imports read
    an order id)."""
    term = order_id.strip()
    return find_orders([term]).get(term) if term else None


def evidence_facts(order: Order | int, *, show_outcomes: bool = True) -> EvidenceFacts:
    """Everything the evidence pack of `order` (an order or its primary key) needs. `show_outcomes`
    False shows a won, lost or accepted dispute only as closed: its outcome is the owner's to see
    (cases.selectors.disputes).
    Raises Order.DoesNotExist for an unknown key."""
    pk = order.pk if isinstance(order, Order) else order
    row = Order.objects.select_related("product__supplier").get(pk=pk)
    supplier = row.product.supplier
    items = [
        Item(
            sku=line.product.sku,
            title=line.title or line.product.title,
            quantity=line.quantity,
            supplier=line.product.supplier.name,
            promise_text=line.product.promise_text,
            promised_delivery_days=line.product.promised_delivery_days,
        )
        for line in LineItem.objects.filter(order_id=pk)
        .select_related("product__supplier")
        .order_by("position")
    ] or [
        # An order stored before line items: its product is its one item, its quantity not known.
        Item(
            sku=row.product.sku,
            title=row.product.title,
            supplier=supplier.name,
            promise_text=row.product.promise_text,
            promised_delivery_days=row.product.promised_delivery_days,
        )
    ]
    parcels = list(
        Parcel.objects.filter(order_id=pk).select_related("tracking_number").order_by("position", "id")
    )
    events = defaultdict(list)
    number_ids = {p.tracking_number_id for p in parcels if p.tracking_number_id is not None}
    if number_ids:
        for event in TrackingEvent.objects.filter(READABLE, tracking_number_id__in=number_ids).order_by(
            "at", "id"
        ):
            events[event.tracking_number_id].append(
                Event(
                    at=event.at,
                    status=event.status,
                    raw_status=event.raw_status,
                    description=event.description,
                    location=event.location,
                    country=event.country,
                    postal_code=event.postal_code,
                    approximate=event.approximate,
                    source=event.source,
                )
            )
    evidence = [
        EvidenceRecord(
            at=r.at, kind=r.kind, text=r.text, attachment=r.attachment.name if r.attachment else ""
        )
        for r in SupplierEvidence.objects.filter(READABLE, order_id=pk).order_by("at", "id")
    ]
    messages = [
        Message(at=m.at, direction=m.direction, text=m.text, helpdesk_ticket=m.helpdesk_ticket)
        for m in CustomerMessage.objects.filter(READABLE, order_id=pk).order_by("at", "id")
    ]
    disputes = [
        DisputeInfo(
            processor=d.processor,
            opened_at=d.opened_at,
            external_id=d.external_id,
            kind=d.kind,
            reason=d.reason,
            network_reason_code=d.network_reason_code,
            amount=d.amount,
            currency=d.currency,
            evidence_due_by=d.evidence_due_by,
            status=shown_status_value(d.status, outcomes=show_outcomes),
            evidence_sent_on=d.evidence_sent_on,
            finalized_on=d.finalized_on,
        )
        for d in Dispute.objects.filter(order_id=pk).order_by("opened_at", "id")
    ]
    try:
        book = active_policy_book()
        policy = book.for_order(row.country, supplier.pk, supplier.processing_window_days)
        refund_terms = book.policy.refund_terms
    except Policy.DoesNotExist:
        policy, refund_terms = None, ""
    return EvidenceFacts(
        order=OrderInfo(
            order_id=row.order_id,
            ordered_at=row.ordered_at,
            customer_email=row.customer_email,
            country=row.country,
            postal_code=row.postal_code,
            value=row.value,
            currency=row.currency,
            payment_state=row.payment_state,
            promise_text=row.promise_text,
            cancelled_at=row.cancelled_at,
            fulfilled_at=row.fulfilled_at,
            erased_at=row.erased_at,
        ),
        items=tuple(items),
        parcels=tuple(
            ParcelInfo(
                position=p.position,
                number=p.tracking_number.number if p.tracking_number else None,
                carrier=p.tracking_number.carrier if p.tracking_number else "",
                skus=tuple(p.skus or ()),
                superseded_at=p.superseded_at,
                superseded_reason=p.superseded_reason,
                events=tuple(events.get(p.tracking_number_id, ())),
            )
            for p in parcels
        ),
        supplier_evidence=tuple(evidence),
        customer_messages=tuple(messages),
        policy=policy,
        refund_terms=refund_terms,
        disputes=tuple(disputes),
    )
