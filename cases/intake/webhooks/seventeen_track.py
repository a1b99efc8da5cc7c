"""Reading 17TRACK's Tracking API (v2.2 / v2.4) webhook pushes (docs/connections.md).

See rules.md sections 1, 3 and 3b. Sample bodies and where their shape comes from:
tests/data/webhooks/17track/ (SOURCES.md).

**Sources.** 17TRACK's own webhook section (https://asset.17track.net/api/document/v2.4_en/index.html and
the v2.2 page) could not be read: the copies available held only the pages' opening sections. The
signature rule and the bodies' shape rest on independent code that says it follows those pages:
godely/aio17track (SPEC.md section 9 at commit 4253314, "The signing string is `<raw message>/<api_key>`,
SHA256, hex", and tests/test_webhook.py at 8cdcb95, "the exact concatenation example from the v2.4 docs";
its fixtures at 5a74da3 for `TRACKING_UPDATED` / `TRACKING_STOPPED`), cross-checked against
wksw/17track-golang-sdk (models/v2/track.go at 037d7fc) and PCBWay's partner endpoint for 17TRACK pushes.
Confirm against one real delivery (or the dashboard's webhook test) before relying on it.

**Signature.** The `sign` header is the lowercase hex SHA-256 — a plain hash, not an HMAC — of the raw body
followed by "/" and the account's API key (the `17token` value, not a separate webhook secret). Nothing
time-bound is signed, so a delivery can be replayed: the kept body digest makes a replay a duplicate.

**De-duplication.** No delivery or event id is documented in the body or the headers: the delivery id is
"", and the body's digest de-duplicates (services.receive). Every push carries the number's whole current
history, so a later push of the same number with one new event stores only that event
(tracking.add_events: same time, status and description is the same event).

**Events.**
- `TRACKING_UPDATED`: `data{number, carrier, param, tag, track_info}`. Every carrier event is in
  `track_info.tracking.providers[].events[]` (`latest_event` repeats one of them and is not read). The
  same scan may be reported by two providers (the origin post and the last-mile carrier hand over with
  one scan each side): each distinct (time, status, description) is kept once, the first provider's copy.
- `TRACKING_STOPPED`: `data{number, carrier, param, tag}`, no history: 17TRACK stopped tracking the number
  (expired, or stopped on request). Acknowledged and ignored: it says nothing of the parcel.
- Any other event name: acknowledged and ignored.

**Reading an event.**
- Status: the event's `sub_status` (17TRACK's reading of that scan: InTransit_PickedUp is the carrier's
  pickup, Exception_Returning a return), normalized with source="17track"; the event's `stage` (its
  milestone: PickedUp, Departure, Delivered, ...) when the sub-status is missing or maps to nothing, and
  before a sub-status of 17TRACK's catch-all kind (`InTransit_Other`), which the stage refines; when
  neither maps to anything, the description decides (rules.md section 3b, `read_event_status`).
  `raw_status` keeps the word that decided, else the sub-status or stage.
- Time: `time_iso` (local time with its offset), else `time_utc`, else `time_raw{date, time, timezone}`,
  the carrier's text, which is all 17TRACK gives when the carrier names no zone. A time without an
  offset is the carrier's local time at the event's country (`address.country`), approximate; a date
  alone is local midnight, approximate too (rules.md section 1, pushed.carrier_time). An event without a
  readable time is skipped with a note; the rest of the delivery is kept.
- Place: `location`, else the address's city and state; country from `address.country` (alpha-2 or
  alpha-3, else left empty); postal code from `address.postal_code`.
- Texts are checked against their column's limit and never cut; one over it refuses the delivery
  (Refused, naming the field), as does a time outside 2000..2100.

**The tracker's own status.** `track_info.latest_status` may say Delivered, Returned (or Returning) or
Expired with no event of the body saying so (a history that was cut, a delivery known from a carrier's
summary only). Such a status becomes one event (`tracker_events`), dated when the push arrived
(approximate), with a fixed description per status so that a re-delivered status adds nothing
(pushed.tracker_events_to_store). It names no place: 17TRACK's summary is no carrier's scan.

**Carrier.** `data.carrier` is 17TRACK's numeric carrier key. The few keys that several independent
lists agree on map to staletrack's carriers (CARRIERS); any other leaves the carrier to the number's own
format (cases.tracking.detect). China Post (3011) is left to the format too: its S10 numbers say so.

Pure: no Django, no ORM.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from cases.assessment.facts import TrackingEvent
from cases.intake.webhooks import signature
from cases.intake.webhooks.pushed import (
    NumberUpdate,
    PayloadError,
    Pushed,
    carrier_time,
    country,
    event,
    ignored,
    json_object,
    limited,
    member,
    places,
    text,
)
from cases.tracking import normalize_number, normalize_status, read_event_status
from staletrack import limits

SOURCE = "17track"
SIGN_HEADER = "sign"
TRACKING_UPDATED = "TRACKING_UPDATED"
TRACKING_STOPPED = "TRACKING_STOPPED"

# 17TRACK carrier keys (its `apicarrier.all.json` list, read through third-party clients) that at least
# two independent lists agree on, as staletrack's carrier codes.
CARRIERS = {
    21051: "usps",
    100002: "ups",
    100003: "fedex",
    100005: "gls",
    190012: "yanwen",
}

# The one description of each tracker status that becomes an event: fixed, so that a re-delivered status
# is recognised as the event already stored (same number, status and description).
TRACKER_DESCRIPTIONS = {
    "delivered": "17TRACK: Delivered (tracker status, no carrier event)",
    "returned": "17TRACK: Returned (tracker status, no carrier event)",
    "no_information": "17TRACK: Expired (tracker status, no carrier event)",
}

_DATA = "data"
_TRACK_INFO = "data.track_info"


# --- signature -----------------------------------------------------------------------------------------


def signed_digest(secret: str, body: bytes) -> str:
    """The `sign` value for `body`: hex SHA-256 of the raw body, "/" and the API key (a plain hash)."""
    return hashlib.sha256(body + b"/" + secret.encode("utf-8")).hexdigest()


def verify(secret: str, body: bytes, headers, now: datetime) -> str:
    """ "" when the `sign` header is 17TRACK's signature of `body` under the API key `secret`, else why
    not. Hex compares in any case; an empty key never verifies."""
    given = headers.get(SIGN_HEADER)
    return signature.check(given and given.strip().lower(), secret, lambda: signed_digest(secret, body))


def sign(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    """The headers 17TRACK sends with `body` (the admin's test delivery, the tests, the benchmark)."""
    return {SIGN_HEADER: signed_digest(secret, body)}


# --- reading -------------------------------------------------------------------------------------------


def read(body: bytes, headers, received_at: datetime) -> Pushed:
    """The delivery as the intake framework reads every source's (cases.intake.webhooks.sources).
    `received_at` dates a tracker status no event of the body dates."""
    payload = json_object(body)
    name = member(payload, "event", "event", str).strip()
    if not name:
        raise PayloadError('"event" is empty')
    if name == TRACKING_STOPPED:
        return ignored(name, "17TRACK stopped tracking this number: a stop carries no events")
    if name != TRACKING_UPDATED:
        return ignored(name, f"17TRACK event {name[:60]!r} carries no events")
    data = member(payload, "data", _DATA, dict)
    number = member(data, "number", f"{_DATA}.number", str).strip()
    if not normalize_number(number):
        raise PayloadError(f'"{_DATA}.number" is empty')
    limited(number, limits.MAX_TRACKING_NUMBER, f"{_DATA}.number")
    # Absent in 17TRACK's own signing example: a number with nothing tracked yet, stored without events.
    track_info = member(data, "track_info", _TRACK_INFO, dict, required=False) or {}
    events, skipped = _events(track_info)
    tracker_event = _tracker_event(track_info, events, received_at)
    return Pushed(
        topic=name,
        numbers=(
            NumberUpdate(
                number=number,
                carrier=carrier_for_key(
                    member(data, "carrier", f"{_DATA}.carrier", (int, str), required=False)
                ),
                events=tuple(events),
                tracker_events=(tracker_event,) if tracker_event is not None else (),
                skipped=tuple(skipped),
            ),
        ),
    )


def carrier_for_key(key: int | str | None) -> str | None:
    """staletrack's carrier code for 17TRACK's carrier key where the two agree (CARRIERS); None otherwise,
    so the number's own format decides (cases.tracking.detect)."""
    if isinstance(key, str):
        key = key.strip()
        key = int(key) if key.isascii() and key.isdigit() and len(key) <= 12 else None
    return CARRIERS.get(key) if key is not None else None


def event_status(sub_status: str, stage: str, description: str = "") -> tuple[str, str]:
    """(normalized status, raw word to keep) of one provider event (see the module docstring)."""
    words = (stage, sub_status) if sub_status.lower().endswith("_other") else (sub_status, stage)
    for word in words:
        if word:
            status = normalize_status(word, source=SOURCE)
            if status != "unknown":
                return status, word
    return read_event_status(status=stage, raw_status=sub_status, description=description, source=SOURCE)


def tracker_status(latest: dict) -> tuple[str, str, str] | None:
    """(normalized status, 17TRACK's word, its field) of `latest_status` when it is one that becomes an
    event: delivered, returned (returning or returned to the sender) or expired (no_information: shown,
    read by no rule). None for any other."""
    for key in ("sub_status", "status"):
        word = text(latest, key)
        if not word:
            continue
        status = normalize_status(word, source=SOURCE)
        if status in ("delivered", "returned"):
            return status, word, key
        if word.lower().startswith("expired"):
            return "no_information", word, key
        if status != "unknown":
            return None
    return None


def _events(track_info: dict) -> tuple[list[TrackingEvent], list[str]]:
    """Every provider's events, each distinct (time, status, description) once, and a note per event
    left out."""
    tracking = member(track_info, "tracking", f"{_TRACK_INFO}.tracking", dict, required=False) or {}
    providers = member(tracking, "providers", f"{_TRACK_INFO}.tracking.providers", list, required=False) or []
    events: list[TrackingEvent] = []
    skipped: list[str] = []
    seen: set[tuple] = set()
    for index, provider in enumerate(providers):
        where = f"{_TRACK_INFO}.tracking.providers[{index}]"
        if not isinstance(provider, dict):
            raise PayloadError(f'"{where}" is not an object')
        for position, item in enumerate(
            member(provider, "events", f"{where}.events", list, required=False) or []
        ):
            path = f"{where}.events[{position}]"
            if not isinstance(item, dict):
                raise PayloadError(f'"{path}" is not an object')
            read = _event(item, path)
            if isinstance(read, str):
                skipped.append(read)
                continue
            key = (read.at, read.status, read.description)
            if key not in seen:
                seen.add(key)
                events.append(read)
    return events, skipped


def _event(item: dict, path: str) -> TrackingEvent | str:
    """One provider event, or a note saying why it is skipped. Raises Refused for a value that cannot be
    stored, named by `path`."""
    address = member(item, "address", f"{path}.address", dict, required=False) or {}
    country_code_ = country(text(address, "country"))
    timed = _event_time(item, country_code_, path)
    if isinstance(timed, str):
        return timed
    at, approximate = timed
    description = text(item, "description")
    description_field = "description"
    if not description:
        translation = member(
            item, "description_translation", f"{path}.description_translation", dict, required=False
        )
        description = text(translation or {}, "description")
        description_field = "description_translation.description"
    description = limited(description, limits.MAX_DESCRIPTION, f"{path}.{description_field}")
    sub_status = limited(text(item, "sub_status"), limits.MAX_RAW_STATUS, f"{path}.sub_status")
    stage = limited(text(item, "stage"), limits.MAX_RAW_STATUS, f"{path}.stage")
    status, raw_status = event_status(sub_status, stage, description)
    location = text(item, "location")
    location_field = "location"
    if not location:
        location, location_field = (
            places(text(address, "city"), text(address, "state")),
            "address.city and state",
        )
    return event(
        at=at,
        approximate=approximate,
        status=status,
        raw_status=raw_status,
        description=description,
        location=limited(location, limits.MAX_LOCATION, f"{path}.{location_field}"),
        country_code_=country_code_,
        postal_code=limited(
            text(address, "postal_code"), limits.MAX_POSTAL_CODE, f"{path}.address.postal_code"
        ),
        path=path,
    )


def _event_time(item: dict, country_code_: str, path: str) -> tuple[datetime, bool] | str:
    """(time, approximate) of a provider event, or a note: `time_iso`, `time_utc`, then `time_raw`."""
    for key in ("time_iso", "time_utc"):
        raw = text(item, key)
        if raw:
            read = carrier_time(raw, country_code_, f"{path}.{key}")
            if read is None:
                return f"{path}: {key} {raw[:40]!r} is not a date and time"
            return read
    time_raw = member(item, "time_raw", f"{path}.time_raw", dict, required=False) or {}
    day, clock, zone = text(time_raw, "date"), text(time_raw, "time"), text(time_raw, "timezone")
    if not day:
        return f"{path}: no time_iso, time_utc or time_raw.date"
    raw = f"{day}T{clock}" if clock else day
    if clock and zone and _readable(raw + zone):
        raw += zone  # an offset the carrier gave: exact
    read = carrier_time(raw, country_code_, f"{path}.time_raw")
    if read is None:
        return f"{path}: time_raw {raw[:40]!r} is not a date and time"
    return read


def _readable(raw: str) -> bool:
    try:
        datetime.fromisoformat(raw)
    except ValueError:
        return False
    return True


def _tracker_event(
    track_info: dict, events: list[TrackingEvent], received_at: datetime
) -> TrackingEvent | None:
    """`latest_status` as one event when it is one that becomes an event and no event of the body says
    it; dated when the push arrived (approximate)."""
    latest = member(track_info, "latest_status", f"{_TRACK_INFO}.latest_status", dict, required=False)
    reading = tracker_status(latest or {})
    if reading is None:
        return None
    status, word, key = reading
    if any(read.status == status for read in events):
        return None
    limited(word, limits.MAX_RAW_STATUS, f"{_TRACK_INFO}.latest_status.{key}")
    return TrackingEvent(
        at=received_at,
        status=status,
        raw_status=word,
        description=TRACKER_DESCRIPTIONS[status],
        approximate=True,
    )
