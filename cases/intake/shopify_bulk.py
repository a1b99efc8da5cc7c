"""Reading the JSONL a Shopify bulk operation writes for orders with their fulfillments (docs/connections.md
gives the query), without a database.

Shopify's bulk operations (GraphQL Admin API, `bulkOperationRunQuery`) write one JSON object per line: each
order on its own line, each node of a connection inside it (its line items) on a later line of its own
with `__parentId` naming the order; list fields (its fulfillments and their tracking info) come inside the
order's line. Lines of one order need not be next to each other, so the file is read whole before any
order is built (a store's history of 100,000 orders holds well in memory).

Each order becomes what Shopify's webhooks give (cases.intake.webhooks.shopify): the rows of Shopify's
orders export for the orders import, and each tracking number of its fulfillments for its parcels; a
fulfillment Shopify reports delivered gives one tracker event at `deliveredAt` (Shopify's time of the
delivery: exact, unlike the webhook's). Where the documented query's optional fields are missing (the total,
a line's vendor), the rows leave them empty, as an export with those columns empty would.

Errors name the JSONL line (`BulkError`, a list of `(line, message)`); nothing is built when there is one.
Pure: no Django, no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from cases.assessment.facts import TrackingEvent
from cases.intake.webhooks.pushed import NumberUpdate, OrderRows, PayloadError, limited, text
from cases.intake.webhooks.shopify import DELIVERED_DESCRIPTION
from cases.intake.webhooks.trackers import carrier_named
from cases.tracking import normalize_number
from staletrack import limits
from staletrack.json_input import JsonInputError, load_json

ORDER = "gid://shopify/Order/"
LINE_ITEM = "gid://shopify/LineItem/"
MAX_ERRORS = 50


class BulkError(ValueError):
    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__("; ".join(f"line {line}: {message}" for line, message in errors[:5]))


@dataclass
class BulkOrder:
    line: int  # the JSONL line of the order
    order: OrderRows
    numbers: tuple[NumberUpdate, ...] = ()


@dataclass
class _Reading:
    orders: dict[str, tuple[int, dict]] = field(default_factory=dict)  # gid -> (line, object)
    items: dict[str, list[tuple[int, dict]]] = field(default_factory=dict)  # order gid -> its line items
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_bulk(lines: Iterable[bytes]) -> list[BulkOrder]:
    """Every order of the file in the order of its lines. Raises BulkError naming each bad line."""
    reading = _Reading()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            _read_line(reading, number, raw)
        except PayloadError as error:
            reading.errors.append((number, str(error)))
        if len(reading.errors) >= MAX_ERRORS:
            break
    for parent, items in reading.items.items():
        if parent not in reading.orders:
            reading.errors.extend(
                (line, f"__parentId {parent!r} names no order of the file") for line, _ in items
            )
    orders = []
    for gid, (line, node) in reading.orders.items():
        try:
            orders.append(_order(line, node, reading.items.get(gid, [])))
        except PayloadError as error:
            reading.errors.append((line, str(error)))
    if reading.errors:
        raise BulkError(sorted(reading.errors))
    return orders


def _read_line(reading: _Reading, number: int, raw: bytes) -> None:
    try:
        node = load_json(raw, what="the line")
    except JsonInputError as error:
        raise PayloadError(str(error)) from None
    if not isinstance(node, dict):
        raise PayloadError("is not a JSON object")
    gid = node.get("id")
    if not isinstance(gid, str):
        raise PayloadError('"id" is missing or not a string')
    parent = node.get("__parentId")
    if gid.startswith(ORDER) and parent is None:
        if gid in reading.orders:
            raise PayloadError(f"order {gid!r} is also on line {reading.orders[gid][0]}")
        reading.orders[gid] = (number, node)
    elif gid.startswith(LINE_ITEM) and isinstance(parent, str):
        reading.items.setdefault(parent, []).append((number, node))
    # Other nodes (a query asking for more connections) say nothing staletrack reads.


def _order(line: int, node: dict, items: list[tuple[int, dict]]) -> BulkOrder:
    name = text(node, "name")
    if not name:
        raise PayloadError('"name" is missing')
    limited(name, limits.MAX_ORDER_ID, "name")
    if not items:
        raise PayloadError(f"order {name} has no line items (its lineItems lines are missing)")
    address = node.get("shippingAddress") if isinstance(node.get("shippingAddress"), dict) else {}
    money = (
        ((node.get("totalPriceSet") or {}).get("shopMoney") or {})
        if isinstance(node.get("totalPriceSet"), dict)
        else {}
    )
    fulfillments = [f for f in node.get("fulfillments") or [] if isinstance(f, dict)]
    fulfilled = text(node, "displayFulfillmentStatus").lower()
    head = {
        "Name": name,
        "Id": text(node, "legacyResourceId"),
        "Email": text(node, "email"),
        "Created at": text(node, "createdAt"),
        "Cancelled at": text(node, "cancelledAt"),
        "Financial Status": text(node, "displayFinancialStatus").lower(),
        "Fulfillment Status": fulfilled or "unfulfilled",
        "Fulfilled at": max(
            (text(f, "createdAt") for f in fulfillments if text(f, "status") != "CANCELLED"), default=""
        )
        if fulfilled == "fulfilled"
        else "",
        "Currency": text(money, "currencyCode"),
        "Total": text(money, "amount"),
        "Shipping Country": text(address, "countryCodeV2"),
        "Shipping Zip": text(address, "zip"),
    }
    rows = []
    for position, (_, item) in enumerate(items):
        row = dict(head) if position == 0 else {"Name": name}
        row.update(
            {
                "Lineitem quantity": text(item, "quantity") or "1",
                "Lineitem name": text(item, "name"),
                "Lineitem sku": text(item, "sku"),
                "Lineitem requires shipping": "false" if item.get("requiresShipping") is False else "true",
                "Vendor": text(item, "vendor"),
            }
        )
        rows.append(row)
    raw = text(node, "updatedAt")
    try:
        updated = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None
    except ValueError:
        updated = None
    if updated is not None and (updated.utcoffset() is None or limits.time_problem(updated)):
        updated = None
    order = OrderRows(order_id=name, rows=tuple(rows), updated_at=updated)
    return BulkOrder(line, order, _numbers(name, fulfillments))


def _numbers(order_id: str, fulfillments: list[dict]) -> tuple[NumberUpdate, ...]:
    numbers = []
    for position, fulfillment in enumerate(fulfillments):
        if text(fulfillment, "status") == "CANCELLED":
            continue
        delivered = _delivered(fulfillment, f"fulfillments[{position}]")
        for index, info in enumerate(fulfillment.get("trackingInfo") or []):
            if not isinstance(info, dict):
                raise PayloadError(f'"fulfillments[{position}].trackingInfo[{index}]" is not an object')
            number = text(info, "number")
            if not normalize_number(number):
                continue
            limited(
                number, limits.MAX_TRACKING_NUMBER, f"fulfillments[{position}].trackingInfo[{index}].number"
            )
            numbers.append(
                NumberUpdate(
                    number=number,
                    carrier=carrier_named(text(info, "company")),
                    tracker_events=delivered,
                    order_id=order_id,
                )
            )
    return tuple(numbers)


def _delivered(fulfillment: dict, path: str) -> tuple[TrackingEvent, ...]:
    if text(fulfillment, "displayStatus") != "DELIVERED":
        return ()
    raw = text(fulfillment, "deliveredAt")
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None
    except ValueError:
        raise PayloadError(f'"{path}.deliveredAt" {raw[:40]!r} is not a date and time') from None
    if at is None or at.utcoffset() is None or limits.time_problem(at):
        raise PayloadError(f'"{path}.deliveredAt" {raw[:40]!r} is not a time with an offset in 2000..2100')
    return (
        TrackingEvent(at=at, status="delivered", raw_status="DELIVERED", description=DELIVERED_DESCRIPTION),
    )
