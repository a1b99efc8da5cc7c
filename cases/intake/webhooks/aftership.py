"""Reading an AfterShip tracking webhook body into plain values.

See rules.md sections 1, 3 and 3b, and status-vocabularies.md.

The body, per AfterShip's webhook specification
(https://www.aftership.com/docs/tracking/webhook/webhook-specifications):
`{"event": "tracking_update", "event_id": "<uuid>", "ts": <unix time>, "msg": {<tracking object>}}`. The
tracking object (https://www.aftership.com/docs/tracking/model/tracking) has `tracking_number`, `slug`,
`tag`, `subtag`, `return_to_sender`, `shipment_delivery_date`, the destination country
(`destination_country_iso3`, `destination_country_region` in newer API versions) and `checkpoints`. Each
checkpoint (https://www.aftership.com/docs/tracking/model/checkpoint) has `checkpoint_time`, `tag`,
`subtag`, `message`, `location`, `city`, `state`, `country_iso3` (`country_region` in newer API versions)
and `zip` (`postal_code` in newer versions).

Decisions, each for a reason:
- Only `tracking_update` carries checkpoints we act on; other events (`edd_revise`,
  `tracking_pending_time`) are read as "ignored" without checking the rest of their shape.
- Status: the checkpoint's subtag, which refines its tag (InTransit_002 is the acceptance scan, Exception_011
  returned to sender), normalized with source="aftership"; the tag when the subtag is missing or maps to
  nothing; and when neither maps to anything, the checkpoint's message (rules.md section 3b, through
  `read_event_status`). `raw_status` keeps the tracker's word: the one that decided, else the subtag or tag.
- Time: AfterShip passes the carrier's time through as given, which may be `YYYY-MM-DD`,
  `YYYY-MM-DDTHH:MM:SS` or carry an offset (AfterShip's checkpoint model, `checkpoint_time`). rules.md
  section 1: a time without an offset is the local time at the checkpoint's country (UTC for a country the
  section's table does not name, or none), and the event is approximate. A date alone is local midnight,
  approximate too. A checkpoint without a readable time is skipped with a note; the rest of the delivery is
  kept, because refusing the whole body would also lose its good checkpoints.
- The tracker's own status: AfterShip may say a parcel is delivered, returned to sender, or that tracking
  has expired, with no checkpoint that says so (a carrier that reports delivery without a scan, a history
  that was cut). Such a status becomes one event (`tracker_events`), unless a checkpoint of the body already
  says that status. Its time is the tracker's `shipment_delivery_date` for a delivery (the recipient's
  local time, read at the destination country when it has no offset), else the time the update arrived;
  either of those is approximate. Its description is fixed per status, so that the same status re-delivered
  is recognised (`tracker_events_to_store`); it names no place, because the tracker's idea of the
  destination is no carrier's scan and must not raise a destination mismatch.
- Country: alpha-3 or alpha-2 codes, read through cases.countries.country_code; anything else leaves the
  country empty (never compared) rather than guessed.
- A body that is not JSON, or whose shape is wrong where we rely on it, raises PayloadError. The body is
  read by `staletrack.json_input`: a NUL character, nesting deeper than `MAX_JSON_DEPTH`, a key given
  twice in one object are such errors, named with where they are.
- A value that is readable but cannot be stored raises `Refused` (a PayloadError) naming the field: a
  text over the limit of the column it goes to (`staletrack.limits`: the tracking number, the event id,
  a checkpoint's message, location, postal code, tag and subtag; never cut) and a time outside 2000..2100
  (`staletrack.limits.time_problem`: a checkpoint's time, `shipment_delivery_date`). The whole delivery
  is refused: storing the rest would keep a history with a hole no one is told of.

Pure: no Django, no ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cases.assessment.facts import TrackingEvent
from cases.intake.webhooks import signature
from cases.intake.webhooks.pushed import (
    NumberUpdate,
    PayloadError,
    Pushed,
    Refused,  # noqa: F401  (what parse raises, for its callers)
    country,
    ignored,
    in_range,
    limited,
)
from cases.tracking import normalize_number, normalize_status, read_event_status
from cases.tracking.formats import CARRIER_DEFAULT_URLS
from cases.tracking.local_times import carrier_local_time
from staletrack import limits
from staletrack.json_input import JsonInputError, load_json

SOURCE = "aftership"
TRACKING_UPDATE = "tracking_update"
MAX_EVENT_ID = 200  # WebhookDelivery.delivery_id

# The one description of each tracker status that becomes an event: fixed, so that a re-delivered status
# is recognised as the event already stored (same number, status and description).
TRACKER_DESCRIPTIONS = {
    "delivered": "AfterShip: Delivered (tracker status, no carrier event)",
    "returned": "AfterShip: Return to sender (tracker status, no carrier event)",
    "no_information": "AfterShip: Expired (tracker status, no carrier event)",
}

# Where the tracking object gives the time of a status (AfterShip tracking model: the recipient's
# local time, with or without an offset).
_TRACKER_TIMES = {"delivered": "shipment_delivery_date"}


@dataclass(frozen=True, slots=True)
class TrackingUpdate:
    event: str  # "tracking_update", or another event name we ignore
    event_id: str  # AfterShip's UUID for this webhook event ("" if absent)
    tracking_number: str = ""  # as AfterShip gave it
    slug: str = ""  # AfterShip's courier code, e.g. "usps", "china-post"
    carrier: str | None = None  # staletrack's carrier code for the slug, when we know it
    events: tuple[TrackingEvent, ...] = ()  # one per checkpoint read
    skipped: tuple[str, ...] = ()  # one note per checkpoint left out, saying why
    # The tracker's own status where no checkpoint of the body says it (at most one event); the view
    # stores it only where no stored event says it either (tracker_events_to_store).
    tracker_events: tuple[TrackingEvent, ...] = ()

    @property
    def is_tracking_update(self) -> bool:
        return self.event == TRACKING_UPDATE


def parse(body: bytes, *, received_at: datetime | None = None) -> TrackingUpdate:
    """The update in `body` (raw bytes, already signature-checked). Raises PayloadError.

    `received_at` is when the update arrived (default: now): the time of a tracker status that the body
    does not date."""
    try:
        payload = load_json(body, what="the body")
    except JsonInputError as error:
        raise PayloadError(str(error)) from None
    if not isinstance(payload, dict):
        raise PayloadError("the body is not a JSON object")
    event = payload.get("event")
    if not isinstance(event, str) or not event:
        raise PayloadError('"event" is missing or not a string')
    event_id = limited(_text(payload.get("event_id"), "event_id"), MAX_EVENT_ID, "event_id")
    if event != TRACKING_UPDATE:
        return TrackingUpdate(event=event, event_id=event_id)

    msg = payload.get("msg")
    if not isinstance(msg, dict):
        raise PayloadError('"msg" is missing or not an object')
    number = _text(msg.get("tracking_number"), "msg.tracking_number")
    if not normalize_number(number):
        raise PayloadError('"msg.tracking_number" is missing or empty')
    limited(number, limits.MAX_TRACKING_NUMBER, "msg.tracking_number")
    slug = _text(msg.get("slug"), "msg.slug")
    checkpoints = msg.get("checkpoints")
    if checkpoints is None:
        checkpoints = []  # a tracking AfterShip has not scanned yet (Pending) comes without any
    if not isinstance(checkpoints, list):
        raise PayloadError('"msg.checkpoints" is not a list')

    events, skipped = [], []
    for position, checkpoint in enumerate(checkpoints, start=1):
        if not isinstance(checkpoint, dict):
            raise PayloadError(f"checkpoint {position} is not an object")
        event_or_note = _event(position, checkpoint, f"msg.checkpoints[{position - 1}]")
        if isinstance(event_or_note, str):
            skipped.append(event_or_note)
        else:
            events.append(event_or_note)
    tracker_event = _tracker_event(msg, events, received_at or datetime.now(UTC))
    return TrackingUpdate(
        tracking_number=number,
        carrier=carrier_for_slug(slug),
        slug=slug,
        event=event,
        event_id=event_id,
        events=tuple(events),
        skipped=tuple(skipped),
        tracker_events=(tracker_event,) if tracker_event is not None else (),
    )


def read(body: bytes, headers, received_at: datetime) -> Pushed:
    """The delivery as the intake framework reads every source's (cases.intake.webhooks.sources)."""
    update = parse(body, received_at=received_at)
    if not update.is_tracking_update:
        return ignored(
            update.event, f"AfterShip event {update.event!r} carries no checkpoints", update.event_id
        )
    return Pushed(
        topic=update.event,
        delivery_id=update.event_id,
        numbers=(
            NumberUpdate(
                number=update.tracking_number,
                carrier=update.carrier,
                events=update.events,
                tracker_events=update.tracker_events,
                skipped=update.skipped,
            ),
        ),
    )


def verify_delivery(secret: str, body: bytes, headers, now: datetime) -> str:
    """ "" when the `aftership-hmac-sha256` header signs `body` under `secret`, else why not."""
    return signature.check(headers.get(signature.HEADER), secret, lambda: signature.sign(secret, body))


def sign_delivery(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    return {signature.HEADER: signature.sign(secret, body)}


def carrier_for_slug(slug: str) -> str | None:
    """staletrack's carrier code for an AfterShip slug where the two agree ("ups", "canada-post" ->
    "canada_post"); None otherwise, so the number's own format decides (cases.tracking.detect)."""
    code = slug.strip().lower().replace("-", "_")
    return code if code in CARRIER_DEFAULT_URLS else None


def checkpoint_status(tag: str, subtag: str, message: str = "") -> tuple[str, str]:
    """(normalized status, raw word to keep) for a checkpoint's tag, subtag and message.

    The subtag, then the tag; the word that maps is kept. When neither maps to anything the message
    decides (rules.md section 3b) and the subtag, else the tag, is kept."""
    for word in (subtag, tag):
        if word:
            status = normalize_status(word, source=SOURCE)
            if status != "unknown":
                return status, word
    return read_event_status(status=tag, raw_status=subtag, description=message, source=SOURCE)


def tracker_status(msg: dict) -> tuple[str, str] | None:
    """(normalized status, AfterShip's word) of the tracking object's own status when it is one that
    becomes an event: delivered, returned to sender (its subtag, or `return_to_sender`: true, which wins
    over a Delivered tag, since a parcel delivered back to the sender is not the customer's delivery), or
    an Expired tag (no_information: shown, read by no rule). None for any other."""
    tag, subtag = _field(msg, "tag"), _field(msg, "subtag")
    status, word = checkpoint_status(tag, subtag)
    if msg.get("return_to_sender") is True and status != "returned":
        return "returned", "return_to_sender"
    if status in ("delivered", "returned"):
        return status, word
    if tag.lower() == "expired":
        return "no_information", tag
    return None


def _tracker_event(msg: dict, checkpoint_events: list[TrackingEvent], received_at: datetime):
    """The tracker's own status as one event, or None: when it is not one that becomes an event
    (tracker_status), or a checkpoint already says it."""
    reading = tracker_status(msg)
    if reading is None:
        return None
    status, word = reading
    if any(event.status == status for event in checkpoint_events):
        return None
    limited(word, limits.MAX_RAW_STATUS, "msg.subtag" if word == _field(msg, "subtag") else "msg.tag")
    at, approximate = received_at, True
    given = _tracker_time(msg, _TRACKER_TIMES.get(status))
    if given is not None:
        at, approximate = given
    return TrackingEvent(
        at=at,
        status=status,
        raw_status=word,
        description=TRACKER_DESCRIPTIONS[status],
        approximate=approximate,
    )


def _tracker_time(msg: dict, key: str | None) -> tuple[datetime, bool] | None:
    """(time, approximate) of a tracking object's time field, or None when it is absent or unreadable.
    Without an offset it is the recipient's local time (AfterShip's tracking model), read at the
    destination country."""
    if key is None:
        return None
    raw = _field(msg, key)
    try:
        at = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    if at is None:
        return None
    if at.utcoffset() is not None:
        return in_range(at, raw, f"msg.{key}"), False
    destination = _country_of(
        msg,
        "destination_country_iso3",
        "destination_country_region",
        "courier_destination_country_iso3",
        "courier_destination_country_region",
    )
    return in_range(_local(at, destination), raw, f"msg.{key}"), True


def _event(position: int, checkpoint: dict, path: str) -> TrackingEvent | str:
    """The event for one checkpoint, or a note saying why it is skipped. Raises Refused for a value that
    cannot be stored, named by `path` (the checkpoint's place in the body)."""
    raw_time = checkpoint.get("checkpoint_time")
    if not isinstance(raw_time, str) or not raw_time.strip():
        return f"checkpoint {position}: no checkpoint_time"
    try:
        at = datetime.fromisoformat(raw_time.strip())
    except ValueError:
        return f"checkpoint {position}: checkpoint_time {raw_time[:40]!r} is not a date and time"
    country = _country_of(checkpoint, "country_iso3", "country_region")
    approximate = at.utcoffset() is None
    if approximate:
        # rules.md section 1: the carrier's local time at the checkpoint's place, within a day.
        at = _local(at, country)
    at = in_range(at, raw_time.strip(), f"{path}.checkpoint_time")
    message = limited(_field(checkpoint, "message"), limits.MAX_DESCRIPTION, f"{path}.message")
    tag = limited(_field(checkpoint, "tag"), limits.MAX_RAW_STATUS, f"{path}.tag")
    subtag = limited(_field(checkpoint, "subtag"), limits.MAX_RAW_STATUS, f"{path}.subtag")
    status, raw_status = checkpoint_status(tag, subtag, message)
    postal_key = "zip" if _field(checkpoint, "zip") else "postal_code"
    return TrackingEvent(
        at=at,
        status=status,
        raw_status=raw_status,
        description=message,
        location=limited(
            _location(checkpoint),
            limits.MAX_LOCATION,
            f"{path}.location" if _field(checkpoint, "location") else f"{path}.city and state",
        ),
        country=country,
        postal_code=limited(_field(checkpoint, postal_key), limits.MAX_POSTAL_CODE, f"{path}.{postal_key}"),
        approximate=approximate,
    )


def _local(naive: datetime, country: str) -> datetime | None:
    """The carrier's local time (carrier_local_time); None for a year at the very edge of what a datetime
    holds, which no zone can shift."""
    try:
        return carrier_local_time(naive, country)
    except (OverflowError, ValueError):
        return None


def _country_of(fields: dict, *keys: str) -> str:
    """The alpha-2 code of the first of `keys` that names a country (alpha-3 or alpha-2), else ""."""
    return country(*(_field(fields, key) for key in keys))


def _location(checkpoint: dict) -> str:
    """The carrier's location text; else city and state, which AfterShip gives separately."""
    location = _field(checkpoint, "location")
    if location:
        return location
    return ", ".join(part for part in (_field(checkpoint, "city"), _field(checkpoint, "state")) if part)


def _field(checkpoint: dict, key: str) -> str:
    """A text field; AfterShip sends null for what the carrier did not give. A value of another type is
    treated as absent: these fields only describe, and one odd field should not lose the whole delivery."""
    value = checkpoint.get(key)
    return value.strip() if isinstance(value, str) else ""


def _text(value, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f'"{name}" is not a string')
    return value.strip()
