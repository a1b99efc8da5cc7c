"""CJdropshipping webhook messages (cases.intake.webhooks.cjdropshipping): the `sign` header, LOGISTIC and
ORDER messages read into numbers, events and the store's orders, everything else ignored. Sample bodies:
tests/data/webhooks/cjdropshipping/ (SOURCES.md)."""

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime

import pytest

from cases.intake.webhooks import cjdropshipping
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

SOURCE = "cjdropshipping"
OPEN_ID = "12312"  # the account's openId: the signing key
NUMBER = "TESTCJ0000000001"


def logistic(**params) -> dict:
    payload = sample_json(SOURCE, "logistic_update.json")
    payload["params"].update(params)
    return payload


def track_event(**fields) -> dict:
    return {
        "status": 5,
        "activity": "Departed from the first-leg hub",
        "location": "SHENZHEN",
        "eventTime": "2025-03-04 10:00:00",
        "statusDesc": "In transit",
        **fields,
    }


def with_events(*events, **params) -> dict:
    return logistic(logisticsTrackEvents=json.dumps(list(events)), **params)


def read(payload, received_at=RECEIVED):
    return cjdropshipping.read(payload if isinstance(payload, bytes) else body_of(payload), {}, received_at)


@pytest.fixture(autouse=True)
def limits_for_tests(settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 64 * 1024


@pytest.fixture
def connection(db):
    return Connection.objects.create(source=SOURCE, secret=OPEN_ID)


# Registration


def test_the_source_is_registered_with_its_signature_and_a_documented_sample():
    source = SOURCES[SOURCE]
    assert not source.by_token
    assert source.sample_body() == sample(SOURCE, "logistic_update.json")
    assert read(source.sample_body()).tracking_numbers == [NUMBER]


# Signature


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body_keyed_with_the_open_id():
    body = b'{"type":"LOGISTIC"}'
    expected = base64.b64encode(hmac.new(OPEN_ID.encode(), body, hashlib.sha256).digest()).decode()
    assert cjdropshipping.sign_delivery(OPEN_ID, body, RECEIVED) == {"sign": expected}
    assert cjdropshipping.verify_delivery(OPEN_ID, body, {"sign": expected}, RECEIVED) == ""


@pytest.mark.parametrize(
    ("secret", "headers", "why"),
    [
        (OPEN_ID, {}, "signature missing"),
        (OPEN_ID, {"sign": ""}, "signature missing"),
        (OPEN_ID, {"sign": "not base64"}, "signature wrong"),
        (OPEN_ID, {"sign": "ünïcode"}, "signature wrong"),
        (
            "99999",
            {"sign": cjdropshipping.sign_delivery(OPEN_ID, b"{}", RECEIVED)["sign"]},
            "signature wrong",
        ),
        ("", {"sign": cjdropshipping.sign_delivery("", b"{}", RECEIVED)["sign"]}, "no secret set"),
    ],
    ids=["missing", "empty", "garbage", "non-ascii", "other-open-id", "empty-secret"],
)
def test_a_missing_or_wrong_signature_never_verifies(secret, headers, why):
    assert cjdropshipping.verify_delivery(secret, b"{}", headers, RECEIVED) == why


# Reading the documented samples


def test_the_logistic_sample_gives_its_number_carrier_order_and_events():
    pushed = read(sample(SOURCE, "logistic_update.json"))
    assert (pushed.topic, pushed.delivery_id, pushed.ignored) == ("LOGISTIC", "0" * 31 + "1", "")
    (update,) = pushed.numbers
    # "CJPacket Ordinary" names none of staletrack's carriers; the tracking provider "USPS" does.
    assert (update.number, update.carrier, update.order_id) == (NUMBER, "usps", "TEST1005")
    assert [(e.status, e.raw_status, e.description, e.location) for e in update.events] == [
        ("delivered", "Delivered", "Delivered, In/At Mailbox", "TESTVILLE,AK 99999"),
        ("out_for_delivery", "Out for delivery", "Out for Delivery", "TESTVILLE,AK 99999"),
    ]
    # No offset and no country: UTC, approximate (rules.md section 1).
    assert [(e.at, e.approximate, e.country) for e in update.events] == [
        (datetime(2025, 3, 11, 7, 59, 22, tzinfo=UTC), True, ""),
        (datetime(2025, 3, 11, 5, 10, tzinfo=UTC), True, ""),
    ]
    assert update.tracker_events == ()  # trackingStatus 12, but an event says delivered
    assert update.skipped == ()


def test_the_order_sample_puts_its_tracking_number_on_the_stores_order():
    pushed = read(sample(SOURCE, "order_update.json"))
    assert (pushed.topic, pushed.delivery_id) == ("ORDER", "0" * 31 + "2")
    (update,) = pushed.numbers
    assert (update.number, update.carrier, update.order_id, update.events) == (NUMBER, "usps", "TEST1005", ())


def test_an_order_message_falls_back_to_the_deprecated_order_num():
    payload = sample_json(SOURCE, "order_update.json")
    del payload["params"]["orderNumber"]
    (update,) = read(payload).numbers
    assert update.order_id == "TEST1005"


# Statuses and times


@pytest.mark.parametrize(
    ("fields", "status", "raw_status"),
    [
        ({"status": 1, "statusDesc": ""}, "info_received", "1"),
        ({"status": 2, "statusDesc": "Forwarder received"}, "accepted", "Forwarder received"),
        ({"status": 9}, "in_transit", "In transit"),
        ({"status": 10}, "out_for_delivery", "In transit"),  # the number decides, the words are kept
        ({"status": 11}, "available_for_pickup", "In transit"),
        ({"status": 13}, "exception", "In transit"),
        ({"status": 14}, "returned", "In transit"),
        ({"status": "12"}, "delivered", "In transit"),
        # No number: CJ's words, else the activity (rules.md section 3b).
        ({"status": None, "statusDesc": "Delivered"}, "delivered", "Delivered"),
        ({"status": None, "statusDesc": "", "activity": "Returned to sender"}, "returned", ""),
        ({"status": 99, "statusDesc": "Mystery", "activity": "Arrived at hub"}, "in_transit", "Mystery"),
    ],
)
def test_an_events_number_decides_its_status_then_its_words_then_its_activity(fields, status, raw_status):
    (event,) = read(with_events(track_event(**fields))).numbers[0].events
    assert (event.status, event.raw_status) == (status, raw_status)


def test_the_carriers_own_activity_location_and_time_are_the_fallback():
    third = track_event(
        activity="",
        location=None,
        eventTime="",
        thirdActivity="Arrived at facility",
        thirdLocation="LOS ANGELES, CA",
        thirdEventTime="2025-03-06 08:00:00",
    )
    (event,) = read(with_events(third)).numbers[0].events
    assert (event.description, event.location, event.at) == (
        "Arrived at facility",
        "LOS ANGELES, CA",
        datetime(2025, 3, 6, 8, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("when", "at", "approximate"),
    [
        ("2025-03-04 10:00:00", datetime(2025, 3, 4, 10, 0, tzinfo=UTC), True),
        ("2025-03-04T10:00:00+08:00", datetime(2025, 3, 4, 2, 0, tzinfo=UTC), False),
        ("2025-03-04", datetime(2025, 3, 4, 0, 0, tzinfo=UTC), True),
    ],
)
def test_event_times_without_an_offset_are_utc_and_approximate(when, at, approximate):
    (event,) = read(with_events(track_event(eventTime=when))).numbers[0].events
    assert (event.at, event.approximate) == (at, approximate)


@pytest.mark.parametrize("when", [None, "", "yesterday", 1741680000])
def test_an_event_without_a_readable_time_is_skipped_with_a_note(when):
    (update,) = read(
        with_events(track_event(eventTime=when), track_event(eventTime="2025-03-05 10:00:00"))
    ).numbers
    assert [e.at for e in update.events] == [datetime(2025, 3, 5, 10, 0, tzinfo=UTC)]
    (note,) = update.skipped
    assert note.startswith("event 1: ")


def test_events_given_as_a_list_are_read_like_the_documented_string():
    (update,) = read(logistic(logisticsTrackEvents=[track_event()])).numbers
    assert [e.status for e in update.events] == ["in_transit"]


@pytest.mark.parametrize("events", [None, "", "[]"])
def test_a_message_without_events_stores_the_number_alone(events):
    (update,) = read(logistic(logisticsTrackEvents=events, trackingStatus=6)).numbers
    assert (update.number, update.events, update.tracker_events) == (NUMBER, (), ())


# The tracking's own status


@pytest.mark.parametrize(("code", "status"), [(12, "delivered"), (14, "returned"), (3, "returned")])
def test_a_delivered_or_returned_tracking_without_such_an_event_becomes_one_tracker_event(code, status):
    (update,) = read(with_events(track_event(), trackingStatus=code)).numbers
    (event,) = update.tracker_events
    assert (event.at, event.status, event.raw_status, event.approximate) == (
        RECEIVED,
        status,
        str(code),
        True,
    )
    assert event.description == cjdropshipping.TRACKER_DESCRIPTIONS[status]
    assert event.description.startswith("CJdropshipping: ")
    assert (event.location, event.country) == ("", "")


@pytest.mark.parametrize("code", [0, 5, 10, 13, None, "x"])
def test_other_tracking_statuses_become_no_event(code):
    assert read(with_events(track_event(), trackingStatus=code)).numbers[0].tracker_events == ()


# Orders


def test_a_shipment_of_several_store_orders_is_a_parcel_of_each():
    pushed = read(logistic(storeOrderNumbers=["#1001", "#1002", "#1001"]))
    assert [(u.number, u.order_id, len(u.events)) for u in pushed.numbers] == [
        (NUMBER, "#1001", 2),
        (NUMBER, "#1002", 0),
    ]


def test_a_logistic_message_without_store_orders_names_no_order():
    payload = logistic()
    del payload["params"]["storeOrderNumbers"]
    (update,) = read(payload).numbers
    assert update.order_id == ""


# Ignored messages


@pytest.mark.parametrize("kind", ["PRODUCT", "VARIANT", "STOCK", "ORDERSPLIT", "SOURCINGCREATE", "MAKEUP"])
def test_messages_other_than_logistics_and_orders_are_ignored(kind):
    pushed = read({"messageId": "m-1", "type": kind, "messageType": "UPDATE", "params": {"pid": "1"}})
    assert (pushed.topic, pushed.delivery_id, pushed.numbers) == (kind, "m-1", ())
    assert pushed.ignored == f"CJdropshipping {kind} messages carry no tracking"


def test_an_order_message_without_a_tracking_number_is_ignored():
    payload = sample_json(SOURCE, "order_update.json")
    payload["params"]["trackNumber"] = None
    pushed = read(payload)
    assert pushed.ignored == "CJdropshipping order message without a tracking number"


def test_a_delete_is_ignored():
    pushed = read({**logistic(), "messageType": "DELETE"})
    assert pushed.numbers == () and "DELETE" in pushed.ignored


# Malformed bodies and values that cannot be stored


@pytest.mark.parametrize(
    "payload",
    [
        b'{"type": "LOGISTIC", "params": ',
        b"[]",
        {"params": {}},
        {"type": "", "params": {}},
        {"type": "LOGISTIC"},
        {"type": "LOGISTIC", "params": []},
        {"type": "LOGISTIC", "params": {"logisticName": "CJPacket"}},
        {"type": "LOGISTIC", "params": {"trackingNumber": 123456789}},
        {"type": "LOGISTIC", "params": {"trackingNumber": "--"}},
        {"type": "LOGISTIC", "params": {"trackingNumber": NUMBER, "logisticsTrackEvents": "[{"}},
        {"type": "LOGISTIC", "params": {"trackingNumber": NUMBER, "logisticsTrackEvents": "{}"}},
        {"type": "LOGISTIC", "params": {"trackingNumber": NUMBER, "logisticsTrackEvents": "[1]"}},
        {"type": "LOGISTIC", "params": {"trackingNumber": NUMBER, "storeOrderNumbers": "#1001"}},
        {"type": "LOGISTIC", "params": {"trackingNumber": NUMBER, "storeOrderNumbers": [{"a": 1}]}},
        {"type": "ORDER", "params": {"trackNumber": "--"}},
    ],
    ids=[
        "not-json",
        "not-an-object",
        "no-type",
        "empty-type",
        "no-params",
        "params-not-an-object",
        "no-number",
        "number-not-a-string",
        "no-number-characters",
        "events-not-json",
        "events-not-a-list",
        "event-not-an-object",
        "orders-not-a-list",
        "order-not-a-string",
        "order-message-number-no-number",
    ],
)
def test_a_malformed_body_is_a_payload_error(payload):
    with pytest.raises(PayloadError) as raised:
        read(payload)
    assert not isinstance(raised.value, Refused)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (logistic(trackingNumber="X" * 65), "params.trackingNumber"),
        (logistic(storeOrderNumbers=["#" + "1" * 64]), "params.storeOrderNumbers[0]"),
        (with_events(track_event(activity="x" * 501)), "params.logisticsTrackEvents[0].activity"),
        (with_events(track_event(location="x" * 201)), "params.logisticsTrackEvents[0].location"),
        (with_events(track_event(statusDesc="x" * 101)), "params.logisticsTrackEvents[0].statusDesc"),
        (
            with_events(track_event(eventTime="1999-12-31 10:00:00")),
            "params.logisticsTrackEvents[0].eventTime",
        ),
        ({"messageId": "m" * 201, "type": "LOGISTIC", "params": {}}, "messageId"),
    ],
    ids=["number", "order", "activity", "location", "status-words", "time-before-2000", "message-id"],
)
def test_a_value_that_cannot_be_stored_is_refused_naming_its_field(payload, field):
    with pytest.raises(Refused, match=rf"^{re.escape(field)} "):
        read(payload)


@pytest.mark.parametrize("name", ["logistic_update.json", "order_update.json"])
def test_hostile_values_in_any_field_are_read_or_refused_and_never_crash(name):
    assert hostile_reading_problems(SOURCE, name) == []


# Through the endpoint


@pytest.mark.django_db
def test_a_signed_logistic_message_is_stored_once_and_its_number_becomes_a_parcel_of_the_order(
    client, connection
):
    OrderFactory(order_id="#1001")
    body = body_of(logistic(storeOrderNumbers=["1001"]))  # CJ writes the shop's order number without '#'
    response = post_signed(client, SOURCE, OPEN_ID, body)
    assert response.status_code == 200
    assert outcome(response) == {"status": "ok", "events_created": 2, "checkpoints_skipped": 0}
    assert stored() == (1, 1, 2)
    assert sorted(TrackingEvent.objects.values_list("status", "source")) == [
        ("delivered", "webhook"),
        ("out_for_delivery", "webhook"),
    ]
    assert parcels() == [("#1001", NUMBER)]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.source, delivery.topic, delivery.delivery_id) == (SOURCE, "LOGISTIC", "0" * 31 + "1")

    again = post_signed(client, SOURCE, OPEN_ID, body)
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert stored() == (1, 1, 2)


@pytest.mark.django_db
def test_the_same_message_id_with_another_body_is_a_duplicate(client, connection):
    post_signed(client, SOURCE, OPEN_ID, body_of(logistic()))
    response = post_signed(client, SOURCE, OPEN_ID, body_of(with_events(track_event())))
    assert response.json() == {"status": "duplicate"}
    assert stored() == (1, 1, 2)


@pytest.mark.django_db
def test_an_order_message_links_the_number_to_the_order(client, connection):
    OrderFactory(order_id="#1001")
    payload = sample_json(SOURCE, "order_update.json")
    payload["params"]["orderNumber"] = "#1001"
    response = post_signed(client, SOURCE, OPEN_ID, body_of(payload))
    assert outcome(response)["status"] == "ok"
    assert parcels() == [("#1001", NUMBER)]


@pytest.mark.django_db
def test_a_delivered_tracking_status_is_stored_once_across_redeliveries(client, connection):
    first = {**with_events(track_event(), trackingStatus=12), "messageId": "a"}
    second = {**first, "messageId": "b"}
    assert outcome(post_signed(client, SOURCE, OPEN_ID, body_of(first)))["events_created"] == 2
    assert outcome(post_signed(client, SOURCE, OPEN_ID, body_of(second)))["events_created"] == 0
    assert TrackingEvent.objects.filter(status="delivered").count() == 1


@pytest.mark.django_db
def test_an_ignored_message_is_acknowledged_and_writes_nothing(client, connection):
    body = body_of({"messageId": "m-1", "type": "STOCK", "params": {}})
    response = post_signed(client, SOURCE, OPEN_ID, body)
    assert (response.status_code, response.json()) == (200, {"status": "ignored", "event": "STOCK"})
    assert stored() == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [{}, {"sign": "AAAA"}, {"sign": cjdropshipping.sign_delivery("99999", b"{}", RECEIVED)["sign"]}],
    ids=["missing", "garbage", "other-key"],
)
def test_a_bad_or_missing_signature_is_refused_with_401_and_nothing_stored(client, connection, headers):
    response = post(client, url(SOURCE), body_of(logistic()), headers)
    assert (response.status_code, response.json()) == (401, {"error": "invalid signature"})
    assert nothing_stored()


@pytest.mark.django_db
def test_a_body_changed_after_signing_is_refused(client, connection):
    body = body_of(logistic())
    headers = cjdropshipping.sign_delivery(OPEN_ID, body, RECEIVED)
    response = post(client, url(SOURCE), body.replace(b"TESTVILLE", b"TESTVILLA"), headers)
    assert response.status_code == 401
    assert nothing_stored()


@pytest.mark.django_db
def test_without_a_connection_every_delivery_is_refused(client):
    response = post_signed(client, SOURCE, OPEN_ID, body_of(logistic()))
    assert response.status_code == 401
    assert nothing_stored()


@pytest.mark.django_db
def test_a_body_over_the_size_limit_is_refused_with_413(client, connection, settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 512
    body = body_of(logistic())
    assert len(body) > 512
    response = post_signed(client, SOURCE, OPEN_ID, body)
    assert response.status_code == 413
    assert nothing_stored()


@pytest.mark.django_db
def test_a_malformed_body_is_answered_400_and_a_value_over_its_limit_422(client, connection):
    malformed = post_signed(client, SOURCE, OPEN_ID, b'{"type": "LOGISTIC", "params": []}')
    assert malformed.status_code == 400
    assert malformed.json()["error"] == 'malformed payload: "params" is not an object'
    refused = post_signed(client, SOURCE, OPEN_ID, body_of(logistic(trackingNumber="X" * 65)))
    assert refused.status_code == 422
    assert refused.json()["error"].startswith("refused: params.trackingNumber ")
    assert stored() == (0, 0, 0)
