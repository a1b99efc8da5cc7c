"""Shippo track_updated webhooks (cases.intake.webhooks.shippo): a token source (Shippo's URL token), its
tracking read into a number, its history's events, the tracking's own status and the order its metadata
names; other events ignored. Sample body: tests/data/webhooks/shippo/ (SOURCES.md)."""

import re
from datetime import UTC, datetime

import pytest

from cases.intake.webhooks import shippo
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
    sample,
    sample_json,
    stored,
    token_url,
    url,
)

SOURCE = "shippo"
TOKEN = "shippo-token-4e7a91"
SAMPLE = "track_updated.json"
NUMBER = "TESTSHIPPO00000001"


def read(payload, received_at=RECEIVED):
    return shippo.read(payload if isinstance(payload, bytes) else body_of(payload), {}, received_at)


def only(payload):
    (update,) = read(payload).numbers
    return update


def track(*history, latest=None, **fields) -> dict:
    payload = sample_json(SOURCE, SAMPLE)
    if history:
        payload["data"]["tracking_history"] = list(history)
    if latest is not None:
        payload["data"]["tracking_status"] = latest
    payload["data"].update(fields)
    return payload


def status(**fields) -> dict:
    return {
        "object_id": "status-1",
        "status": "TRANSIT",
        "status_details": "Departed facility.",
        "status_date": "2025-03-03T08:00:00Z",
        "substatus": None,
        "location": {"city": "Reno", "state": "NV", "zip": "89501", "country": "US"},
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


def test_the_sample_gives_its_number_carrier_order_and_history():
    pushed = read(sample(SOURCE, SAMPLE))
    assert (pushed.topic, pushed.delivery_id, pushed.ignored) == ("track_updated", "0" * 30 + "13", "")
    (update,) = pushed.numbers
    assert (update.number, update.carrier, update.order_id) == (NUMBER, "usps", "TEST1007")
    assert [(e.at, e.approximate, e.status, e.raw_status) for e in update.events] == [
        (datetime(2025, 3, 1, 18, 0, tzinfo=UTC), False, "info_received", "PRE_TRANSIT"),
        (datetime(2025, 3, 2, 15, 20, tzinfo=UTC), False, "in_transit", "TRANSIT"),
        (datetime(2025, 3, 5, 19, 5, tzinfo=UTC), False, "delivered", "DELIVERED"),
    ]
    assert [(e.description, e.location, e.country, e.postal_code) for e in update.events] == [
        ("Shipping label created.", "", "", ""),
        ("Accepted at origin facility.", "Testville, CA", "US", "99999"),
        ("Delivered, In/At Mailbox.", "Exampletown, NV", "US", "88888"),
    ]
    # The latest status is the history's last entry: read once, and no tracker event beside it.
    assert (update.tracker_events, update.skipped) == ((), ())


def test_the_latest_status_is_an_event_when_the_history_lacks_it():
    latest = status(object_id="status-9", status="DELIVERED", status_date="2025-03-05T19:05:00Z")
    update = only(track(status(), latest=latest))
    assert [e.status for e in update.events] == ["in_transit", "delivered"]
    assert update.tracker_events == ()


# Times, statuses


@pytest.mark.parametrize(
    ("fields", "at", "approximate"),
    [
        ({}, datetime(2025, 3, 3, 8, 0, tzinfo=UTC), False),
        ({"status_date": "2025-03-03T08:00:00-08:00"}, datetime(2025, 3, 3, 16, 0, tzinfo=UTC), False),
        # Without an offset (Shippo says UTC): local at the location's country, approximate.
        (
            {"status_date": "2025-03-03T09:00:00", "location": {"country": "DEU"}},
            datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
            True,
        ),
        (
            {"status_date": "2025-03-03T08:00:00", "location": None},
            datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
            True,
        ),
    ],
    ids=["z", "offset", "local-germany-alpha-3", "no-location"],
)
def test_a_status_date(fields, at, approximate):
    (event,) = only(track(status(**fields), latest=status(**fields))).events
    assert (event.at, event.approximate) == (at, approximate)


@pytest.mark.parametrize("when", [None, "", "soon"])
def test_an_entry_without_a_readable_date_is_skipped_with_a_note(when):
    update = only(
        track(status(status_date=when, object_id="a"), status(object_id="b"), latest=status(object_id="b"))
    )
    assert len(update.events) == 1
    (note,) = update.skipped
    assert note.startswith("data.tracking_history[0]: ")


@pytest.mark.parametrize(
    ("fields", "expected", "raw_status"),
    [
        ({"status": "UNKNOWN", "status_details": "Delivered"}, "no_information", "UNKNOWN"),
        ({"status": "PRE_TRANSIT"}, "info_received", "PRE_TRANSIT"),
        ({"status": "RETURNED"}, "returned", "RETURNED"),
        ({"status": "FAILURE"}, "exception", "FAILURE"),
        ({"status": None, "status_details": "Out for delivery"}, "out_for_delivery", ""),
        ({"status": "SIDEWAYS", "status_details": "Arrived at hub"}, "in_transit", "SIDEWAYS"),
    ],
)
def test_the_status_then_its_details_decide(fields, expected, raw_status):
    (event,) = only(track(status(**fields), latest=status(**fields))).events
    assert (event.status, event.raw_status) == (expected, raw_status)


# The tracking's own status


@pytest.mark.parametrize("word", ["DELIVERED", "RETURNED"])
def test_an_undated_delivered_or_returned_status_becomes_one_tracker_event(word):
    update = only(track(status(), latest=status(object_id="x", status=word, status_date=None)))
    (event,) = update.tracker_events
    assert (event.at, event.status, event.raw_status, event.approximate) == (
        RECEIVED,
        word.lower(),
        word,
        True,
    )
    assert event.description == shippo.TRACKER_DESCRIPTIONS[word.lower()]
    assert update.skipped == ("data.tracking_status: no status_date",)


@pytest.mark.parametrize("word", ["TRANSIT", "UNKNOWN", "FAILURE", "PRE_TRANSIT"])
def test_other_undated_statuses_become_no_event(word):
    assert (
        only(track(status(), latest=status(object_id="x", status=word, status_date=None))).tracker_events
        == ()
    )


# The order


@pytest.mark.parametrize(
    ("fields", "order_id"),
    [
        ({"metadata": "#1001"}, "#1001"),
        ({"metadata": "Order #1001"}, "#1001"),
        ({"metadata": "order: 1001"}, "1001"),
        ({"metadata": "ORDER-1001"}, "ORDER-1001"),
        ({"metadata": "Gift for mum"}, ""),
        ({"metadata": ""}, ""),
        ({"metadata": None}, ""),
        ({"metadata": "x", "order": "#2002"}, "#2002"),
        ({"metadata": "", "order": {"order_number": "#2003"}}, "#2003"),
    ],
)
def test_the_order_is_read_from_metadata_naming_one(fields, order_id):
    assert only(track(**fields)).order_id == order_id


# Other events, malformed bodies, values that cannot be stored


@pytest.mark.parametrize("event", ["transaction_created", "transaction_updated", "batch_created", "all"])
def test_other_events_are_ignored(event):
    pushed = read({"event": event, "test": False, "data": {"object_id": "t-1"}})
    assert (pushed.topic, pushed.numbers) == (event, ())
    assert pushed.ignored == f"Shippo event {event!r} carries no tracking"


@pytest.mark.parametrize(
    "payload",
    [
        b'{"event": "track_updated", ',
        b"[]",
        {"data": {}},
        {"event": "track_updated"},
        {"event": "track_updated", "data": []},
        {"event": "track_updated", "data": {"carrier": "usps"}},
        {"event": "track_updated", "data": {"tracking_number": NUMBER, "tracking_history": {}}},
        {"event": "track_updated", "data": {"tracking_number": NUMBER, "tracking_history": [1]}},
        {"event": "track_updated", "data": {"tracking_number": NUMBER, "tracking_status": "DELIVERED"}},
        {
            "event": "track_updated",
            "data": {"tracking_number": NUMBER, "tracking_history": [status(location="NV")]},
        },
    ],
    ids=[
        "not-json",
        "not-an-object",
        "no-event",
        "no-data",
        "data-not-an-object",
        "no-number",
        "history-not-a-list",
        "entry-not-an-object",
        "status-not-an-object",
        "location-not-an-object",
    ],
)
def test_a_malformed_body_is_a_payload_error(payload):
    with pytest.raises(PayloadError) as raised:
        read(payload)
    assert not isinstance(raised.value, Refused)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (track(tracking_number="X" * 65), "data.tracking_number"),
        (track(metadata="#" + "1" * 64), "data.metadata"),
        (track(status(status_details="x" * 501)), "data.tracking_history[0].status_details"),
        (track(status(status="X" * 101)), "data.tracking_history[0].status"),
        (track(status(location={"city": "x" * 201})), "data.tracking_history[0].location.city and state"),
        (track(status(location={"zip": "9" * 21})), "data.tracking_history[0].location.zip"),
        (track(status(status_date="1970-01-01T00:00:00Z")), "data.tracking_history[0].status_date"),
        (track(latest=status(object_id="o" * 201)), "data.tracking_status.object_id"),
    ],
    ids=["number", "order", "details", "status", "location", "zip", "time-1970", "object-id"],
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
    body = body_of(track(metadata="Order #1001"))
    response = post(client, token_url(TOKEN), body)
    assert (response.status_code, outcome(response)) == (
        200,
        {"status": "ok", "events_created": 3, "checkpoints_skipped": 0},
    )
    assert stored() == (1, 1, 3)
    assert parcels() == [("#1001", NUMBER)]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.source, delivery.topic, delivery.delivery_id) == (
        SOURCE,
        "track_updated",
        "0" * 30 + "13",
    )

    again = post(client, token_url(TOKEN), body)
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    # The same status object with another body (Shippo re-sent it): a duplicate by its id.
    changed = post(client, token_url(TOKEN), body_of(track(metadata="Order #1001", eta=None)))
    assert changed.json() == {"status": "duplicate"}
    assert stored() == (1, 1, 3)


@pytest.mark.django_db
def test_an_undated_delivered_status_is_stored_once_across_redeliveries(client, connection):
    for object_id in ("x-1", "x-2"):
        latest = status(object_id=object_id, status="DELIVERED", status_date=None)
        post(client, token_url(TOKEN), body_of(track(status(), latest=latest)))
    assert TrackingEvent.objects.filter(status="delivered").count() == 1
    assert WebhookDelivery.objects.count() == 2


@pytest.mark.django_db
def test_other_events_are_acknowledged_and_write_nothing(client, connection):
    response = post(client, token_url(TOKEN), body_of({"event": "transaction_created", "data": {}}))
    assert (response.status_code, outcome(response)) == (
        200,
        {"status": "ignored", "event": "transaction_created"},
    )
    assert stored() == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["wrong-token", TOKEN + "x", ""])
def test_a_wrong_token_is_404_and_nothing_stored(client, connection, token):
    response = post(client, token_url(token) if token else "/webhooks/token//", body_of(track()))
    assert response.status_code == 404
    assert nothing_stored()


@pytest.mark.django_db
def test_a_token_is_read_by_its_own_connections_source(client, connection):
    Connection.objects.create(source="trackingmore", secret="tm-token")
    post(client, token_url("tm-token"), body_of(track()))
    post(client, token_url(TOKEN), body_of(track(metadata="another body")))
    assert sorted(WebhookDelivery.objects.values_list("source", "topic")) == [
        ("shippo", "track_updated"),
        ("trackingmore", "tracking_update"),
    ]


@pytest.mark.django_db
def test_the_signed_address_does_not_take_a_token_source(client, connection):
    assert post(client, url(SOURCE), body_of(track())).status_code == 404
    assert nothing_stored()


@pytest.mark.django_db
def test_a_body_over_the_size_limit_is_refused_with_413(client, connection, settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 1024
    body = body_of(track())
    assert len(body) > 1024
    assert post(client, token_url(TOKEN), body).status_code == 413
    assert nothing_stored()


@pytest.mark.django_db
def test_a_malformed_body_is_answered_400_and_a_value_over_its_limit_422(client, connection):
    assert post(client, token_url(TOKEN), b'{"event": "track_updated", "data": []}').status_code == 400
    refused = post(client, token_url(TOKEN), body_of(track(tracking_number="X" * 65)))
    assert refused.status_code == 422
    assert refused.json()["error"].startswith("refused: data.tracking_number ")
    assert stored() == (0, 0, 0)
