"""status_from_description (rules.md section 3b) and read_event_status, the one reading of an event's status.

Expected values are written out here from the section's table, independently of cases/tracking/statuses.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases.tracking import NORMALIZED_STATUSES, STATUS_SOURCES, read_event_status, status_from_description

# Every phrase of the section's table, each in a carrier-like sentence, with the status its group gives.
PHRASES = [
    # 1 returned
    ("Return to sender: addressee unknown", "returned"),
    ("Item returned to sender", "returned"),
    ("Returning to sender", "returned"),
    ("Your item is being returned", "returned"),
    ("Return to shipper requested", "returned"),
    ("Returned to shipper", "returned"),
    # 2 exception
    ("Not delivered", "exception"),
    ("Undelivered, business closed", "exception"),
    ("Non-delivered item", "exception"),
    ("Non-delivery notice left", "exception"),
    ("Undeliverable as addressed", "exception"),
    ("Unable to deliver today", "exception"),
    ("Delivery attempt made", "exception"),
    ("Delivery attempted - no access to delivery location", "exception"),
    ("Attempted delivery, notice left", "exception"),
    ("Delivery failed", "exception"),
    ("Failed delivery, will retry", "exception"),
    ("Shipment exception", "exception"),
    ("Refused by recipient", "exception"),
    ("Package damaged in handling", "exception"),
    ("Reported lost", "exception"),
    ("Incorrect address", "exception"),
    ("Insufficient address", "exception"),
    ("Held by customs", "exception"),
    ("Customs hold: documents required", "exception"),
    # 3 out_for_delivery
    ("Out for delivery", "out_for_delivery"),
    ("On vehicle for delivery", "out_for_delivery"),
    ("With delivery courier", "out_for_delivery"),
    # 4 available_for_pickup
    ("Available for pickup at the post office", "available_for_pickup"),
    ("Ready for pickup", "available_for_pickup"),
    ("Available for collection", "available_for_pickup"),
    ("Ready for collection at your local depot", "available_for_pickup"),
    ("Awaiting collection", "available_for_pickup"),
    # 5 in_transit (a promise of delivery is not a delivery)
    ("Your parcel will be delivered in 2-3 days", "in_transit"),
    ("Scheduled for delivery on Monday", "in_transit"),
    ("Estimated delivery: Friday", "in_transit"),
    # 6 delivered
    ("Delivered", "delivered"),
    ("Signed for by J. Smith", "delivered"),
    # 7 info_received
    ("Label created", "info_received"),
    ("Shipping label created, USPS awaiting item", "info_received"),
    ("Shipment information received", "info_received"),
    ("Electronic information received", "info_received"),
    ("Order information received", "info_received"),
    ("Pre-advice received", "info_received"),
    ("Awaiting item", "info_received"),
    # 8 accepted
    ("Accepted at USPS origin facility", "accepted"),
    ("Picked up", "accepted"),
    ("Pickup scan", "accepted"),
    ("Origin scan", "accepted"),
    ("Acceptance", "accepted"),
    ("Received by carrier", "accepted"),
    ("Collected by carrier", "accepted"),
    ("Dropped off at a partner location", "accepted"),
    ("Item posted", "accepted"),
    # 9 in_transit
    ("In transit", "in_transit"),
    ("Departed from sorting center", "in_transit"),
    ("Departure scan", "in_transit"),
    ("Arrived at destination country", "in_transit"),
    ("Arrival scan", "in_transit"),
    ("Processed through regional center", "in_transit"),
    ("Sorting", "in_transit"),
    ("Sort facility", "in_transit"),
    ("Customs clearance in progress", "in_transit"),
    ("Cleared customs", "in_transit"),
    ("Clearance event", "in_transit"),
    ("Handed over to the airline", "in_transit"),
    ("Linehaul", "in_transit"),
    ("Flight departed", "in_transit"),
    ("Airline", "in_transit"),
    ("Hub", "in_transit"),
    ("Facility", "in_transit"),
    ("Forwarded", "in_transit"),
    ("Dispatched", "in_transit"),
    ("Export", "in_transit"),
    ("Import", "in_transit"),
]


# The groups are tried in the table's order, whatever the order of the words in the description.
TABLE_ORDER = [
    # Group 5 comes before group 6: a promise of delivery is movement.
    ("Your parcel will be delivered in 2-3 days", "in_transit"),
    # Group 2 comes before group 6.
    ("Not delivered: recipient not at home", "exception"),
    ("Delivered, signed for by A. Jones", "delivered"),
    # Group 1 before group 6 and group 9.
    ("Returned to sender, delivered to the origin facility", "returned"),
    # Group 2 before group 3: an attempt while out for delivery failed.
    ("Out for delivery - delivery attempted, nobody home", "exception"),
    # Group 3 before group 9.
    ("Arrived at facility, out for delivery", "out_for_delivery"),
    # Group 4 before group 6 and group 8.
    ("Delivered to a pickup point: ready for collection", "available_for_pickup"),
    # Group 7 before group 8: awaiting item is not yet an acceptance.
    ("Shipping label created, awaiting item to be picked up", "info_received"),
    # Group 8 before group 9.
    ("Accepted at origin facility", "accepted"),
    ("Picked up, departed from hub", "accepted"),
    # Within group 9 and elsewhere the first group decides, whatever the order of the words.
    ("Departed facility, scheduled for delivery tomorrow", "in_transit"),
]

# Phrases match as whole words only.
WHOLE_WORDS = [
    ("posted", "accepted"),
    ("composted", "unknown"),
    ("Reposted item", "unknown"),
    ("Undelivered", "exception"),  # its own phrase in group 2, not "delivered" of group 6
    ("Redelivered", "unknown"),
    ("Hubert's shop", "unknown"),
    ("Slost", "unknown"),
    ("Importer of record notified", "unknown"),
    ("Facilitydesk", "unknown"),
    ("Processed.", "in_transit"),
    ("(Delivered)", "delivered"),
    ("Delivered_001", "unknown"),  # an underscore joins words: no phrase stands alone
    ("Arrived:hub", "in_transit"),
]

EXAMPLES = [
    *(pytest.param(text, status, id=f"phrase: {text}") for text, status in PHRASES),
    *(pytest.param(text, status, id=f"table order: {text}") for text, status in TABLE_ORDER),
    *(pytest.param(text, status, id=f"whole words: {text}") for text, status in WHOLE_WORDS),
]


@pytest.mark.parametrize(("description", "status"), EXAMPLES)
def test_the_first_group_with_a_phrase_in_the_description_gives_its_status(description, status):
    assert status_from_description(description) == status


@pytest.mark.parametrize(
    "description",
    ["DELIVERED", "Delivered", "dElIvErEd", "delivered", "  delivered  "],
)
def test_case_does_not_matter(description):
    assert status_from_description(description) == "delivered"


@pytest.mark.parametrize("description", ["Out  for delivery", "Out for\ndelivery", "Out\tfor delivery"])
def test_a_run_of_white_space_inside_a_phrase_reads_as_one_space(description):
    assert status_from_description(description) == "out_for_delivery"


@pytest.mark.parametrize("description", ["", "   ", "Shenzhen", "Item scanned", None, 7, b"Delivered"])
def test_no_phrase_or_no_text_is_unknown(description):
    assert status_from_description(description) == "unknown"


@given(st.text(max_size=80))
def test_never_raises_and_stays_in_the_vocabulary(description):
    assert status_from_description(description) in NORMALIZED_STATUSES


# --- read_event_status --------------------------------------------------------------------------------


def read(status=None, raw_status=None, description=None, source=None):
    return read_event_status(status=status, raw_status=raw_status, description=description, source=source)


@pytest.mark.parametrize("status", NORMALIZED_STATUSES)
def test_a_normalized_status_is_trusted_over_the_raw_word_and_the_description(status):
    assert read(status, "Exception_011", "Delivered") == (status, "Exception_011")


def test_the_raw_word_is_tried_before_the_status():
    # The subtag says more than its tag: an acceptance scan, not just "in transit".
    assert read("InTransit", "InTransit_002") == ("accepted", "InTransit_002")
    assert read("Exception", "Exception_011", "Delivered") == ("returned", "Exception_011")


def test_an_unmappable_raw_word_falls_back_to_the_status_before_the_description():
    assert read("InTransit", "Somethingelse", "Delivered") == ("in_transit", "Somethingelse")


def test_a_mapped_word_wins_over_the_description():
    assert read(None, "Delivered", "Your parcel will be delivered in 2-3 days") == ("delivered", "Delivered")


def test_no_information_is_a_mapping_and_the_description_is_not_read():
    assert read(None, "Pending", "Delivered") == ("no_information", "Pending")
    assert read("Expired", None, "Delivered") == ("no_information", "Expired")


@pytest.mark.parametrize(
    ("raw_status", "description", "status"),
    [
        ("03", "Shipment Received, Package Acceptance Pending", "accepted"),  # USPS event code
        ("RW", "Processed at DHL facility", "in_transit"),  # DHL event code
        ("20", "Delivered", "delivered"),  # Canada Post event code
        ("ZUGESTELLT", "Delivered, signed for by A. Jones", "delivered"),
    ],
)
def test_a_carriers_own_code_keeps_its_word_and_the_description_decides(raw_status, description, status):
    assert read(None, raw_status, description) == (status, raw_status)


@pytest.mark.parametrize(
    ("raw_status", "description", "carrier", "status"),
    [
        ("03", "Shipment Received, Package Acceptance Pending", "usps", "accepted"),
        ("03", "", "usps", "accepted"),  # the code alone says it
        ("RW", "", "dhl", "in_transit"),  # DHL's Weigh & dimension, often sent without a description
        ("0174", "Item out for delivery", "canada_post", "out_for_delivery"),
        ("20", "Delivered", "canada_post", "delivered"),  # a code with no published meaning: the description
        ("CS", "Delivery attempt: business closed", "dhl", "exception"),
        ("03", "Item scanned", "dhl", "unknown"),  # USPS's code on a DHL parcel means nothing
    ],
)
def test_a_carriers_own_code_with_the_parcels_carrier(raw_status, description, carrier, status):
    found = read_event_status(status=None, raw_status=raw_status, description=description, carrier=carrier)
    assert found == (status, raw_status)


def test_a_carriers_code_named_as_the_source():
    assert read(None, "A1", None, "usps") == ("in_transit", "A1")
    assert read(None, "WC", None, "dhl") == ("out_for_delivery", "WC")


def test_an_unmappable_status_word_is_kept_when_there_is_no_raw_word():
    assert read("Zugestellt", None, "Delivered") == ("delivered", "Zugestellt")
    assert read("Zugestellt", None, None) == ("unknown", "Zugestellt")


def test_no_word_at_all_reads_the_description():
    assert read(None, None, "Not delivered: recipient not at home") == ("exception", "")
    assert read("", "  ", "Out for delivery") == ("out_for_delivery", "")


def test_neither_a_word_nor_a_description_is_unknown():
    assert read(None, None, None) == ("unknown", "")
    assert read(None, "03", "") == ("unknown", "03")
    assert read(None, "03", "Item scanned") == ("unknown", "03")


def test_the_source_picks_the_meaning_of_a_shared_word():
    assert read(None, "PICKED_UP", None, "shopify") == ("delivered", "PICKED_UP")
    assert read(None, "PICKED_UP", None) == ("accepted", "PICKED_UP")
    assert read(None, "unknown", "Delivered", "easypost") == ("no_information", "unknown")
    # Without a source EasyPost's "unknown" stays unknown, so its description decides.
    assert read(None, "unknown", "Delivered") == ("delivered", "unknown")


def test_the_parent_fallback_applies_before_the_description():
    assert read(None, "pickup004", "Delivered", "trackingmore") == ("out_for_delivery", "pickup004")
    assert read("InTransit", "InTransit_Other", "Delivered", "17track") == ("in_transit", "InTransit_Other")


def test_words_are_stripped():
    assert read(" delivered ", " Delivered_001 ") == ("delivered", "Delivered_001")


# The reading cases.intake.tracking_csv.event_status gave before this one replaced it: the same
# answers wherever there is no description.
COMPATIBLE = [
    ("delivered", "", None, ("delivered", "")),
    ("delivered", "Delivered_003", None, ("delivered", "Delivered_003")),
    ("unknown", "", None, ("unknown", "")),
    ("InTransit", "InTransit_002", None, ("accepted", "InTransit_002")),
    ("InTransit", "", None, ("in_transit", "InTransit")),
    ("", "Exception_010", None, ("returned", "Exception_010")),
    ("Banana", "Split", None, ("unknown", "Split")),
    ("", "", None, ("unknown", "")),
    ("pending", "", "karrio", ("info_received", "pending")),
    ("unknown", "", "easypost", ("unknown", "")),  # a normalized word is trusted before any source
    ("", "unknown", "easypost", ("no_information", "unknown")),
]


@pytest.mark.parametrize(("status", "raw_status", "source", "expected"), COMPATIBLE)
def test_compatible_with_the_csv_importers_former_reading(status, raw_status, source, expected):
    assert read(status, raw_status, None, source) == expected


@given(
    st.one_of(st.none(), st.text(max_size=20), st.sampled_from(NORMALIZED_STATUSES)),
    st.one_of(st.none(), st.text(max_size=20)),
    st.one_of(st.none(), st.text(max_size=60)),
    st.sampled_from((None, *STATUS_SOURCES)),
)
def test_read_event_status_never_raises_and_stays_in_the_vocabulary(status, raw_status, description, source):
    normalized, kept = read(status, raw_status, description, source)
    assert normalized in NORMALIZED_STATUSES
    assert isinstance(kept, str)
