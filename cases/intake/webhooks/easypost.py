"""Reading EasyPost's tracker webhooks (docs/connections.md).

See rules.md sections 1, 3 and 3b. Sample bodies and where their shape comes from:
tests/data/webhooks/easypost/ (SOURCES.md).

**Signature.** When the webhook was created with a `webhook_secret`, `X-Hmac-Signature` is
"hmac-sha256-hex=" followed by the lowercase hex HMAC-SHA256 of the raw body, keyed with the secret
normalised to Unicode NFKD and encoded as UTF-8; the whole string, prefix included, is compared in constant
time. This is what EasyPost's three official clients verify (easypost-python `easypost/util.py`
validate_webhook at 8fcf5e4, easypost-node `src/utils/util.js` at ac2a732, easypost-go `webhook.go` at
6e06a90) and what EasyPost's own known-answer vector gives (EasyPost/examples,
`official/fixtures/client-library-fixtures.json`). NFKD matters for a secret with accents: "é" is keyed
as "e" and a combining accent. EasyPost also documents a newer timestamped `x-hmac-signature-v2` (with
`x-timestamp` and `x-path`) whose string-to-sign could not be read and that no official client verifies
yet: not checked here.

**De-duplication.** The body is an Event; its `id` ("evt_...") is the delivery id. EasyPost sends every
Event at least once to each webhook URL (docs.easypost.com/docs/events), so a retry keeps it.

**Events.** `tracker.created` and `tracker.updated` (the Event's `description`) carry a Tracker in
`result`: `tracking_code`, `carrier`, `status`, `status_detail` and `tracking_details[]`, each with
`datetime`, `status`, `status_detail`, `message`, `description` and `tracking_location{city, state,
country, zip}`. Every other Event (batches, shipments, refunds, ...) is acknowledged and ignored.

**Reading a tracking detail.**
- Status: the detail's `status`, EasyPost's own classification of the scan, normalized with
  source="easypost" (its `unknown` is no information); its `status_detail` only when the status is
  missing or maps to nothing (status_update, arrived_at_facility and the like refine nothing a rule
  reads); then the message (rules.md section 3b, `read_event_status`). `raw_status` keeps the word that
  decided, else the status or status detail.
- Time: `datetime` as EasyPost gives it. EasyPost serialises it with "Z" and says it assigns the local
  zone when the location allows, UTC otherwise (docs.easypost.com/docs/trackers); whether a "Z" value is
  always true UTC could not be confirmed, so it is read as written. A time without an offset is the
  carrier's local time at the detail's country, approximate (rules.md section 1, pushed.carrier_time). A
  detail without a readable time is skipped with a note; the rest of the delivery is kept.
- Text: `message` (the carrier's words), else `description`; place from the location's city and state,
  country from its `country` (alpha-2 or alpha-3, else left empty), postal code from its `zip`. Texts are
  checked against their column's limit and never cut: one over it refuses the delivery (Refused, naming
  the field), as does a time outside 2000..2100.

**The tracker's own status.** A Tracker whose `status` is delivered or return_to_sender with no detail
saying so becomes one event (`tracker_events`), dated when the delivery arrived (approximate: EasyPost
gives no time for the status itself), with a fixed description per status, so that a re-delivered status
adds nothing (pushed.tracker_events_to_store). It names no place: the tracker's summary is no scan.

**Carrier.** The Tracker's `carrier` is EasyPost's carrier name (easypost-java
`com/easypost/model/enums/Carrier.java` at b3e665a lists them); the ones that name one of staletrack's
carriers map to it (CARRIERS), any other leaves the carrier to the number's own format.

Pure: no Django, no ORM.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from cases.assessment.facts import TrackingEvent
from cases.intake.webhooks import signature
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
from cases.tracking import normalize_number, normalize_status, read_event_status
from staletrack import limits

SOURCE = "easypost"
HMAC_HEADER = "X-Hmac-Signature"
PREFIX = "hmac-sha256-hex="
TRACKER_EVENTS = ("tracker.created", "tracker.updated")

# EasyPost carrier names (compared without case, spaces or punctuation) as staletrack's carrier codes.
CARRIERS = {
    "usps": "usps",
    "ups": "ups",
    "fedex": "fedex",
    "fedexsmartpost": "fedex",  # FedEx Ground Economy: FedEx's own numbers
    "dhlexpress": "dhl",
    "dhlecs": "dhl_ecommerce",  # DHL eCommerce Solutions
    "dhlecommerceasia": "dhl_ecommerce",
    "canadapost": "canada_post",
    "ontrac": "ontrac",
    "lasership": "lasership",
    "dpd": "dpd",
    "cainiao": "cainiao",
    "sfexpress": "sf_express",
    "yanwen": "yanwen",
}

# The one description of each tracker status that becomes an event: fixed, so that a re-delivered status
# is recognised as the event already stored (same number, status and description).
TRACKER_DESCRIPTIONS = {
    "delivered": "EasyPost: Delivered (tracker status, no carrier event)",
    "returned": "EasyPost: Return to sender (tracker status, no carrier event)",
}

_NOT_A_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]+")


# --- signature -----------------------------------------------------------------------------------------


def signed_digest(secret: str, body: bytes) -> str:
    """The `X-Hmac-Signature` value for `body`: the prefix and the hex HMAC-SHA256 keyed with the NFKD
    form of the secret."""
    return PREFIX + signature.hmac_sha256(unicodedata.normalize("NFKD", secret), body).hex()


def verify(secret: str, body: bytes, headers, now: datetime) -> str:
    """ "" when `X-Hmac-Signature` is EasyPost's signature of `body` under `secret`, else why not. An
    empty secret never verifies."""
    return signature.check(headers.get(HMAC_HEADER), secret, lambda: signed_digest(secret, body))


def sign(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    """The headers EasyPost sends with `body` (the admin's test delivery, the tests, the benchmark)."""
    return {HMAC_HEADER: signed_digest(secret, body)}


# --- reading -------------------------------------------------------------------------------------------


def read(body: bytes, headers, received_at: datetime) -> Pushed:
    """The delivery as the intake framework reads every source's (cases.intake.webhooks.sources).
    `received_at` dates a tracker status no detail of the body dates."""
    payload = json_object(body)
    event_id = delivery_id(payload.get("id"), "id")
    name = member(payload, "description", "description", str).strip()
    if not name:
        raise PayloadError('"description" is empty')
    if name not in TRACKER_EVENTS:
        return ignored(name, f"EasyPost event {name[:60]!r} carries no tracker", event_id)
    tracker = member(payload, "result", "result", dict)
    kind = text(tracker, "object")
    if kind and kind != "Tracker":
        raise PayloadError(f'"result.object" is {kind[:40]!r}, not "Tracker"')
    number = member(tracker, "tracking_code", "result.tracking_code", str).strip()
    if not normalize_number(number):
        raise PayloadError('"result.tracking_code" is empty')
    limited(number, limits.MAX_TRACKING_NUMBER, "result.tracking_code")
    details = member(tracker, "tracking_details", "result.tracking_details", list, required=False) or []
    events, skipped = [], []
    for position, detail in enumerate(details):
        path = f"result.tracking_details[{position}]"
        if not isinstance(detail, dict):
            raise PayloadError(f'"{path}" is not an object')
        read_detail = _event(detail, path)
        if isinstance(read_detail, str):
            skipped.append(read_detail)
        else:
            events.append(read_detail)
    tracker_event = _tracker_event(tracker, events, received_at)
    return Pushed(
        topic=name,
        delivery_id=event_id,
        numbers=(
            NumberUpdate(
                number=number,
                carrier=carrier_for_name(text(tracker, "carrier")),
                events=tuple(events),
                tracker_events=(tracker_event,) if tracker_event is not None else (),
                skipped=tuple(skipped),
            ),
        ),
    )


def carrier_for_name(name: str) -> str | None:
    """staletrack's carrier code for an EasyPost carrier name ("USPS", "DHLExpress", "CanadaPost"); None
    for any other, so the number's own format decides (cases.tracking.detect)."""
    return CARRIERS.get(_NOT_A_LETTER_OR_DIGIT.sub("", name.lower()))


def detail_status(status: str, status_detail: str, message: str = "") -> tuple[str, str]:
    """(normalized status, raw word to keep) of one tracking detail (see the module docstring)."""
    for word in (status, status_detail):
        if word:
            mapped = normalize_status(word, source=SOURCE)
            if mapped != "unknown":
                return mapped, word
    return read_event_status(status=status, raw_status=status_detail, description=message, source=SOURCE)


def _event(detail: dict, path: str) -> TrackingEvent | str:
    """One tracking detail as an event, or a note saying why it is skipped. Raises Refused for a value
    that cannot be stored, named by `path`."""
    where = f"{path}.tracking_location"
    location = member(detail, "tracking_location", where, dict, required=False) or {}
    country_code_ = country(text(location, "country"))
    raw = text(detail, "datetime")
    if not raw:
        return f"{path}: no datetime"
    timed = carrier_time(raw, country_code_, f"{path}.datetime")
    if timed is None:
        return f"{path}: datetime {raw[:40]!r} is not a date and time"
    at, approximate = timed
    message_field = "message" if text(detail, "message") else "description"
    message = limited(text(detail, message_field), limits.MAX_DESCRIPTION, f"{path}.{message_field}")
    status_word = limited(text(detail, "status"), limits.MAX_RAW_STATUS, f"{path}.status")
    detail_word = limited(text(detail, "status_detail"), limits.MAX_RAW_STATUS, f"{path}.status_detail")
    status, raw_status = detail_status(status_word, detail_word, message)
    return event(
        at=at,
        approximate=approximate,
        status=status,
        raw_status=raw_status,
        description=message,
        location=limited(
            places(text(location, "city"), text(location, "state")),
            limits.MAX_LOCATION,
            f"{where}.city and state",
        ),
        country_code_=country_code_,
        postal_code=limited(text(location, "zip"), limits.MAX_POSTAL_CODE, f"{where}.zip"),
        path=path,
    )


def _tracker_event(tracker: dict, events: list[TrackingEvent], received_at: datetime) -> TrackingEvent | None:
    """The Tracker's delivered or returned status as one event when no detail of the body says it."""
    word = text(tracker, "status")
    status = normalize_status(word, source=SOURCE) if word else "unknown"
    if status not in TRACKER_DESCRIPTIONS or any(read.status == status for read in events):
        return None
    limited(word, limits.MAX_RAW_STATUS, "result.status")
    return TrackingEvent(
        at=received_at,
        status=status,
        raw_status=word,
        description=TRACKER_DESCRIPTIONS[status],
        approximate=True,
    )
