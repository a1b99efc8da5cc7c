"""Reading Shopify's webhooks (docs/connections.md): orders, their fulfillments' tracking numbers, refunds.

Shopify signs every delivery: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body keyed
with the app's client secret (shopify.dev, "Verify webhooks"; Shopify's own libraries compute the same).
`X-Shopify-Topic` names the topic and `X-Shopify-Webhook-Id` the delivery: a retry of the same webhook
keeps it, so it is the de-duplication id (not `X-Shopify-Event-Id`, which every delivery of one merchant
action shares). Newer deliveries may name these headers without the `X-` (`Shopify-Hmac-Sha256`); both are
read. Webhooks a merchant creates in the store's notification settings are not signed with the app's
secret and are refused: the app's subscriptions are the ones to use. Bodies are the REST resources
(tests/data/webhooks/shopify/).

- `orders/create`, `orders/updated`, `orders/cancelled`: the order as the rows of Shopify's own orders export
  (one per line item; `OrderRows`), read by the orders import exactly like an exported file: the vendor map
  names each line's supplier, an unchanged order writes nothing, a changed one is audited. The order's
  fulfillments (an `orders/updated` carries them) give its tracking numbers as in `fulfillments/*`.
- `fulfillments/create`, `fulfillments/update`: each tracking number of the fulfillment becomes a parcel of
  the order, carrying the SKUs of the fulfillment's line items (rules.md section 3a). The body names the
  order by Shopify's id; its `name` is the order's name with the fulfillment's sequence ("#1001.1"), which is
  how the order is found. The fulfillment's `shipment_status` is the tracking app's word about the parcel,
  not a carrier event: only `delivered` becomes one (a tracker status, stored once), because a parcel
  reported delivered with no scan must not stay "in transit" here, while any other status says nothing a
  carrier event would not say better. A `cancelled` fulfillment adds nothing.
- `refunds/create`: the refunded amount; the order's payment state is read from `orders/updated`, which
  Shopify sends with the new `financial_status` after every refund, so the refund itself is acknowledged and
  ignored (one writing path for the payment state: the orders import).

Pure: no Django, no ORM.
"""

from __future__ import annotations

import re
from datetime import datetime

from cases.assessment.facts import TrackingEvent
from cases.intake.webhooks import signature
from cases.intake.webhooks.pushed import (
    NumberUpdate,
    OrderRows,
    PayloadError,
    Pushed,
    delivery_id,
    ignored,
    json_object,
    limited,
    member,
    text,
)
from cases.intake.webhooks.trackers import carrier_named
from cases.tracking import normalize_number
from staletrack import limits

SOURCE = "shopify"
HMAC_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
ID_HEADER = "X-Shopify-Webhook-Id"
# What `read` reads of the headers, under both names: kept with the delivery for the worker and a replay.
READ_HEADERS = (TOPIC_HEADER, ID_HEADER, TOPIC_HEADER.removeprefix("X-"), ID_HEADER.removeprefix("X-"))

ORDER_TOPICS = ("orders/create", "orders/updated", "orders/cancelled")
FULFILLMENT_TOPICS = ("fulfillments/create", "fulfillments/update")

DELIVERED_DESCRIPTION = "Shopify: delivered (fulfillment shipment status, no carrier event)"
# A fulfillment's name is its order's name, a dot and its sequence number.
_FULFILLMENT_NAME = re.compile(r"^(?P<order>.+)\.(?P<sequence>\d+)$")


def header(headers, name: str) -> str | None:
    """A Shopify header by its `X-Shopify-` name or the newer name without `X-` (Shopify sends either)."""
    value = headers.get(name)
    return value if value is not None else headers.get(name.removeprefix("X-"))


def verify(secret: str, body: bytes, headers, now: datetime) -> str:
    return signature.check(
        header(headers, HMAC_HEADER), secret, lambda: signature.base64_of(signature.hmac_sha256(secret, body))
    )


def sign(secret: str, body: bytes, now: datetime, topic: str = "orders/create") -> dict[str, str]:
    """The headers Shopify sends with `body` (the admin's test delivery, the tests, the benchmark)."""
    digest = signature.base64_of(signature.hmac_sha256(secret, body))
    webhook_id = signature.hmac_sha256("webhook-id", body).hex()[:36]
    return {HMAC_HEADER: digest, TOPIC_HEADER: topic, ID_HEADER: webhook_id}


def read(body: bytes, headers, received_at: datetime) -> Pushed:
    topic = (header(headers, TOPIC_HEADER) or "").strip()
    if not topic:
        raise PayloadError(f"the {TOPIC_HEADER} header is missing")
    webhook_id = delivery_id(header(headers, ID_HEADER), ID_HEADER)
    payload = json_object(body)
    if topic in ORDER_TOPICS:
        order = read_order(payload)
        return Pushed(
            topic=topic,
            delivery_id=webhook_id,
            orders=(order,),
            numbers=_order_fulfillments(payload, order.order_id, received_at),
        )
    if topic in FULFILLMENT_TOPICS:
        return Pushed(
            topic=topic, delivery_id=webhook_id, numbers=fulfillment_numbers(payload, "", "", received_at)
        )
    if topic == "refunds/create":
        return ignored(topic, "the payment state comes with orders/updated", webhook_id)
    return ignored(topic, f"Shopify topic {topic!r} carries nothing staletrack reads", webhook_id)


def read_order(payload: dict, path: str = "") -> OrderRows:
    """The order as the rows of Shopify's orders export: the order's columns on its first row, a row per
    line item."""
    name = member(payload, "name", f"{path}name", str).strip()
    if not name:
        raise PayloadError(f'"{path}name" is empty')
    limited(name, limits.MAX_ORDER_ID, f"{path}name")
    items = member(payload, "line_items", f"{path}line_items", list)
    if not items:
        raise PayloadError(f'"{path}line_items" is empty')
    address = member(payload, "shipping_address", f"{path}shipping_address", dict, required=False) or {}
    shipping = [line for line in payload.get("shipping_lines") or [] if isinstance(line, dict)]
    gateways = payload.get("payment_gateway_names")
    head = {
        "Name": name,
        "Id": text(payload, "id"),
        "Email": text(payload, "email") or text(payload, "contact_email"),
        "Created at": text(payload, "created_at"),
        "Cancelled at": text(payload, "cancelled_at"),
        "Financial Status": text(payload, "financial_status"),
        "Fulfillment Status": text(payload, "fulfillment_status") or "unfulfilled",
        "Fulfilled at": _fulfilled_at(payload),
        "Currency": text(payload, "currency"),
        "Total": text(payload, "total_price"),
        "Shipping Country": text(address, "country_code") or text(address, "country"),
        "Shipping Zip": text(address, "zip"),
        "Shipping Method": text(shipping[0], "title") if shipping else "",
        "Payment Method": " + ".join(g for g in gateways if isinstance(g, str))
        if isinstance(gateways, list)
        else "",
    }
    rows = []
    for position, item in enumerate(items):
        where = f"{path}line_items[{position}]"
        if not isinstance(item, dict):
            raise PayloadError(f'"{where}" is not an object')
        row = dict(head) if position == 0 else {"Name": name}
        row.update(
            {
                "Lineitem quantity": text(item, "quantity") or "1",
                "Lineitem name": text(item, "name") or text(item, "title"),
                "Lineitem sku": text(item, "sku"),
                "Lineitem requires shipping": "true" if item.get("requires_shipping", True) else "false",
                "Vendor": text(item, "vendor"),
            }
        )
        rows.append(row)
    return OrderRows(order_id=name, rows=tuple(rows), updated_at=_updated_at(payload))


def _updated_at(payload: dict) -> datetime | None:
    raw = text(payload, "updated_at")
    try:
        at = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return at if at is not None and at.utcoffset() is not None and not limits.time_problem(at) else None


def _fulfilled_at(payload: dict) -> str:
    """When a fulfilled order was fulfilled: its latest fulfillment's time (the export's `Fulfilled at`)."""
    if text(payload, "fulfillment_status") != "fulfilled":
        return ""
    times = [
        text(fulfillment, "created_at")
        for fulfillment in payload.get("fulfillments") or []
        if isinstance(fulfillment, dict) and text(fulfillment, "status") != "cancelled"
    ]
    return max((t for t in times if t), default="")


def _order_fulfillments(payload: dict, order_id: str, received_at: datetime) -> tuple[NumberUpdate, ...]:
    fulfillments = payload.get("fulfillments") or []
    if not isinstance(fulfillments, list):
        raise PayloadError('"fulfillments" is not a list')
    numbers: list[NumberUpdate] = []
    for position, fulfillment in enumerate(fulfillments):
        if not isinstance(fulfillment, dict):
            raise PayloadError(f'"fulfillments[{position}]" is not an object')
        numbers.extend(fulfillment_numbers(fulfillment, f"fulfillments[{position}].", order_id, received_at))
    return tuple(numbers)


def fulfillment_numbers(
    fulfillment: dict, path: str, order_id: str, received_at: datetime
) -> tuple[NumberUpdate, ...]:
    """Each tracking number of a fulfillment as a parcel of its order, with the SKUs it carries."""
    if text(fulfillment, "status") == "cancelled":
        return ()
    if not order_id:
        found = _FULFILLMENT_NAME.match(text(fulfillment, "name"))
        if found is None:
            raise PayloadError(f'"{path}name" does not name the order (its name, a dot, a number)')
        order_id = found["order"]
    numbers = fulfillment.get("tracking_numbers")
    if numbers is None:
        numbers = [fulfillment.get("tracking_number")] if fulfillment.get("tracking_number") else []
    if not isinstance(numbers, list):
        raise PayloadError(f'"{path}tracking_numbers" is not a list')
    skus = []
    for position, item in enumerate(fulfillment.get("line_items") or []):
        if not isinstance(item, dict):
            raise PayloadError(f'"{path}line_items[{position}]" is not an object')
        key = text(item, "sku") or text(item, "name") or text(item, "title")
        if key and key not in skus:
            skus.append(key)
    # Shopify's tracking company names ("UPS", "DHL Express", "Canada Post") read as a tracking file's
    # provider column is; any other leaves the carrier to the number's own format.
    carrier = carrier_named(text(fulfillment, "tracking_company"))
    delivered = _delivered(fulfillment, path, received_at)
    updates = []
    for position, number in enumerate(numbers):
        if not isinstance(number, str):
            raise PayloadError(f'"{path}tracking_numbers[{position}]" is not a string')
        if not normalize_number(number):
            continue
        limited(number.strip(), limits.MAX_TRACKING_NUMBER, f"{path}tracking_numbers[{position}]")
        updates.append(
            NumberUpdate(
                number=number.strip(),
                carrier=carrier,
                tracker_events=delivered,
                order_id=order_id,
                skus=tuple(skus) or None,
            )
        )
    return tuple(updates)


def _delivered(fulfillment: dict, path: str, received_at: datetime) -> tuple[TrackingEvent, ...]:
    """`shipment_status: delivered` as one tracker event, dated by the fulfillment's update (approximate:
    it is when Shopify learned of it, not the carrier's scan)."""
    if text(fulfillment, "shipment_status") != "delivered":
        return ()
    at = received_at
    raw = text(fulfillment, "updated_at")
    if raw:
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.utcoffset() is not None and not limits.time_problem(parsed):
            at = parsed
    return (
        TrackingEvent(
            at=at,
            status="delivered",
            raw_status="delivered",
            description=DELIVERED_DESCRIPTION,
            approximate=True,
        ),
    )
