"""Reading a ParcelPanel (Shopify app, webhooks v2.0) delivery into plain values. PROVISIONAL.

See rules.md sections 1, 3 and 3a. Sample bodies and where they come from: tests/data/webhooks/parcelpanel/
(SOURCES.md: "provisional").

What is confirmed (docs.parcelpanel.com/shopify/api-webhook/webhook-v2, "HTTP Headers" and "Event
Types"): the headers `X-ParcelPanel-HMAC-SHA256` ("Base64-encoded HMAC-SHA256 signature for request
verification"), `X-ParcelPanel-Topic` (`shipment_status/in_transit`, `shipment_status/any_update`, …),
`X-ParcelPanel-Webhook-Id` ("Unique identifier for the webhook request"), `X-ParcelPanel-Triggered-At`
and `X-ParcelPanel-Webhook-Version` (2.0).

What is PROVISIONAL, because the page's "Request Body Structure" and "Webhook Verification" sections could
not be read:
- the key and the message of the signature: this reader checks the base64 HMAC-SHA256 of the raw body
  keyed with the connection's secret (what two third-party receivers do, with the ParcelPanel API key as
  that secret; a third one uses a separate webhook secret and hex). Until confirmed, a real delivery may
  be refused with 401 ("signature wrong"): nothing is stored then, and the refusal is counted;
- the body: one flat shipment, `{order_id, order_number ("#1030"), tracking_number, carrier {name, code},
  status ("IN_TRANSIT", "DELIVERED"), status_label, substatus ("Delivered_001"), substatus_label,
  delivery_date, shipping_address {country, country_code}, …}`, pieced together from ParcelPanel's API v2
  shipment object and third-party receivers. No list of carrier events is known, so none is read;
- whether `X-ParcelPanel-Webhook-Id` stays the same when ParcelPanel retries a delivery (the de-dup id
  used here; a retried body that is byte for byte the same is a duplicate by its digest anyway);
- the topics past `shipment_status/ready_for_pickup` (the list was cut).

So the reader reads only the order number, the tracking number, the carrier and the shipment's status:
- the number becomes a parcel of the store's order (`order_number`) when that order exists;
- the status (`substatus`, else `status`, AfterShip-style words: read in the source="aftership"
  vocabulary, cases.tracking.statuses) becomes one tracker event only when it is a delivery, a return or
  EXPIRED: for a delivery at `delivery_date` (without an offset read at the shipping country, approximate),
  else at the arrival of the delivery, approximate; its description is fixed per status, so that a
  re-delivered status adds nothing. Any other status (in transit, out for delivery, …) is no dated carrier
  event and stores nothing: a made-up movement would reset the clocks of rules.md section 4.
- A topic outside `shipment_status/` is ignored. Without the topic header (a replay of a kept delivery
  passes none) the body is read as a shipment status.
- A body that is not JSON or has the wrong shape where it is relied on raises PayloadError (400); a text
  over its column's limit or a time outside 2000..2100 raises Refused (422) naming the field.

Pure: no Django, no ORM.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from cases.intake.webhooks import signature
from cases.intake.webhooks.pushed import (
    NumberUpdate,
    Pushed,
    country,
    delivery_id,
    ignored,
    json_object,
    limited,
    member,
    text,
)
from cases.intake.webhooks.trackers import (
    carrier_named,
    is_expired,
    order_reference,
    tracker_descriptions,
    tracker_event,
    tracker_time,
    tracking_number,
    word_status,
)
from staletrack import limits

SOURCE = "parcelpanel"
LABEL = "ParcelPanel"
HEADER = "X-ParcelPanel-HMAC-SHA256"
TOPIC_HEADER = "X-ParcelPanel-Topic"
ID_HEADER = "X-ParcelPanel-Webhook-Id"
TOPICS = "shipment_status/"
DEFAULT_TOPIC = "shipment_status/any_update"
# Its status words are AfterShip's tags and subtags (upper snake case for the tag): read in that vocabulary.
VOCABULARY = "aftership"
TRACKER_DESCRIPTIONS = tracker_descriptions(LABEL)


def verify_delivery(secret: str, body: bytes, headers, now: datetime) -> str:
    """ "" when `X-ParcelPanel-HMAC-SHA256` is the base64 HMAC-SHA256 of `body` keyed with `secret`, else
    why not (the key is provisional: module docstring)."""
    return signature.check(headers.get(HEADER), secret, lambda: _signature(secret, body))


def sign_delivery(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    """The headers ParcelPanel sends with `body` (the webhook id derived from the body, so that the same
    body signed twice is the same delivery)."""
    return {
        HEADER: _signature(secret, body),
        TOPIC_HEADER: DEFAULT_TOPIC,
        ID_HEADER: str(uuid.UUID(hashlib.sha256(body).hexdigest()[:32])),
        "X-ParcelPanel-Triggered-At": now.isoformat(),
        "X-ParcelPanel-Webhook-Version": "2.0",
    }


def _signature(secret: str, body: bytes) -> str:
    return signature.base64_of(signature.hmac_sha256(secret, body))


def read(body: bytes, headers, received_at: datetime) -> Pushed:
    """The shipment status in `body`, its topic and id from the headers. Raises PayloadError (Refused for a
    value that cannot be stored)."""
    topic = (headers.get(TOPIC_HEADER) or "").strip()
    webhook_id = delivery_id(headers.get(ID_HEADER), ID_HEADER)
    if topic and not topic.startswith(TOPICS):
        return ignored(topic, f"{LABEL} topic {topic!r} carries no shipment status", webhook_id)
    payload = json_object(body)
    number = tracking_number(payload, "tracking_number", "tracking_number")
    carrier = member(payload, "carrier", "carrier", dict, required=False) or {}
    address = member(payload, "shipping_address", "shipping_address", dict, required=False) or {}
    sub, main = (limited(text(payload, key), limits.MAX_RAW_STATUS, key) for key in ("substatus", "status"))
    status, word = word_status([sub, main], "", VOCABULARY)
    if status == "no_information" and not is_expired(word):
        status = "unknown"  # pending: nothing happened to the parcel
    tracker = ()
    if status in TRACKER_DESCRIPTIONS:
        destination = country(text(address, "country_code"))
        raw = text(payload, "delivery_date") if status == "delivered" else ""
        at, approximate = tracker_time(raw, destination, "delivery_date", received_at)
        tracker = tracker_event(
            descriptions=TRACKER_DESCRIPTIONS,
            status=status,
            word=word,
            word_path="substatus" if word == sub else "status",
            events=(),
            at=at,
            approximate=approximate,
        )
    return Pushed(
        topic=topic or DEFAULT_TOPIC,
        delivery_id=webhook_id,
        numbers=(
            NumberUpdate(
                number=number,
                carrier=carrier_named(text(carrier, "code"), text(carrier, "name")),
                tracker_events=tracker,
                order_id=order_reference(payload, "order_number", "order_number"),
            ),
        ),
    )
