"""What the readers of tracking services share (CJdropshipping, Track123, TrackingMore, Shippo, ParcelPanel).

Each of those sources names a carrier in its own words, gives a status word per event (or none), and may
say a status of the whole tracking that no event of the body dates. These helpers read them one way:

- `carrier_named`: staletrack's carrier code for the first name that is one (the provider names the
  tracking import knows, cases.intake.tracking_csv.carrier_code), else None so that the number's own
  format decides; a name is never trusted on its own (cases.tracking.detect.checked_carrier).
- `word_status`: an event's status from its words, most specific first, each normalized in the source's
  vocabulary (cases.tracking.statuses); when none maps, the description decides (rules.md section 3b).
- `tracker_event`: the tracker's own status as one event, only for a delivery, a return or an expired
  tracking (the statuses AfterShip's reader turns into events too), and only when no event of the body
  says that status. Its description is fixed per source and status, so that the same status re-delivered
  is recognised as the event already stored (pushed.tracker_events_to_store); it names no place, because a
  tracker's idea of the destination is no carrier's scan and must not raise a destination mismatch.
- `tracking_number` and `order_reference`: the two values every update is keyed by, checked against their
  column's limit (Refused naming the field, never cut).

Pure: no Django, no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from cases.assessment.facts import TrackingEvent
from cases.intake.tracking_csv import carrier_code
from cases.intake.webhooks.pushed import PayloadError, carrier_time, limited, member, text
from cases.tracking import normalize_status, status_from_description
from cases.tracking.normalize import is_tracking_number
from staletrack import limits

# The tracker statuses that become an event, and the word each one's fixed description uses.
TRACKER_WORDS = {"delivered": "Delivered", "returned": "Return to sender", "no_information": "Expired"}


def tracker_descriptions(label: str) -> dict[str, str]:
    """The fixed description of each tracker status that becomes an event: "Track123: Delivered (tracker
    status, no carrier event)"."""
    return {
        status: f"{label}: {word} (tracker status, no carrier event)"
        for status, word in TRACKER_WORDS.items()
    }


def carrier_named(*names: str) -> str | None:
    """staletrack's carrier code for the first of `names` that names one ("USPS", "dhl_express",
    "yunexpress"); None when none does ("CJPacket Ordinary")."""
    for name in names:
        code = carrier_code(name or "")
        if code:
            return code
    return None


def word_status(words: Sequence[str], description: str, source: str | None) -> tuple[str, str]:
    """(normalized status, word kept) for an event's status words, most specific first.

    The first word that maps (normalize_status with `source`) decides and is kept; when none does, the
    description decides (rules.md section 3b) and the first word given is kept for a person to read."""
    given = [word for word in words if word]
    for word in given:
        status = normalize_status(word, source)
        if status != "unknown":
            return status, word
    return status_from_description(description), given[0] if given else ""


def is_expired(word: str) -> bool:
    """Whether a tracker's status word is its "expired" (no news for weeks): the one no_information
    status that becomes an event; pending, not found and the like do not."""
    return word.strip().lower().startswith("expired")


def tracker_event(
    *,
    descriptions: dict[str, str],
    status: str,
    word: str,
    word_path: str,
    events: Iterable[TrackingEvent],
    at: datetime,
    approximate: bool,
) -> tuple[TrackingEvent, ...]:
    """The tracker's own status as one event, or () when it is not one that becomes an event (delivered,
    returned, no_information for an expired tracking: the caller passes only those) or an event of the
    body already says it. `word` is the tracker's word, kept as the raw status (Refused naming `word_path`
    when over its column's limit)."""
    if status not in descriptions or any(event.status == status for event in events):
        return ()
    return (
        TrackingEvent(
            at=at,
            status=status,
            raw_status=limited(word, limits.MAX_RAW_STATUS, word_path),
            description=descriptions[status],
            approximate=approximate,
        ),
    )


def tracker_time(raw: str, country: str, name: str, received_at: datetime) -> tuple[datetime, bool]:
    """(time, approximate) of a tracker status: the source's time for it when readable (without an offset
    the local time at `country`, approximate: pushed.carrier_time), else when the delivery arrived,
    approximate. Refused when the source's time lies outside 2000..2100."""
    read = carrier_time(raw, country, name)
    return read if read is not None else (received_at, True)


def tracking_number(payload: dict, key: str, path: str) -> str:
    """The tracking number `payload[key]`, as given (stripped): PayloadError when it is missing or no
    tracking number at all (rules.md section 3c), Refused when over its column's limit."""
    value = member(payload, key, path, str).strip()
    if not value:
        raise PayloadError(f'"{path}" is empty')
    if not is_tracking_number(value):
        raise PayloadError(f'"{path}" is not a tracking number')
    return limited(value, limits.MAX_TRACKING_NUMBER, path)


def order_reference(payload: dict, key: str, path: str) -> str:
    """The store's order `payload[key]` names ("#1001", "1001" or the number 1001; the '#' is matched
    either way when the order is looked up), "" when it names none; Refused when over the order id's
    column limit."""
    return limited(text(payload, key), limits.MAX_ORDER_ID, path)
