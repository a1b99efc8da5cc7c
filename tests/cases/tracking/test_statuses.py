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
