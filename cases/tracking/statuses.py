"""Map tracker and carrier status words onto the normalized statuses of rules.md section 3.

Vocabularies (status-vocabularies.md): AfterShip tags and subtags, 17TRACK main and sub-statuses and its
event stages, TrackingMore statuses and sub-statuses, EasyPost tracker statuses, Shopify fulfillment event
statuses (GraphQL enum and REST shipment_status) and karrio tracker statuses; and, for the pushed sources
(cases.intake.webhooks), Track123 transit statuses and sub-statuses, Shippo tracking statuses and
CJdropshipping's numbered logistics statuses. The normalized statuses map to themselves, so
`normalize_status` is idempotent: normalizing twice never changes a result.

`read_event_status` is the one reading of an event every importer uses: a normalized status is trusted,
else the tracker's words are mapped, and where they say nothing known the event's description decides
(`status_from_description`, rules.md section 3b).

Carriers' own event codes (USPS "03", DHL "RW", Canada Post "1496") reach stores through trackers, karrio
and carrier tools beside or instead of a tracker's word. A code means something only for its carrier (USPS
"10" is a facility scan, CJdropshipping's "10" out for delivery), so a code table is read only when the
carrier is known: named as the source (`source="usps"`, "dhl", "canada_post") or passed as the parcel's
carrier (`carrier=`, read after every tracker's vocabulary). Only codes whose meaning the carrier publishes
are in the tables; any other code, or a code without its carrier, stays unknown as a word and its
description decides (rules.md section 3b). The carriers' published meanings:
- USPS: the Product Tracking event codes of Publication 199 appendix G-4 as the USPS Web Tools Track API
  names them (tabulated in the CPAN module USPS::WebTools::Tracking::Codes), and the codes of the USPS
  Tracking API 3 example events (A1 "Arrived at USPS Regional Facility", T1 "Departed USPS Regional
  Facility", TL "In Transit to Next Facility", GX "Shipping Label Created, USPS Awaiting Item"; a copy in
  github.com/karrioapi/karrio modules/connectors/usps/schemas/tracking_responses.json), plus OA "Origin
  Acceptance", UA "Accepted at USPS Facility", AD "Acceptance at Destination" and 89 "USPS Awaiting Item" as
  a shipping API's table of USPS codes lists them (app.theneo.io/ehub/ehub-api/tracking-event-descriptions).
- DHL (Express): the trackingEventCode reference data of DHL's MyDHL API 3.1.1 specification (eventTypeCode
  and eventTypeDescription; a copy in github.com/karrioapi/karrio
  modules/connectors/mydhl/vendors/dpdhl-express-api-3.1.1_swagger.yaml). RW is "Weigh & dimension", a scan
  at a DHL facility: in_transit.
- Canada Post: karrio's reading of Canada Post's tracking event identifiers
  (github.com/karrioapi/karrio modules/connectors/canadapost/karrio/providers/canadapost/units.py
  TrackingStatus), karrio's words read as the karrio vocabulary below, except 100, which Canada Post's own
  example describes as "Item processed at postal facility" (in_transit, not karrio's pickup). Canada Post
  writes identifiers with leading zeros ("0174"); they are read without them. Identifiers karrio does not
  list (20, "Signature image recorded for Online viewing") stay unknown.

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
  Track123's two-digit codes ("IN_TRANSIT_02", "DELIVERED_01") are other keys than AfterShip's three-digit
  ones ("InTransit_002" is an acceptance, Track123's IN_TRANSIT_02 an arrival at a sorting centre).
- Track123's words are read only with source="track123": its own words ("INIT", "ABNORMAL",
  "WAITING_DELIVERY" and their numbered sub-statuses) say nothing certain in any other vocabulary, where a
  word such as "Abnormal" is left to the event's description. Its sub-statuses fall back to their status
  with that source only (ABNORMAL_09 is ABNORMAL); those whose status another vocabulary shares
  (IN_TRANSIT_09, DELIVERED_05) fall back to it without a source too.
- Shippo UNKNOWN, like EasyPost's unknown, means "no tracking information yet": no_information with
  source="shippo".
- CJdropshipping numbers its logistics statuses 0..14 (`trackingStatus`, and `status` of each event in
  `logisticsTrackEvents`). Numbers are read only with source="cjdropshipping": without it they stay unknown,
  like every carrier's own event code.

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
- Track123: INIT ("pending to track") and NO_RECORD are no_information; WAITING_DELIVERY ("out for delivery
  or arrived at the collection point") is out_for_delivery, refined by its sub-statuses (02 the collection
  point, 03 a failed attempt waiting for a second one: exception); DELIVERY_FAILED and ABNORMAL are
  exception, except ABNORMAL_06 (the return received by the sender) and ABNORMAL_07 (on its way back to
  the sender), which are `returned`; IN_TRANSIT_01..08 are all movement (none is the acceptance scan).
- CJdropshipping: 1 (out of CJ's warehouse, no carrier scan yet) is info_received, 2 (the forwarder's
  inbound scan) accepted, 3 (the forwarder sends it back) and 14 (return) returned, 4..9 in_transit (9 is
  the last-mile carrier taking it over), 10 out_for_delivery, 11 available_for_pickup, 12 delivered, 13
  exception, 0 no_information.
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

STATUS_SOURCES = (
    "aftership",
    "17track",
    "trackingmore",
    "easypost",
    "shopify",
    "karrio",
    "track123",
    "shippo",
    "cjdropshipping",
    # Carriers whose own event codes are read (see the module docstring): a source, or a parcel's carrier.
    "usps",
    "dhl",
    "canada_post",
)

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

# Track123 transitStatus and transitSubStatus (track123-api.readme.io/reference/package-status and
# .../package-status-copy), read only with source="track123" (see the module docstring). Its Shopify app's
# webhook spells the statuses in title case ("Delivered").
_TRACK123 = {
    "INIT": "no_information",  # added, pending to track
    "NO_RECORD": "no_information",
    "INFO_RECEIVED": "info_received",
    "IN_TRANSIT": "in_transit",
    "WAITING_DELIVERY": "out_for_delivery",  # out for delivery, or at the collection point
    "DELIVERY_FAILED": "exception",
    "ABNORMAL": "exception",
    "DELIVERED": "delivered",
    "EXPIRED": "no_information",
    "INFO_RECEIVED_01": "info_received",
    **{f"IN_TRANSIT_{code:02d}": "in_transit" for code in range(1, 9)},
    "WAITING_DELIVERY_01": "out_for_delivery",
    "WAITING_DELIVERY_02": "available_for_pickup",  # at the collection point
    "WAITING_DELIVERY_03": "exception",  # a failed attempt (or a delay asked for), waiting for a second
    **{f"DELIVERED_{code:02d}": "delivered" for code in range(1, 5)},
    **{f"DELIVERY_FAILED_{code:02d}": "exception" for code in range(1, 5)},
    "ABNORMAL_01": "exception",  # unclaimed
    "ABNORMAL_02": "exception",  # held by customs
    "ABNORMAL_03": "exception",  # damaged, lost or discarded
    "ABNORMAL_04": "exception",  # order cancelled
    "ABNORMAL_05": "exception",  # refused by the recipient
    "ABNORMAL_06": "returned",  # the return received by the sender
    "ABNORMAL_07": "returned",  # on its way back to the sender
    "ABNORMAL_08": "exception",
}

# Shippo tracking status (docs.goshippo.com; the SDK's TrackingStatusEnum). UNKNOWN: see source override.
_SHIPPO = {
    "UNKNOWN": "unknown",
    "PRE_TRANSIT": "info_received",
    "TRANSIT": "in_transit",
    "DELIVERED": "delivered",
    "RETURNED": "returned",
    "FAILURE": "exception",
}

# CJdropshipping logistics statuses (developers.cjdropshipping.com, webhook "Logistics message",
# `trackingStatus`): read only with source="cjdropshipping" (see the module docstring).
_CJDROPSHIPPING = {
    "0": "no_information",  # no information
    "1": "info_received",  # out of CJ's warehouse, not scanned by a carrier yet
    "2": "accepted",  # the forwarder's inbound scan
    "3": "returned",  # the forwarder sends it back
    "4": "in_transit",  # the forwarder's outbound scan
    "5": "in_transit",  # first leg
    "6": "in_transit",  # arrived in the destination country
    "7": "in_transit",  # customs clearance started
    "8": "in_transit",  # customs cleared
    "9": "in_transit",  # taken over by the last-mile carrier
    "10": "out_for_delivery",
    "11": "available_for_pickup",  # arrived, waiting to be collected
    "12": "delivered",  # signed for
    "13": "exception",  # failure or abnormality
    "14": "returned",
}

# USPS event codes (see the module docstring for the sources). Delays and holds are exception, as above.
_USPS_EVENT_CODES = {
    "01": "delivered",  # Delivered
    "02": "exception",  # Attempted / Notice Left
    "03": "accepted",  # Accept or Pickup (by carrier); "USPS in possession of item"
    "04": "exception",  # Refused
    "05": "exception",  # Undeliverable as Addressed
    "06": "in_transit",  # Forwarded
    "07": "in_transit",  # Arrival at Unit; "Arrived at Post Office"
    "08": "exception",  # Missent
    "09": "returned",  # Return to Sender
    "10": "in_transit",  # Processed; "Arrived at USPS Regional Origin Facility"
    "11": "exception",  # Dead Letter
    "14": "in_transit",  # Arrival at Pickup Point (not yet available: 16)
    "15": "exception",  # Mis-shipped
    "16": "available_for_pickup",  # Available for Pickup
    "17": "delivered",  # Picked Up By Agent
    **{code: "returned" for code in ("21", "22", "23", "24", "25", "26", "27", "28", "29", "31")},
    # Return to Sender: No Such Number, Insufficient Address, Moved Left No Address, Forward Expired,
    # Addressee Unknown, Vacant, Unclaimed, Deceased, Other, Not Picked Up
    "30": "exception",  # Delivery Attempted - No Access to Delivery Location
    "41": "in_transit",  # Received at Opening Unit
    "42": "in_transit",  # USPS Handoff to Shipping Partner
    "51": "exception",  # Business Closed
    **{code: "exception" for code in ("52", "53", "54", "55", "56")},
    # Notice Left, Receptacle Blocked, Receptacle Full / Item Oversized, No Secure Location Available,
    # No Authorized Recipient Available
    "71": "exception",  # Rescheduled to Next Delivery Day
    "80": "accepted",  # Picked Up by Shipping Partner
    "81": "in_transit",  # Arrived Shipping Partner Facility
    "82": "in_transit",  # Departed Shipping Partner Facility
    "89": "info_received",  # Merchant Order Receipt Notification, USPS Awaiting Item
    "A1": "in_transit",  # Arrived at USPS Regional Facility
    "AD": "accepted",  # Acceptance at Destination
    "EF": "in_transit",  # Departed Sort Facility
    "GX": "info_received",  # Shipping Label Created, USPS Awaiting Item
    "MA": "info_received",  # Manifest Acknowledgement
    "OA": "accepted",  # Origin Acceptance
    "OF": "out_for_delivery",  # Out for Delivery
    "PA": "accepted",  # Passive Acceptance ("Shipment Acceptance")
    "PC": "in_transit",  # Sorting / Processing Complete
    "SF": "in_transit",  # Departed Post Office
    "T1": "in_transit",  # Departed USPS Regional Facility
    "TL": "in_transit",  # In Transit to Next Facility
    "TM": "accepted",  # Truck manifest, provided as "Shipment Acceptance"
    "UA": "accepted",  # Accepted at USPS Facility
}

# DHL Express event type codes (MyDHL API reference data, see the module docstring). Codes DHL marks as not
# shown to customers are listed where their meaning is plain; BL (bond location), CS (closed shipment),
# DI (duty invoice), IA (image available), PY (payment), SC (service changed), SI (shipment inspection) and TT
# (trace terminated) say nothing about where the parcel is, so the description decides.
_DHL_EVENT_CODES = {
    "AD": "in_transit",  # Agreed delivery: a date agreed with the recipient
    "AF": "in_transit",  # Arrived facility
    "AR": "in_transit",  # Arrival in delivery facility
    "BA": "exception",  # Bad address
    "BN": "in_transit",  # Customer broker notified
    "BR": "in_transit",  # Broker release
    "CA": "exception",  # Closed on arrival
    "CC": "available_for_pickup",  # Awaiting consignee collection
    "CD": "exception",  # Controllable clearance delay
    "CI": "in_transit",  # Facility check-in
    "CM": "exception",  # Customer moved
    "CR": "in_transit",  # Clearance release
    "CU": "in_transit",  # Confirm uplift
    "DD": "delivered",  # Delivered damaged
    "DM": "exception",  # Damaged
    "DP": "exception",  # Denied parties
    "DS": "exception",  # Destroyed / disposal
    "ES": "in_transit",  # Entry submitted (customs)
    "FD": "in_transit",  # Forward destination
    "HN": "in_transit",  # Handover
    "HP": "exception",  # Held for payment
    "IC": "in_transit",  # In clearance processing
    "IR": "exception",  # Incorrect route
    "LV": "in_transit",  # Load vehicle
    "MC": "exception",  # Miscode
    "MD": "exception",  # Missed delivery cycle
    "MS": "exception",  # Mis-sort
    "NA": "exception",  # Not arrived
    "ND": "exception",  # Not delivered
    "NH": "exception",  # Not home
    "OH": "exception",  # On hold
    "OK": "delivered",  # Delivery
    "PD": "exception",  # Partial delivery: not every piece arrived, a person should look
    "PL": "in_transit",  # Processed at location
    "PU": "accepted",  # Shipment pick up
    "RD": "exception",  # Refused delivery
    "RR": "in_transit",  # Response received (customs status updated)
    "RT": "returned",  # Returned to consignor
    "RW": "in_transit",  # Weigh & dimension
    "SA": "accepted",  # Shipment acceptance
    "SM": "in_transit",  # Scheduled movement
    "SS": "exception",  # Shipment stopped
    "ST": "exception",  # Shipment intercept
    "TD": "exception",  # Transport delay
    "TI": "exception",  # Trace initiated: DHL is looking for the parcel
    "TP": "in_transit",  # Forwarded to a third party
    "TR": "in_transit",  # Record of transfer
    "UD": "exception",  # Uncontrollable clearance delay
    "UV": "in_transit",  # Unload vehicle
    "WC": "out_for_delivery",  # With delivering courier
    "DUMMY_PU": "info_received",  # Shipment information received
}

# Canada Post event identifiers as karrio maps them (see the module docstring): picked_up is accepted,
# on_hold, delivery_failed and delivery_delayed are exception, ready_for_pickup is available_for_pickup.
_CANADA_POST_EVENT_CODES = {
    **{code: "delivered" for code in ("1408", "1409", *map(str, range(1421, 1435)), "1441", "1442")},
    **{code: "delivered" for code in ("1496", "1497", "1498", "1499")},  # 1496 "Item successfully delivered"
    **{code: "accepted" for code in ("101", "102", "103", "104", "105", "106", "107")},
    **{code: "accepted" for code in ("1400", "1401", "1402", "1403", "1404", "1405")},
    "100": "in_transit",  # "Item processed at postal facility"
    **{
        code: "exception"
        for code in ("117", "120", "121", "125", "127", "810", "1411", "1414", "1443", "1484", "1487", "1494")
    },
    **{code: "exception" for code in ("2411", "2414", "4700")},
    **{
        code: "available_for_pickup"
        for code in (
            "118",
            "156",
            "1407",
            "1410",
            "1435",
            "1436",
            "1437",
            "1438",
            "1479",
            "1488",
            "1701",
            "2410",
        )
    },
    **{
        code: "exception"
        for code in ("150", "154", "167", "168", "169", "179", "181", "182", "183", "184", "190", "1100")
    },
    **{code: "exception" for code in (*map(str, range(1415, 1421)), "1450", "1481", "1482", "1483")},
    **{code: "exception" for code in ("1491", "1492", "1493", "2600", "2802", "3001", "4650")},
    # Delays, "173" being "Customer addressing error found; attempting to correct. Possible delay".
    **{code: "exception" for code in ("159", "160", "161", "162", "163", "172", "173", "2412")},
    "174": "out_for_delivery",  # "Item out for delivery"
    "500": "out_for_delivery",
}

# Whose codes: the source or carrier name, and the table.
_CARRIER_CODES: dict[str, dict[str, str]] = {
    "usps": _table(_USPS_EVENT_CODES),
    "dhl": _table(_DHL_EVENT_CODES),
    "canada_post": _table(_CANADA_POST_EVENT_CODES),
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
    _SHIPPO,
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
    "shippo": {"unknown": "no_information"},
    "cjdropshipping": _table(_CJDROPSHIPPING),
    "track123": _table(_TRACK123),
}

# Parents of the coded sub-statuses of a vocabulary read only with its source: Track123's "TAG_NN" falls
# back to its TAG (ABNORMAL_09 is ABNORMAL).
_SOURCE_PARENT_TAGS: dict[str, dict[str, str]] = {
    "track123": _table({word: status for word, status in _TRACK123.items() if not word[-1].isdigit()}),
}

# Parent tags a coded subtag falls back to: AfterShip "Tag_NNN", 17TRACK "Tag_Reason",
# TrackingMore "tagNNN", Track123 "TAG_NN". AfterShip's tags (its words without a code), and the other
# vocabularies' tags AfterShip does not have.
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


def _parent_tag_status(raw: str, key: str, source: str = "") -> str | None:
    own = _SOURCE_PARENT_TAGS.get(source, {})
    coded = _CODED_SUBSTATUS.fullmatch(key)
    if coded is not None:
        parent = own.get(coded.group(1)) or _CODED_PARENT_TAGS.get(coded.group(1))
        if parent is not None:
            return parent
    head, separator, _ = raw.strip().partition("_")
    if separator:
        return own.get(_key(head)) or _PARENT_TAGS.get(_key(head))
    return None


def _carrier_code_status(carrier: str, key: str) -> str | None:
    """The status of `carrier`'s own event code `key` (keyed like the tables), None when it has none."""
    codes = _CARRIER_CODES.get(carrier)
    if codes is None:
        return None
    if carrier == "canada_post" and key.isdigit():
        key = key.lstrip("0") or "0"  # Canada Post writes "0174" for 174
    return codes.get(key)


def normalize_status(raw: str | None, source: str | None = None, carrier: str | None = None) -> str:
    """The normalized status (rules.md section 3) for a tracker's or carrier's status word.

    `source` is one of STATUS_SOURCES and only matters for the words listed in the module docstring;
    an unknown source is ignored. `carrier` (a carrier code, e.g. the parcel's) lets a carrier's own
    event code be read when no tracker's word matches. Returns "unknown" for anything unmappable and never
    raises.
    """
    if not isinstance(raw, str):
        return "unknown"
    key = _key(raw)
    if not key:
        return "unknown"
    source = source.strip().lower() if isinstance(source, str) else ""
    override = _SOURCE_OVERRIDES.get(source, {}).get(key) or _carrier_code_status(source, key)
    if override is not None:
        return override
    status = _DEFAULT.get(key)
    if status is None and isinstance(carrier, str):
        status = _carrier_code_status(carrier.strip().lower(), key)
    if status is None:
        status = _parent_tag_status(raw, key, source)
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
    *,
    status: str | None,
    raw_status: str | None,
    description: str | None,
    source: str | None = None,
    carrier: str | None = None,
) -> tuple[str, str]:
    """(normalized status, raw status to keep) for one tracking event, the one reading every importer
    (bundle, CSV, webhook, admin) uses.

    A `status` already in the normalized vocabulary is trusted. Else the more specific word is tried
    first (`raw_status`, then `status`, each through `normalize_status` with its parent fallback, and with
    the parcel's `carrier` for a carrier's own event code); a word no mapping knows, or no word at all, reads
    the description (section 3b); with neither it is "unknown". The carrier's own word is kept so that a
    person can read it."""
    status = _word(status)
    raw_status = _word(raw_status)
    if status in NORMALIZED_STATUSES:
        return status, raw_status
    kept = raw_status or status
    for word in (raw_status, status):
        if word:
            mapped = normalize_status(word, source, carrier)
            if mapped != "unknown":
                return mapped, kept
    return status_from_description(description), kept


def _word(value) -> str:
    return value.strip() if isinstance(value, str) else ""
