"""Reading a Shippo tracking webhook body into plain values.

See rules.md sections 1, 3, 3a and 3b. Sample body and where it comes from: tests/data/webhooks/shippo/
(SOURCES.md).

Verification: none by signature. Shippo's webhook security page (docs.goshippo.com/docs/tracking/
webhooksecurity) offers an IP allowlist, a self-generated token in the URL ("secure as long as you protect
the storage of the expected token") and an HMAC set up on request through an account manager, whose
format is not published. Shippo is a token source: its webhook URL is /webhooks/token/<token>/ with the
connection's secret as the token (sources.Source, `verify` None). TLS keeps the body intact.

The body (Shippo's SDK, generated from its OpenAPI: `WebhookPayloadTrack`, `Track`, `TrackingStatus`):
`{"event": "track_updated", "test": bool, "data": {carrier, tracking_number, metadata, tracking_status,
tracking_history[], address_to, …}}`; a tracking status is `{object_id, status (UNKNOWN, PRE_TRANSIT,
TRANSIT, DELIVERED, RETURNED, FAILURE), status_details, status_date ("displayed in UTC"), substatus,
location {city, state, zip, country}}`, the history "earlier tracking event first".

Decisions, each for a reason:
- Only `track_updated` carries tracking; every other event (transaction_created, batch_purchased, …) is
  read as ignored without checking the rest of its shape. A test delivery (`test`: true) is read like any
  other: it is what Shippo sends for a test token.
- Events: every entry of `tracking_history`, and `tracking_status` when the history does not hold it
  (same `object_id`, or the same time, status and details). Time: `status_date` with its offset, exact;
  without one (not expected: Shippo gives UTC) the local time at the event's country, approximate (rules.md
  section 1). An entry without a readable `status_date` (the field is optional) is skipped with a note.
- Status: `status` in the source="shippo" vocabulary (cases.tracking.statuses: UNKNOWN is no information);
  where it maps to nothing the `status_details` decide (rules.md section 3b). The `substatus` codes are not
  read: Shippo's list of them was not seen.
- The tracking's own status when it is DELIVERED or RETURNED and no dated event says it (its `status_date`
  missing) becomes one event at the arrival of the delivery, approximate, with a fixed description.
- The carrier: Shippo's carrier token ("usps", "dhl_express") when it names one of staletrack's carriers.
- The store's order: Shippo has no order field on a tracking. `metadata` is the merchant's own text (up to
  100 characters, given when the tracking was registered); it is read as the order when it is one word,
  optionally after "Order" ("#1001", "Order #1001", "order: 1001"); any other text names no order. An
  `order` field (a text, or an object with `order_number`) is read the same way if Shippo sends one
  (not documented on a tracking).
- De-duplication: the `object_id` of `tracking_status`, which names one status of one tracking: the same
  status delivered again is a duplicate.
- A body that is not JSON or has the wrong shape where it is relied on raises PayloadError (400); a text
  over its column's limit or a time outside 2000..2100 raises Refused (422) naming the field.

Pure: no Django, no ORM.
"""

from __future__ import annotations

import re
from datetime import datetime

from cases.assessment.facts import TrackingEvent
from cases.intake.webhooks.pushed import (
    NumberUpdate,
    PayloadError,
    Pushed,
    carrier_time,
    country,
    delivery_id,
    event,
    ignored,
    json_object,
    limited,
    member,
    places,
    text,
)
from cases.intake.webhooks.trackers import (
    carrier_named,
    tracker_descriptions,
    tracker_event,
    tracking_number,
    word_status,
)
from staletrack import limits

SOURCE = "shippo"
LABEL = "Shippo"
TRACK_UPDATED = "track_updated"
TRACKER_DESCRIPTIONS = tracker_descriptions(LABEL)

# One word, after an optional "Order" ("Order #1001", "order: 1001", "Order number 1001"); "ORDER-1001" is
# one word.
_ORDER_IN_METADATA = re.compile(
    r"(?:order(?:\s*(?:no\.?|number))?(?:\s*:\s*|\s+))?(#?[^\s#:]\S*)", re.IGNORECASE
)


def read(body: bytes, headers, received_at: datetime) -> Pushed:
    """The delivery in `body`. Raises PayloadError (Refused for a value that cannot be stored)."""
    payload = json_object(body)
    name = member(payload, "event", "event", str).strip()
    if name != TRACK_UPDATED:
        return ignored(name, f"Shippo event {name!r} carries no tracking")
    data = member(payload, "data", "data", dict)
    number = tracking_number(data, "tracking_number", "data.tracking_number")
    latest = member(data, "tracking_status", "data.tracking_status", dict, required=False)
    history = member(data, "tracking_history", "data.tracking_history", list, required=False) or []
    entries = []
    for position, entry in enumerate(history):
        if not isinstance(entry, dict):
            raise PayloadError(f'"data.tracking_history[{position}]" is not an object')
        entries.append((entry, f"data.tracking_history[{position}]"))
    if latest is not None and not _in_history(latest, history):
        entries.append((latest, "data.tracking_status"))
    events, skipped = [], []
    for entry, path in entries:
        read_event = _event(entry, path)
        if isinstance(read_event, str):
            skipped.append(f"{path}: {read_event}")
        else:
            events.append(read_event)
    tracker = ()
    if latest is not None:
        word = text(latest, "status")
        status, _ = word_status([word], "", SOURCE)
        if status in ("delivered", "returned"):
            tracker = tracker_event(
                descriptions=TRACKER_DESCRIPTIONS,
                status=status,
                word=word,
                word_path="data.tracking_status.status",
                events=events,
                at=received_at,
                approximate=True,
            )
    return Pushed(
        topic=TRACK_UPDATED,
        delivery_id=delivery_id(latest.get("object_id"), "data.tracking_status.object_id") if latest else "",
        numbers=(
            NumberUpdate(
                number=number,
                carrier=carrier_named(text(data, "carrier")),
                events=tuple(events),
                tracker_events=tracker,
                order_id=_order(data),
                skipped=tuple(skipped),
            ),
        ),
    )


def _in_history(latest: dict, history: list) -> bool:
    """Whether the history already holds the latest status (its object id, else its time, status and
    details)."""
    object_id = text(latest, "object_id")
    same = ("status_date", "status", "status_details")
    for entry in history:
        if not isinstance(entry, dict):
            continue
        if object_id and text(entry, "object_id") == object_id:
            return True
        if all(text(entry, key) == text(latest, key) for key in same):
            return True
    return False


def _event(entry: dict, path: str) -> TrackingEvent | str:
    """One tracking status's event, or a note saying why it is skipped."""
    location = entry.get("location")
    if location is not None and not isinstance(location, dict):
        raise PayloadError(f'"{path}.location" is not an object')
    location = location or {}
    where = country(text(location, "country"))
    raw = text(entry, "status_date")
    if not raw:
        return "no status_date"
    dated = carrier_time(raw, where, f"{path}.status_date")
    if dated is None:
        return f"status_date {raw[:40]!r} is not a date and time"
    at, approximate = dated
    details = limited(text(entry, "status_details"), limits.MAX_DESCRIPTION, f"{path}.status_details")
    status, word = word_status([text(entry, "status")], details, SOURCE)
    return event(
        at=at,
        approximate=approximate,
        status=status,
        raw_status=limited(word, limits.MAX_RAW_STATUS, f"{path}.status"),
        description=details,
        location=limited(
            places(text(location, "city"), text(location, "state")),
            limits.MAX_LOCATION,
            f"{path}.location.city and state",
        ),
        country_code_=where,
        postal_code=limited(text(location, "zip"), limits.MAX_POSTAL_CODE, f"{path}.location.zip"),
        path=path,
    )


def _order(data: dict) -> str:
    """The store's order the tracking names (module docstring), else ""."""
    given = data.get("order")
    if isinstance(given, dict):
        given, path = text(given, "order_number"), "data.order.order_number"
    else:
        given, path = text(data, "order"), "data.order"
    if not given:
        given, path = text(data, "metadata"), "data.metadata"
    found = _ORDER_IN_METADATA.fullmatch(given)
    if found is None or found.group(1).lower() == "order":
        return ""
    return limited(found.group(1), limits.MAX_ORDER_ID, path)
