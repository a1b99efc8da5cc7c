"""Map tracker and carrier status words onto the normalized statuses of rules.md section 3.

Vocabularies (status-vocabularies.md): AfterShip tags and subtags, 17TRACK main and sub-statuses and its
event stages, TrackingMore statuses and sub-statuses, EasyPost tracker statuses, Shopify fulfillment event
statuses (GraphQL enum and REST shipment_status) and karrio tracker statuses. The normalized statuses map
to themselves, so `normalize_status` is idempotent: normalizing twice never changes a result.

`read_event_status` is the one reading of an event every importer uses: a normalized status is trusted,
else the tracker's words are mapped, and where they say nothing known the event's description decides
(`status_from_description`, rules.md section 3b). Carriers' own event codes (USPS "03", DHL "RW", Canada
Post "20") are in no table on purpose: they stay unknown as words, so their description decides.

Matching ignores case and treats spaces, dashes and underscores alike by dropping them: "InTransit",
"in_transit", "IN TRANSIT" and "in-transit" are one key. Anything unmappable becomes "unknown"; the
function never raises.

Words that mean different things in different vocabularies (pass `source` to pick one):
- "pending": AfterShip and TrackingMore mean "nothing known yet" (no_information, named in rules.md);
  karrio means "label created, not scanned" (info_received). Default: no_information.
- "unknown": EasyPost means "no tracking information" (no_information, named in rules.md); karrio means
  "an event karrio could not interpret" (unknown). Default: unknown, because it is also the normalized
  status of that name and must map to itself (idempotence: an unmappable word becomes "unknown" and must
  stay "unknown" if normalized again, not vanish into no_information). Importers of EasyPost data must
  therefore pass source="easypost".
- "picked_up": Shopify PICKED_UP is the buyer collecting the parcel (delivered; Shopify added
  CARRIER_PICKED_UP in API 2025-10 for the carrier's pickup); karrio picked_up is the carrier collecting
  it (accepted). Default: accepted, the reading that never closes a case by mistake.
- TrackingMore "exception001".."exception011" and AfterShip "Exception_001".. collide after separators are
  dropped; both vocabularies agree on every overlapping code (010 and 011 are returned, the rest exception).

Mapping decisions where the vocabularies leave room (each also in the tables below):
- A failed delivery attempt (AfterShip AttemptFail, 17TRACK DeliveryFailure, TrackingMore undelivered,
  Shopify ATTEMPTED_DELIVERY, karrio delivery_failed) is `exception`.
- Delays and holds (Shopify DELAYED, karrio delivery_delayed and on_hold, 17TRACK Exception_Delayed and
  InTransit_CustomsRequiringInformation) are `exception`, not `in_transit`: they are not movement, and
  counting them as movement would reset the stale-in-transit clock while the parcel stands still.
- Cancelled trackers or shipments (EasyPost and karrio cancelled, 17TRACK Exception_Cancel, TrackingMore
  exception008) are `exception`: a person should look at them.
- EasyPost error is `no_information` (named in rules.md); EasyPost pre_transit and Shopify CONFIRMED,
  LABEL_PRINTED, LABEL_PURCHASED are `info_received`.
- TrackingMore notfound001 ("information received, about to be picked up") refines notfound to
  `info_received`; notfound002 ("no tracking information") stays `no_information`.
- TrackingMore transit001 is "shipment on the way" in TrackingMore's docs, not a pickup scan: `in_transit`.
- A subtag whose parent tag is known but whose code is not listed (e.g. AfterShip InTransit_007,
  17TRACK InTransit_SomethingNew, TrackingMore transit006 or pickup004) falls back to its parent tag.
- 17TRACK's event stage PickedUp is the carrier's pickup (accepted, the default reading of "picked up"),
  Departure and Arrival are movement (in_transit), Returning and Returned are `returned`, Failure is
  `exception`.
"""

from __future__ import annotations

import re

NORMALIZED_STATUSES = (
    "info_received",
    "accepted",
    "in_transit",
    "out_for_delivery",
    "available_for_pickup",
    "exception",
    "returned",
    "delivered",
    "no_information",
    "unknown",
)

STATUS_SOURCES = ("aftership", "17track", "trackingmore", "easypost", "shopify", "karrio")

_SEPARATORS = re.compile(r"[\s_\-]+")
_CODED_SUBSTATUS = re.compile(r"([a-z]+?)(\d+)")


def _key(word: str) -> str:
    """Lower case without spaces, dashes or underscores: the form every table below is keyed by."""
    return _SEPARATORS.sub("", word).lower()


def _table(pairs: dict[str, str]) -> dict[str, str]:
    return {_key(word): status for word, status in pairs.items()}


# Each normalized status is also a word that maps to itself.
_IDENTITY = {status: status for status in NORMALIZED_STATUSES}

# AfterShip tags and subtags (aftership.com/docs/tracking enum delivery-statuses, delivery-sub-statuses).
_AFTERSHIP = {
    "Pending": "no_information",
    "InfoReceived": "info_received",
    "InTransit": "in_transit",
    "OutForDelivery": "out_for_delivery",
    "AttemptFail": "exception",
    "Delivered": "delivered",
    "AvailableForPickup": "available_for_pickup",
    "Exception": "exception",
    "Expired": "no_information",
    "InTransit_002": "accepted",  # acceptance scan
    "Exception_010": "returned",  # returning to sender
    "Exception_011": "returned",  # returned to sender
    "Exception_013": "exception",  # lost
}

# 17TRACK main statuses and its 30 sub-statuses (help.17track.net "Understanding Tracking Status").
_SEVENTEEN_TRACK = {
    "NotFound": "no_information",
    "NotFound_Other": "no_information",
    "NotFound_InvalidCode": "no_information",
    "InfoReceived": "info_received",
    "InTransit": "in_transit",
    "InTransit_PickedUp": "accepted",
    "InTransit_Other": "in_transit",
    "InTransit_Departure": "in_transit",
    "InTransit_Arrival": "in_transit",
    "InTransit_CustomsProcessing": "in_transit",
    "InTransit_CustomsReleased": "in_transit",
    "InTransit_CustomsRequiringInformation": "exception",  # held until someone supplies documents
    "Expired": "no_information",
    "Expired_Other": "no_information",
    "AvailableForPickup": "available_for_pickup",
    "AvailableForPickup_Other": "available_for_pickup",
    "OutForDelivery": "out_for_delivery",
    "OutForDelivery_Other": "out_for_delivery",
    "DeliveryFailure": "exception",
    "DeliveryFailure_Other": "exception",
    "DeliveryFailure_NoBody": "exception",
    "DeliveryFailure_Security": "exception",
    "DeliveryFailure_Rejected": "exception",
    "DeliveryFailure_InvalidAddress": "exception",
    "Delivered": "delivered",
    "Delivered_Other": "delivered",
    "Exception": "exception",
    "Exception_Other": "exception",
    "Exception_Returning": "returned",
    "Exception_Returned": "returned",
    "Exception_NoBody": "exception",
    "Exception_Security": "exception",
    "Exception_Damage": "exception",
    "Exception_Rejected": "exception",
    "Exception_Delayed": "exception",
    "Exception_Lost": "exception",
    "Exception_Destroyed": "exception",
    "Exception_Cancel": "exception",
}

# TrackingMore (trackingmore.com/docs/logistics_status.php).
_TRACKINGMORE = {
    "pending": "no_information",
    "notfound": "no_information",
    "transit": "in_transit",
    "pickup": "out_for_delivery",  # "also known as Out For Delivery"
    "delivered": "delivered",
    "undelivered": "exception",  # failed attempt
    "exception": "exception",
    "expired": "no_information",
    "notfound001": "info_received",  # information received, about to be picked up
    "notfound002": "no_information",
    "transit001": "in_transit",  # shipment on the way
    "transit002": "in_transit",  # arrival scan at a hub
    "transit003": "in_transit",  # arrived at delivery facility
    "transit004": "in_transit",  # arrived in destination country
    "transit005": "in_transit",  # customs clearance completed
    "delivered001": "delivered",
    "delivered002": "delivered",  # picked up by customer
    "delivered003": "delivered",
    "delivered004": "delivered",
    "exception004": "exception",  # unclaimed
    "exception005": "exception",  # delivery exception
    "exception006": "exception",  # held by customs
    "exception007": "exception",  # damaged, lost or discarded
    "exception008": "exception",  # cancelled before pickup
    "exception009": "exception",  # refused by recipient
    "exception010": "returned",  # returned to sender
    "exception011": "returned",  # returning to sender
    "pickup001": "out_for_delivery",  # out for delivery
    "pickup002": "available_for_pickup",  # ready for collection
    "pickup003": "out_for_delivery",  # the carrier is contacting the recipient
}

# 17TRACK event stages (push API v2 `stage`); null on ordinary scans, which then read the description.
_SEVENTEEN_TRACK_STAGES = {
    "InfoReceived": "info_received",
    "PickedUp": "accepted",
    "Departure": "in_transit",
    "Arrival": "in_transit",
    "AvailableForPickup": "available_for_pickup",
    "OutForDelivery": "out_for_delivery",
    "Delivered": "delivered",
    "Returning": "returned",
    "Returned": "returned",
    "Failure": "exception",
}

# EasyPost tracker status (docs.easypost.com, Tracker object).
_EASYPOST = {
    "unknown": "unknown",  # see source override: EasyPost's unknown is no_information
    "pre_transit": "info_received",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "delivered": "delivered",
    "available_for_pickup": "available_for_pickup",
    "return_to_sender": "returned",
    "failure": "exception",
    "cancelled": "exception",
    "error": "no_information",
}

# Shopify FulfillmentEventStatus (GraphQL) and shipment_status (REST), shopify.dev.
_SHOPIFY = {
    "ATTEMPTED_DELIVERY": "exception",
    "CARRIER_PICKED_UP": "accepted",
    "CONFIRMED": "info_received",  # the carrier knows the parcel but has not scanned it
    "DELAYED": "exception",
    "DELIVERED": "delivered",
    "FAILURE": "exception",
    "IN_TRANSIT": "in_transit",
    "LABEL_PRINTED": "info_received",
    "LABEL_PURCHASED": "info_received",
    "OUT_FOR_DELIVERY": "out_for_delivery",
    "READY_FOR_PICKUP": "available_for_pickup",
    "PICKED_UP": "accepted",  # see source override: Shopify's PICKED_UP is the buyer's pickup
    # Newer values of the Customer API enum (shopify.dev/docs/api/customer/unstable).
    "BUYER_ACTION_REQUIRED": "exception",
    "READY_FOR_RECIPIENT_PICKUP": "available_for_pickup",
    "RETURNING_TO_SENDER": "returned",
}

# karrio TrackerStatus (karrioapi/karrio, karrio/server serializers TrackerStatus).
_KARRIO = {
    "pending": "no_information",  # see source override: karrio's pending is info received
    "picked_up": "accepted",
    "unknown": "unknown",
    "on_hold": "exception",
    "cancelled": "exception",
    "delivered": "delivered",
    "in_transit": "in_transit",
    "delivery_delayed": "exception",
    "out_for_delivery": "out_for_delivery",
    "ready_for_pickup": "available_for_pickup",
    "delivery_failed": "exception",
    "return_to_sender": "returned",
}

# A few spellings seen in the wild for the same meanings.
_SYNONYMS = {
    "canceled": "exception",
    "label_created": "info_received",
    "failed_attempt": "exception",
    "returned_to_sender": "returned",
}

_DEFAULT: dict[str, str] = {}
for _vocabulary in (
    _SYNONYMS,
    _KARRIO,
    _SHOPIFY,
    _EASYPOST,
    _TRACKINGMORE,
    _SEVENTEEN_TRACK_STAGES,
    _SEVENTEEN_TRACK,
    _AFTERSHIP,
):
    _DEFAULT.update(_table(_vocabulary))
_DEFAULT.update(_table(_IDENTITY))  # the normalized statuses always map to themselves

# Where a source gives a shared word its own meaning (see the module docstring).
_SOURCE_OVERRIDES: dict[str, dict[str, str]] = {
    "easypost": {"unknown": "no_information"},
    "karrio": {"pending": "info_received", "pickedup": "accepted", "unknown": "unknown"},
    "shopify": {"pickedup": "delivered"},
}

# Parent tags a coded subtag falls back to: AfterShip "Tag_NNN", 17TRACK "Tag_Reason",
# TrackingMore "tagNNN". AfterShip's tags (its words without a code), and the other vocabularies' tags
# AfterShip does not have.
_PARENT_TAGS = _table(
    {word: status for word, status in _AFTERSHIP.items() if "_" not in word}
    | {
        "NotFound": "no_information",
        "DeliveryFailure": "exception",
        "transit": "in_transit",
        "undelivered": "exception",
    }
)
# TrackingMore's "pickup" is a parent only of its coded sub-statuses (pickup004): a word such as
# "pickup_scan" is the carrier's acceptance, not an out-for-delivery, and must not fall back to it.
_CODED_PARENT_TAGS = {**_PARENT_TAGS, "pickup": "out_for_delivery"}


def _parent_tag_status(raw: str, key: str) -> str | None:
    coded = _CODED_SUBSTATUS.fullmatch(key)
    if coded is not None and coded.group(1) in _CODED_PARENT_TAGS:
        return _CODED_PARENT_TAGS[coded.group(1)]
    head, separator, _ = raw.strip().partition("_")
    if separator:
        return _PARENT_TAGS.get(_key(head))
    return None


def normalize_status(raw: str | None, source: str | None = None) -> str:
    """The normalized status (rules.md section 3) for a tracker's or carrier's status word.

    `source` is one of STATUS_SOURCES and only matters for the words listed in the module docstring;
    an unknown source is ignored. Returns "unknown" for anything unmappable and never raises.
    """
    if not isinstance(raw, str):
        return "unknown"
    key = _key(raw)
    if not key:
        return "unknown"
    if isinstance(source, str):
        override = _SOURCE_OVERRIDES.get(source.strip().lower(), {}).get(key)
        if override is not None:
            return override
    status = _DEFAULT.get(key)
    if status is None:
        status = _parent_tag_status(raw, key)
    return status or "unknown"


# rules.md section 3b, in the table's order: the first group with a phrase in the description wins.
_DESCRIPTION_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "returned",
        (
            "return to sender",
            "returned to sender",
            "returning to sender",
            "being returned",
            "return to shipper",
            "returned to shipper",
        ),
    ),
    (
        "exception",
        (
            "not delivered",
            "undelivered",
            "non-delivered",
            "non-delivery",
            "undeliverable",
            "unable to deliver",
            "delivery attempt",
            "delivery attempted",
            "attempted delivery",
            "delivery failed",
            "failed delivery",
            "exception",
            "refused",
            "damaged",
            "lost",
            "incorrect address",
            "insufficient address",
            "held by customs",
            "customs hold",
        ),
    ),
    ("out_for_delivery", ("out for delivery", "on vehicle for delivery", "with delivery courier")),
    (
        "available_for_pickup",
        (
            "available for pickup",
            "ready for pickup",
            "available for collection",
            "ready for collection",
            "awaiting collection",
        ),
    ),
    ("in_transit", ("be delivered", "scheduled for delivery", "estimated delivery")),
    ("delivered", ("delivered", "signed for")),
    (
        "info_received",
        (
            "label created",
            "shipping label created",
            "shipment information received",
            "electronic information received",
            "order information received",
            "pre-advice",
            "awaiting item",
        ),
    ),
    (
        "accepted",
        (
            "accepted",
            "picked up",
            "pickup scan",
            "origin scan",
            "acceptance",
            "received by carrier",
            "collected by carrier",
            "dropped off",
            "posted",
        ),
    ),
    (
        "in_transit",
        (
            "in transit",
            "departed",
            "departure",
            "arrived",
            "arrival",
            "processed",
            "sorting",
            "sort facility",
            "customs clearance",
            "cleared customs",
            "clearance",
            "handed over",
            "linehaul",
            "flight",
            "airline",
            "hub",
            "facility",
            "forwarded",
            "dispatched",
            "export",
            "import",
        ),
    ),
)


def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a group: any of its phrases as whole words. A phrase's spaces match any run of
    white space, so a line break or a doubled space inside a carrier's message does not hide it."""
    alternatives = "|".join(r"\s+".join(re.escape(word) for word in phrase.split()) for phrase in phrases)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


_DESCRIPTION_PATTERNS = tuple((status, _phrase_pattern(phrases)) for status, phrases in _DESCRIPTION_GROUPS)


def status_from_description(description: str | None) -> str:
    """The status a carrier's event description says (rules.md section 3b), or "unknown".

    Lower-cased, each phrase of the section's table matched as whole words, groups tried in the table's
    order; the first match wins. "Your parcel will be delivered" is in transit (group 5 comes before
    group 6), "Not delivered" an exception, "posted" an acceptance but "composted" nothing."""
    if not isinstance(description, str):
        return "unknown"
    text = description.lower()
    for status, pattern in _DESCRIPTION_PATTERNS:
        if pattern.search(text):
            return status
    return "unknown"


def read_event_status(
    *, status: str | None, raw_status: str | None, description: str | None, source: str | None = None
) -> tuple[str, str]:
    """(normalized status, raw status to keep) for one tracking event, the one reading every importer
    (bundle, CSV, webhook, admin) uses.

    A `status` already in the normalized vocabulary is trusted. Else the more specific word is tried
    first (`raw_status`, then `status`, each through `normalize_status` with its parent fallback); a word
    no mapping knows, or no word at all, reads the description (section 3b); with neither it is "unknown".
    The carrier's own word is kept so that a person can read it."""
    status = _word(status)
    raw_status = _word(raw_status)
    if status in NORMALIZED_STATUSES:
        return status, raw_status
    kept = raw_status or status
    for word in (raw_status, status):
        if word:
            mapped = normalize_status(word, source)
            if mapped != "unknown":
                return mapped, kept
    return status_from_description(description), kept


def _word(value) -> str:
    return value.strip() if isinstance(value, str) else ""
