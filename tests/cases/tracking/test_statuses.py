"""normalize_status: one test per vocabulary value of status-vocabularies.md, plus the decisions around them.

Expected values are written out here independently of the tables in cases/tracking/statuses.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases.tracking import NORMALIZED_STATUSES, STATUS_SOURCES, normalize_status

AFTERSHIP = [
    ("Pending", "no_information"),
    ("InfoReceived", "info_received"),
    ("InTransit", "in_transit"),
    ("OutForDelivery", "out_for_delivery"),
    ("AttemptFail", "exception"),
    ("Delivered", "delivered"),
    ("AvailableForPickup", "available_for_pickup"),
    ("Exception", "exception"),
    ("Expired", "no_information"),
    ("InTransit_002", "accepted"),
    ("Exception_010", "returned"),
    ("Exception_011", "returned"),
    ("Exception_013", "exception"),
    ("AttemptFail_001", "exception"),
    ("AttemptFail_002", "exception"),
    ("AttemptFail_003", "exception"),
    ("Delivered_001", "delivered"),
    ("Delivered_002", "delivered"),
    ("Delivered_003", "delivered"),
    ("Delivered_004", "delivered"),
    ("Delivered_005", "delivered"),
]

SEVENTEEN_TRACK = [
    ("NotFound", "no_information"),
    ("InfoReceived", "info_received"),
    ("InTransit", "in_transit"),
    ("Expired", "no_information"),
    ("AvailableForPickup", "available_for_pickup"),
    ("OutForDelivery", "out_for_delivery"),
    ("DeliveryFailure", "exception"),
    ("Delivered", "delivered"),
    ("Exception", "exception"),
    ("InTransit_PickedUp", "accepted"),
    ("InTransit_CustomsProcessing", "in_transit"),
    ("DeliveryFailure_InvalidAddress", "exception"),
    ("Exception_Returning", "returned"),
    ("Exception_Returned", "returned"),
    ("Exception_Lost", "exception"),
    ("NotFound_InvalidCode", "no_information"),
    # Event stages (push API v2 `stage`).
    ("InfoReceived", "info_received"),
    ("PickedUp", "accepted"),
    ("Departure", "in_transit"),
    ("Arrival", "in_transit"),
    ("AvailableForPickup", "available_for_pickup"),
    ("OutForDelivery", "out_for_delivery"),
    ("Delivered", "delivered"),
    ("Returning", "returned"),
    ("Returned", "returned"),
    ("Failure", "exception"),
]

TRACKINGMORE = [
    ("pending", "no_information"),
    ("notfound", "no_information"),
    ("transit", "in_transit"),
    ("pickup", "out_for_delivery"),
    ("delivered", "delivered"),
    ("undelivered", "exception"),
    ("exception", "exception"),
    ("expired", "no_information"),
    ("notfound001", "info_received"),
    ("notfound002", "no_information"),
    ("transit001", "in_transit"),
    ("transit002", "in_transit"),
    ("transit003", "in_transit"),
    ("transit004", "in_transit"),
    ("transit005", "in_transit"),
    ("delivered001", "delivered"),
    ("delivered002", "delivered"),
    ("delivered003", "delivered"),
    ("delivered004", "delivered"),
    ("exception004", "exception"),
    ("exception005", "exception"),
    ("exception006", "exception"),
    ("exception007", "exception"),
    ("exception008", "exception"),
    ("exception009", "exception"),
    ("exception010", "returned"),
    ("exception011", "returned"),
    ("pickup001", "out_for_delivery"),
    ("pickup002", "available_for_pickup"),  # ready for collection
    ("pickup003", "out_for_delivery"),  # the carrier is contacting the recipient
]

EASYPOST = [
    ("unknown", "no_information"),
    ("pre_transit", "info_received"),
    ("in_transit", "in_transit"),
    ("out_for_delivery", "out_for_delivery"),
    ("delivered", "delivered"),
    ("available_for_pickup", "available_for_pickup"),
    ("return_to_sender", "returned"),
    ("failure", "exception"),
    ("cancelled", "exception"),
    ("error", "no_information"),
]

SHOPIFY = [
    # GraphQL FulfillmentEventStatus
    ("ATTEMPTED_DELIVERY", "exception"),
    ("CARRIER_PICKED_UP", "accepted"),
    ("CONFIRMED", "info_received"),
    ("DELAYED", "exception"),
    ("DELIVERED", "delivered"),
    ("FAILURE", "exception"),
    ("IN_TRANSIT", "in_transit"),
    ("LABEL_PRINTED", "info_received"),
    ("LABEL_PURCHASED", "info_received"),
    ("OUT_FOR_DELIVERY", "out_for_delivery"),
    ("READY_FOR_PICKUP", "available_for_pickup"),
    ("PICKED_UP", "delivered"),
    # REST shipment_status
    ("label_printed", "info_received"),
    ("label_purchased", "info_received"),
    ("attempted_delivery", "exception"),
    ("ready_for_pickup", "available_for_pickup"),
    ("picked_up", "delivered"),
    ("confirmed", "info_received"),
    ("in_transit", "in_transit"),
    ("out_for_delivery", "out_for_delivery"),
    ("delivered", "delivered"),
    ("failure", "exception"),
]

KARRIO = [
    ("pending", "info_received"),
    ("picked_up", "accepted"),
    ("unknown", "unknown"),
    ("on_hold", "exception"),
    ("cancelled", "exception"),
    ("delivered", "delivered"),
    ("in_transit", "in_transit"),
    ("delivery_delayed", "exception"),
    ("out_for_delivery", "out_for_delivery"),
    ("ready_for_pickup", "available_for_pickup"),
    ("delivery_failed", "exception"),
    ("return_to_sender", "returned"),
]

# Track123 (track123-api.readme.io/reference/package-status, .../package-status-copy); its Shopify app's
# webhook spells statuses in title case.
TRACK123 = [
    ("INIT", "no_information"),
    ("NO_RECORD", "no_information"),
    ("INFO_RECEIVED", "info_received"),
    ("IN_TRANSIT", "in_transit"),
    ("WAITING_DELIVERY", "out_for_delivery"),
    ("DELIVERY_FAILED", "exception"),
    ("ABNORMAL", "exception"),
    ("DELIVERED", "delivered"),
    ("EXPIRED", "no_information"),
    ("INFO_RECEIVED_01", "info_received"),
    ("IN_TRANSIT_01", "in_transit"),
    ("IN_TRANSIT_02", "in_transit"),  # sorting centre: not AfterShip's InTransit_002 acceptance
    ("IN_TRANSIT_08", "in_transit"),
    ("WAITING_DELIVERY_01", "out_for_delivery"),
    ("WAITING_DELIVERY_02", "available_for_pickup"),
    ("WAITING_DELIVERY_03", "exception"),
    ("DELIVERED_01", "delivered"),
    ("DELIVERED_04", "delivered"),
    ("DELIVERY_FAILED_01", "exception"),
    ("DELIVERY_FAILED_04", "exception"),
    ("ABNORMAL_01", "exception"),
    ("ABNORMAL_02", "exception"),
    ("ABNORMAL_03", "exception"),
    ("ABNORMAL_04", "exception"),
    ("ABNORMAL_05", "exception"),
    ("ABNORMAL_06", "returned"),
    ("ABNORMAL_07", "returned"),
    ("ABNORMAL_08", "exception"),
    ("Delivered", "delivered"),
    ("In Transit", "in_transit"),
]

# Shippo tracking_status.status (the SDK's TrackingStatusEnum).
SHIPPO = [
    ("UNKNOWN", "no_information"),
    ("PRE_TRANSIT", "info_received"),
    ("TRANSIT", "in_transit"),
    ("DELIVERED", "delivered"),
    ("RETURNED", "returned"),
    ("FAILURE", "exception"),
]

# CJdropshipping logistics trackingStatus 0..14 (developers.cjdropshipping.com, webhook "Logistics message").
CJDROPSHIPPING = [
    ("0", "no_information"),
    ("1", "info_received"),
    ("2", "accepted"),
    ("3", "returned"),
    ("4", "in_transit"),
    ("5", "in_transit"),
    ("6", "in_transit"),
    ("7", "in_transit"),
    ("8", "in_transit"),
    ("9", "in_transit"),
    ("10", "out_for_delivery"),
    ("11", "available_for_pickup"),
    ("12", "delivered"),
    ("13", "exception"),
    ("14", "returned"),
]

# Carriers' own event codes, read with the carrier as the source (or the parcel's carrier, below). USPS:
# Publication 199 appendix G-4 event codes as the Web Tools Track API names them, and the Tracking API 3
# example events; meanings in the comments.
USPS = [
    ("01", "delivered"),  # Delivered
    ("02", "exception"),  # Attempted / Notice Left
    ("03", "accepted"),  # Accept or Pickup
    ("04", "exception"),  # Refused
    ("05", "exception"),  # Undeliverable as Addressed
    ("06", "in_transit"),  # Forwarded
    ("07", "in_transit"),  # Arrival at Unit
    ("08", "exception"),  # Missent
    ("09", "returned"),  # Return to Sender
    ("10", "in_transit"),  # Processed
    ("11", "exception"),  # Dead Letter
    ("14", "in_transit"),  # Arrival at Pickup Point
    ("15", "exception"),  # Mis-shipped
    ("16", "available_for_pickup"),  # Available for Pickup
    ("17", "delivered"),  # Picked Up By Agent
    ("21", "returned"),  # No Such Number
    ("22", "returned"),  # Insufficient Address
    ("23", "returned"),  # Moved, Left No Address
    ("24", "returned"),  # Forward Expired
    ("25", "returned"),  # Addressee Unknown
    ("26", "returned"),  # Vacant
    ("27", "returned"),  # Unclaimed
    ("28", "returned"),  # Deceased
    ("29", "returned"),  # Other
    ("30", "exception"),  # Delivery Attempted - No Access
    ("31", "returned"),  # Not Picked Up
    ("41", "in_transit"),  # Received at Opening Unit
    ("42", "in_transit"),  # USPS Handoff to Shipping Partner
    ("51", "exception"),  # Business Closed
    ("52", "exception"),  # Notice Left
    ("53", "exception"),  # Receptacle Blocked
    ("54", "exception"),  # Receptacle Full / Item Oversized
    ("55", "exception"),  # No Secure Location Available
    ("56", "exception"),  # No Authorized Recipient Available
    ("71", "exception"),  # Rescheduled to Next Delivery Day
    ("80", "accepted"),  # Picked Up by Shipping Partner
    ("81", "in_transit"),  # Arrived Shipping Partner Facility
    ("82", "in_transit"),  # Departed Shipping Partner Facility
    ("89", "info_received"),  # USPS Awaiting Item
    ("A1", "in_transit"),  # Arrived at USPS Regional Facility
    ("AD", "accepted"),  # Acceptance at Destination
    ("EF", "in_transit"),  # Departed Sort Facility
    ("GX", "info_received"),  # Shipping Label Created, USPS Awaiting Item
    ("MA", "info_received"),  # Manifest Acknowledgement
    ("OA", "accepted"),  # Origin Acceptance
    ("OF", "out_for_delivery"),  # Out for Delivery
    ("PA", "accepted"),  # Passive Acceptance
    ("PC", "in_transit"),  # Sorting / Processing Complete
    ("SF", "in_transit"),  # Departed Post Office
    ("T1", "in_transit"),  # Departed USPS Regional Facility
    ("TL", "in_transit"),  # In Transit to Next Facility
    ("TM", "accepted"),  # Shipment Acceptance
    ("UA", "accepted"),  # Accepted at USPS Facility
    ("a1", "in_transit"),
    ("of", "out_for_delivery"),
]

# DHL Express event type codes (MyDHL API 3.1.1 reference data, trackingEventCode).
DHL = [
    ("AD", "in_transit"),  # Agreed delivery
    ("AF", "in_transit"),  # Arrived facility
    ("AR", "in_transit"),  # Arrival in delivery facility
    ("BA", "exception"),  # Bad address
    ("BN", "in_transit"),  # Customer broker notified
    ("BR", "in_transit"),  # Broker release
    ("CA", "exception"),  # Closed on arrival
    ("CC", "available_for_pickup"),  # Awaiting cnee collection
    ("CD", "exception"),  # Controllable clearance delay
    ("CI", "in_transit"),  # Facility check-in
    ("CM", "exception"),  # Customer moved
    ("CR", "in_transit"),  # Clearance release
    ("CU", "in_transit"),  # Confirm uplift
    ("DD", "delivered"),  # Delivered damaged
    ("DM", "exception"),  # Damaged
    ("DP", "exception"),  # Denied parties
    ("DS", "exception"),  # Destroyed / disposal
    ("ES", "in_transit"),  # Entry submitted
    ("FD", "in_transit"),  # Forward destination
    ("HN", "in_transit"),  # Handover
    ("HP", "exception"),  # Held for payment
    ("IC", "in_transit"),  # In clearance processing
    ("IR", "exception"),  # Incorrect route
    ("LV", "in_transit"),  # Load vehicle
    ("MC", "exception"),  # Miscode
    ("MD", "exception"),  # Missed delivery cycle
    ("MS", "exception"),  # Mis-sort
    ("NA", "exception"),  # Not arrived
    ("ND", "exception"),  # Not delivered
    ("NH", "exception"),  # Not home
    ("OH", "exception"),  # On hold
    ("OK", "delivered"),  # Delivery
    ("PD", "exception"),  # Partial delivery
    ("PL", "in_transit"),  # Processed at location
    ("PU", "accepted"),  # Shipment pick up
    ("RD", "exception"),  # Refused delivery
    ("RR", "in_transit"),  # Response received
    ("RT", "returned"),  # Returned to consignor
    ("RW", "in_transit"),  # Weigh & dimension
    ("SA", "accepted"),  # Shipment acceptance
    ("SM", "in_transit"),  # Scheduled movement
    ("SS", "exception"),  # Shipment stopped
    ("ST", "exception"),  # Shipment intercept
    ("TD", "exception"),  # Transport delay
    ("TI", "exception"),  # Trace initiated
    ("TP", "in_transit"),  # Forwarded to 3rd party
    ("TR", "in_transit"),  # Record of transfer
    ("UD", "exception"),  # Uncontrollable clearance delay
    ("UV", "in_transit"),  # Unload vehicle
    ("WC", "out_for_delivery"),  # With delivering courier
    ("DUMMY_PU", "info_received"),  # Shipment information received
]

# Canada Post event identifiers (karrio's canadapost TrackingStatus, Canada Post's example descriptions),
# also written with Canada Post's leading zeros.
CANADA_POST = [
    ("1496", "delivered"),  # Item successfully delivered
    ("1408", "delivered"),
    ("1421", "delivered"),
    ("1434", "delivered"),
    ("1442", "delivered"),
    ("1499", "delivered"),
    ("0100", "in_transit"),  # Item processed at postal facility
    ("100", "in_transit"),
    ("101", "accepted"),
    ("107", "accepted"),
    ("1400", "accepted"),
    ("1405", "accepted"),
    ("117", "exception"),
    ("810", "exception"),
    ("1494", "exception"),
    ("4700", "exception"),
    ("118", "available_for_pickup"),
    ("1410", "available_for_pickup"),
    ("1701", "available_for_pickup"),
    ("2410", "available_for_pickup"),
    ("150", "exception"),
    ("167", "exception"),
    ("1415", "exception"),
    ("1420", "exception"),
    ("4650", "exception"),
    ("0173", "exception"),  # Customer addressing error found; attempting to correct. Possible delay
    ("2412", "exception"),
    ("0174", "out_for_delivery"),  # Item out for delivery
    ("174", "out_for_delivery"),
    ("500", "out_for_delivery"),
]

VOCABULARIES = {
    "aftership": AFTERSHIP,
    "17track": SEVENTEEN_TRACK,
    "trackingmore": TRACKINGMORE,
    "easypost": EASYPOST,
    "shopify": SHOPIFY,
    "karrio": KARRIO,
    "track123": TRACK123,
    "shippo": SHIPPO,
    "cjdropshipping": CJDROPSHIPPING,
    "usps": USPS,
    "dhl": DHL,
    "canada_post": CANADA_POST,
}

EVERY_VALUE = [(source, raw, expected) for source, pairs in VOCABULARIES.items() for raw, expected in pairs]

# Words whose meaning depends on the vocabulary; without a source they get the documented default.
COLLISIONS = {
    ("easypost", "unknown"): "unknown",
    ("karrio", "pending"): "no_information",
    ("shopify", "PICKED_UP"): "accepted",
    ("shopify", "picked_up"): "accepted",
    ("shippo", "UNKNOWN"): "unknown",
    # CJdropshipping's numbers mean nothing without its source, like any carrier's own code.
    **{("cjdropshipping", raw): "unknown" for raw, _ in CJDROPSHIPPING},
    # A carrier's own codes mean nothing without the carrier (as the source, or the parcel's).
    **{(carrier, raw): "unknown" for carrier, pairs in (("usps", USPS), ("dhl", DHL)) for raw, _ in pairs},
    **{("canada_post", raw): "unknown" for raw, _ in CANADA_POST},
    # Track123's own words are read only with its source; without it the description decides.
    ("track123", "INIT"): "unknown",
    ("track123", "NO_RECORD"): "unknown",
    ("track123", "WAITING_DELIVERY"): "unknown",
    ("track123", "ABNORMAL"): "unknown",
    ("track123", "WAITING_DELIVERY_01"): "unknown",
    ("track123", "WAITING_DELIVERY_02"): "unknown",
    ("track123", "WAITING_DELIVERY_03"): "unknown",
    ("track123", "DELIVERY_FAILED_01"): "unknown",
    ("track123", "DELIVERY_FAILED_04"): "unknown",
    **{("track123", f"ABNORMAL_0{code}"): "unknown" for code in range(1, 9)},
}


def _ids(values):
    return [f"{source}:{raw}" for source, raw, _ in values]


@pytest.mark.parametrize(("source", "raw", "expected"), EVERY_VALUE, ids=_ids(EVERY_VALUE))
def test_vocabulary_value_with_its_source(source, raw, expected):
    assert normalize_status(raw, source) == expected


@pytest.mark.parametrize(("source", "raw", "expected"), EVERY_VALUE, ids=_ids(EVERY_VALUE))
def test_vocabulary_value_without_source(source, raw, expected):
    assert normalize_status(raw) == COLLISIONS.get((source, raw), expected)


def test_every_source_is_tested():
    assert set(VOCABULARIES) == set(STATUS_SOURCES)


# --- 17TRACK's other sub-statuses, AfterShip subtags not listed in status-vocabularies.md -----------

MORE_17TRACK = [
    ("NotFound_Other", "no_information"),
    ("InTransit_Other", "in_transit"),
    ("InTransit_Departure", "in_transit"),
    ("InTransit_Arrival", "in_transit"),
    ("InTransit_CustomsReleased", "in_transit"),
    ("InTransit_CustomsRequiringInformation", "exception"),
    ("Expired_Other", "no_information"),
    ("AvailableForPickup_Other", "available_for_pickup"),
    ("OutForDelivery_Other", "out_for_delivery"),
    ("DeliveryFailure_Other", "exception"),
    ("DeliveryFailure_NoBody", "exception"),
    ("DeliveryFailure_Security", "exception"),
    ("DeliveryFailure_Rejected", "exception"),
    ("Delivered_Other", "delivered"),
    ("Exception_Other", "exception"),
    ("Exception_NoBody", "exception"),
    ("Exception_Security", "exception"),
    ("Exception_Damage", "exception"),
    ("Exception_Rejected", "exception"),
    ("Exception_Delayed", "exception"),
    ("Exception_Destroyed", "exception"),
    ("Exception_Cancel", "exception"),
]

# Subtags fall back to their parent tag.
FALLBACK_SUBTAGS = [
    ("Pending_001", "no_information"),
    ("InfoReceived_001", "info_received"),
    ("InTransit_001", "in_transit"),
    ("InTransit_007", "in_transit"),
    ("OutForDelivery_003", "out_for_delivery"),
    ("AvailableForPickup_001", "available_for_pickup"),
    ("Exception_004", "exception"),
    ("Exception_012", "exception"),
    ("Exception_018", "exception"),
    ("Expired_001", "no_information"),
    ("transit006", "in_transit"),
    ("pickup004", "out_for_delivery"),
    ("InTransit_SomethingNew", "in_transit"),
    ("IN_TRANSIT_09", "in_transit"),  # Track123's, under a status other vocabularies share
    ("DELIVERED_05", "delivered"),
]


@pytest.mark.parametrize(("raw", "expected"), MORE_17TRACK + FALLBACK_SUBTAGS, ids=lambda value: str(value))
def test_more_substatuses(raw, expected):
    assert normalize_status(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("pickup004", "out_for_delivery"), ("InTransit_Other", "in_transit")]
)
@pytest.mark.parametrize("source", ["trackingmore", "17track", None])
def test_an_unlisted_substatus_reads_as_its_parent_whatever_the_source(raw, expected, source):
    assert normalize_status(raw, source) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("IN_TRANSIT_09", "in_transit"),
        ("WAITING_DELIVERY_04", "out_for_delivery"),
        ("ABNORMAL_09", "exception"),
        ("DELIVERY_FAILED_05", "exception"),
        ("NO_RECORD_01", "no_information"),
        ("INFO_RECEIVED_02", "info_received"),
    ],
)
def test_an_unlisted_track123_substatus_reads_as_its_status_with_its_source(raw, expected):
    assert normalize_status(raw, "track123") == expected


@pytest.mark.parametrize("raw", ["Abnormal", "ABNORMAL_09", "WAITING_DELIVERY_04", "Init", "NO_RECORD_01"])
def test_track123s_own_words_mean_nothing_without_its_source(raw):
    assert normalize_status(raw) == "unknown"


def test_pickup_is_a_parent_only_of_trackingmores_coded_substatuses():
    # "pickup_scan" is a carrier's acceptance in words, not TrackingMore's out for delivery.
    assert normalize_status("pickup_scan") == "unknown"
    assert normalize_status("Pickup_Other") == "unknown"


@pytest.mark.parametrize("code", ["03", "RW", "20", "OK", "DF"])
def test_carriers_own_event_codes_stay_unknown_as_words(code):
    # USPS, DHL and Canada Post event codes: no table knows them, so an event's description decides
    # (rules.md section 3b; tests/cases/tracking/test_descriptions.py).
    assert normalize_status(code) == "unknown"


# --- the normalized vocabulary itself, tolerance, unknown words -------------------------------------


@pytest.mark.parametrize("status", NORMALIZED_STATUSES)
def test_normalized_statuses_map_to_themselves(status):
    assert normalize_status(status) == status


@pytest.mark.parametrize(
    "raw",
    ["InTransit", "in_transit", "IN_TRANSIT", "in transit", "In-Transit", "  intransit  ", "In Transit"],
)
def test_case_and_separators_do_not_matter(raw):
    assert normalize_status(raw) == "in_transit"


def test_subtag_spelling_variants():
    assert normalize_status("in transit 002") == "accepted"
    assert normalize_status("not found001") == "info_received"  # as TrackingMore's docs spell it


@pytest.mark.parametrize(
    "raw",
    [
        "banana",
        "Teleported",
        "in_transit_maybe",
        "delivered?",
        "42",
        "_",
        "   ",
        "",
        "returnedish",
        "no information yet",
    ],
)
def test_unknown_words_become_unknown(raw):
    assert normalize_status(raw) == "unknown"


@pytest.mark.parametrize("raw", [None, 7, b"delivered", ["delivered"]])
def test_non_text_becomes_unknown(raw):
    assert normalize_status(raw) == "unknown"


def test_unknown_source_is_ignored():
    assert normalize_status("pending", "postal-pigeon") == "no_information"
    assert normalize_status("PENDING", "KARRIO") == "info_received"


@given(st.text(max_size=40), st.sampled_from((None, *STATUS_SOURCES)))
def test_never_raises_and_stays_in_the_vocabulary(raw, source):
    assert normalize_status(raw, source) in NORMALIZED_STATUSES


@given(st.text(max_size=40))
def test_idempotent_without_source(raw):
    once = normalize_status(raw)
    assert normalize_status(once) == once


# --- carriers' own event codes, read with the parcel's carrier ----------------------------------------


@pytest.mark.parametrize(
    ("carrier", "raw", "expected"),
    [
        ("usps", "03", "accepted"),
        ("usps", "07", "in_transit"),
        ("usps", "10", "in_transit"),
        ("usps", "A1", "in_transit"),
        ("usps", "T1", "in_transit"),
        ("USPS", "01", "delivered"),
        (" dhl ", "RW", "in_transit"),
        ("dhl", "OK", "delivered"),
        ("canada_post", "0174", "out_for_delivery"),
        ("canada_post", "1496", "delivered"),
    ],
)
def test_a_carriers_code_is_read_with_the_parcels_carrier(carrier, raw, expected):
    assert normalize_status(raw, carrier=carrier) == expected
    assert normalize_status(raw) == "unknown"


def test_a_trackers_word_wins_over_the_carriers_code_table():
    # CJdropshipping's "10" is out for delivery, USPS's "10" a facility scan: the source decides first.
    assert normalize_status("10", "cjdropshipping", carrier="usps") == "out_for_delivery"
    assert normalize_status("Delivered", carrier="usps") == "delivered"
    assert normalize_status("10", carrier="usps") == "in_transit"


def test_a_code_is_read_only_for_its_own_carrier():
    assert normalize_status("03", carrier="dhl") == "unknown"
    assert normalize_status("RW", carrier="usps") == "unknown"
    assert normalize_status("174", carrier="usps") == "unknown"
    assert normalize_status("03", carrier="pony_express") == "unknown"
    assert normalize_status("03", carrier=7) == "unknown"


@pytest.mark.parametrize(
    ("carrier", "raw"),
    [
        ("dhl", "CS"),  # Closed shipment: says nothing about where the parcel is
        ("dhl", "SC"),  # Service changed
        ("dhl", "IA"),  # Image available
        ("usps", "83"),  # Tendered to Postal Service: listed as a manifest event by one tracker, unpublished
        ("usps", "DX"),  # Delivery status not updated
        ("canada_post", "20"),  # Signature image recorded for online viewing
        ("canada_post", "0"),
    ],
)
def test_codes_without_a_published_meaning_stay_unknown(carrier, raw):
    assert normalize_status(raw, carrier) == "unknown"
    assert normalize_status(raw, carrier=carrier) == "unknown"


@given(st.text(max_size=12), st.sampled_from(("usps", "dhl", "canada_post", "ups", None)))
def test_never_raises_with_a_carrier(raw, carrier):
    assert normalize_status(raw, carrier=carrier) in NORMALIZED_STATUSES
