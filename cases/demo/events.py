"""A demo parcel's road and its tracking events, in the engine's statuses and event shape.

The statuses are `cases.assessment.vocabulary`'s and every event is a `cases.assessment.facts.TrackingEvent`,
the value the rules read and the tracking service stores, so the demo cannot drift from either. The words
a tracker would have sent beside a status (`raw_status`) are the trackers' own (spec
status-vocabularies.md); a test reads each back through `cases.tracking.statuses`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from cases.assessment import vocabulary as v
from cases.assessment.facts import TrackingEvent
from cases.demo.catalogue import DemoSupplier
from cases.demo.customers import GEO
from cases.tracking.local_times import carrier_local_time, zone_for_country

# Whose vocabulary an event's raw_status uses (`cases.tracking.statuses.STATUS_SOURCES`).
AFTERSHIP = "aftership"
SEVENTEEN_TRACK = "17track"
TRACKERS = (AFTERSHIP, SEVENTEEN_TRACK)
# A carrier's own feed: no status word, only a description (its status is read from it, rules.md section
# 3b) and a local time without an offset (read at the event's place, section 1).
CARRIER_FEED = "carrier"

# raw_status words per normalized status: (AfterShip's, 17TRACK's).
_WORDS = {
    v.INFO_RECEIVED: ("InfoReceived", "InfoReceived"),
    v.ACCEPTED: ("InTransit_002", "InTransit_PickedUp"),
    v.IN_TRANSIT: ("InTransit", "InTransit"),
    v.OUT_FOR_DELIVERY: ("OutForDelivery", "OutForDelivery"),
    v.AVAILABLE_FOR_PICKUP: ("AvailableForPickup", "AvailableForPickup"),
    v.EXCEPTION: ("Exception", "Exception"),
    v.RETURNED: ("Exception_011", "Exception_Returned"),
    v.DELIVERED: ("Delivered", "Delivered"),
    v.NO_INFORMATION: ("Pending", "NotFound"),
}
RAW = {
    tracker: {status: words[index] for status, words in _WORDS.items()}
    for index, tracker in enumerate(TRACKERS)
}
# In transit, said the way each tracker says a customs step.
CUSTOMS_RAW = {AFTERSHIP: "InTransit", SEVENTEEN_TRACK: "InTransit_CustomsProcessing"}
# A failed delivery attempt, an exception in both vocabularies.
ATTEMPT_RAW = {AFTERSHIP: "AttemptFail", SEVENTEEN_TRACK: "DeliveryFailure"}
# Words no tracker vocabulary maps: the importer would store them as `unknown`.
UNKNOWN_RAW = (
    ("Retention", "Parcel retained at facility, reason not given"),
    ("Abnormal", "Irregularity recorded at sorting center"),
    ("HELD_PENDING_REVIEW", "Shipment held pending review"),
    ("Zwischenlagerung", "Sendung zwischengelagert"),
)


@dataclass(frozen=True)
class Step:
    """One scan on a parcel's road, before it is given a time."""

    status: str
    description: str
    location: str
    country: str
    postal_code: str = ""
    customs: bool = False


# Positions in a full road (see `road`).
LABEL, ACCEPTANCE, FIRST_TRANSIT, LAST_TRANSIT, OFD, DELIVERY = 0, 1, 2, 12, 13, 14


def road(rng: random.Random, supplier: DemoSupplier, country: str, postal: str) -> list[Step]:
    """Every step of a parcel from the supplier's town to the customer's door."""
    geo = GEO[country]
    hub, city = rng.choice(geo.hubs), rng.choice(geo.cities)
    export = rng.choice(("Guangzhou international mail center", "Shenzhen Bao'an export hub"))
    airport = rng.choice(("Hong Kong International Airport", "Guangzhou Baiyun Airport"))
    airport_country = "HK" if airport.startswith("Hong Kong") else "CN"
    delivered = rng.choice(
        (
            "Delivered, left at front door",
            "Delivered to mailbox",
            "Delivered, signed for by recipient",
            "Delivered to parcel locker",
        )
    )
    return [
        Step(v.INFO_RECEIVED, "Shipment information received, label created", supplier.origin_city, "CN"),
        Step(
            v.ACCEPTED,
            rng.choice(("Parcel accepted by carrier", "Picked up by courier", "Acceptance scan")),
            supplier.origin_hub,
            "CN",
        ),
        Step(v.IN_TRANSIT, "Departed origin facility", supplier.origin_hub, "CN"),
        Step(v.IN_TRANSIT, "Arrived at export sorting center", export, "CN"),
        Step(v.IN_TRANSIT, "Export customs clearance completed", export, "CN", customs=True),
        Step(v.IN_TRANSIT, "Handed over to airline", airport, airport_country),
        Step(v.IN_TRANSIT, "Departed from airport of origin", airport, airport_country),
        Step(v.IN_TRANSIT, "Arrived at destination airport", geo.gateway, country),
        Step(v.IN_TRANSIT, "Import customs clearance started", geo.gateway, country, customs=True),
        Step(v.IN_TRANSIT, "Import customs clearance completed", geo.gateway, country, customs=True),
        Step(v.IN_TRANSIT, "Arrived at regional sorting facility", hub, country),
        Step(v.IN_TRANSIT, "Departed regional sorting facility", hub, country),
        Step(v.IN_TRANSIT, "Arrived at local delivery unit", city, country),
        Step(v.OUT_FOR_DELIVERY, "Out for delivery", city, country, postal),
        Step(v.DELIVERED, delivered, city, country, postal),
    ]


def tracking_event(tracker: str, step: Step, at: datetime, raw: str | None = None) -> TrackingEvent:
    """`step` scanned at `at`, as `tracker` reports it: its own word for the status unless `raw` is given."""
    feed = tracker == CARRIER_FEED
    if feed:
        raw = ""  # the status is the one its description reads as (tests check it against section 3b)
        # The feed gives wall time at the place: the moment is what reading it there gives (in the hour
        # repeated in autumn, the first occurrence), as the importer would store it.
        wall = at.astimezone(zone_for_country(step.country)).replace(tzinfo=None)
        at = carrier_local_time(wall, step.country)
    elif raw is None:
        raw = CUSTOMS_RAW[tracker] if step.customs else RAW[tracker].get(step.status, "")
    return TrackingEvent(
        at=at,
        status=step.status,
        raw_status=raw,
        description=step.description,
        location=step.location,
        country=step.country,
        postal_code=step.postal_code,
        approximate=feed,
    )


def no_information_event(tracker: str, at: datetime) -> TrackingEvent:
    """The tracker polled before the carrier knew the number (the rules ignore it)."""
    return TrackingEvent(
        at=at,
        status=v.NO_INFORMATION,
        raw_status=RAW[tracker][v.NO_INFORMATION],
        description="Tracking information not yet available",
    )


def unknown_event(at: datetime, words: tuple[str, str], where: Step) -> TrackingEvent:
    """A carrier word no vocabulary knows (`UNKNOWN_RAW`: the word and its description), at `where`."""
    raw, description = words
    return TrackingEvent(at, v.UNKNOWN, raw, description, where.location, where.country)
