"""Reading an AfterShip tracking webhook body into plain values (staletrack webhook issue; rules.md
sections 1 and 3; status-vocabularies.md).

The body, per AfterShip's webhook specification
(https://www.aftership.com/docs/tracking/webhook/webhook-specifications):
`{"event": "tracking_update", "event_id": "<uuid>", "ts": <unix time>, "msg": {"id", "tracking_number",
"slug", "tag", "subtag", "checkpoints": [...]}}`. Each checkpoint (https://www.aftership.com/docs/tracking/
model/checkpoint) has `checkpoint_time`, `tag`, `subtag`, `message`, `location`, `city`, `state`,
`country_iso3` (`country_region` in newer API versions) and `zip` (`postal_code` in newer versions).

Decisions, each for a reason:
- Only `tracking_update` carries checkpoints we act on; other events (`edd_revise`,
  `tracking_pending_time`) are read as "ignored" without checking the rest of their shape.
- Status: the checkpoint's subtag, which refines its tag (InTransit_002 is the acceptance scan, Exception_011
  returned to sender), normalized with source="aftership"; the tag when the subtag is missing or maps to
  nothing. `raw_status` keeps the word that decided the status.
- Time: AfterShip passes the carrier's time through as given, which may be `YYYY-MM-DD`,
  `YYYY-MM-DDTHH:MM:SS` or carry an offset (AfterShip/aftership-sdk-java, model/checkpoint/Checkpoint.java,
  `checkpointTime`). rules.md section 1: inputs without an offset are rejected, not guessed. So a checkpoint
  whose time has no offset (or no time at all) is skipped with a note; the rest of the delivery is kept,
  because refusing the whole body would also lose its good checkpoints.
- Country: alpha-3 is converted through countries_iso3.py; an alpha-2 code we know is kept; anything else
  leaves the country empty (never compared) rather than guessed.
- A body that is not JSON, or whose shape is wrong where we rely on it, raises PayloadError.

Pure: no Django, no ORM.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from cases.assessment.facts import TrackingEvent
from cases.carriers import normalize_number, normalize_status
from cases.carriers.formats import CARRIER_DEFAULT_URLS
from cases.countries import country_code

SOURCE = "aftership"
TRACKING_UPDATE = "tracking_update"


class PayloadError(ValueError):
    """The body is not an AfterShip webhook we can read; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class TrackingUpdate:
    event: str  # "tracking_update", or another event name we ignore
    event_id: str  # AfterShip's UUID for this webhook event ("" if absent)
    tracking_number: str = ""  # as AfterShip gave it
    slug: str = ""  # AfterShip's courier code, e.g. "usps", "china-post"
    carrier: str | None = None  # staletrack's carrier code for the slug, when we know it
    events: tuple[TrackingEvent, ...] = ()
    skipped: tuple[str, ...] = ()  # one note per checkpoint left out, saying why

    @property
    def is_tracking_update(self) -> bool:
        return self.event == TRACKING_UPDATE


def parse(body: bytes) -> TrackingUpdate:
    """The update in `body` (raw bytes, already signature-checked). Raises PayloadError."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PayloadError("the body is not JSON") from error
    if not isinstance(payload, dict):
        raise PayloadError("the body is not a JSON object")
    event = payload.get("event")
    if not isinstance(event, str) or not event:
        raise PayloadError('"event" is missing or not a string')
    event_id = _text(payload.get("event_id"), "event_id")
    if event != TRACKING_UPDATE:
        return TrackingUpdate(event=event, event_id=event_id)

    msg = payload.get("msg")
    if not isinstance(msg, dict):
        raise PayloadError('"msg" is missing or not an object')
    number = _text(msg.get("tracking_number"), "msg.tracking_number")
    if not normalize_number(number):
        raise PayloadError('"msg.tracking_number" is missing or empty')
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
        event_or_note = _event(position, checkpoint)
        if isinstance(event_or_note, str):
            skipped.append(event_or_note)
        else:
            events.append(event_or_note)
    return TrackingUpdate(
        event=event,
        event_id=event_id,
        tracking_number=number,
        slug=slug,
        carrier=carrier_for_slug(slug),
        events=tuple(events),
        skipped=tuple(skipped),
    )


def carrier_for_slug(slug: str) -> str | None:
    """staletrack's carrier code for an AfterShip slug where the two agree ("ups", "canada-post" ->
    "canada_post"); None otherwise, so the number's own format decides (cases.carriers.detect)."""
    code = slug.strip().lower().replace("-", "_")
    return code if code in CARRIER_DEFAULT_URLS else None


def checkpoint_status(tag: str, subtag: str) -> tuple[str, str]:
    """(normalized status, raw word that decided it) for a checkpoint's tag and subtag."""
    if subtag:
        status = normalize_status(subtag, source=SOURCE)
        if status != "unknown" or not tag:
            return status, subtag
    return normalize_status(tag, source=SOURCE), tag


def _event(position: int, checkpoint: dict) -> TrackingEvent | str:
    """The event for one checkpoint, or a note saying why it is skipped."""
    raw_time = checkpoint.get("checkpoint_time")
    if not isinstance(raw_time, str) or not raw_time.strip():
        return f"checkpoint {position}: no checkpoint_time"
    try:
        at = datetime.fromisoformat(raw_time.strip())
    except ValueError:
        return f"checkpoint {position}: checkpoint_time {raw_time[:40]!r} is not a date and time"
    if at.utcoffset() is None:
        return f"checkpoint {position}: checkpoint_time {raw_time[:40]!r} has no UTC offset (not guessed)"
    tag = _field(checkpoint, "tag")
    subtag = _field(checkpoint, "subtag")
    status, raw_status = checkpoint_status(tag, subtag)
    return TrackingEvent(
        at=at,
        status=status,
        raw_status=raw_status,
        description=_field(checkpoint, "message"),
        location=_location(checkpoint),
        country=country_code(_field(checkpoint, "country_iso3") or _field(checkpoint, "country_region")),
        postal_code=_field(checkpoint, "zip") or _field(checkpoint, "postal_code"),
    )


def _location(checkpoint: dict) -> str:
    """The carrier's location text; else city and state, which AfterShip gives separately."""
    location = _field(checkpoint, "location")
    if location:
        return location
    return ", ".join(part for part in (_field(checkpoint, "city"), _field(checkpoint, "state")) if part)


def _field(checkpoint: dict, key: str) -> str:
    """A checkpoint's text field; AfterShip sends null for what the carrier did not give. A value of
    another type is treated as absent: these fields only describe, and one odd field should not lose
    the whole delivery."""
    value = checkpoint.get(key)
    return value.strip() if isinstance(value, str) else ""


def _text(value, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f'"{name}" is not a string')
    return value.strip()
