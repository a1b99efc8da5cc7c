"""Track123 webhooks (cases.intake.webhooks.track123): the timestamp signature of its Shopify app's headers
(the body is not signed), the API's and the app's bodies read into a number, its events, the tracking's
own status and the store's order. Sample bodies: tests/data/webhooks/track123/ (SOURCES.md)."""

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from cases.intake.webhooks import track123
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

SOURCE = "track123"
API_KEY = "t123-api-key-5b1c"
API = "api_webhook_tracking_update.json"
API_NO_ZONE = "api_webhook_no_zone_fields.json"
APP = "shopify_app_webhook_delivered.json"
STAMP = "1741701900000"  # the help article's sample header, in milliseconds
STAMPED_AT = datetime.fromtimestamp(int(STAMP) / 1000, UTC)


def read(payload, received_at=RECEIVED):
    return track123.read(payload if isinstance(payload, bytes) else body_of(payload), {}, received_at)


def only(payload):
    (update,) = read(payload).numbers
    return update


def app(**fields) -> dict:
    return {**sample_json(SOURCE, APP), **fields}


def app_event(**fields) -> dict:
    return {
        "eventTime": "2025-03-09 12:15:00",
        "eventDetail": "In transit",
        "eventLocation": "DE,BE,Berlin",
        **fields,
    }


def api(*details, **fields) -> dict:
    payload = sample_json(SOURCE, API)
    if details:
        payload["data"]["localLogisticsInfo"]["trackingDetails"] = list(details)
    payload["data"].update(fields)
    return payload


def api_detail(**fields) -> dict:
    return {
        "address": "Shenzhen, CN",
        "timezone": "+08:00",
        "eventDetail": "Arrived at sorting center",
        "eventTime": "2025-03-03 21:10:00",
        "eventTimeZeroUTC": "2025-03-03T13:10:00Z",
        "transitSubStatus": "IN_TRANSIT_02",
        **fields,
    }


def hmac_of(key: str, stamp: str) -> bytes:
    return hmac.new(key.encode(), stamp.encode(), hashlib.sha256).digest()


@pytest.fixture(autouse=True)
def limits_for_tests(settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 64 * 1024


@pytest.fixture
def connection(db):
    return Connection.objects.create(source=SOURCE, secret=API_KEY)


# Registration


def test_the_source_is_registered_with_its_signature_and_a_documented_sample():
    source = SOURCES[SOURCE]
    assert not source.by_token
    assert source.sample_body() == sample(SOURCE, APP)
    assert read(source.sample_body()).tracking_numbers == ["TEST123000000003"]


# Signature: the timestamp only, hex or base64, within five minutes


def test_the_signature_is_an_hmac_sha256_of_the_timestamp_keyed_with_the_api_key():
    headers = track123.sign_delivery(API_KEY, b"{}", STAMPED_AT)
    assert headers == {"X-Track123-Timestamp": STAMP, "X-Track123-Signature": hmac_of(API_KEY, STAMP).hex()}
    assert track123.verify_delivery(API_KEY, b"{}", headers, STAMPED_AT) == ""


@pytest.mark.parametrize(
    "encode",
    [bytes.hex, lambda d: d.hex().upper(), lambda d: base64.b64encode(d).decode()],
    ids=["hex", "upper-hex", "base64"],
)
def test_hex_and_base64_signatures_are_accepted_since_the_encoding_is_not_documented(encode):
    headers = {"X-Track123-Timestamp": STAMP, "X-Track123-Signature": encode(hmac_of(API_KEY, STAMP))}
    assert track123.verify_delivery(API_KEY, b"{}", headers, STAMPED_AT) == ""


def test_the_body_is_not_covered_by_the_signature():
    # What the module docstring warns of: a signed timestamp verifies under any body.
    headers = track123.sign_delivery(API_KEY, b'{"a": 1}', STAMPED_AT)
    assert track123.verify_delivery(API_KEY, b'{"anything": "else"}', headers, STAMPED_AT) == ""


@pytest.mark.parametrize(
    ("skew", "why"),
    [
        (timedelta(0), ""),
        (timedelta(minutes=5), ""),
        (-timedelta(minutes=5), ""),
        (timedelta(minutes=5, seconds=1), "timestamp outside the allowed window"),
        (-timedelta(minutes=5, seconds=1), "timestamp outside the allowed window"),
        (timedelta(days=1), "timestamp outside the allowed window"),
    ],
)
def test_a_timestamp_more_than_five_minutes_from_now_is_refused(skew, why):
    headers = track123.sign_delivery(API_KEY, b"{}", STAMPED_AT)
    assert track123.verify_delivery(API_KEY, b"{}", headers, STAMPED_AT + skew) == why


@pytest.mark.parametrize(
    ("secret", "headers", "why"),
    [
        (API_KEY, {}, "signature missing"),
        (API_KEY, {"X-Track123-Timestamp": STAMP}, "signature missing"),
        (API_KEY, {"X-Track123-Signature": hmac_of(API_KEY, STAMP).hex()}, "timestamp missing"),
        (API_KEY, {"X-Track123-Timestamp": STAMP, "X-Track123-Signature": "00" * 32}, "signature wrong"),
        (API_KEY, {"X-Track123-Timestamp": STAMP, "X-Track123-Signature": "ünïcode"}, "signature wrong"),
        (
            "another key",
            {"X-Track123-Timestamp": STAMP, "X-Track123-Signature": hmac_of(API_KEY, STAMP).hex()},
            "signature wrong",
        ),
        (
            API_KEY,
            {"X-Track123-Timestamp": "1741701900001", "X-Track123-Signature": hmac_of(API_KEY, STAMP).hex()},
            "signature wrong",
        ),
        (
            API_KEY,
            {"X-Track123-Timestamp": "soon", "X-Track123-Signature": hmac_of(API_KEY, "soon").hex()},
            "timestamp is not a time in milliseconds",
        ),
        (
            "",
            {"X-Track123-Timestamp": STAMP, "X-Track123-Signature": hmac_of("", STAMP).hex()},
            "no secret set",
        ),
    ],
    ids=[
        "none",
        "no-signature",
        "no-timestamp",
        "wrong",
        "non-ascii",
        "other-key",
        "other-timestamp",
        "timestamp-not-digits",
        "empty-secret",
    ],
)
def test_a_missing_or_wrong_signature_never_verifies(secret, headers, why):
    assert track123.verify_delivery(secret, b"{}", headers, STAMPED_AT) == why


# Reading the documented samples


def test_the_api_sample_gives_its_number_order_and_events_at_their_utc_times():
    pushed = read(sample(SOURCE, API))
    assert (pushed.topic, pushed.delivery_id, pushed.ignored) == ("tracking_update", "", "")
    (update,) = pushed.numbers
    assert (update.number, update.carrier, update.order_id) == ("TEST123000000001", None, "TEST1001")
    assert [(e.at, e.approximate, e.status, e.raw_status) for e in update.events] == [
        (datetime(2025, 3, 11, 13, 5, tzinfo=UTC), False, "delivered", "DELIVERED_01"),
        (datetime(2025, 3, 11, 6, 40, tzinfo=UTC), False, "out_for_delivery", "WAITING_DELIVERY_01"),
        (datetime(2025, 3, 3, 13, 10, tzinfo=UTC), False, "in_transit", "IN_TRANSIT_02"),
    ]
    # The API's address is free text: it names no country that could be compared.
    first = update.events[0]
    assert (first.location, first.country, first.description) == ("Berlin, DE", "", "Delivered")
    assert update.tracker_events == ()  # DELIVERED, and an event says so
    assert update.skipped == ()


def test_the_api_sample_without_zone_fields_reads_its_time_in_utc_approximate():
    (event,) = only(sample(SOURCE, API_NO_ZONE)).events
    assert (event.at, event.approximate, event.country) == (datetime(2025, 3, 5, 3, 9, tzinfo=UTC), True, "")
    assert (event.status, event.location) == ("in_transit", "AUSTELL, GA")  # Georgia, never Gabon


def test_the_app_sample_gives_its_number_order_and_events_at_local_time_of_their_country():
    update = only(sample(SOURCE, APP))
    assert (update.number, update.order_id) == ("TEST123000000003", "#TEST1004")
    # No status word on the app's events: the description decides (rules.md section 3b).
    assert [(e.status, e.raw_status, e.country, e.location) for e in update.events] == [
        ("delivered", "", "DE", "DE,BE,Berlin"),
        ("in_transit", "", "DE", "DE,BE,Berlin"),
    ]
    # Berlin in March: +01:00.
    assert [(e.at.astimezone(UTC), e.approximate) for e in update.events] == [
        (datetime(2025, 3, 11, 13, 5, tzinfo=UTC), True),
        (datetime(2025, 3, 9, 11, 15, tzinfo=UTC), True),
    ]
    assert update.tracker_events == ()


def test_the_app_names_its_carrier_and_falls_back_to_the_order_number():
    payload = app(orderName="", carrierInfo={"code": "yunexpress", "name": "YunExpress"})
    update = only(payload)
    assert (update.carrier, update.order_id) == ("yunexpress", "1004")


# Times


@pytest.mark.parametrize(
    ("fields", "at", "approximate"),
    [
        # eventTimeZeroUTC when present.
        ({}, datetime(2025, 3, 3, 13, 10, tzinfo=UTC), False),
        # Else eventTime with the event's timezone, or an offset of its own.
        ({"eventTimeZeroUTC": None}, datetime(2025, 3, 3, 13, 10, tzinfo=UTC), False),
        ({"eventTimeZeroUTC": "", "timezone": "-05:00"}, datetime(2025, 3, 4, 2, 10, tzinfo=UTC), False),
        ({"eventTimeZeroUTC": "", "timezone": "GMT+8"}, datetime(2025, 3, 3, 13, 10, tzinfo=UTC), False),
        (
            {"eventTimeZeroUTC": "", "timezone": "", "eventTime": "2025-03-03T21:10:00+09:00"},
            datetime(2025, 3, 3, 12, 10, tzinfo=UTC),
            False,
        ),
        ({"eventTimeZeroUTC": "2025-03-03T13:10:00"}, datetime(2025, 3, 3, 13, 10, tzinfo=UTC), False),
        # An unreadable UTC time is passed over.
        ({"eventTimeZeroUTC": "soon"}, datetime(2025, 3, 3, 13, 10, tzinfo=UTC), False),
        # Neither: UTC, approximate (no country).
        (
            {"eventTimeZeroUTC": "", "timezone": "Asia/Shanghai"},
            datetime(2025, 3, 3, 21, 10, tzinfo=UTC),
            True,
        ),
    ],
    ids=[
        "utc",
        "timezone",
        "negative-offset",
        "gmt-hours",
        "own-offset",
        "utc-without-z",
        "bad-utc",
        "no-zone",
    ],
)
def test_an_api_events_time(fields, at, approximate):
    (event,) = only(api(api_detail(**fields))).events
    assert (event.at, event.approximate) == (at, approximate)


@pytest.mark.parametrize(
    ("location", "country", "utc"),
    [
        ("CN,GD,Shenzhen", "CN", datetime(2025, 3, 9, 4, 15, tzinfo=UTC)),
        ("DEU,BE,Berlin", "DE", datetime(2025, 3, 9, 11, 15, tzinfo=UTC)),
        ("US,CA,Fontana", "US", datetime(2025, 3, 9, 12, 15, tzinfo=UTC)),  # not in the table: UTC
        ("Berlin", "", datetime(2025, 3, 9, 12, 15, tzinfo=UTC)),
        ("XX,Somewhere", "", datetime(2025, 3, 9, 12, 15, tzinfo=UTC)),
    ],
)
def test_an_app_events_time_is_local_at_the_country_its_location_starts_with(location, country, utc):
    (event,) = only(app(trackInfo=[app_event(eventLocation=location)])).events
    assert (event.country, event.at.astimezone(UTC), event.approximate) == (country, utc, True)


@pytest.mark.parametrize("when", [None, "", "yesterday"])
def test_an_event_without_a_readable_time_is_skipped_with_a_note(when):
    update = only(app(trackInfo=[app_event(eventTime=when), app_event(eventTime="2025-03-10 08:00:00")]))
    assert len(update.events) == 1
    (note,) = update.skipped
    assert note.startswith("trackInfo[0]: ")


# Statuses


@pytest.mark.parametrize(
    ("fields", "status", "raw_status"),
    [
        ({"transitSubStatus": "IN_TRANSIT_02"}, "in_transit", "IN_TRANSIT_02"),
        ({"transitSubStatus": "WAITING_DELIVERY_02"}, "available_for_pickup", "WAITING_DELIVERY_02"),
        ({"transitSubStatus": "WAITING_DELIVERY_03"}, "exception", "WAITING_DELIVERY_03"),
        ({"transitSubStatus": "ABNORMAL_07"}, "returned", "ABNORMAL_07"),
        ({"transitSubStatus": "DELIVERY_FAILED_02"}, "exception", "DELIVERY_FAILED_02"),
        ({"transitSubStatus": "", "transitStatus": "DELIVERED"}, "delivered", "DELIVERED"),
        (
            {"transitSubStatus": "SOMETHING_NEW", "eventDetail": "Out for delivery"},
            "out_for_delivery",
            "SOMETHING_NEW",
        ),
        ({"transitSubStatus": None, "eventDetail": "Held by customs"}, "exception", ""),
    ],
)
def test_an_events_sub_status_then_status_then_description_decide(fields, status, raw_status):
    (event,) = only(api(api_detail(**fields))).events
    assert (event.status, event.raw_status) == (status, raw_status)


# The tracking's own status


def test_a_delivered_tracking_without_a_delivery_event_becomes_one_event_at_its_delivered_time():
    update = only(api(api_detail()))  # one in-transit event, the tracking DELIVERED_01
    (event,) = update.tracker_events
    # deliveredTime "2025-03-11 14:05:00" has no zone: read at shipTo (DE, +01:00), approximate.
    assert (event.at, event.status, event.raw_status, event.approximate) == (
        datetime(2025, 3, 11, 13, 5, tzinfo=UTC),
        "delivered",
        "DELIVERED_01",
        True,
    )
    assert event.description == "Track123: Delivered (tracker status, no carrier event)"
    assert (event.location, event.country) == ("", "")


@pytest.mark.parametrize(
    ("fields", "status", "raw_status"),
    [
        ({"transitStatus": "ABNORMAL", "transitSubStatus": "ABNORMAL_06"}, "returned", "ABNORMAL_06"),
        ({"transitStatus": "EXPIRED", "transitSubStatus": ""}, "no_information", "EXPIRED"),
        (
            {"transitStatus": "DELIVERED", "transitSubStatus": "", "deliveredTime": None},
            "delivered",
            "DELIVERED",
        ),
    ],
)
def test_returned_expired_and_undated_tracker_statuses_take_the_arrival_time(fields, status, raw_status):
    (event,) = only(api(api_detail(), **fields)).tracker_events
    assert (event.at, event.status, event.raw_status, event.approximate) == (
        RECEIVED,
        status,
        raw_status,
        True,
    )


@pytest.mark.parametrize(
    ("main", "sub"),
    [("INIT", ""), ("NO_RECORD", ""), ("IN_TRANSIT", "IN_TRANSIT_02"), ("ABNORMAL", "ABNORMAL_02"), ("", "")],
)
def test_other_tracker_statuses_become_no_event(main, sub):
    assert only(api(api_detail(), transitStatus=main, transitSubStatus=sub)).tracker_events == ()


# Malformed bodies and values that cannot be stored


@pytest.mark.parametrize(
    "payload",
    [
        b'{"trackingNumber": ',
        b"[]",
        {"data": []},
        {"data": {"orderNo": "1"}},
        {"data": {"trackNo": 123456789}},
        {"data": {"trackNo": "T123000001", "localLogisticsInfo": []}},
        {"data": {"trackNo": "T123000001", "localLogisticsInfo": {"trackingDetails": {}}}},
        {"data": {"trackNo": "T123000001", "localLogisticsInfo": {"trackingDetails": ["x"]}}},
        {"transitStatus": "Delivered"},
        {"trackingNumber": "T123000001", "trackInfo": "none"},
        {"trackingNumber": "T123000001", "carrierInfo": "Example"},
    ],
    ids=[
        "not-json",
        "not-an-object",
        "data-not-an-object",
        "api-no-number",
        "api-number-not-a-string",
        "leg-not-an-object",
        "details-not-a-list",
        "detail-not-an-object",
        "app-no-number",
        "app-events-not-a-list",
        "app-carrier-not-an-object",
    ],
)
def test_a_malformed_body_is_a_payload_error(payload):
    with pytest.raises(PayloadError) as raised:
        read(payload)
    assert not isinstance(raised.value, Refused)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (app(trackingNumber="X" * 65), "trackingNumber"),
        (app(orderName="#" + "1" * 64), "orderName"),
        (app(trackInfo=[app_event(eventDetail="x" * 501)]), "trackInfo[0].eventDetail"),
        (app(trackInfo=[app_event(eventLocation="DE," + "x" * 200)]), "trackInfo[0].eventLocation"),
        (app(trackInfo=[app_event(eventTime="2100-01-01 12:00:00")]), "trackInfo[0].eventTime"),
        (
            api(api_detail(transitSubStatus="X" * 101)),
            "data.localLogisticsInfo.trackingDetails[0].transitSubStatus",
        ),
        (api(api_detail(address="x" * 201)), "data.localLogisticsInfo.trackingDetails[0].address"),
        (
            api(api_detail(eventTimeZeroUTC="1999-12-31T23:00:00Z")),
            "data.localLogisticsInfo.trackingDetails[0].eventTimeZeroUTC",
        ),
        (api(api_detail(), deliveredTime="1999-01-01 00:00:00"), "data.deliveredTime"),
    ],
    ids=[
        "number",
        "order",
        "description",
        "location",
        "time-2100",
        "status",
        "address",
        "utc-1999",
        "delivered-1999",
    ],
)
def test_a_value_that_cannot_be_stored_is_refused_naming_its_field(payload, field):
    with pytest.raises(Refused, match=rf"^{re.escape(field)} "):
        read(payload)


@pytest.mark.parametrize("name", [API, API_NO_ZONE, APP])
def test_hostile_values_in_any_field_are_read_or_refused_and_never_crash(name):
    assert hostile_reading_problems(SOURCE, name) == []


# Through the endpoint


@pytest.mark.django_db
def test_a_signed_delivery_is_stored_once_and_its_number_becomes_a_parcel_of_the_order(client, connection):
    OrderFactory(order_id="#1001")
    body = body_of(app(orderName="#1001"))
    response = post_signed(client, SOURCE, API_KEY, body)
    assert (response.status_code, outcome(response)) == (
        200,
        {"status": "ok", "events_created": 2, "checkpoints_skipped": 0},
    )
    assert stored() == (1, 1, 2)
    assert sorted(TrackingEvent.objects.values_list("status", flat=True)) == ["delivered", "in_transit"]
    assert parcels() == [("#1001", "TEST123000000003")]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.source, delivery.topic, delivery.delivery_id) == (SOURCE, "tracking_update", "")

    # Track123 sends no delivery id: the same body, signed anew, is a duplicate by its digest.
    again = post_signed(client, SOURCE, API_KEY, body)
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert stored() == (1, 1, 2)


@pytest.mark.django_db
def test_the_api_body_is_read_through_the_endpoint_too(client, connection):
    response = post_signed(client, SOURCE, API_KEY, sample(SOURCE, API))
    assert outcome(response)["events_created"] == 3


@pytest.mark.django_db
def test_a_delivered_tracking_status_is_stored_once_across_redeliveries(client, connection):
    first = api(api_detail())
    second = api(api_detail(), lastTrackingTime="2025-03-12 08:00:00")
    assert outcome(post_signed(client, SOURCE, API_KEY, body_of(first)))["events_created"] == 2
    assert outcome(post_signed(client, SOURCE, API_KEY, body_of(second)))["events_created"] == 0
    assert TrackingEvent.objects.filter(status="delivered").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Track123-Timestamp": STAMP},
        {"X-Track123-Timestamp": STAMP, "X-Track123-Signature": hmac_of("another key", STAMP).hex()},
    ],
    ids=["missing", "no-signature", "other-key"],
)
def test_a_bad_or_missing_signature_is_refused_with_401_and_nothing_stored(client, connection, headers):
    response = post(client, url(SOURCE), body_of(app()), headers)
    assert (response.status_code, outcome(response)) == (401, {"error": "invalid signature"})
    assert nothing_stored()


@pytest.mark.django_db
def test_a_stale_timestamp_is_refused_with_401(client, connection):
    response = post_signed(client, SOURCE, API_KEY, body_of(app()), now=timezone.now() - timedelta(minutes=6))
    assert response.status_code == 401
    assert nothing_stored()


@pytest.mark.django_db
def test_a_body_over_the_size_limit_is_refused_with_413(client, connection, settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 512
    body = body_of(app())
    assert len(body) > 512
    assert post_signed(client, SOURCE, API_KEY, body).status_code == 413
    assert nothing_stored()


@pytest.mark.django_db
def test_a_malformed_body_is_answered_400_and_a_value_over_its_limit_422(client, connection):
    assert post_signed(client, SOURCE, API_KEY, b'{"data": []}').status_code == 400
    refused = post_signed(client, SOURCE, API_KEY, body_of(app(trackingNumber="X" * 65)))
    assert refused.status_code == 422
    assert refused.json()["error"].startswith("refused: trackingNumber ")
    assert stored() == (0, 0, 0)
