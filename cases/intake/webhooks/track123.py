"""Reading a Track123 webhook body into plain values.

See rules.md sections 1, 3, 3a and 3b. Sample bodies and where they come from:
tests/data/webhooks/track123/ (SOURCES.md).

Verification, and what it does not cover. Track123 documents two webhooks. Its Shopify app's
(intercom.help/track123, "Track123 Webhook for developer") sends the headers `X-Track123-Timestamp`
(milliseconds since the epoch) and `X-Track123-Signature`, "an HMAC-SHA256 of the timestamp (plain text)
keyed with your Track123 token"; its tracking API's (docs.track123.com, "Getting started with your API")
says the same of "timestamp and signature in the POST data" without saying where in it. Only the header
form is implemented: the place of the values in the API's body is not documented. The connection's secret
is the Track123 API key (token).

- The signature covers the timestamp only, never the body. Whoever sees one signed delivery can put any
  body under its headers, so the integrity of a body rests on TLS (the endpoint is HTTPS only) and on the
  secrecy of the API key, not on the signature. The timestamp is refused outside five minutes either side
  of the time the delivery arrives ("timestamp outside the allowed window"), which bounds how long a seen
  pair can be reused. Track123 retries a failed delivery up to 7 times over about 2.2 days; whether a
  retry is signed anew is not documented: if it is not, a retry after the window is refused (401).
- The encoding of the signature is not documented (the text is copied from TrackingMore's older webhook,
  whose example gives lowercase hex; a third-party receiver of Track123 uses hex too). The research could
  not settle it, so both the hex (any case) and the base64 of the HMAC are accepted; `sign_delivery`
  sends hex.

The body, in either of two shapes:
- the tracking API's: `{"data": {trackNo, orderNo, shipTo, transitStatus, transitSubStatus, deliveredTime,
  localLogisticsInfo: {courierCode, courierNameEN, trackingDetails: [{address, timezone, eventDetail,
  eventTime, eventTimeZeroUTC, transitSubStatus}]}, globalLogisticsInfo (the other leg, same shape)}}`;
  the vendor's sample is cut after the events, so the tracking's own fields come from the query API's
  tracking object (the same object);
- the Shopify app's: flat, `{trackingNumber, carrierInfo: {code, name}, orderName ("#1004"), orderNumber
  (1004), transitStatus ("Delivered"), transitSubStatus, deliveryDate, shippingAddress:
  {shippingCountryCode}, trackInfo: [{eventTime, eventDetail, eventLocation ("US,CA,Fontana")}]}`.

Decisions, each for a reason:
- Time of an event: `eventTimeZeroUTC` when present and readable (UTC, exact, with or without its "Z");
  else `eventTime` with an offset of its own or with the event's `timezone` ("+08:00"), exact; else
  `eventTime` as the carrier's local time at the event's country (rules.md section 1), approximate: in UTC
  when no country is known. The vendor's sample has `eventTimeZeroUTC` values that do not agree with
  `eventTime` + `timezone` (placeholders); which one is right when they disagree is not documented. An
  event without a readable time is skipped with a note.
- Country of an event: the first part of the app's `eventLocation` ("DE,BE,Berlin") when it is a country
  code; the API's `address` is free text ("AUSTELL, GA": Georgia, not Gabon) and names no country: a
  country never guessed is never compared.
- Status: the event's `transitSubStatus`, else `transitStatus`, in the source="track123" vocabulary
  (cases.tracking.statuses); else the `eventDetail` decides (rules.md section 3b). The app's events carry
  no status word at all.
- The tracking's own status (`transitSubStatus`, else `transitStatus`) becomes one event when it is a
  delivery, a return (ABNORMAL_06, ABNORMAL_07) or EXPIRED and no event of the body says it: for a delivery
  at `deliveredTime` / `deliveryDate` (no offset: read at the destination country, `shipTo` or
  `shippingAddress.shippingCountryCode`, approximate; Track123 does not say which zone those times are
  in), else at the arrival of the delivery, approximate; its description is fixed per status.
- The store's order: the app's `orderName` (else `orderNumber`), the API's `orderNo`.
- De-duplication: Track123 sends no delivery id; a re-delivery is a duplicate by its body's digest, and its
  events are stored once anyway.
- A body that is not JSON or has the wrong shape where it is relied on raises PayloadError (400); a text
  over its column's limit or a time outside 2000..2100 raises Refused (422) naming the field.

Pure: no Django, no ORM.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from cases.assessment.facts import TrackingEvent
from cases.intake.webhooks import signature
from cases.intake.webhooks.pushed import (
    NumberUpdate,
    PayloadError,
    Pushed,
    carrier_time,
    country,
    event,
    in_range,
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

SOURCE = "track123"
LABEL = "Track123"
TOPIC = "tracking_update"
TIMESTAMP_HEADER = "X-Track123-Timestamp"
SIGNATURE_HEADER = "X-Track123-Signature"
WINDOW = timedelta(minutes=5)
TRACKER_DESCRIPTIONS = tracker_descriptions(LABEL)

_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?")


# --- verification --------------------------------------------------------------------------------------


def verify_delivery(secret: str, body: bytes, headers, now: datetime) -> str:
    """ "" when `X-Track123-Signature` is the HMAC-SHA256 of `X-Track123-Timestamp` keyed with `secret`
    (hex or base64) and the timestamp is within WINDOW of `now`; else why not. The body is not signed
    (module docstring)."""
    stamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    given = (headers.get(SIGNATURE_HEADER) or "").strip()
    if not given:
        return "signature missing"
    if not stamp:
        return "timestamp missing"
    if not secret:
        return "no secret set"
    digest = signature.hmac_sha256(secret, stamp.encode("utf-8"))
    if not (
        signature.same(digest.hex(), given.lower()) or signature.same(signature.base64_of(digest), given)
    ):
        return "signature wrong"
    at = _milliseconds(stamp)
    if at is None:
        return "timestamp is not a time in milliseconds"
    if abs(now - at) > WINDOW:
        return "timestamp outside the allowed window"
    return ""


def sign_delivery(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    """The headers Track123's app sends at `now` (the signature in hex)."""
    stamp = str(int(now.timestamp() * 1000))
    return {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: signature.hmac_sha256(secret, stamp.encode("utf-8")).hex(),
    }


def _milliseconds(stamp: str) -> datetime | None:
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 15):
        return None
    try:
        return datetime.fromtimestamp(int(stamp) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


# --- reading -------------------------------------------------------------------------------------------


def read(body: bytes, headers, received_at: datetime) -> Pushed:
    """The tracking update in `body`, in the API's shape (`{"data": {...}}`) or the app's (flat). Raises
    PayloadError (Refused for a value that cannot be stored)."""
    payload = json_object(body)
    if "data" in payload:
        return _read_api(member(payload, "data", "data", dict), received_at)
    return _read_app(payload, received_at)


def _read_api(data: dict, received_at: datetime) -> Pushed:
    key = "trackNo" if "trackNo" in data else "trackingNumber"
    number = tracking_number(data, key, f"data.{key}")
    legs = []
    for leg in ("localLogisticsInfo", "globalLogisticsInfo"):
        info = member(data, leg, f"data.{leg}", dict, required=False)
        if info is not None:
            legs.append((info, f"data.{leg}"))
    courier_names = [text(info, name) for info, _ in legs for name in ("courierCode", "courierNameEN")]
    events, skipped = [], []
    for info, path in legs:
        _read_events(info, "trackingDetails", f"{path}.trackingDetails", events, skipped)
    return _pushed(
        number=number,
        carrier=carrier_named(text(data, "courierCode"), *courier_names),
        order_id=order_reference(data, "orderNo", "data.orderNo"),
        tracker=data,
        path="data",
        delivered_key="deliveredTime",
        destination=country(text(data, "shipTo")),
        events=events,
        skipped=skipped,
        received_at=received_at,
    )


def _read_app(payload: dict, received_at: datetime) -> Pushed:
    number = tracking_number(payload, "trackingNumber", "trackingNumber")
    carrier_info = member(payload, "carrierInfo", "carrierInfo", dict, required=False) or {}
    address = member(payload, "shippingAddress", "shippingAddress", dict, required=False) or {}
    order_key = "orderName" if text(payload, "orderName") else "orderNumber"
    events, skipped = [], []
    _read_events(payload, "trackInfo", "trackInfo", events, skipped)
    return _pushed(
        number=number,
        carrier=carrier_named(text(carrier_info, "code"), text(carrier_info, "name")),
        order_id=order_reference(payload, order_key, order_key),
        tracker=payload,
        path="",
        delivered_key="deliveryDate",
        destination=country(text(address, "shippingCountryCode"), text(address, "shippingCountry")),
        events=events,
        skipped=skipped,
        received_at=received_at,
    )


def _pushed(
    *,
    number: str,
    carrier: str | None,
    order_id: str,
    tracker: dict,
    path: str,
    delivered_key: str,
    destination: str,
    events: list[TrackingEvent],
    skipped: list[str],
    received_at: datetime,
) -> Pushed:
    prefix = f"{path}." if path else ""
    sub, main = text(tracker, "transitSubStatus"), text(tracker, "transitStatus")
    status, word = word_status([sub, main], "", SOURCE)
    tracker_events = ()
    if status == "no_information" and not is_expired(word):
        status = "unknown"  # INIT, NO_RECORD: nothing happened to the parcel
    if status in TRACKER_DESCRIPTIONS:
        raw = text(tracker, delivered_key) if status == "delivered" else ""
        at, approximate = tracker_time(raw, destination, f"{prefix}{delivered_key}", received_at)
        tracker_events = tracker_event(
            descriptions=TRACKER_DESCRIPTIONS,
            status=status,
            word=word,
            word_path=f"{prefix}{'transitSubStatus' if word == sub else 'transitStatus'}",
            events=events,
            at=at,
            approximate=approximate,
        )
    return Pushed(
        topic=TOPIC,
        numbers=(
            NumberUpdate(
                number=number,
                carrier=carrier,
                events=tuple(events),
                tracker_events=tracker_events,
                order_id=order_id,
                skipped=tuple(skipped),
            ),
        ),
    )


def _read_events(holder: dict, key: str, path: str, events: list, skipped: list) -> None:
    details = member(holder, key, path, list, required=False) or []
    for position, detail in enumerate(details):
        if not isinstance(detail, dict):
            raise PayloadError(f'"{path}[{position}]" is not an object')
        read = _event(detail, f"{path}[{position}]")
        if isinstance(read, str):
            skipped.append(f"{path}[{position}]: {read}")
        else:
            events.append(read)


def _event(detail: dict, path: str) -> TrackingEvent | str:
    """One event, or a note saying why it is skipped."""
    location_key = "eventLocation" if text(detail, "eventLocation") else "address"
    location = limited(text(detail, location_key), limits.MAX_LOCATION, f"{path}.{location_key}")
    where = _location_country(location) if location_key == "eventLocation" else ""
    dated = _event_time(detail, where, path)
    if isinstance(dated, str):
        return dated
    at, approximate = dated
    description = limited(text(detail, "eventDetail"), limits.MAX_DESCRIPTION, f"{path}.eventDetail")
    sub, main = (
        limited(text(detail, key), limits.MAX_RAW_STATUS, f"{path}.{key}")
        for key in ("transitSubStatus", "transitStatus")
    )
    status, word = word_status([sub, main], description, SOURCE)
    return event(
        at=at,
        approximate=approximate,
        status=status,
        raw_status=word,
        description=description,
        location=location,
        country_code_=where,
        postal_code="",
        path=path,
    )


def _event_time(detail: dict, where: str, path: str) -> tuple[datetime, bool] | str:
    """(time, approximate) of an event by the rule of the module docstring, or a note why it has none."""
    utc = text(detail, "eventTimeZeroUTC")
    dated = carrier_time(utc, "", f"{path}.eventTimeZeroUTC")  # without an offset: UTC, as its name says
    if dated is not None:
        return dated[0], len(utc) <= len("2025-03-03")  # only a date alone is approximate
    raw = text(detail, "eventTime")
    if not raw:
        return "no eventTime"
    try:
        at = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith("Z") else raw)
    except ValueError:
        return f"eventTime {raw[:40]!r} is not a date and time"
    offset = _offset(text(detail, "timezone"))
    if at.utcoffset() is None and offset is not None:
        return in_range(at.replace(tzinfo=timezone(offset)), raw, f"{path}.eventTime"), False
    dated = carrier_time(raw, where, f"{path}.eventTime")
    return dated if dated is not None else f"eventTime {raw[:40]!r} is not a date and time"


def _offset(zone: str) -> timedelta | None:
    """The offset a `timezone` text gives ("+08:00", "-0500", "GMT+8"); None for anything else."""
    found = _OFFSET.fullmatch(zone.strip())
    if found is None:
        return None
    sign, hours, minutes = found.groups()
    if int(hours) > 14 or int(minutes or 0) >= 60:
        return None
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return -offset if sign == "-" else offset


def _location_country(location: str) -> str:
    """The country of the app's "US,CA,Fontana" (its first part, when that is a country code), else ""."""
    first = location.split(",", 1)[0].strip()
    return country(first) if len(first) in (2, 3) else ""
