"""What a pushed delivery says, as plain values every source's reader returns (docs/connections.md).

A source's reader (cases.intake.webhooks.sources) only reads: it turns one verified body into a `Pushed`,
and cases.intake.webhooks.services writes it through the same services the file imports use. Nothing here
touches the database.

- `NumberUpdate`: a tracking number with the carrier events the body gives, the tracker's own statuses that
  no event dates (stored only where no stored event of the number says them), and, when the source names
  it, the store's order the number belongs to and the SKUs its parcel carries (rules.md section 3a).
- `OrderRows`: an order as rows of Shopify's orders export (one per line item, the order's own columns on
  the first), read by the orders import like a file (docs/imports-orders.md): one writing path for orders
  whether they come by file or by push.

Errors: `PayloadError` (the body is not one of this source's; answered 400) and its subclass `Refused`
(readable, but a value cannot be stored: a text over its column's limit, a time outside 2000..2100;
answered 422). Both name the field. The helpers below read values the way every reader must: times
without an offset as the carrier's local time at the event's country (rules.md section 1), countries in
alpha-2 or alpha-3, texts checked against their column's limit, never cut.

Pure: no Django, no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cases.assessment.facts import TrackingEvent
from cases.countries import country_code
from cases.tracking.local_times import carrier_local_time
from staletrack import limits
from staletrack.json_input import JsonInputError, load_json

MAX_DELIVERY_ID = 200  # WebhookDelivery.delivery_id


class PayloadError(ValueError):
    """The body is not a delivery of this source that we can read; the message says what is wrong."""


class Refused(PayloadError):
    """The body is readable, but a value in it cannot be stored: the message names the field and why."""


@dataclass(frozen=True, slots=True)
class NumberUpdate:
    number: str  # as the source gave it
    carrier: str | None = None  # staletrack's carrier code when the source's name maps to one
    events: tuple[TrackingEvent, ...] = ()  # one per dated carrier event read
    # The tracker's own status where no event of the body says it; stored only where no stored event of
    # the number says it either (services.tracker_events_to_store), so a re-delivered status adds nothing.
    tracker_events: tuple[TrackingEvent, ...] = ()
    order_id: str = ""  # the store's order (its name, e.g. "#1001") the number belongs to; "": not said
    skus: tuple[str, ...] | None = None  # the line item keys its parcel carries; None: not said
    skipped: tuple[str, ...] = ()  # one note per event left out, saying why


@dataclass(frozen=True, slots=True)
class OrderRows:
    """One order as the rows of Shopify's orders export: {column: cell}, one row per line item."""

    order_id: str
    rows: tuple[Mapping[str, str], ...]
    # The source's own time of this version of the order: an older version than one already applied
    # changes nothing (deliveries arrive out of order and retried). None: the source does not say.
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Pushed:
    topic: str  # the source's event or topic name
    delivery_id: str = ""  # the source's id of this delivery, for de-duplication ("": none)
    numbers: tuple[NumberUpdate, ...] = ()
    orders: tuple[OrderRows, ...] = ()
    # Customer messages of a helpdesk's ticket (cases.intake.helpdesk.messages.HelpdeskMessage).
    messages: tuple = ()
    ignored: str = ""  # non-empty: why this delivery carries nothing staletrack reads (answered 200)

    @property
    def tracking_numbers(self) -> list[str]:
        return [update.number for update in self.numbers]

    @property
    def skipped(self) -> tuple[str, ...]:
        return tuple(note for update in self.numbers for note in update.skipped)


def ignored(topic: str, why: str, delivery_id: str = "") -> Pushed:
    return Pushed(topic=topic, delivery_id=delivery_id, ignored=why)


# --- reading helpers ---------------------------------------------------------------------------------


def json_object(body: bytes) -> dict:
    """The body as a JSON object (staletrack.json_input: no NUL, no key twice, no deep nesting)."""
    try:
        payload = load_json(body, what="the body")
    except JsonInputError as error:
        raise PayloadError(str(error)) from None
    if not isinstance(payload, dict):
        raise PayloadError("the body is not a JSON object")
    return payload


def member(payload: dict, key: str, path: str, kind: type | tuple[type, ...], *, required: bool = True):
    """`payload[key]` of type `kind`; None when absent (or null) and not required; PayloadError naming
    `path` otherwise."""
    value = payload.get(key)
    if value is None:
        if required:
            raise PayloadError(f'"{path}" is missing')
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise PayloadError(f'"{path}" is not {_article(names)}')
    return value


def _article(names: str) -> str:
    words = {"dict": "an object", "list": "a list", "str": "a string", "int": "a number", "float": "a number"}
    return " or ".join(words.get(name, name) for name in names.split(" or "))


def text(payload: dict, key: str) -> str:
    """A describing text field: a string stripped; null, absent or another type read as "" (these fields
    only describe, and one odd field should not lose the whole delivery)."""
    value = payload.get(key)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def limited(value: str, limit: int, name: str) -> str:
    """`value`, or Refused naming the field when it is over the limit of the column it is stored in (never
    cut: the same limits and words as every other path, staletrack.limits.text_problem)."""
    problem = limits.text_problem(value, limit)
    if problem:
        raise Refused(f"{name} {problem}")
    return value


def delivery_id(value, name: str) -> str:
    """A source's delivery or event id as stored (text, within WebhookDelivery.delivery_id)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError(f'"{name}" is not a string')
    return limited(str(value).strip(), MAX_DELIVERY_ID, name)


def country(*values: str) -> str:
    """The alpha-2 code of the first value that names a country (alpha-2 or alpha-3), else "": a country
    never guessed is never compared."""
    for value in values:
        code = country_code(value or "")
        if code:
            return code
    return ""


def carrier_time(raw: str, country_code_: str, name: str) -> tuple[datetime, bool] | None:
    """(time, approximate) of a carrier event's time text; None when it is no date and time. Without an
    offset it is the local time at the event's country (rules.md section 1), approximate; a date alone is
    local midnight, approximate too. Refused when it lies outside 2000..2100."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError:
        return None
    approximate = at.utcoffset() is None
    if approximate:
        try:
            at = carrier_local_time(at, country_code_)
        except (OverflowError, ValueError):
            at = None
    return in_range(at, raw, name), approximate


def in_range(at: datetime | None, raw: str, name: str) -> datetime:
    """`at`, or Refused naming the field when it is outside the years every stored time keeps to."""
    problem = limits.time_problem(at) if at is not None else limits.TIME_RANGE_MESSAGE
    if problem:
        raise Refused(f"{name} {raw[:40]!r} {problem}")
    return at


def event(
    *,
    at: datetime,
    approximate: bool,
    status: str,
    raw_status: str,
    description: str,
    location: str,
    country_code_: str,
    postal_code: str,
    path: str,
) -> TrackingEvent:
    """A carrier event with every text checked against its column (Refused naming `path`.field)."""
    return TrackingEvent(
        at=at,
        status=status,
        raw_status=limited(raw_status, limits.MAX_RAW_STATUS, f"{path}.status"),
        description=limited(description, limits.MAX_DESCRIPTION, f"{path}.description"),
        location=limited(location, limits.MAX_LOCATION, f"{path}.location"),
        country=country_code_,
        postal_code=limited(postal_code, limits.MAX_POSTAL_CODE, f"{path}.postal_code"),
        approximate=approximate,
    )


def places(*parts: str) -> str:
    """A location from its parts, blanks left out: "Leipzig, SN"."""
    return ", ".join(part for part in parts if part)


def tracker_events_to_store(
    tracker_events: Iterable[TrackingEvent], stored: Iterable[tuple[str, str]]
) -> list[TrackingEvent]:
    """The tracker-status events to store, given the (status, description) of the number's stored events.

    One is left out when a stored event already says it: the same status and description (this tracker
    status, stored from an earlier delivery, whatever time it was given then), or, for a status the rules
    read (not no_information), any event with that status (a dated event is behind it after all)."""
    stored = set(stored)
    statuses = {status for status, _ in stored}
    return [
        event
        for event in tracker_events
        if (event.status, event.description) not in stored
        and (event.status == "no_information" or event.status not in statuses)
    ]
