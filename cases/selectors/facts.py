"""Building assessment facts from the database in a bounded number of queries.

For a set of orders this loads, in one query each: the orders with product and supplier, their
current tracking numbers, those numbers' events, the other orders sharing those numbers, supplier
evidence, chases and customer messages; then the same once more for the peers (other orders on the
same SKU or supplier inside the review windows) that rules.md section 6 counts. The query count does
not grow with the number of orders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from cases.assessment.facts import (
    CaseFacts,
    CustomerMessage,
    OrderFacts,
    SharedNumberOrder,
    SupplierChase,
    SupplierEvidence,
    Tracking,
    TrackingEvent,
)
from cases.carriers.detect import checksum_invalid
from cases.models import CustomerMessage as MessageRow
from cases.models import Order, OrderTracking
from cases.models import SupplierChase as ChaseRow
from cases.models import SupplierEvidence as EvidenceRow
from cases.models import TrackingEvent as EventRow
from policies.selectors import PolicyBook, active_policy_book


@dataclass
class LoadedFacts:
    facts: list[CaseFacts]  # the orders asked for, in the order asked
    peers: list[CaseFacts]  # other orders the review counts look at
    orders: dict[str, Order]  # by order id, for writing the results back


def facts_for_orders(
    order_ids: Iterable[int], as_of: datetime, book: PolicyBook | None = None, *, with_peers: bool = True
) -> LoadedFacts:
    """Facts for the orders with these primary keys, plus (with_peers) the peers their review counts
    need: exact at any as_of, for reading packets. Writes at scale pass with_peers=False and take the
    review counts from stored assessments instead (cases.selectors.review_counts)."""
    book = book or active_policy_book()
    orders = [
        order
        for chunk in chunked(list(order_ids))
        for order in Order.objects.filter(pk__in=chunk).select_related("product__supplier")
    ]
    orders.sort(key=lambda o: (o.ordered_at, o.pk))
    facts = _facts(orders, book)
    peers = []
    if with_peers:
        peers = _facts(_peer_orders(orders, as_of, book, exclude={o.pk for o in orders}), book)
    return LoadedFacts(facts=facts, peers=peers, orders={o.order_id: o for o in orders})


CHUNK = 5000  # ids per IN clause: under SQLite's variable limit, and one query per 5,000 orders


def chunked(ids: list) -> list[list]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)] or [[]]


def _rows(queryset, field: str, ids) -> Iterator:
    """Rows whose `field` is in `ids`, one query per chunk; rows of one key keep the queryset's order."""
    for chunk in chunked(list(ids)):
        yield from queryset.filter(**{f"{field}__in": chunk})


def _peer_orders(orders: list[Order], as_of: datetime, book: PolicyBook, exclude: set[int]) -> list[Order]:
    if not orders:
        return []
    # The widest window any override may use, so no peer is missed; the rules apply the exact window.
    layers = [book.default.as_dict(), *book.countries.values(), *book.suppliers.values()]
    product_days = max(layer.get("product_review_days") or 0 for layer in layers)
    supplier_days = max(layer.get("supplier_review_days") or 0 for layer in layers)
    products = {o.product_id for o in orders}
    suppliers = {o.product.supplier_id for o in orders}
    condition = Q(product_id__in=products, ordered_at__gte=as_of - timedelta(days=product_days)) | Q(
        product__supplier_id__in=suppliers, ordered_at__gte=as_of - timedelta(days=supplier_days)
    )
    candidates = Order.objects.filter(condition, ordered_at__lte=as_of).select_related("product__supplier")
    return [order for order in candidates if order.pk not in exclude]


SHARED_FIELDS = (
    "tracking_number_id",
    "order_id",
    "order__order_id",
    "order__customer_email",
    "order__postal_code",
    "order__ordered_at",
)


def _facts(orders: list[Order], book: PolicyBook) -> list[CaseFacts]:
    if not orders:
        return []
    ids = [o.pk for o in orders]
    current_number: dict[int, object] = {}
    for link in _rows(OrderTracking.objects.select_related("tracking_number"), "order_id", ids):
        held = current_number.get(link.order_id)
        if held is None or (link.assigned_at, link.pk) > (held.assigned_at, held.pk):
            current_number[link.order_id] = link
    number_ids = {link.tracking_number_id for link in current_number.values()}

    # Plain tuples, not model instances: these are most of the rows a sweep reads.
    events = defaultdict(list)
    event_fields = ("tracking_number_id", "at", "status", "raw_status", "description", "location")
    event_rows = EventRow.objects.order_by("at", "id").values_list(*event_fields, "country", "postal_code")
    for number_id, *fields in _rows(event_rows, "tracking_number_id", number_ids):
        events[number_id].append(TrackingEvent(*fields))
    shared = defaultdict(list)
    shared_rows = OrderTracking.objects.values_list(*SHARED_FIELDS)
    for number_id, order_pk, *other in _rows(shared_rows, "tracking_number_id", number_ids):
        shared[number_id].append((order_pk, SharedNumberOrder(*other)))

    evidence, chases, messages = defaultdict(list), defaultdict(list), defaultdict(list)
    records = (
        (evidence, EvidenceRow, ("at", "kind", "text"), SupplierEvidence),
        (chases, ChaseRow, ("at", "channel", "text"), SupplierChase),
    )
    for found, model, fields, fact in records:
        for order_pk, *values in _rows(
            model.objects.order_by("at", "id").values_list("order_id", *fields), "order_id", ids
        ):
            found[order_pk].append(fact(*values))
    message_rows = MessageRow.objects.order_by("at", "id").values_list(
        "order_id", "at", "direction", "text", "intents"
    )
    for order_pk, at, direction, text, intents in _rows(message_rows, "order_id", ids):
        messages[order_pk].append(
            CustomerMessage(
                at=at, direction=direction, text=text, intents=frozenset(intents) if intents else None
            )
        )

    result = []
    for order in orders:
        supplier = order.product.supplier
        link = current_number.get(order.pk)
        tracking = None
        if link is not None:
            number = link.tracking_number
            tracking = Tracking(
                number=number.number,
                normalized=number.normalized,
                carrier=number.carrier or None,
                checksum_invalid=checksum_invalid(number.normalized),
                events=tuple(events[number.pk]),
                shared_with=tuple(other for pk, other in shared[number.pk] if pk != order.pk),
            )
        result.append(
            CaseFacts(
                order=order_facts(order),
                policy=book.for_order(order.country, supplier.pk, supplier.processing_window_days),
                tracking=tracking,
                supplier_evidence=tuple(evidence[order.pk]),
                supplier_chases=tuple(chases[order.pk]),
                customer_messages=tuple(messages[order.pk]),
            )
        )
    return result


def order_facts(order: Order) -> OrderFacts:
    return OrderFacts(
        order_id=order.order_id,
        ordered_at=order.ordered_at,
        country=order.country,
        sku=order.product.sku,
        supplier=order.product.supplier.name,
        customer_email=order.customer_email,
        postal_code=order.postal_code,
        product_title=order.product.title,
        value=order.value,
        currency=order.currency,
        payment_state=order.payment_state,
        promise_text=order.promise_text or order.product.promise_text,
    )
