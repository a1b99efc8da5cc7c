"""bundle.md: bad input gets a clear error naming case index and field, and a good bundle reads whole."""

import copy
import json

import pytest

from cases.bundles.reader import BundleError, read_bundle

GOOD_CASE = {
    "order": {
        "order_id": "#1042",
        "ordered_at": "2026-11-02T09:15:00Z",
        "customer_email": "ana@example.com",
        "country": "US",
        "postal_code": "94110",
        "sku": "LAMP-01",
        "product_title": "Sunset lamp",
        "supplier": "Bright Home Supply",
        "value": "39.90",
        "currency": "USD",
        "payment_state": "paid",
    },
    "tracking": {
        "number": "1Z999AA10123456784",
        "carrier": None,
        "events": [{"at": "2026-11-04T03:00:00Z", "status": "info_received", "country": "CN"}],
    },
    "supplier_evidence": [
        {"at": "2026-11-05T08:00:00Z", "kind": "dispatch_claim", "text": "Shipped already"}
    ],
    "supplier_chases": [{"at": "2026-11-12T10:00:00Z"}],
    "customer_messages": [
        {"at": "2026-11-15T18:20:00Z", "direction": "inbound", "text": "Where is my lamp?"}
    ],
}


def bundle(*cases, **head):
    return {"format": "staletrack.bundle/1", "cases": list(cases) or [copy.deepcopy(GOOD_CASE)], **head}


def case_with(path: str, value):
    """GOOD_CASE with the value at a dotted path replaced (None deletes the key)."""
    case = copy.deepcopy(GOOD_CASE)
    *parents, last = path.split(".")
    node = case
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return case


def errors_of(document) -> list[str]:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    with pytest.raises(BundleError) as caught:
        read_bundle(raw)
    return [str(issue) for issue in caught.value.issues]


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
    assert errors_of(bundle(format="staletrack.bundle/2")) == [
        'format: must be "staletrack.bundle/1", found "staletrack.bundle/2"'
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


def test_unknown_country_is_named():
    (error,) = errors_of(bundle(case_with("order.country", "XX")))
    assert error == "case 0, order.country: 'XX' is not an ISO 3166 alpha-2 country code"


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
