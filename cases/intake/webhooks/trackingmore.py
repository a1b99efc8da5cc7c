"""Reading a TrackingMore (API v4) webhook body into plain values.

See rules.md sections 1, 3, 3a and 3b. Sample body and where it comes from:
tests/data/webhooks/trackingmore/ (SOURCES.md).

Verification: none by signature. TrackingMore's webhook text says each notification carries "a
base64-encoded HMAC … with the webhook request body and your account's webhook secret", but its worked
example signs a timestamp and prints hex, and neither names the headers that carry the signature or the
timestamp. What cannot be checked byte for byte is not implemented: TrackingMore is a token source, its
webhook URL is /webhooks/token/<token>/ with the connection's secret as the token (sources.Source,
`verify` None). The token authenticates the sender; TLS keeps the body intact.

The body: `{"data": <the v4 tracking object>}` (TrackingMore's SDK models `Tracking`, `OriginInfo`,
`TrackInfo`): `tracking_number`, `courier_code`, `order_number`, `delivery_status`, `substatus`,
`destination_country`, `origin_info` and `destination_info` (the two carriers' legs), each with
`courier_code`, `milestone_date` (`delivery_date`, …) and `trackinfo[]`: `{checkpoint_date,
checkpoint_delivery_status, checkpoint_delivery_substatus, tracking_detail, location, country_iso2, state,
city, zip, raw_status}`. What surrounds `data` is not documented: nothing else of the body is read.

Decisions, each for a reason:
- Every body is a tracking update: TrackingMore documents no other webhook event. A body without a
  `data` object, or whose `data` names no tracking number, raises PayloadError.
- Events: both legs' `trackinfo`, origin first (an event both legs repeat is stored once). Time:
  `checkpoint_date` with an offset is exact; without one it is the carrier's local time at the event's
  `country_iso2` (rules.md section 1), approximate, in UTC when no country is known. An event without a
  readable time is skipped with a note.
- Status: `checkpoint_delivery_substatus` (transit002, exception010), else `checkpoint_delivery_status`,
  in the source="trackingmore" vocabulary (cases.tracking.statuses); else the `tracking_detail` decides
  (rules.md section 3b). The carrier's own code (`raw_status`, "ARR") is no word any table knows and is
  not kept: the TrackingMore word that decided is.
- Location: `location`, else `city` and `state`; the postal code is `zip`.
- The tracking's own status (`substatus`, else `delivery_status`) becomes one event when it is a
  delivery, a return (exception010, exception011) or `expired` and no event of the body says it: for a
  delivery at a leg's `milestone_date.delivery_date` (no offset: read at `destination_country`,
  approximate), else at the arrival of the delivery, approximate; its description is fixed per status.
- The carrier: `courier_code` (of the tracking, else of a leg) when it names one of staletrack's
  carriers. The store's order: `order_number`.
- De-duplication: TrackingMore sends no delivery id; a re-delivery is a duplicate by its body's digest,
  and its events are stored once anyway.
- A text over its column's limit or a time outside 2000..2100 raises Refused (422) naming the field.

Pure: no Django, no ORM.
"""

from __future__ import annotations

from datetime import datetime

from cases.assessment.facts import TrackingEvent
from cases.intake.webhooks.pushed import (
    NumberUpdate,
    PayloadError,
    Pushed,
    carrier_time,
    country,
    event,
    json_object,
    limited,
    member,
    places,
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

SOURCE = "trackingmore"
LABEL = "TrackingMore"
TOPIC = "tracking_update"
LEGS = ("origin_info", "destination_info")
TRACKER_DESCRIPTIONS = tracker_descriptions(LABEL)


def read(body: bytes, headers, received_at: datetime) -> Pushed:
    """The tracking update in `body`. Raises PayloadError (Refused for a value that cannot be stored)."""
    payload = json_object(body)
    data = member(payload, "data", "data", dict)
    number = tracking_number(data, "tracking_number", "data.tracking_number")
    legs = []
    for leg in LEGS:
        info = member(data, leg, f"data.{leg}", dict, required=False)
        if info is not None:
            legs.append((info, f"data.{leg}"))
    events, skipped = [], []
    for info, path in legs:
        checkpoints = member(info, "trackinfo", f"{path}.trackinfo", list, required=False) or []
        for position, checkpoint in enumerate(checkpoints):
            where = f"{path}.trackinfo[{position}]"
            if not isinstance(checkpoint, dict):
                raise PayloadError(f'"{where}" is not an object')
            read_event = _event(checkpoint, where)
            if isinstance(read_event, str):
                skipped.append(f"{where}: {read_event}")
            elif read_event not in events:
                events.append(read_event)
    return Pushed(
        topic=TOPIC,
        numbers=(
            NumberUpdate(
                number=number,
                carrier=carrier_named(
                    text(data, "courier_code"), *(text(info, "courier_code") for info, _ in legs)
                ),
                events=tuple(events),
                tracker_events=_tracker(data, legs, events, received_at),
                order_id=order_reference(data, "order_number", "data.order_number"),
                skipped=tuple(skipped),
            ),
        ),
    )


def _event(checkpoint: dict, path: str) -> TrackingEvent | str:
    """One checkpoint's event, or a note saying why it is skipped."""
    where = country(text(checkpoint, "country_iso2"))
    raw = text(checkpoint, "checkpoint_date")
    if not raw:
        return "no checkpoint_date"
    dated = carrier_time(raw, where, f"{path}.checkpoint_date")
    if dated is None:
        return f"checkpoint_date {raw[:40]!r} is not a date and time"
    at, approximate = dated
    description = limited(
        text(checkpoint, "tracking_detail"), limits.MAX_DESCRIPTION, f"{path}.tracking_detail"
    )
    sub, main = (
        limited(text(checkpoint, key), limits.MAX_RAW_STATUS, f"{path}.{key}")
        for key in ("checkpoint_delivery_substatus", "checkpoint_delivery_status")
    )
    status, word = word_status([sub, main], description, SOURCE)
    location_key = "location" if text(checkpoint, "location") else "city and state"
    return event(
        at=at,
        approximate=approximate,
        status=status,
        raw_status=word,
        description=description,
        location=limited(
            text(checkpoint, "location") or places(text(checkpoint, "city"), text(checkpoint, "state")),
            limits.MAX_LOCATION,
            f"{path}.{location_key}",
        ),
        country_code_=where,
        postal_code=limited(text(checkpoint, "zip"), limits.MAX_POSTAL_CODE, f"{path}.zip"),
        path=path,
    )


def _tracker(data: dict, legs: list, events: list[TrackingEvent], received_at: datetime):
    """The tracking's own status as one event, or () (trackers.tracker_event)."""
    sub, main = text(data, "substatus"), text(data, "delivery_status")
    status, word = word_status([sub, main], "", SOURCE)
    if status == "no_information" and not is_expired(word):
        return ()  # pending, notfound: nothing happened to the parcel
    if status not in TRACKER_DESCRIPTIONS:
        return ()
    raw, name = "", ""
    if status == "delivered":
        for info, path in reversed(legs):  # the destination leg's carrier delivers
            milestones = info.get("milestone_date")
            if isinstance(milestones, dict) and text(milestones, "delivery_date"):
                raw, name = text(milestones, "delivery_date"), f"{path}.milestone_date.delivery_date"
                break
    at, approximate = tracker_time(raw, country(text(data, "destination_country")), name, received_at)
    return tracker_event(
        descriptions=TRACKER_DESCRIPTIONS,
        status=status,
        word=word,
        word_path="data.substatus" if word == sub else "data.delivery_status",
        events=events,
        at=at,
        approximate=approximate,
    )
