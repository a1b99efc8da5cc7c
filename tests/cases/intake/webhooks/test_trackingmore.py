"""TrackingMore v4 webhooks (cases.intake.webhooks.trackingmore): a token source (no signature that can be
checked), its `data` tracking object read into a number, its checkpoints of both legs, the tracking's own
status and the store's order. Sample body: tests/data/webhooks/trackingmore/ (SOURCES.md)."""

import re
from datetime import UTC, datetime

import pytest

from cases.intake.webhooks import trackingmore
from cases.intake.webhooks.pushed import PayloadError, Refused
from cases.intake.webhooks.sources import SOURCES
from cases.models import Connection, TrackingEvent, WebhookDelivery, WebhookRefusal
from tests.factories import OrderFactory
from tests.helpers.pushed_deliveries import (
    RECEIVED,
    body_of,
    hostile_reading_problems,
    nothing_stored,
    outcome,
    parcels,
    post,
    sample,
    sample_json,
    stored,
    token_url,
    url,
)

SOURCE = "trackingmore"
TOKEN = "tm-token-8d1f2c"
SAMPLE = "tracking_update_transit.json"
NUMBER = "TESTTM0000000001"


def read(payload, received_at=RECEIVED):
    return trackingmore.read(payload if isinstance(payload, bytes) else body_of(payload), {}, received_at)


def only(payload):
    (update,) = read(payload).numbers
    return update


def tracking(*checkpoints, destination=(), **fields) -> dict:
    payload = sample_json(SOURCE, SAMPLE)
    if checkpoints:
        payload["data"]["origin_info"]["trackinfo"] = list(checkpoints)
    payload["data"]["destination_info"]["trackinfo"] = list(destination)
    payload["data"].update(fields)
    return payload


def checkpoint(**fields) -> dict:
    return {
        "checkpoint_date": "2025-03-03T21:10:00+08:00",
        "checkpoint_delivery_status": "transit",
        "checkpoint_delivery_substatus": "transit002",
        "tracking_detail": "Arrived at sorting center",
        "location": "Shenzhen",
        "country_iso2": "CN",
        "state": None,
        "city": "Shenzhen",
        "zip": None,
        "raw_status": "ARR",
        **fields,
    }


@pytest.fixture(autouse=True)
def limits_for_tests(settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 64 * 1024


@pytest.fixture
def connection(db):
    return Connection.objects.create(source=SOURCE, secret=TOKEN)


# Registration


def test_the_source_is_a_token_source_with_a_documented_sample():
    source = SOURCES[SOURCE]
    assert source.by_token and source.verify is None and source.sign is None
    assert source.sample_body() == sample(SOURCE, SAMPLE)
    assert read(source.sample_body()).tracking_numbers == [NUMBER]


# Reading the documented sample


def test_the_sample_gives_its_number_order_and_checkpoints():
    pushed = read(sample(SOURCE, SAMPLE))
    assert (pushed.topic, pushed.delivery_id, pushed.ignored) == ("tracking_update", "", "")
    (update,) = pushed.numbers
    # "example-express" names none of staletrack's carriers: the number's format decides.
    assert (update.number, update.carrier, update.order_id) == (NUMBER, None, "TEST1006")
    assert [(e.at, e.approximate, e.status, e.raw_status) for e in update.events] == [
        (datetime(2025, 3, 3, 13, 10, tzinfo=UTC), False, "in_transit", "transit002"),
        (datetime(2025, 3, 3, 0, 30, tzinfo=UTC), False, "in_transit", "transit001"),
    ]
    assert [(e.description, e.location, e.country) for e in update.events] == [
        ("Arrived at sorting center", "Shenzhen", "CN"),
        ("Parcel accepted", "", ""),
    ]
    assert (update.tracker_events, update.skipped) == ((), ())


def test_both_legs_are_read_and_an_event_they_repeat_is_read_once():
    berlin = checkpoint(
        checkpoint_date="2025-03-10T09:00:00+01:00",
        checkpoint_delivery_status="pickup",
        checkpoint_delivery_substatus="pickup001",
        tracking_detail="Out for delivery",
        location="Berlin",
        country_iso2="DE",
    )
    update = only(tracking(checkpoint(), destination=[checkpoint(), berlin]))
    assert [(e.status, e.country) for e in update.events] == [
        ("in_transit", "CN"),
        ("out_for_delivery", "DE"),
    ]


def test_a_known_courier_code_names_the_carrier():
    assert only(tracking(courier_code="usps")).carrier == "usps"
    payload = tracking(courier_code=None)
    payload["data"]["origin_info"]["courier_code"] = "yunexpress"
    assert only(payload).carrier == "yunexpress"


# Times, places, statuses


@pytest.mark.parametrize(
    ("fields", "at", "approximate"),
    [
        ({}, datetime(2025, 3, 3, 13, 10, tzinfo=UTC), False),
        ({"checkpoint_date": "2025-03-03T13:10:00Z"}, datetime(2025, 3, 3, 13, 10, tzinfo=UTC), False),
        # Without an offset: local time at the checkpoint's country (rules.md section 1), approximate.
        ({"checkpoint_date": "2025-03-03 21:10:00"}, datetime(2025, 3, 3, 13, 10, tzinfo=UTC), True),
        (
            {"checkpoint_date": "2025-07-01 12:00:00", "country_iso2": "DEU"},
            datetime(2025, 7, 1, 10, 0, tzinfo=UTC),
            True,
        ),
        (
            {"checkpoint_date": "2025-03-03 21:10:00", "country_iso2": "US"},
            datetime(2025, 3, 3, 21, 10, tzinfo=UTC),
            True,
        ),
        (
            {"checkpoint_date": "2025-03-03 21:10:00", "country_iso2": None},
            datetime(2025, 3, 3, 21, 10, tzinfo=UTC),
            True,
        ),
    ],
    ids=["offset", "z", "local-china", "local-germany-summer-alpha-3", "usa-not-in-table", "no-country"],
)
def test_a_checkpoints_time(fields, at, approximate):
    (event,) = only(tracking(checkpoint(**fields))).events
    assert (event.at, event.approximate) == (at, approximate)


@pytest.mark.parametrize("when", [None, "", "soon"])
def test_a_checkpoint_without_a_readable_time_is_skipped_with_a_note(when):
    update = only(
        tracking(checkpoint(checkpoint_date=when), checkpoint(checkpoint_date="2025-03-04T08:00:00Z"))
    )
    assert len(update.events) == 1
    (note,) = update.skipped
    assert note.startswith("data.origin_info.trackinfo[0]: ")


def test_location_falls_back_to_city_and_state_and_the_postal_code_is_zip():
    (event,) = only(
        tracking(checkpoint(location="", city="Austell", state="GA", zip="30106", country_iso2="US"))
    ).events
    assert (event.location, event.postal_code, event.country) == ("Austell, GA", "30106", "US")


@pytest.mark.parametrize(
    ("fields", "status", "raw_status"),
    [
        ({"checkpoint_delivery_substatus": "exception010"}, "returned", "exception010"),
        ({"checkpoint_delivery_substatus": "pickup002"}, "available_for_pickup", "pickup002"),
        ({"checkpoint_delivery_substatus": "notfound001"}, "info_received", "notfound001"),
        (
            {"checkpoint_delivery_substatus": "", "checkpoint_delivery_status": "undelivered"},
            "exception",
            "undelivered",
        ),
        (
            {
                "checkpoint_delivery_substatus": None,
                "checkpoint_delivery_status": None,
                "tracking_detail": "Delivered",
            },
            "delivered",
            "",
        ),
    ],
)
def test_a_checkpoints_sub_status_then_status_then_detail_decide(fields, status, raw_status):
    (event,) = only(tracking(checkpoint(**fields))).events
    assert (event.status, event.raw_status) == (status, raw_status)


# The tracking's own status


def test_a_delivered_tracking_without_a_delivery_checkpoint_becomes_one_event_at_its_delivery_date():
    payload = tracking(checkpoint(), delivery_status="delivered", substatus="delivered001")
    payload["data"]["destination_info"]["milestone_date"] = {"delivery_date": "2025-03-11T14:05:00+01:00"}
    (event,) = only(payload).tracker_events
    assert (event.at, event.status, event.raw_status, event.approximate) == (
        datetime(2025, 3, 11, 13, 5, tzinfo=UTC),
        "delivered",
        "delivered001",
        False,
    )
    assert event.description == "TrackingMore: Delivered (tracker status, no carrier event)"


def test_a_delivery_date_without_an_offset_is_read_at_the_destination_country():
    payload = tracking(checkpoint(), delivery_status="delivered", substatus="")
    payload["data"]["origin_info"]["milestone_date"]["delivery_date"] = "2025-03-11 14:05:00"
    (event,) = only(payload).tracker_events
    assert (event.at, event.approximate, event.raw_status) == (
        datetime(2025, 3, 11, 13, 5, tzinfo=UTC),
        True,
        "delivered",
    )


@pytest.mark.parametrize(
    ("main", "sub", "status"),
    [
        ("exception", "exception011", "returned"),
        ("expired", "", "no_information"),
        ("delivered", "", "delivered"),
    ],
)
def test_returned_expired_and_undated_tracker_statuses_take_the_arrival_time(main, sub, status):
    (event,) = only(tracking(checkpoint(), delivery_status=main, substatus=sub)).tracker_events
    assert (event.at, event.status, event.approximate) == (RECEIVED, status, True)


@pytest.mark.parametrize(
    ("main", "sub"),
    [("transit", "transit002"), ("pending", ""), ("notfound", "notfound002"), ("exception", "")],
)
def test_other_tracker_statuses_become_no_event(main, sub):
    assert only(tracking(checkpoint(), delivery_status=main, substatus=sub)).tracker_events == ()


def test_no_tracker_event_when_a_checkpoint_says_the_status():
    delivered = checkpoint(
        checkpoint_delivery_status="delivered", checkpoint_delivery_substatus="delivered001"
    )
    assert only(tracking(delivered, delivery_status="delivered")).tracker_events == ()


# Malformed bodies and values that cannot be stored


@pytest.mark.parametrize(
    "payload",
    [
        b'{"data": ',
        b'"data"',
        {"code": 200},
        {"data": []},
        {"data": {"courier_code": "usps"}},
        {"data": {"tracking_number": ["1Z999"]}},
        {"data": {"tracking_number": NUMBER, "origin_info": "none"}},
        {"data": {"tracking_number": NUMBER, "origin_info": {"trackinfo": {}}}},
        {"data": {"tracking_number": NUMBER, "destination_info": {"trackinfo": [None]}}},
    ],
    ids=[
        "not-json",
        "not-an-object",
        "no-data",
        "data-not-an-object",
        "no-number",
        "number-not-a-string",
        "leg-not-an-object",
        "trackinfo-not-a-list",
        "checkpoint-not-an-object",
    ],
)
def test_a_malformed_body_is_a_payload_error(payload):
    with pytest.raises(PayloadError) as raised:
        read(payload)
    assert not isinstance(raised.value, Refused)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (tracking(tracking_number="X" * 65), "data.tracking_number"),
        (tracking(order_number="#" + "1" * 64), "data.order_number"),
        (tracking(checkpoint(tracking_detail="x" * 501)), "data.origin_info.trackinfo[0].tracking_detail"),
        (tracking(checkpoint(location="x" * 201)), "data.origin_info.trackinfo[0].location"),
        (tracking(checkpoint(zip="9" * 21)), "data.origin_info.trackinfo[0].zip"),
        (
            tracking(checkpoint(checkpoint_delivery_substatus="x" * 101)),
            "data.origin_info.trackinfo[0].checkpoint_delivery_substatus",
        ),
        (
            tracking(destination=[checkpoint(checkpoint_date="2100-01-01T00:00:00Z")]),
            "data.destination_info.trackinfo[0].checkpoint_date",
        ),
    ],
    ids=["number", "order", "detail", "location", "zip", "status", "time-2100"],
)
def test_a_value_that_cannot_be_stored_is_refused_naming_its_field(payload, field):
    with pytest.raises(Refused, match=rf"^{re.escape(field)} "):
        read(payload)


@pytest.mark.parametrize("name", [SAMPLE])
def test_hostile_values_in_any_field_are_read_or_refused_and_never_crash(name):
    assert hostile_reading_problems(SOURCE, name) == []


# Through the endpoint: the token in the URL


@pytest.mark.django_db
def test_the_right_token_is_accepted_once_and_the_number_becomes_a_parcel_of_the_order(client, connection):
    OrderFactory(order_id="#1001")
    body = body_of(tracking(order_number="1001"))
    response = post(client, token_url(TOKEN), body)
    assert (response.status_code, outcome(response)) == (
        200,
        {"status": "ok", "events_created": 2, "checkpoints_skipped": 0},
    )
    assert stored() == (1, 1, 2)
    assert set(TrackingEvent.objects.values_list("source", flat=True)) == {"webhook"}
    assert parcels() == [("#1001", NUMBER)]
    assert WebhookDelivery.objects.get().source == SOURCE

    again = post(client, token_url(TOKEN), body)
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert stored() == (1, 1, 2)


@pytest.mark.django_db
def test_a_delivered_tracking_status_is_stored_once_across_redeliveries(client, connection):
    first = tracking(
        checkpoint(), delivery_status="delivered", substatus="", update_at="2025-03-11T14:00:00+00:00"
    )
    second = tracking(
        checkpoint(), delivery_status="delivered", substatus="", update_at="2025-03-12T08:00:00+00:00"
    )
    assert outcome(post(client, token_url(TOKEN), body_of(first)))["events_created"] == 2
    assert outcome(post(client, token_url(TOKEN), body_of(second)))["events_created"] == 0
    assert TrackingEvent.objects.filter(status="delivered").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["wrong-token", TOKEN.upper(), TOKEN[:-1]])
def test_a_wrong_token_is_404_and_nothing_stored(client, connection, token):
    response = post(client, token_url(token), body_of(tracking()))
    assert (response.status_code, outcome(response)) == (404, {"error": "no such source"})
    assert nothing_stored()
    assert WebhookRefusal.objects.get().status_code == 404


@pytest.mark.django_db
def test_a_switched_off_connection_refuses_its_token(client, connection):
    connection.enabled = False
    connection.save()
    assert post(client, token_url(TOKEN), body_of(tracking())).status_code == 404
    assert nothing_stored()


@pytest.mark.django_db
def test_the_signed_address_does_not_take_a_token_source(client, connection):
    assert post(client, url(SOURCE), body_of(tracking())).status_code == 404
    assert nothing_stored()


@pytest.mark.django_db
def test_a_body_over_the_size_limit_is_refused_with_413(client, connection, settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 512
    body = body_of(tracking())
    assert len(body) > 512
    assert post(client, token_url(TOKEN), body).status_code == 413
    assert nothing_stored()


@pytest.mark.django_db
def test_a_malformed_body_is_answered_400_and_a_value_over_its_limit_422(client, connection):
    assert post(client, token_url(TOKEN), b'{"data": []}').status_code == 400
    refused = post(client, token_url(TOKEN), body_of(tracking(tracking_number="X" * 65)))
    assert refused.status_code == 422
    assert refused.json()["error"].startswith("refused: data.tracking_number ")
    assert stored() == (0, 0, 0)
