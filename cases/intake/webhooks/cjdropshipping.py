"""Reading a CJdropshipping (API 2.0) webhook message into plain values.

See rules.md sections 1, 3, 3a and 3b. Sample bodies and where they come from:
tests/data/webhooks/cjdropshipping/ (SOURCES.md).

Verification (developers.cjdropshipping.com/en/api/start/webhook.html, "Signature Authentication"): the
`sign` header holds the standard base64 (padding kept) of the HMAC-SHA256 of the raw body, keyed with the
account's openId as a decimal string ("12312"): the connection's secret is that openId. No timestamp,
nonce or replay window is documented; a replay is caught only when its body or message id was kept
before (services: the body digest, the sender's id). CJ warns that the openId is both the account's id
and the signing key, and some messages (ORDER) carry it in the body: a kept body of this source holds
the secret, so its deliveries must be shown to no one who may not see the connection's secret.

The body: `{"messageId", "type", "messageType", ["openId"], "params": {...}}`. `type` is the topic:
PRODUCT, VARIANT, STOCK, ORDER, ORDERSPLIT, SOURCINGCREATE, LOGISTIC, MAKEUP, PRIVATE_ORDER; `messageType`
INSERT, UPDATE, DELETE (ORDER also ORDER_CONNNECTED, sic).

Decisions, each for a reason:
- LOGISTIC (`params.{orderId, storeOrderNumbers[], logisticName, trackingNumber, trackingUrl,
  trackingProvider, trackingStatus, logisticsTrackEvents}`) is read: the tracking number (required), the
  store's order numbers (`storeOrderNumbers`, one parcel per order named: CJ combines a shop's orders into
  one shipment; `orderId` is CJ's own order id and names no order of the store), the carrier (the
  logistics name, else the tracking provider, when it names one of staletrack's carriers; "CJPacket
  Ordinary" names none, and the number's own format decides) and the events.
- ORDER (`params.{cjOrderId, orderNumber, orderNum (deprecated), logisticName, trackNumber (not
  trackingNumber), trackingProvider, ...}`) is read only when it carries a tracking number: the number
  becomes a parcel of the store's order (`orderNumber`, else `orderNum`). Its order status words are not
  documented, so it gives no status. Without a number it is ignored (the order is not shipped yet).
- Every other type, and a DELETE of anything, is ignored with the reason: staletrack never deletes a
  fact because a sender withdrew it.
- `logisticsTrackEvents` is a JSON array inside a string (a list is read too): `{status, activity,
  location, eventTime, statusDesc, thirdActivity, thirdLocation, thirdEventTime}`. The activity, location
  and time fall back to the third-party (carrier) ones. `eventTime` ("2024-01-18 07:59:22") has no offset
  and no event names its country: rules.md section 1 reads it in UTC, approximate (right within a day).
  An event without a readable time is skipped with a note.
- Status: CJ's numbered status (`status` of an event, `trackingStatus` of the tracking, 0..14) in the
  source="cjdropshipping" vocabulary (cases.tracking.statuses); else `statusDesc` ("Delivered"); else the
  activity decides (rules.md section 3b). The raw status kept is `statusDesc` when given (what a person
  can read), else the number.
- The tracking's `trackingStatus` 12 (signed for) or 3 and 14 (returned) with no event saying it becomes
  one tracker event at the time the message arrived (CJ gives no time for it), approximate, with a fixed
  description (trackers.tracker_event).
- De-duplication: `messageId` when given. CJ documents it as kept across retries for some types only; a
  retried body that is byte for byte the same is a duplicate by its digest anyway.
- A body that is not JSON or has the wrong shape where it is relied on raises PayloadError (400); a text
  over its column's limit or a time outside 2000..2100 raises Refused (422) naming the field.

Pure: no Django, no ORM.
"""

from __future__ import annotations

from datetime import datetime

from cases.assessment.facts import TrackingEvent
from cases.intake.webhooks import signature
from cases.intake.webhooks.pushed import (
    NumberUpdate,
    PayloadError,
    Pushed,
    carrier_time,
    delivery_id,
    event,
    ignored,
    json_object,
    limited,
    member,
    text,
)
from cases.intake.webhooks.trackers import (
    carrier_named,
    order_reference,
    tracker_descriptions,
    tracker_event,
    tracking_number,
    word_status,
)
from cases.tracking import normalize_status
from staletrack import limits
from staletrack.json_input import JsonInputError, load_json

SOURCE = "cjdropshipping"
LABEL = "CJdropshipping"
HEADER = "sign"
LOGISTIC = "LOGISTIC"
ORDER = "ORDER"
TRACKER_DESCRIPTIONS = tracker_descriptions(LABEL)


def verify_delivery(secret: str, body: bytes, headers, now: datetime) -> str:
    """ "" when the `sign` header is the base64 HMAC-SHA256 of `body` keyed with `secret` (the openId),
    else why not. An empty secret verifies nothing."""
    return signature.check(headers.get(HEADER), secret, lambda: _signature(secret, body))


def sign_delivery(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    return {HEADER: _signature(secret, body)}


def _signature(secret: str, body: bytes) -> str:
    return signature.base64_of(signature.hmac_sha256(secret, body))


def read(body: bytes, headers, received_at: datetime) -> Pushed:
    """The message in `body` (already verified). Raises PayloadError (Refused for a value that cannot be
    stored)."""
    payload = json_object(body)
    kind = member(payload, "type", "type", str).strip().upper()
    if not kind:
        raise PayloadError('"type" is empty')
    message_id = delivery_id(payload.get("messageId"), "messageId")
    action = text(payload, "messageType").upper()
    if kind not in (LOGISTIC, ORDER):
        return ignored(kind, f"{LABEL} {kind} messages carry no tracking", message_id)
    if action == "DELETE":
        return ignored(kind, f"{LABEL} {kind} DELETE: a withdrawn message deletes no fact", message_id)
    params = member(payload, "params", "params", dict)
    if kind == ORDER:
        return _order(params, message_id)
    return _logistic(params, message_id, received_at)


def _order(params: dict, message_id: str) -> Pushed:
    """An ORDER message: the tracking number it names on the store's order, or ignored without one."""
    if not text(params, "trackNumber"):
        return ignored(ORDER, f"{LABEL} order message without a tracking number", message_id)
    number = tracking_number(params, "trackNumber", "params.trackNumber")
    key = "orderNumber" if text(params, "orderNumber") else "orderNum"
    return Pushed(
        topic=ORDER,
        delivery_id=message_id,
        numbers=(
            NumberUpdate(
                number=number,
                carrier=carrier_named(text(params, "logisticName"), text(params, "trackingProvider")),
                order_id=order_reference(params, key, f"params.{key}"),
            ),
        ),
    )


def _logistic(params: dict, message_id: str, received_at: datetime) -> Pushed:
    """A LOGISTIC message: the number, its events, the tracking's own status, the store's orders."""
    number = tracking_number(params, "trackingNumber", "params.trackingNumber")
    carrier = carrier_named(text(params, "logisticName"), text(params, "trackingProvider"))
    orders = _store_orders(params)
    events, skipped = _events(params)
    tracker = ()
    code = _code(params.get("trackingStatus"))
    status = normalize_status(code, source=SOURCE) if code else "unknown"
    if status in ("delivered", "returned"):
        tracker = tracker_event(
            descriptions=TRACKER_DESCRIPTIONS,
            status=status,
            word=code,
            word_path="params.trackingStatus",
            events=events,
            at=received_at,
            approximate=True,
        )
    first = NumberUpdate(
        number=number,
        carrier=carrier,
        events=tuple(events),
        tracker_events=tracker,
        order_id=orders[0] if orders else "",
        skipped=tuple(skipped),
    )
    # The same shipment on each further order it carries (a parcel of each); its events are written once.
    others = tuple(NumberUpdate(number=number, carrier=carrier, order_id=order_id) for order_id in orders[1:])
    return Pushed(topic=LOGISTIC, delivery_id=message_id, numbers=(first, *others))


def _store_orders(params: dict) -> list[str]:
    """The store's order numbers of `storeOrderNumbers`, each once, in order."""
    given = member(params, "storeOrderNumbers", "params.storeOrderNumbers", list, required=False) or []
    orders: list[str] = []
    for position, value in enumerate(given):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise PayloadError(f'"params.storeOrderNumbers[{position}]" is not a string')
        order_id = limited(str(value).strip(), limits.MAX_ORDER_ID, f"params.storeOrderNumbers[{position}]")
        if order_id and order_id not in orders:
            orders.append(order_id)
    return orders


def _events(params: dict) -> tuple[list[TrackingEvent], list[str]]:
    raw = params.get("logisticsTrackEvents")
    path = "params.logisticsTrackEvents"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return [], []
    if isinstance(raw, str):
        try:
            raw = load_json(raw.encode("utf-8"), what=f'"{path}"')
        except JsonInputError as error:
            raise PayloadError(str(error)) from None
    if not isinstance(raw, list):
        raise PayloadError(f'"{path}" is not a list')
    events, skipped = [], []
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            raise PayloadError(f'"{path}[{position}]" is not an object')
        read = _event(item, position, f"{path}[{position}]")
        if isinstance(read, str):
            skipped.append(read)
        else:
            events.append(read)
    return events, skipped


def _event(item: dict, position: int, path: str) -> TrackingEvent | str:
    """One track event, or a note saying why it is skipped."""
    time_key = "eventTime" if text(item, "eventTime") else "thirdEventTime"
    raw_time = text(item, time_key)
    if not raw_time:
        return f"event {position + 1}: no eventTime"
    dated = carrier_time(raw_time, "", f"{path}.{time_key}")  # no country given: UTC (rules.md section 1)
    if dated is None:
        return f"event {position + 1}: eventTime {raw_time[:40]!r} is not a date and time"
    at, approximate = dated
    activity_key = "activity" if text(item, "activity") else "thirdActivity"
    location_key = "location" if text(item, "location") else "thirdLocation"
    description = limited(text(item, activity_key), limits.MAX_DESCRIPTION, f"{path}.{activity_key}")
    location = limited(text(item, location_key), limits.MAX_LOCATION, f"{path}.{location_key}")
    words = limited(text(item, "statusDesc"), limits.MAX_RAW_STATUS, f"{path}.statusDesc")
    code = _code(item.get("status"))
    status, _ = word_status([code, words], description, SOURCE)
    return event(
        at=at,
        approximate=approximate,
        status=status,
        raw_status=limited(words or code, limits.MAX_RAW_STATUS, f"{path}.status"),
        description=description,
        location=location,
        country_code_="",
        postal_code="",
        path=path,
    )


def _code(value) -> str:
    """CJ's numbered status as text ("12"); "" when it is not a small number (its statuses are 0..14)."""
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit() and len(value) <= 3):
            return ""
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1000:
        return ""
    return str(value)
