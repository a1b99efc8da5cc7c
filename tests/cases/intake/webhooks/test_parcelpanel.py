"""ParcelPanel webhooks v2 (cases.intake.webhooks.parcelpanel), PROVISIONAL: the base64 HMAC-SHA256 header
(its key not confirmed), the topic and id headers, and the provisional flat shipment read into its number,
order and status. Sample bodies: tests/data/webhooks/parcelpanel/*.provisional.json (SOURCES.md)."""

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime

import pytest

from cases.intake.webhooks import parcelpanel
from cases.intake.webhooks.pushed import PayloadError, Refused
from cases.intake.webhooks.sources import SOURCES
from cases.models import Connection, TrackingEvent, WebhookDelivery
from tests.factories import OrderFactory
from tests.helpers.pushed_deliveries import (
    RECEIVED,
    body_of,
    hostile_reading_problems,
    nothing_stored,
    outcome,
    parcels,
    post,
    post_signed,
    sample,
    sample_json,
    stored,
    url,
)

SOURCE = "parcelpanel"
SECRET = "pp-secret-0c4e"
IN_TRANSIT = "shipment_status_in_transit.provisional.json"
DELIVERED = "shipment_status_delivered.provisional.json"
HEADERS = {"X-ParcelPanel-Topic": "shipment_status/delivered", "X-ParcelPanel-Webhook-Id": "wh-1"}


def read(payload, headers=HEADERS, received_at=RECEIVED):
    return parcelpanel.read(payload if isinstance(payload, bytes) else body_of(payload), headers, received_at)


def only(payload, headers=HEADERS):
    (update,) = read(payload, headers).numbers
    return update


def delivered(**fields) -> dict:
    return {**sample_json(SOURCE, DELIVERED), **fields}


@pytest.fixture(autouse=True)
def limits_for_tests(settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 64 * 1024


@pytest.fixture
def connection(db):
    return Connection.objects.create(source=SOURCE, secret=SECRET)


# Registration


def test_the_source_is_registered_with_its_signature_and_the_provisional_sample():
    source = SOURCES[SOURCE]
    assert not source.by_token
    assert source.sample_body() == sample(SOURCE, IN_TRANSIT)
    assert read(source.sample_body(), {}).tracking_numbers == ["TESTPP0000000001"]


# Signature


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body():
    body = b'{"tracking_number":"TESTPP1"}'
    expected = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    headers = parcelpanel.sign_delivery(SECRET, body, RECEIVED)
    assert headers["X-ParcelPanel-HMAC-SHA256"] == expected
    assert headers["X-ParcelPanel-Topic"] == "shipment_status/any_update"
    # The same body signs to the same webhook id: the admin's test delivery sent twice is one delivery.
    assert (
        headers["X-ParcelPanel-Webhook-Id"]
        == parcelpanel.sign_delivery(SECRET, body, RECEIVED)["X-ParcelPanel-Webhook-Id"]
    )
    assert parcelpanel.verify_delivery(SECRET, body, headers, RECEIVED) == ""


@pytest.mark.parametrize(
    ("secret", "headers", "why"),
    [
        (SECRET, {}, "signature missing"),
        (SECRET, {"X-ParcelPanel-HMAC-SHA256": "not it"}, "signature wrong"),
        (SECRET, {"X-ParcelPanel-HMAC-SHA256": "ünïcode"}, "signature wrong"),
        (
            "another",
            {
                "X-ParcelPanel-HMAC-SHA256": parcelpanel.sign_delivery(SECRET, b"{}", RECEIVED)[
                    "X-ParcelPanel-HMAC-SHA256"
                ]
            },
            "signature wrong",
        ),
        (
            SECRET,
            {"X-ParcelPanel-HMAC-SHA256": hmac.new(SECRET.encode(), b"{}", hashlib.sha256).hexdigest()},
            "signature wrong",
        ),
        (
            "",
            {
                "X-ParcelPanel-HMAC-SHA256": parcelpanel.sign_delivery("", b"{}", RECEIVED)[
                    "X-ParcelPanel-HMAC-SHA256"
                ]
            },
            "no secret set",
        ),
    ],
    ids=["missing", "garbage", "non-ascii", "other-key", "hex-not-base64", "empty-secret"],
)
def test_a_missing_or_wrong_signature_never_verifies(secret, headers, why):
    assert parcelpanel.verify_delivery(secret, b"{}", headers, RECEIVED) == why


# Reading the provisional samples


def test_the_in_transit_sample_gives_its_number_and_order_and_no_event():
    pushed = read(sample(SOURCE, IN_TRANSIT), {"X-ParcelPanel-Topic": "shipment_status/in_transit"})
    assert (pushed.topic, pushed.delivery_id, pushed.ignored) == ("shipment_status/in_transit", "", "")
    (update,) = pushed.numbers
    assert (update.number, update.carrier, update.order_id) == ("TESTPP0000000001", None, "#TEST1001")
    # No carrier event list is known; an in-transit status is no dated event and stores none.
    assert (update.events, update.tracker_events) == ((), ())


def test_the_delivered_sample_becomes_one_tracker_event_at_its_delivery_date():
    pushed = read(sample(SOURCE, DELIVERED))
    assert (pushed.topic, pushed.delivery_id) == ("shipment_status/delivered", "wh-1")
    (update,) = pushed.numbers
    assert (update.number, update.order_id) == ("TESTPP0000000002", "#TEST1002")
    (event,) = update.tracker_events
    assert (event.at, event.status, event.raw_status, event.approximate) == (
        datetime(2025, 3, 11, 13, 5, tzinfo=UTC),
        "delivered",
        "Delivered_001",
        False,
    )
    assert event.description == "ParcelPanel: Delivered (tracker status, no carrier event)"
    assert (event.location, event.country) == ("", "")


@pytest.mark.parametrize(
    ("fields", "at", "approximate"),
    [
        ({"delivery_date": "2025-03-11 14:05:00"}, datetime(2025, 3, 11, 13, 5, tzinfo=UTC), True),  # Germany
        (
            {"delivery_date": "2025-03-11 14:05:00", "shipping_address": {"country_code": "USA"}},
            datetime(2025, 3, 11, 14, 5, tzinfo=UTC),
            True,
        ),
        ({"delivery_date": None}, RECEIVED, True),
        ({"delivery_date": "soon"}, RECEIVED, True),
    ],
    ids=["local-germany", "usa-alpha-3-not-in-table", "none", "unreadable"],
)
def test_a_delivery_date_without_an_offset_is_local_at_the_shipping_country(fields, at, approximate):
    (event,) = only(delivered(**fields)).tracker_events
    assert (event.at, event.approximate) == (at, approximate)


@pytest.mark.parametrize(
    ("status", "substatus", "date", "expected", "raw_status"),
    [
        # A delivery's date dates a delivery only.
        ("EXCEPTION", "Exception_011", "2025-03-11T14:05:00+01:00", "returned", "Exception_011"),
        ("EXPIRED", "", "2025-03-11T14:05:00+01:00", "no_information", "EXPIRED"),
        ("DELIVERED", "", None, "delivered", "DELIVERED"),
    ],
)
def test_returned_expired_and_undated_statuses_take_the_arrival_time(
    status, substatus, date, expected, raw_status
):
    (event,) = only(delivered(status=status, substatus=substatus, delivery_date=date)).tracker_events
    assert (event.at, event.status, event.raw_status, event.approximate) == (
        RECEIVED,
        expected,
        raw_status,
        True,
    )


@pytest.mark.parametrize(
    ("status", "substatus"),
    [
        ("IN_TRANSIT", "InTransit_001"),
        ("OUT_FOR_DELIVERY", ""),
        ("FAILED_ATTEMPT", ""),
        ("PENDING", ""),
        ("INFO_RECEIVED", ""),
        ("", ""),
    ],
)
def test_other_statuses_become_no_event(status, substatus):
    assert only(delivered(status=status, substatus=substatus)).tracker_events == ()


def test_a_known_carrier_code_names_the_carrier():
    assert only(delivered(carrier={"code": "dhl", "name": "DHL"})).carrier == "dhl"


# Topics


@pytest.mark.parametrize("topic", ["order/created", "fulfillment/updated", "test"])
def test_a_topic_outside_shipment_status_is_ignored(topic):
    pushed = read(b"not even json", {"X-ParcelPanel-Topic": topic, "X-ParcelPanel-Webhook-Id": "wh-9"})
    assert (pushed.topic, pushed.delivery_id, pushed.numbers) == (topic, "wh-9", ())
    assert pushed.ignored == f"ParcelPanel topic {topic!r} carries no shipment status"


def test_without_headers_a_body_is_read_as_a_shipment_status():
    # A replay of a kept delivery passes no headers.
    pushed = read(sample(SOURCE, DELIVERED), {})
    assert (pushed.topic, pushed.delivery_id) == ("shipment_status/any_update", "")
    assert len(pushed.numbers[0].tracker_events) == 1


# Malformed bodies and values that cannot be stored


@pytest.mark.parametrize(
    "payload",
    [
        b'{"tracking_number": ',
        b"[]",
        {"order_number": "#1001"},
        {"tracking_number": None},
        {"tracking_number": 1000000000001},
        {"tracking_number": "TESTPP1", "carrier": "DHL"},
        {"tracking_number": "TESTPP1", "shipping_address": "DE"},
    ],
    ids=[
        "not-json",
        "not-an-object",
        "no-number",
        "null-number",
        "number-not-a-string",
        "carrier",
        "address",
    ],
)
def test_a_malformed_body_is_a_payload_error(payload):
    with pytest.raises(PayloadError) as raised:
        read(payload)
    assert not isinstance(raised.value, Refused)


@pytest.mark.parametrize(
    ("payload", "headers", "field"),
    [
        (delivered(tracking_number="X" * 65), HEADERS, "tracking_number"),
        (delivered(order_number="#" + "1" * 64), HEADERS, "order_number"),
        (delivered(substatus="X" * 101), HEADERS, "substatus"),
        (delivered(delivery_date="2100-03-11T14:05:00+01:00"), HEADERS, "delivery_date"),
        (delivered(), {"X-ParcelPanel-Webhook-Id": "w" * 201}, "X-ParcelPanel-Webhook-Id"),
    ],
    ids=["number", "order", "substatus", "date-2100", "webhook-id"],
)
def test_a_value_that_cannot_be_stored_is_refused_naming_its_field(payload, headers, field):
    with pytest.raises(Refused, match=rf"^{re.escape(field)} "):
        read(payload, headers)


@pytest.mark.parametrize("name", [IN_TRANSIT, DELIVERED])
def test_hostile_values_in_any_field_are_read_or_refused_and_never_crash(name):
    assert hostile_reading_problems(SOURCE, name) == []


# Through the endpoint


@pytest.mark.django_db
def test_a_signed_delivery_is_stored_once_and_its_number_becomes_a_parcel_of_the_order(client, connection):
    OrderFactory(order_id="#1001")
    body = body_of(delivered(order_number="#1001"))
    response = post_signed(client, SOURCE, SECRET, body)
    assert (response.status_code, outcome(response)) == (
        200,
        {"status": "ok", "events_created": 1, "checkpoints_skipped": 0},
    )
    assert stored() == (1, 1, 1)
    assert TrackingEvent.objects.get().status == "delivered"
    assert parcels() == [("#1001", "TESTPP0000000002")]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.source, delivery.topic) == (SOURCE, "shipment_status/any_update")

    again = post_signed(client, SOURCE, SECRET, body)
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert stored() == (1, 1, 1)


@pytest.mark.django_db
def test_the_same_webhook_id_with_another_body_is_a_duplicate(client, connection):
    first, second = body_of(delivered()), body_of(delivered(residence_time=1))
    headers = {**parcelpanel.sign_delivery(SECRET, first, RECEIVED), "X-ParcelPanel-Webhook-Id": "wh-7"}
    post(client, url(SOURCE), first, headers)
    headers = {**parcelpanel.sign_delivery(SECRET, second, RECEIVED), "X-ParcelPanel-Webhook-Id": "wh-7"}
    assert post(client, url(SOURCE), second, headers).json() == {"status": "duplicate"}


@pytest.mark.django_db
def test_a_delivered_status_is_stored_once_across_redeliveries(client, connection):
    assert outcome(post_signed(client, SOURCE, SECRET, body_of(delivered())))["events_created"] == 1
    later = delivered(residence_time=2, delivery_date=None)  # another body, another webhook id
    assert outcome(post_signed(client, SOURCE, SECRET, body_of(later)))["events_created"] == 0
    assert TrackingEvent.objects.count() == 1


@pytest.mark.django_db
def test_an_in_transit_delivery_stores_the_number_and_its_order_without_an_event(client, connection):
    OrderFactory(order_id="#TEST1001")
    response = post_signed(client, SOURCE, SECRET, sample(SOURCE, IN_TRANSIT))
    assert outcome(response)["events_created"] == 0
    assert stored() == (1, 1, 0)
    assert parcels() == [("#TEST1001", "TESTPP0000000001")]


@pytest.mark.django_db
def test_an_ignored_topic_is_acknowledged_and_writes_nothing(client, connection):
    body = b"{}"
    headers = {**parcelpanel.sign_delivery(SECRET, body, RECEIVED), "X-ParcelPanel-Topic": "order/created"}
    response = post(client, url(SOURCE), body, headers)
    assert (response.status_code, outcome(response)) == (200, {"status": "ignored", "event": "order/created"})
    assert stored() == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [{}, {"X-ParcelPanel-HMAC-SHA256": "AAAA"}, parcelpanel.sign_delivery("another", b"{}", RECEIVED)],
    ids=["missing", "garbage", "other-key"],
)
def test_a_bad_or_missing_signature_is_refused_with_401_and_nothing_stored(client, connection, headers):
    response = post(client, url(SOURCE), body_of(delivered()), headers)
    assert (response.status_code, outcome(response)) == (401, {"error": "invalid signature"})
    assert nothing_stored()


@pytest.mark.django_db
def test_a_body_over_the_size_limit_is_refused_with_413(client, connection, settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 256
    body = body_of(delivered())
    assert len(body) > 256
    assert post_signed(client, SOURCE, SECRET, body).status_code == 413
    assert nothing_stored()


@pytest.mark.django_db
def test_a_malformed_body_is_answered_400_and_a_value_over_its_limit_422(client, connection):
    assert post_signed(client, SOURCE, SECRET, b'{"order_number": "#1"}').status_code == 400
    refused = post_signed(client, SOURCE, SECRET, body_of(delivered(tracking_number="X" * 65)))
    assert refused.status_code == 422
    assert refused.json()["error"].startswith("refused: tracking_number ")
    assert stored() == (0, 0, 0)
