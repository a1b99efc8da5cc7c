"""Building assessment facts from the database in a bounded number of queries.

For a set of orders this loads, in one query each per 5,000 orders: the orders with product and
supplier, their line items, their parcels and numbers, those numbers' events, the other orders sharing
those numbers (through a parcel not superseded), supplier evidence, chases and customer messages; then
the same once more for the peers (other orders on the same SKU or supplier inside the review windows)
that rules.md section 6 counts. The query count does not grow with the number of orders.

The queries are plain SQL returning tuples (`cases.selectors.rows`), not model instances: a sweep or a
what-if reads millions of these rows, and building models costs several times the query itself.

Peers are the orders of every product whose SKU, and every supplier whose name, compares equal to one of
the loaded orders' (rules.md section 3a: without regard to case or surrounding spaces, as
`cases.assessment.review.group_name`), not only of the same product row: a store's files may spell one
SKU "lamp-01" and "LAMP-01 ". Facts dated after `as_of` are loaded too; the rules ignore them (section 1).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection

from cases.assessment.facts import (
    CaseFacts,
    CustomerMessage,
    Dispute,
    LineItem,
    OrderFacts,
    Parcel,
    SharedNumberOrder,
    SupplierChase,
    SupplierEvidence,
    Tracking,
    TrackingEvent,
)
from cases.assessment.review import group_name
from cases.selectors.rows import fetch_by_ids
from cases.tracking.detect import number_standing
from policies.selectors import PolicyBook, active_policy_book
from staletrack.batches import chunked


@dataclass
class LoadedFacts:
    facts: list[CaseFacts]  # the orders asked for, in (ordered_at, pk) order
    peers: list[CaseFacts]  # other orders the review counts look at
    order_pks: dict[str, int] = field(default_factory=dict)  # by order id, for writing the results back


def facts_for_orders(
    order_ids: Iterable[int], as_of: datetime, book: PolicyBook | None = None, *, with_peers: bool = True
) -> LoadedFacts:
    """Facts for the orders with these primary keys, plus (with_peers) the peers their review counts
    need: exact at any as_of, for reading packets. Writes at scale pass with_peers=False and take the
    review counts from stored assessments instead (cases.selectors.review_counts)."""
    book = book or active_policy_book()
    orders = _orders(_ORDERS + "o.id IN ({ids})", list(order_ids))
    facts = _facts(orders, book)
    peers = []
    if with_peers and orders:
        exclude = {row[0] for row in orders}
        peers = _facts([row for row in _peer_orders(orders, as_of, book) if row[0] not in exclude], book)
    return LoadedFacts(facts=facts, peers=peers, order_pks={row[1]: row[0] for row in orders})


_ORDERS = """
    SELECT o.id, o.order_id, o.ordered_at, o.country, o.customer_email, o.postal_code, o.value,
        o.currency, o.payment_state, o.promise_text, p.sku, p.title, p.promise_text, s.id, s.name,
        s.processing_window_days, p.id, o.cancelled_at, o.fulfilled_at
    FROM cases_order o
    JOIN suppliers_product p ON p.id = o.product_id
    JOIN suppliers_supplier s ON s.id = p.supplier_id
    WHERE """


ORDER_TIMES = (2, 17, 18)  # ordered_at, cancelled_at, fulfilled_at


def _orders(sql: str, ids: list, params: Iterable = ()) -> list[tuple]:
    rows = fetch_by_ids(sql, ids, params, times=ORDER_TIMES)
    rows.sort(key=lambda row: (row[2], row[0]))
    return rows


def _peer_orders(orders: list[tuple], as_of: datetime, book: PolicyBook) -> list[tuple]:
    # The widest window any override may use, so no peer is missed; the rules apply the exact window.
    layers = [book.default.as_dict(), *book.countries.values(), *book.suppliers.values()]
    product_days = max(layer.get("product_review_days") or 0 for layer in layers)
    supplier_days = max(layer.get("supplier_review_days") or 0 for layer in layers)
    products = sorted(
        {row[16] for row in orders}
        | named_ids("suppliers_product", "sku", {group_name(row[10]) for row in orders})
    )
    suppliers = sorted(
        {row[13] for row in orders}
        | named_ids("suppliers_supplier", "name", {group_name(row[14]) for row in orders})
    )
    found = {}
    for ids, column, days in ((products, "p.id", product_days), (suppliers, "s.id", supplier_days)):
        sql = _ORDERS + f"o.ordered_at >= %s AND o.ordered_at <= %s AND {column} IN ({{ids}})"
        for row in fetch_by_ids(sql, ids, [as_of - timedelta(days=days), as_of], times=ORDER_TIMES):
            found[row[0]] = row
    return sorted(found.values(), key=lambda row: (row[2], row[0]))


# What Python's str.strip() removes around a name, for the SQL that finds candidates.
_BLANKS = " \t\n\r\f\v"


def named_ids(table: str, column: str, keys: set[str]) -> set[int]:
    """Ids of the rows of `table` whose `column` compares equal to one of `keys` (review.group_name).

    The database narrows by a lower-cased, trimmed key, then Python compares exactly; an empty key names
    no group (review.group_key), so it finds nothing. SQLite's LOWER folds ASCII letters only, so there a
    SKU differing from another only in the case of a non-ASCII letter is not found as its peer.
    """
    keys = {key for key in keys if key}
    if not keys:
        return set()
    found: set[int] = set()
    with connection.cursor() as cursor:
        for chunk in chunked(sorted(keys)):
            if connection.vendor == "postgresql":
                sql, params = f"LOWER(BTRIM({column}, %s)) = ANY(%s)", [_BLANKS, chunk]
            else:
                sql, params = (
                    f"LOWER(TRIM({column}, %s)) IN ({', '.join(['%s'] * len(chunk))})",
                    [_BLANKS, *chunk],
                )
            cursor.execute(f"SELECT id, {column} FROM {table} WHERE {sql}", params)
            found.update(pk for pk, name in cursor.fetchall() if group_name(name) in keys)
    return found


def _facts(orders: list[tuple], book: PolicyBook) -> list[CaseFacts]:
    if not orders:
        return []
    ids = [row[0] for row in orders]
    parcels = defaultdict(list)  # order pk -> [(position, pk, number pk, number, normalized, carrier, skus,
    # superseded_at)], in the order they were given
    for order_pk, *parcel in sorted(
        fetch_by_ids(
            "SELECT pa.order_id, pa.position, pa.id, tn.id, tn.number, tn.normalized, tn.carrier, pa.skus, "
            "pa.superseded_at FROM cases_parcel pa "
            "LEFT JOIN cases_trackingnumber tn ON tn.id = pa.tracking_number_id WHERE pa.order_id IN ({ids})",
            ids,
            times=(8,),
        ),
        key=lambda row: (row[0], row[1], row[2]),
    ):
        parcels[order_pk].append(parcel)
    number_ids = sorted({p[2] for held in parcels.values() for p in held if p[2] is not None})

    # Only orders with a second line item: an order's first item is its product (Order.product), which the
    # order row already carries, so most orders need no line item read (the unique (order, position) index
    # answers which have a second).
    line_items = defaultdict(list)
    for order_pk, sku, supplier, title, quantity in fetch_by_ids(
        "SELECT li.order_id, p.sku, s.name, li.title, li.quantity FROM cases_lineitem li "
        "JOIN suppliers_product p ON p.id = li.product_id JOIN suppliers_supplier s ON s.id = p.supplier_id "
        "WHERE li.order_id IN "
        "(SELECT order_id FROM cases_lineitem WHERE order_id IN ({ids}) AND position = 1) "
        "ORDER BY li.order_id, li.position",
        ids,
    ):
        line_items[order_pk].append(LineItem(sku, supplier, title, quantity))

    events = defaultdict(list)
    for number_id, *fields in fetch_by_ids(
        "SELECT tracking_number_id, at, status, raw_status, description, location, country, postal_code, "
        "approximate FROM cases_trackingevent WHERE tracking_number_id IN ({ids}) ORDER BY at, id",
        number_ids,
        times=(1,),
    ):
        *fields, approximate = fields
        events[number_id].append(TrackingEvent(*fields, approximate=bool(approximate)))
    shared = defaultdict(dict)  # number pk -> {order pk: the order}, in the order their parcels were added
    # Only numbers on more than one order (for most orders this returns nothing); of those, the orders
    # holding them in a parcel still in force: a superseded parcel no longer holds its number (it was the
    # wrong one, or replaced), though its own listing still shows who does.
    for number_id, order_pk, *other in fetch_by_ids(
        "SELECT pa.tracking_number_id, pa.order_id, o.order_id, o.customer_email, o.postal_code, "
        "o.ordered_at FROM cases_parcel pa JOIN cases_order o ON o.id = pa.order_id "
        "WHERE pa.superseded_at IS NULL AND pa.tracking_number_id IN (SELECT tracking_number_id "
        "FROM cases_parcel WHERE tracking_number_id IN ({ids}) "
        "GROUP BY tracking_number_id HAVING count(DISTINCT order_id) > 1) ORDER BY pa.id",
        number_ids,
        times=(5,),
    ):
        shared[number_id].setdefault(order_pk, SharedNumberOrder(*other))

    def tracking(order_pk: int, number_pk: int | None, number: str, normalized: str, carrier: str):
        if number_pk is None:
            return None
        invalid, no_format = number_standing(normalized)
        return Tracking(
            number=number,
            normalized=normalized,
            carrier=carrier or None,
            checksum_invalid=invalid,
            events=tuple(events.get(number_pk, ())),
            shared_with=tuple(other for pk, other in holders.items() if pk != order_pk)
            if (holders := shared.get(number_pk))
            else (),
            fits_no_format=no_format,
        )

    evidence, chases, messages = defaultdict(list), defaultdict(list), defaultdict(list)
    records = (
        (evidence, "cases_supplierevidence", "at, kind, text", SupplierEvidence),
        (chases, "cases_supplierchase", "at, channel, text", SupplierChase),
    )
    for found, table, columns, fact in records:
        for order_pk, *values in fetch_by_ids(
            f"SELECT order_id, {columns} FROM {table} WHERE order_id IN ({{ids}}) ORDER BY at, id",
            ids,
            times=(1,),
        ):
            found[order_pk].append(fact(*values))
    for order_pk, at, direction, text, intents in fetch_by_ids(
        "SELECT order_id, at, direction, text, intents FROM cases_customermessage "
        "WHERE order_id IN ({ids}) ORDER BY at, id",
        ids,
        times=(1,),
    ):
        if isinstance(intents, str):
            intents = json.loads(intents)
        messages[order_pk].append(
            CustomerMessage(
                at=at, direction=direction, text=text, intents=frozenset(intents) if intents else None
            )
        )

    disputes = _disputes(ids)

    result = []
    policies = {}  # (country, supplier, its processing days) -> values: a few dozen keys per batch
    for row in orders:
        pk = row[0]
        key = (row[3], row[13], row[15])
        single, given = None, ()
        held = parcels.get(pk, ())
        # One parcel in force, with a number and naming no SKUs, is the one shape the single-parcel rules
        # read (`tracking`); any other set of parcels is given as it is (rules.md section 3a).
        if len(held) == 1 and held[0][2] is not None and held[0][7] is None and not _skus(held[0][6]):
            single = tracking(pk, *held[0][2:6])
        else:
            given = tuple(
                Parcel(tracking(pk, *parcel[2:6]), tuple(_skus(parcel[6])), parcel[7]) for parcel in held
            )
        result.append(
            CaseFacts(
                order=_order_facts(row, line_items.get(pk)),
                policy=policies.get(key) or policies.setdefault(key, book.for_order(*key)),
                tracking=single,
                parcels=given,
                supplier_evidence=tuple(evidence[pk]),
                supplier_chases=tuple(chases[pk]),
                customer_messages=tuple(messages[pk]),
                disputes=tuple(disputes.get(pk, ())),
            )
        )
    return result


_CLOSED = ("won", "lost", "accepted")


def _disputes(ids: list[int]) -> dict[int, list[Dispute]]:
    """The orders' disputes, each step timed when it happened (cases.assessment.disputes); a step the
    store recorded without its date counts from when the record last changed."""
    found = defaultdict(list)
    for order_pk, *fields in fetch_by_ids(
        "SELECT order_id, processor, opened_at, evidence_due_by, evidence_sent_on, finalized_on, status, "
        "updated_at FROM cases_dispute WHERE order_id IN ({ids}) ORDER BY opened_at, id",
        ids,
        times=(2, 3, 4, 5, 7),
    ):
        found[order_pk].append(dispute_fact(*fields))
    return found


def dispute_fact(
    processor: str,
    opened: datetime,
    due: datetime | None,
    sent: datetime | None,
    final: datetime | None,
    status: str,
    changed: datetime,
) -> Dispute:
    """A stored dispute as the rules read it (cases.assessment.disputes): each step timed when it happened,
    a step recorded without its date from when the record last changed."""
    return Dispute(
        opened_at=opened,
        processor=processor,
        evidence_due_by=due,
        submitted_at=(sent or changed) if status == "submitted" else sent,
        closed_at=(final or changed) if status in _CLOSED else None,
        outcome=status if status in _CLOSED else "",
    )


def _skus(value) -> list[str]:
    """A parcel's line item keys: SQLite (and Django's JSON loader on PostgreSQL) return the text."""
    if not value or value == "[]":  # most parcels name nothing: no JSON to parse
        return []
    if isinstance(value, str):
        value = json.loads(value)
    return value


def _order_facts(row: tuple, line_items: list[LineItem] | None = None) -> OrderFacts:
    """An order's facts; its line items when it has several, else its product is its one line item (as
    stored, or for an order stored before it had line items)."""
    value = row[6]
    if value is not None and not isinstance(value, Decimal):
        value = Decimal(str(value)).quantize(Decimal("0.01"))  # SQLite stores decimals as numbers
    return OrderFacts(
        order_id=row[1],
        ordered_at=row[2],
        country=row[3],
        sku=row[10],
        supplier=row[14],
        customer_email=row[4],
        postal_code=row[5],
        product_title=row[11],
        value=value,
        currency=row[7],
        payment_state=row[8],
        promise_text=row[9] or row[12],
        cancelled_at=row[17],
        fulfilled_at=row[18],
        line_items=tuple(line_items or (LineItem(row[10], row[14], row[11] or "", 1),)),
    )
