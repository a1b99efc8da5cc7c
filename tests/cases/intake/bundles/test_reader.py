"""bundle.md: bad input gets a clear error naming case index and field, and a good bundle reads whole."""

import copy
import json
from datetime import UTC

import pytest

from cases.intake.bundles.reader import read_bundle
from tests.helpers.bundle_documents import (
    GOOD_CASE,
    V2_CASE,
    bundle,
    bundle_v2,
    case_with,
    errors_of,
    v2_with,
)


def test_a_good_bundle_reads_every_part():
    result = read_bundle(json.dumps(bundle(as_of="2026-11-20T12:00:00Z")))
    (case,) = result.cases
    assert case.order.order_id == "#1042"
    assert str(case.order.value) == "39.90"
    assert case.tracking.events[0].status == "info_received"
    assert case.supplier_evidence[0].kind == "dispatch_claim"
    assert len(case.supplier_chases) == 1
    assert case.customer_messages[0].direction == "inbound"
    assert result.as_of.isoformat() == "2026-11-20T12:00:00+00:00"


def test_unknown_format_is_named():
    assert errors_of(bundle(format="staletrack.bundle/3")) == [
        'format: must be "staletrack.bundle/1" or "staletrack.bundle/2", found "staletrack.bundle/3"'
    ]


@pytest.mark.parametrize("field", ["order_id", "ordered_at", "country", "sku", "supplier"])
def test_missing_required_order_field_is_named_with_case_index(field):
    second = case_with("order.order_id", "#2")
    del second["order"][field]
    assert errors_of(bundle(copy.deepcopy(GOOD_CASE), second)) == [f"case 1, order.{field}: is required"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("order.ordered_at", "case 0, order.ordered_at"),
        ("tracking.events.0.at", "case 0, tracking.events[0].at"),
        ("supplier_evidence.0.at", "case 0, supplier_evidence[0].at"),
        ("supplier_chases.0.at", "case 0, supplier_chases[0].at"),
        ("customer_messages.0.at", "case 0, customer_messages[0].at"),
    ],
)
def test_timestamp_without_offset_is_rejected_not_guessed(path, expected):
    (error,) = errors_of(bundle(case_with(path, "2026-11-04T03:00:00")))
    assert error.startswith(expected)
    assert "has no UTC offset" in error


def test_bundle_as_of_without_offset_is_rejected():
    assert errors_of(bundle(as_of="2026-11-20 12:00")) == [
        "as_of: '2026-11-20 12:00' has no UTC offset; add Z or +hh:mm"
    ]


def test_unknown_evidence_kind_is_named():
    (error,) = errors_of(bundle(case_with("supplier_evidence.0.kind", "photo")))
    assert error.startswith(
        'case 0, supplier_evidence[0].kind: "photo" is not known; must be one of pickup_proof'
    )


def test_unknown_message_direction_is_named():
    (error,) = errors_of(bundle(case_with("customer_messages.0.direction", "sideways")))
    assert error.startswith('case 0, customer_messages[0].direction: "sideways" is not known')


@pytest.mark.parametrize("value", ["39,90", "abc", "1e5x", 39.9, "-1.00", "NaN", "1.234"])
def test_non_decimal_or_negative_value_is_named(value):
    (error,) = errors_of(bundle(case_with("order.value", value)))
    assert error.startswith("case 0, order.value:")


def test_file_that_is_not_json_is_named_with_its_position():
    assert errors_of(b'{"format": "staletrack.bundle/1",\n "cases": [}') == [
        "file: is not valid JSON: Expecting value at line 2, column 12"
    ]


def test_file_that_is_not_utf8_is_named():
    assert errors_of('{"format": "café"}'.encode("latin-1")) == [
        "file: is not UTF-8 (first bad byte at offset 15)"
    ]


def test_utf8_with_byte_order_mark_is_accepted():
    assert read_bundle(b"\xef\xbb\xbf" + json.dumps(bundle()).encode()).cases[0].order.order_id == "#1042"


def test_an_alpha3_country_is_read_as_its_alpha2_code():
    document = bundle(case_with("order.country", "usa"))
    document["cases"][0]["tracking"]["events"][0]["country"] = "CHN"
    (case,) = read_bundle(json.dumps(document)).cases
    assert (case.order.country, case.tracking.events[0].country) == ("US", "CN")


def test_an_unknown_event_country_is_named():
    (error,) = errors_of(bundle(case_with("tracking.events.0.country", "XY")))
    assert (
        error == "case 0, tracking.events[0].country: 'XY' is not an ISO 3166 alpha-2 or alpha-3 country code"
    )


def test_unknown_country_is_named():
    (error,) = errors_of(bundle(case_with("order.country", "XX")))
    assert error == "case 0, order.country: 'XX' is not an ISO 3166 alpha-2 or alpha-3 country code"


def test_unknown_payment_state_is_named():
    (error,) = errors_of(bundle(case_with("order.payment_state", "chargeback")))
    assert error.startswith("case 0, order.payment_state: must be one of paid")


def test_duplicate_order_id_in_one_bundle_is_named():
    assert errors_of(bundle(copy.deepcopy(GOOD_CASE), copy.deepcopy(GOOD_CASE))) == [
        "case 1, order.order_id: #1042 is also case 0"
    ]


def test_every_error_is_reported_in_one_pass():
    broken = case_with("order.value", "x")
    broken["supplier_evidence"][0]["kind"] = "rumour"
    broken["order"]["ordered_at"] = "yesterday"
    errors = errors_of(bundle(broken, format="nope"))
    assert len(errors) == 4


def test_unmappable_raw_status_becomes_unknown_and_is_kept():
    event = {"at": "2026-11-04T03:00:00Z", "raw_status": "Parcel abducted by aliens"}
    result = read_bundle(json.dumps(bundle(case_with("tracking.events", [event]))))
    (read,) = result.cases[0].tracking.events
    assert (read.status, read.raw_status) == ("unknown", "Parcel abducted by aliens")


def test_raw_tracker_status_is_mapped():
    event = {"at": "2026-11-04T03:00:00Z", "raw_status": "InfoReceived"}
    result = read_bundle(json.dumps(bundle(case_with("tracking.events", [event]))))
    assert result.cases[0].tracking.events[0].status == "info_received"


def test_null_tracking_number_means_no_tracking():
    result = read_bundle(json.dumps(bundle(case_with("tracking.number", None))))
    assert result.cases[0].tracking is None


def test_unknown_policy_field_is_named():
    assert errors_of(bundle(policy={"stale_in_transit_days": 10, "patience": 3})) == [
        "policy.patience: is not a policy field"
    ]


def test_empty_case_list_is_refused():
    assert errors_of({"format": "staletrack.bundle/1", "cases": []}) == [
        "cases: must be a non-empty list of cases"
    ]


def test_unknown_intent_is_named():
    (error,) = errors_of(bundle(case_with("customer_messages.0.intents", ["angry"])))
    assert error.startswith("case 0, customer_messages[0].intents: must be a list of intents")


# Version 2 (bundle.md) ---------------------------------------------------------------------------------


def read_v2(*cases):
    return read_bundle(json.dumps(bundle_v2(*cases)))


def test_a_version_2_case_reads_line_items_life_and_its_one_parcel():
    result = read_v2()
    assert result.version == 2
    (case,) = result.cases
    order = case.order
    # The first line item's SKU and supplier are the order's where one is needed (rules.md section 3a).
    assert (order.sku, order.product_title, order.supplier) == (
        "LAMP-01",
        "Sunset lamp",
        "Bright Home Supply",
    )
    assert [(i.key, i.keyed_by_title, i.supplier, i.quantity) for i in case.line_items] == [
        ("LAMP-01", False, "Bright Home Supply", 2),
        ("Gift box", True, "Pack Co", 1),
    ]
    assert order.payment_state == "cash_on_delivery"
    assert order.fulfilled_at.isoformat() == "2026-11-06T10:00:00-05:00"
    assert order.cancelled_at is None
    assert [item.key for item in order.line_items] == ["LAMP-01", "Gift box"]
    (parcel,) = case.parcels
    assert case.tracking is None and parcel.tracking.number == "LP00123456789012"
    local, exact = parcel.tracking.events
    assert (local.status, local.raw_status, local.approximate) == ("in_transit", "", True)
    assert local.at.isoformat() == "2026-11-07T09:12:00+08:00"  # Asia/Shanghai (rules.md section 1)
    assert (exact.approximate, exact.country) == (False, "CN")


def test_a_version_1_bundle_reads_as_version_1():
    assert read_bundle(json.dumps(bundle())).version == 1


def test_a_version_2_order_may_still_give_sku_and_supplier():
    case = v2_with("order.line_items", None)
    case["order"].update(sku="TOTE-1", product_title="Canvas tote", supplier="Weave Co")
    (read,) = read_v2(case).cases
    assert (read.order.sku, read.order.supplier) == ("TOTE-1", "Weave Co")
    assert [item.key for item in read.line_items] == ["TOTE-1"]


def test_an_item_without_sku_is_keyed_by_its_title():
    case = v2_with("order.line_items", [{"sku": None, "title": "Hand-knit scarf", "supplier": "Weave Co"}])
    (read,) = read_v2(case).cases
    assert (read.order.sku, read.order.product_title) == ("Hand-knit scarf", "Hand-knit scarf")
    assert read.line_items[0].keyed_by_title


@pytest.mark.parametrize("field", ["sku", "supplier", "product_title"])
def test_line_items_beside_sku_supplier_or_product_title_is_named(field):
    case = copy.deepcopy(V2_CASE)
    case["order"][field] = "X"
    assert errors_of(bundle_v2(case)) == [
        f"case 0, order.{field}: give line_items or sku, supplier and product_title, not both"
    ]


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (
            {"supplier": "Pack Co"},
            "case 0, order.line_items[1].sku: a line item needs a sku or, where the store has none, a title",
        ),
        ({"sku": "BOX-1"}, "case 0, order.line_items[1].supplier: is required"),
        (
            {"sku": "BOX-1", "supplier": "Pack Co", "quantity": 0},
            "case 0, order.line_items[1].quantity: must be a whole number of at least 1",
        ),
        (
            {"sku": "BOX-1", "supplier": "Pack Co", "quantity": "2"},
            "case 0, order.line_items[1].quantity: must be a whole number of at least 1",
        ),
        ("BOX-1", "case 0, order.line_items[1]: must be an object"),
    ],
)
def test_a_bad_line_item_is_named(item, expected):
    assert errors_of(bundle_v2(v2_with("order.line_items.1", item))) == [expected]


@pytest.mark.parametrize("value", [[], "LAMP-01"])
def test_line_items_must_be_a_non_empty_list(value):
    assert errors_of(bundle_v2(v2_with("order.line_items", value))) == [
        "case 0, order.line_items: must be a non-empty list of line items"
    ]


@pytest.mark.parametrize("field", ["ordered_at", "cancelled_at", "fulfilled_at"])
def test_an_order_time_without_offset_is_refused_in_version_2_too(field):
    (error,) = errors_of(bundle_v2(v2_with(f"order.{field}", "2026-11-06 10:00:00")))
    assert error == f"case 0, order.{field}: '2026-11-06 10:00:00' has no UTC offset; add Z or +hh:mm"


@pytest.mark.parametrize("field", ["cancelled_at", "fulfilled_at"])
def test_cancelled_or_fulfilled_before_the_order_is_named(field):
    (error,) = errors_of(bundle_v2(v2_with(f"order.{field}", "2026-11-01T00:00:00Z")))
    assert error == f"case 0, order.{field}: is before the order was placed (2026-11-02T09:15:00-05:00)"


def test_a_cancelled_order_reads_its_cancellation():
    (case,) = read_v2(v2_with("order.cancelled_at", "2026-11-03T00:00:00Z")).cases
    assert case.order.cancelled_at.isoformat() == "2026-11-03T00:00:00+00:00"


def test_cash_on_delivery_is_a_version_2_payment_state():
    (error,) = errors_of(bundle(case_with("order.payment_state", "cash_on_delivery")))
    assert error == "case 0, order.payment_state: must be one of paid, refunded, partially_refunded, disputed"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("order.line_items", [{"sku": "LAMP-01", "supplier": "Bright Home Supply"}]),
        ("order.cancelled_at", "2026-11-03T00:00:00Z"),
        ("order.fulfilled_at", "2026-11-03T00:00:00Z"),
    ],
)
def test_a_version_2_order_field_in_a_version_1_file_is_named_not_ignored(path, value):
    assert f'case 0, {path}: is a version-2 field: the format must be "staletrack.bundle/2"' in errors_of(
        bundle(case_with(path, value))
    )


def test_parcels_in_a_version_1_file_are_named():
    case = case_with("tracking", None)
    case["parcels"] = copy.deepcopy(V2_CASE["parcels"])
    assert errors_of(bundle(case)) == [
        'case 0, parcels: is a version-2 field: the format must be "staletrack.bundle/2"'
    ]


def test_several_parcels_are_read_in_input_order():
    second = {"number": "YT2311021234567890", "carrier": None, "events": []}
    case = copy.deepcopy(V2_CASE)
    case["parcels"].append(second)
    (read,) = read_v2(case).cases
    assert [p.tracking.number for p in read.parcels] == ["LP00123456789012", "YT2311021234567890"]


def test_the_version_2_example_of_bundle_md_reads_its_two_parcels():
    """bundle.md's version-2 case: two parcels, each naming its item, the second superseded."""
    case = copy.deepcopy(V2_CASE)
    case["order"]["payment_state"] = "paid"
    case["parcels"][0]["skus"] = ["LAMP-01"]
    case["parcels"].append(
        {
            "number": "YT2311021234567890",
            "carrier": None,
            "skus": ["Gift box"],
            "superseded_at": "2026-11-12T08:00:00Z",
            "events": [],
        }
    )
    (read,) = read_v2(case).cases
    first, second = read.parcels
    assert (first.skus, first.superseded_at) == (("LAMP-01",), None)
    assert (second.skus, second.superseded_at.isoformat()) == (("Gift box",), "2026-11-12T08:00:00+00:00")


def test_tracking_and_parcels_together_are_named():
    case = copy.deepcopy(V2_CASE)
    case["tracking"] = copy.deepcopy(GOOD_CASE["tracking"])
    assert errors_of(bundle_v2(case)) == ["case 0, parcels: a case gives tracking or parcels, not both"]


def test_no_parcels_is_none_and_a_parcel_without_number_has_no_tracking():
    assert read_v2(v2_with("parcels", [])).cases[0].parcels == ()
    case = v2_with("parcels.0.number", None)
    case["parcels"][0]["events"] = []
    (parcel,) = read_v2(case).cases[0].parcels
    assert parcel.tracking is None


def test_a_parcel_without_number_has_no_events():
    (error,) = errors_of(bundle_v2(v2_with("parcels.0.number", None)))
    assert error == "case 0, parcels[0].events: a parcel without a number has no carrier events"


def test_parcel_skus_are_compared_without_case_and_read_as_the_items_spell_them():
    (case,) = read_v2(v2_with("parcels.0.skus", ["lamp-01 ", "GIFT BOX"])).cases
    assert case.parcels[0].skus == ("LAMP-01", "Gift box")
    (case,) = read_v2(v2_with("parcels.0.skus", ["LAMP-01"])).cases
    assert case.parcels[0].skus == ("LAMP-01",)  # the gift box waits for a parcel of its own


@pytest.mark.parametrize(
    ("skus", "expected"),
    [
        (["LAMP-9", "LAMP-01", "Gift box"], "case 0, parcels[0].skus[0]: 'LAMP-9' is not a line item"),
        ("LAMP-01", "case 0, parcels[0].skus: must be a list of the order's line item keys"),
    ],
)
def test_parcel_skus_that_are_not_the_orders_items_are_named(skus, expected):
    (error,) = errors_of(bundle_v2(v2_with("parcels.0.skus", skus)))
    assert error.startswith(expected)


def test_a_superseded_at_without_offset_is_named():
    (error,) = errors_of(bundle_v2(v2_with("parcels.0.superseded_at", "2026-11-12 08:00")))
    assert error.startswith("case 0, parcels[0].superseded_at:")


def test_a_parcel_error_names_the_parcel():
    (error,) = errors_of(bundle_v2(v2_with("parcels.0.events.1.at", "soon")))
    assert error == "case 0, parcels[0].events[1].at: 'soon' is not an ISO 8601 timestamp"


@pytest.mark.parametrize("number", ["A-1", "  x9 ", "--"])
def test_a_number_with_fewer_than_four_letters_or_digits_is_refused(number):
    (error,) = errors_of(bundle(case_with("tracking.number", number)))
    assert error.startswith("case 0, tracking.number:") and "fewer than 4 letters or digits" in error


# Version 2 events -----------------------------------------------------------------------------------


def v2_events(*events):
    return read_v2(v2_with("parcels.0.events", list(events))).cases[0].parcels[0].tracking.events


def test_an_event_with_only_a_description_takes_its_status_from_it():
    will, failed = v2_events(
        {"at": "2026-11-10T12:00:00Z", "description": "Your parcel will be delivered in 2-3 days"},
        {"at": "2026-11-11T12:00:00Z", "description": "Not delivered: recipient not at home"},
    )
    assert (will.status, failed.status) == ("in_transit", "exception")


def test_a_raw_status_no_mapping_knows_reads_the_description_and_keeps_the_word():
    (event,) = v2_events(
        {"at": "2026-11-10T12:00:00Z", "raw_status": "ZUGESTELLT", "description": "Delivered"}
    )
    assert (event.status, event.raw_status) == ("delivered", "ZUGESTELLT")


def test_the_events_source_picks_the_vocabulary():
    (event,) = v2_events({"at": "2026-11-10T12:00:00Z", "raw_status": "pending", "source": "karrio"})
    assert event.status == "info_received"


def test_a_carriers_own_code_is_read_with_the_parcels_carrier():
    usps = {"number": "9400 1112 0108 0805 4830 16", "carrier": "usps"}
    # A USPS acceptance code with no description: the number's carrier says what "03" means.
    case = v2_with("parcels.0", {**usps, "events": [{"at": "2026-11-10T12:00:00Z", "raw_status": "03"}]})
    (event,) = read_v2(case).cases[0].parcels[0].tracking.events
    assert (event.status, event.raw_status) == ("accepted", "03")
    # Without a carrier named, the number shows it; a DHL number's "03" means nothing.
    case = v2_with(
        "parcels.0", {"number": "3318810025", "events": [{"at": "2026-11-10T12:00:00Z", "raw_status": "03"}]}
    )
    (event,) = read_v2(case).cases[0].parcels[0].tracking.events
    assert (event.status, event.raw_status) == ("unknown", "03")


def test_the_source_may_name_the_carrier_whose_codes_an_event_uses():
    (event,) = v2_events({"at": "2026-11-10T12:00:00Z", "raw_status": "RW", "source": "dhl"})
    assert event.status == "in_transit"


def test_an_unknown_source_is_named():
    (error,) = errors_of(
        bundle_v2(
            v2_with("parcels.0.events", [{"at": "2026-11-10T12:00:00Z", "raw_status": "x", "source": "pony"}])
        )
    )
    assert error.startswith("case 0, parcels[0].events[0].source: 'pony' is not known; use one of aftership")


def test_a_version_2_event_without_status_raw_status_or_description_is_named():
    assert errors_of(bundle_v2(v2_with("parcels.0.events", [{"at": "2026-11-10T12:00:00Z"}]))) == [
        "case 0, parcels[0].events[0].status: an event needs a status, a raw_status or a description"
    ]


def test_a_version_1_event_still_needs_a_status_word():
    event = {"at": "2026-11-04T03:00:00Z", "description": "Departed from sorting center"}
    assert errors_of(bundle(case_with("tracking.events", [event]))) == [
        "case 0, tracking.events[0].status: an event needs a status or a raw_status"
    ]


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("CN", "2026-11-09T02:00:00+00:00"),  # Asia/Shanghai
        ("CHN", "2026-11-09T02:00:00+00:00"),
        ("GB", "2026-11-09T10:00:00+00:00"),  # Europe/London, winter
        ("AU", "2026-11-09T10:00:00+00:00"),  # not in the section 1 table: UTC
        (None, "2026-11-09T10:00:00+00:00"),
    ],
)
def test_a_version_2_event_time_without_offset_is_local_time_at_its_place(country, expected):
    event = {"at": "2026-11-09 10:00:00", "description": "Received by carrier"}
    if country:
        event["country"] = country
    (read,) = v2_events(event)
    assert read.at.astimezone(UTC).isoformat() == expected
    assert read.approximate


def test_a_version_2_event_time_with_an_offset_is_not_approximate():
    (read,) = v2_events({"at": "2026-11-09T10:00:00+02:00", "status": "accepted"})
    assert not read.approximate


def test_a_version_2_event_time_that_is_no_time_is_named():
    (error,) = errors_of(bundle_v2(v2_with("parcels.0.events.0.at", "last tuesday")))
    assert error == "case 0, parcels[0].events[0].at: 'last tuesday' is not an ISO 8601 timestamp"


@pytest.mark.parametrize("path", ["supplier_evidence", "supplier_chases", "customer_messages"])
def test_other_version_2_times_still_need_an_offset(path):
    case = copy.deepcopy(V2_CASE)
    case[path] = copy.deepcopy(GOOD_CASE[path])
    case[path][0]["at"] = "2026-11-12 10:00:00"
    (error,) = errors_of(bundle_v2(case))
    assert error == f"case 0, {path}[0].at: '2026-11-12 10:00:00' has no UTC offset; add Z or +hh:mm"


def test_the_real_example_reads_whole(spec_dir):
    result = read_bundle((spec_dir / "examples" / "real.json").read_bytes())
    cases = {case.order.order_id: case for case in result.cases}
    assert len(cases) == 12 and result.version == 2
    assert cases["#2001"].order.cancelled_at is not None
    assert cases["#2004"].order.fulfilled_at is not None
    assert cases["#2006"].order.payment_state == "cash_on_delivery"
    assert [e.status for e in cases["#2006"].tracking.events] == [
        "info_received",
        "accepted",
        "in_transit",
        "out_for_delivery",
    ]
    assert all(e.approximate for e in cases["#2010"].tracking.events)
    assert cases["#2010"].tracking.events[1].at.isoformat() == "2026-11-13T18:00:00+08:00"
    assert cases["#2011"].tracking.events[1].at.isoformat() == "2026-11-13T20:00:00+00:00"
    assert cases["#2012"].order.postal_code == ""
