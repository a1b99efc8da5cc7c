"""The AfterShip tracking webhook (docs/webhook.md): signed, size-capped, idempotent, and the one path
to stored events is cases.tracking.services. No broker: queued re-assessments are read from the
on-commit callbacks."""

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from cases.assessment.facts import TrackingEvent as EventFacts
from cases.choices import DeliveryVerdict
from cases.countries import COUNTRIES
from cases.countries_iso3 import ISO3_TO_ISO2
from cases.intake.webhooks.aftership import PayloadError, parse
from cases.intake.webhooks.pushed import tracker_events_to_store
from cases.intake.webhooks.signature import sign, verify
from cases.models import TrackingEvent, TrackingNumber, WebhookDelivery
from cases.services.assessment import sweep_due_cases
from cases.tracking import services as tracking
from tests.factories import OrderFactory
from tests.helpers.clock import import_label_only_cases
from tests.helpers.failures import failing_on_call
from tests.helpers.pushed_deliveries import outcome
from tests.helpers.webhook_bodies import NUMBER, SECRET, URL, body_of, checkpoint


def post(client, body: bytes, signature: str | None = "sign"):
    headers = {}
    if signature == "sign":
        headers["aftership-hmac-sha256"] = sign(SECRET, body)
    elif signature is not None:
        headers["aftership-hmac-sha256"] = signature
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def stored():
    """Applied deliveries, numbers and events: a refused delivery is kept (refused, its body for a replay)
    and writes none of these."""
    applied = WebhookDelivery.objects.filter(verdict=DeliveryVerdict.APPLIED).count()
    return (applied, TrackingNumber.objects.count(), TrackingEvent.objects.count())


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.TRACKING_WEBHOOK_SECRET = SECRET
    settings.TRACKING_WEBHOOK_MAX_BYTES = 64 * 1024


@pytest.fixture
def order():
    order = OrderFactory()
    number, _ = tracking.get_or_create_number(NUMBER)
    tracking.link_number(order, number)
    return order


def queued_order_pks(callbacks) -> list[list[int]]:
    """The order pks each captured on-commit callback queues reassess_cases_task with."""
    with mock.patch("cases.tasks.reassess_cases_task.delay") as delay:
        for callback in callbacks:
            callback()
    return [call.args[0] for call in delay.call_args_list]


# Routing and method


def test_the_route_is_named_webhooks_aftership():
    assert reverse("webhooks:aftership") == URL


@pytest.mark.django_db
def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405


# Accepting, once


@pytest.mark.django_db
def test_a_signed_delivery_stores_its_events_and_queues_the_order_after_commit(
    client, order, django_capture_on_commit_callbacks
):
    body = body_of(checkpoint("2026-11-11T10:00:00+08:00", "InTransit", "InTransit_002"), checkpoint())
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, body)
    assert response.status_code == 200
    assert outcome(response) == {"status": "ok", "events_created": 2, "checkpoints_skipped": 0}
    events = list(TrackingEvent.objects.order_by("at"))
    assert [(e.status, e.raw_status, e.source) for e in events] == [
        ("accepted", "InTransit_002", "webhook"),
        ("in_transit", "InTransit_001", "webhook"),
    ]
    assert events[0].at == datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
    assert (events[0].location, events[0].country, events[0].postal_code) == ("Shenzhen", "CN", "518000")
    assert queued_order_pks(callbacks) == [[order.pk]]


@pytest.mark.django_db
def test_a_delivery_is_recorded_with_its_event_id_number_and_event_count(client, order):
    post(client, body_of(checkpoint()))
    delivery = WebhookDelivery.objects.get()
    assert delivery.source == "aftership"
    assert delivery.delivery_id == "3f645f5e-530b-4062-8695-db6a64420af8"
    assert delivery.tracking_numbers == [NUMBER]
    assert delivery.events_created == 1
    assert len(delivery.body_sha256) == 64


@pytest.mark.django_db
def test_a_redelivery_of_the_same_body_is_a_duplicate_and_writes_nothing(
    client, order, django_capture_on_commit_callbacks
):
    body = body_of(checkpoint())
    post(client, body)
    before = stored()
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, body)
    assert response.status_code == 200
    assert response.json() == {"status": "duplicate"}
    assert stored() == before
    assert callbacks == []


@pytest.mark.django_db
def test_a_repeated_event_id_is_a_duplicate_even_with_another_body(client, order):
    post(client, body_of(checkpoint()))
    before = stored()
    response = post(client, body_of(checkpoint(), checkpoint("2026-11-13T09:30:00+08:00")))
    assert response.json() == {"status": "duplicate"}
    assert stored() == before


@pytest.mark.django_db
def test_an_identical_delivery_that_wins_the_race_makes_this_one_a_duplicate(client, order):
    # What the loser of two simultaneous identical deliveries sees: its event id was not stored yet when
    # it looked, but the unique body digest is by the time it inserts.
    body = body_of(checkpoint())
    WebhookDelivery.objects.create(body_sha256=hashlib.sha256(body).hexdigest())
    response = post(client, body)
    assert response.json() == {"status": "duplicate"}
    assert TrackingEvent.objects.count() == 0


@pytest.mark.django_db
def test_another_body_with_an_event_id_that_won_the_race_is_a_duplicate(client, order):
    # Its event id was not stored yet when it looked; the unique (source, event id) stops its insert.
    body = body_of(checkpoint(), checkpoint("2026-11-13T09:30:00+08:00"))
    WebhookDelivery.objects.create(delivery_id=json.loads(body)["event_id"], body_sha256="another body")
    with mock.patch.object(WebhookDelivery.objects, "filter", return_value=WebhookDelivery.objects.none()):
        response = post(client, body)
    assert response.json() == {"status": "duplicate"}
    assert TrackingEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_concurrent_write_of_the_same_events_is_retried_once(client, order):
    lose_the_race_once = failing_on_call(
        tracking.add_events, call=1, error=IntegrityError("tracking_event_once")
    )
    with mock.patch("cases.intake.webhooks.services.tracking.add_events", side_effect=lose_the_race_once):
        response = post(client, body_of(checkpoint()))
    assert outcome(response)["events_created"] == 1
    assert (WebhookDelivery.objects.count(), TrackingEvent.objects.count()) == (1, 1)


@pytest.mark.django_db
def test_overlapping_checkpoints_in_two_deliveries_are_stored_once(
    client, order, django_capture_on_commit_callbacks
):
    first, second, third = (
        checkpoint("2026-11-11T10:00:00+08:00", "InTransit", "InTransit_002"),
        checkpoint("2026-11-12T09:30:00+08:00"),
        checkpoint("2026-11-14T08:00:00+01:00", "OutForDelivery", "OutForDelivery_001"),
    )
    post(client, body_of(first, second, event_id="event-1"))
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, body_of(first, second, third, event_id="event-2"))
    assert outcome(response)["events_created"] == 1
    assert TrackingEvent.objects.count() == 3
    assert queued_order_pks(callbacks) == [[order.pk]]


@pytest.mark.django_db
def test_a_delivery_that_adds_no_new_event_queues_nothing(client, order, django_capture_on_commit_callbacks):
    post(client, body_of(checkpoint(), event_id="event-1"))
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, body_of(checkpoint(), event_id="event-2"))
    assert outcome(response)["events_created"] == 0
    assert WebhookDelivery.objects.count() == 2
    assert callbacks == []


@pytest.mark.django_db
def test_an_unknown_number_is_stored_with_its_events_and_queues_nothing(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, body_of(checkpoint(), number="lx 123-456-785 cn"))
    assert outcome(response)["events_created"] == 1
    number = TrackingNumber.objects.get()
    assert number.normalized == "LX123456785CN"
    assert number.events.count() == 1
    assert callbacks == []


@pytest.mark.django_db
def test_other_aftership_events_are_acknowledged_and_ignored(client):
    body = json.dumps({"event": "edd_revise", "event_id": "e-1", "msg": {"tracking_number": NUMBER}}).encode()
    response = post(client, body)
    assert response.status_code == 200
    assert response.json() == {"status": "ignored", "event": "edd_revise"}
    assert stored() == (0, 0, 0)


# Refusals: nothing stored


@pytest.mark.django_db
def test_a_wrong_signature_is_refused_with_401_and_nothing_stored(client, order):
    before = stored()
    body = body_of(checkpoint())
    response = post(client, body, signature=sign("another secret", body))
    assert response.status_code == 401
    assert response.json() == {"error": "invalid signature"}
    assert stored() == before


@pytest.mark.django_db
def test_a_body_changed_after_signing_is_refused_with_401(client):
    body = body_of(checkpoint())
    response = post(client, body.replace(b"Shenzhen", b"Shenzhe_"), signature=sign(SECRET, body))
    assert response.status_code == 401


@pytest.mark.django_db
def test_a_missing_signature_is_refused_with_401(client):
    response = post(client, body_of(checkpoint()), signature=None)
    assert response.status_code == 401
    assert stored() == (0, 0, 0)


@pytest.mark.django_db
def test_an_empty_secret_refuses_every_delivery_even_one_signed_with_the_empty_key(client, settings):
    settings.TRACKING_WEBHOOK_SECRET = ""
    body = body_of(checkpoint())
    response = post(client, body, signature=sign("", body))
    assert response.status_code == 401
    assert stored() == (0, 0, 0)


@pytest.mark.django_db
def test_malformed_json_is_refused_with_400(client):
    response = post(client, b'{"event": "tracking_update", "msg": ')
    assert response.status_code == 400
    assert response.json() == {
        "error": "malformed payload: the body is not valid JSON: Expecting value at line 1, column 37"
    }
    assert stored() == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"msg": {"tracking_number": NUMBER}},
        {"event": "tracking_update"},
        {"event": "tracking_update", "msg": {"checkpoints": []}},
        {"event": "tracking_update", "msg": {"tracking_number": NUMBER, "checkpoints": {}}},
        {"event": "tracking_update", "msg": {"tracking_number": NUMBER, "checkpoints": ["in transit"]}},
        {"event": "tracking_update", "msg": {"tracking_number": 9361289676091361892011}},
    ],
    ids=[
        "not-an-object",
        "no-event",
        "no-msg",
        "no-number",
        "checkpoints-not-a-list",
        "checkpoint-not-an-object",
        "number-not-a-string",
    ],
)
def test_json_of_the_wrong_shape_is_refused_with_400(client, payload):
    response = post(client, json.dumps(payload).encode())
    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed payload: ")
    assert stored() == (0, 0, 0)


@pytest.mark.django_db
def test_an_oversized_body_is_refused_with_413_and_nothing_stored(client, order, settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 1024
    body = body_of(*[checkpoint(f"2026-11-{day:02d}T09:30:00+08:00") for day in range(1, 29)])
    assert len(body) > 1024
    before = stored()
    response = post(client, body)
    assert response.status_code == 413
    assert stored() == before


@pytest.mark.django_db
def test_a_refusal_is_logged_without_the_secret_the_signature_or_the_body(client, caplog):
    body = body_of(checkpoint(message="Parcel for Jane Doe, 12 Secret Lane"))
    wrong = sign("another secret", body)
    with caplog.at_level(logging.WARNING, logger="cases.intake.webhooks.services"):
        post(client, body, signature=wrong)
    assert "refused with 401" in caplog.text
    for leaked in (SECRET, wrong, "Secret Lane", NUMBER):
        assert leaked not in caplog.text


# Reading checkpoints


@pytest.mark.parametrize(
    ("tag", "subtag", "status", "raw_status"),
    [
        ("InTransit", "InTransit_002", "accepted", "InTransit_002"),  # acceptance scan
        ("Exception", "Exception_011", "returned", "Exception_011"),  # returned to sender
        ("Exception", "Exception_010", "returned", "Exception_010"),  # returning to sender
        ("Exception", "Exception_013", "exception", "Exception_013"),  # lost
        ("InTransit", "InTransit_007", "in_transit", "InTransit_007"),  # unlisted code: its parent tag
        ("AttemptFail", "AttemptFail_001", "exception", "AttemptFail_001"),
        ("Delivered", "Delivered_001", "delivered", "Delivered_001"),
        ("Pending", "Pending_001", "no_information", "Pending_001"),
        ("InTransit", "", "in_transit", "InTransit"),  # no subtag: the tag decides
        ("Exception", "Somethingelse", "exception", "Exception"),  # unmappable subtag: the tag decides
        ("Sideways", "", "unknown", "Sideways"),  # kept as raw_status; "scan" says nothing known (3b)
    ],
)
def test_the_subtag_refines_the_tag(tag, subtag, status, raw_status):
    (event,) = parse(body_of(checkpoint(tag=tag, subtag=subtag, message="scan"))).events
    assert (event.status, event.raw_status) == (status, raw_status)


@pytest.mark.parametrize("when", [None, "", "yesterday", 1794470400])
def test_a_checkpoint_without_a_readable_time_is_skipped_with_a_note(when):
    update = parse(body_of(checkpoint(at=when), checkpoint("2026-11-13T09:30:00Z")))
    assert [event.at for event in update.events] == [datetime(2026, 11, 13, 9, 30, tzinfo=UTC)]
    (note,) = update.skipped
    assert note.startswith("checkpoint 1: ")


def test_a_checkpoint_with_an_offset_is_exact():
    (event,) = parse(body_of(checkpoint("2026-11-12T09:30:00+08:00"))).events
    assert (event.at, event.approximate) == (datetime(2026, 11, 12, 1, 30, tzinfo=UTC), False)


@pytest.mark.parametrize(
    ("when", "fields", "utc"),
    [
        # China: Asia/Shanghai, +08:00 all year.
        ("2026-11-12T09:30:00", {"country_iso3": "CHN"}, datetime(2026, 11, 12, 1, 30, tzinfo=UTC)),
        # Germany in summer time (+02:00) and in winter time (+01:00), named in alpha-3 or alpha-2.
        ("2026-07-01T12:00:00", {"country_iso3": "DEU"}, datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),
        (
            "2026-11-12T12:00:00",
            {"country_iso3": None, "country_region": "DE"},
            datetime(2026, 11, 12, 11, 0, tzinfo=UTC),
        ),
        # A country the rules.md section 1 table does not name, and none: UTC.
        ("2026-11-12T09:30:00", {"country_iso3": "USA"}, datetime(2026, 11, 12, 9, 30, tzinfo=UTC)),
        ("2026-11-12T09:30:00", {"country_iso3": None}, datetime(2026, 11, 12, 9, 30, tzinfo=UTC)),
        # A date alone: local midnight.
        ("2026-11-12", {"country_iso3": "CHN"}, datetime(2026, 11, 11, 16, 0, tzinfo=UTC)),
    ],
    ids=["china", "germany-summer", "germany-winter-alpha-2", "usa-not-in-table", "no-country", "date-only"],
)
def test_a_checkpoint_time_without_an_offset_is_local_time_at_its_country_and_approximate(when, fields, utc):
    update = parse(body_of(checkpoint(at=when, **fields)))
    (event,) = update.events
    assert (event.at, event.approximate) == (utc, True)
    assert update.skipped == ()


def test_aftership_documentation_style_checkpoints_without_offsets_are_all_read():
    # As in AfterShip's own documentation sample and a real DHL history: no offset on any checkpoint.
    update = parse(
        body_of(
            checkpoint("2026-11-09T10:00:00", "InfoReceived", "InfoReceived_001", country_iso3="CHN"),
            checkpoint("2026-11-10T18:00:00", "InTransit", "InTransit_002", country_iso3="CHN"),
            checkpoint("2026-11-13T08:15:00", "InTransit", "InTransit_001", country_iso3="GBR"),
            checkpoint("2026-11-14T09:00:00", "OutForDelivery", "OutForDelivery_001", country_iso3="GBR"),
        )
    )
    assert update.skipped == ()
    assert [(e.status, e.at, e.approximate) for e in update.events] == [
        ("info_received", datetime(2026, 11, 9, 2, 0, tzinfo=UTC), True),
        ("accepted", datetime(2026, 11, 10, 10, 0, tzinfo=UTC), True),
        ("in_transit", datetime(2026, 11, 13, 8, 15, tzinfo=UTC), True),  # London in November: +00:00
        ("out_for_delivery", datetime(2026, 11, 14, 9, 0, tzinfo=UTC), True),
    ]


@pytest.mark.django_db
def test_local_time_checkpoints_are_stored_and_marked_approximate(client, order):
    response = post(client, body_of(checkpoint("2026-11-12T09:30:00"), checkpoint("2026-11-13T09:30:00Z")))
    assert outcome(response) == {"status": "ok", "events_created": 2, "checkpoints_skipped": 0}
    assert [(e.at, e.approximate) for e in TrackingEvent.objects.order_by("at")] == [
        (datetime(2026, 11, 12, 1, 30, tzinfo=UTC), True),
        (datetime(2026, 11, 13, 9, 30, tzinfo=UTC), False),
    ]


@pytest.mark.django_db
def test_skipped_checkpoints_are_counted_in_the_answer_and_the_rest_stored(client, order):
    response = post(client, body_of(checkpoint(None), checkpoint("2026-11-13T09:30:00Z")))
    assert outcome(response) == {"status": "ok", "events_created": 1, "checkpoints_skipped": 1}
    assert TrackingEvent.objects.count() == 1


# A checkpoint whose words say nothing known: its message decides (rules.md section 3b)


@pytest.mark.parametrize(
    ("tag", "subtag", "message", "status", "raw_status"),
    [
        ("", "", "Delivered, signed for by A. Jones", "delivered", ""),
        (None, None, "Your parcel will be delivered in 2-3 days", "in_transit", ""),
        ("", "", "Not delivered: recipient not at home", "exception", ""),
        ("Sideways", "", "Arrived at sort facility", "in_transit", "Sideways"),
        ("Sideways", "Sideways_9", "Returned to sender", "returned", "Sideways_9"),
        ("", "", "Item scanned", "unknown", ""),
        # A word that maps decides; the message is not read.
        ("InTransit", "", "Delivered", "in_transit", "InTransit"),
        ("Pending", "", "Delivered", "no_information", "Pending"),
    ],
)
def test_a_checkpoint_without_a_known_tag_reads_its_message(tag, subtag, message, status, raw_status):
    (event,) = parse(body_of(checkpoint(tag=tag, subtag=subtag, message=message))).events
    assert (event.status, event.raw_status, event.description) == (status, raw_status, message)


# The tracker's own status without a checkpoint behind it


RECEIVED = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DELIVERED_BY_TRACKER = "AfterShip: Delivered (tracker status, no carrier event)"


def tracker_body(tag, subtag="", *checkpoints, event_id="tracker-1", **fields) -> bytes:
    payload = json.loads(body_of(*checkpoints, event_id=event_id))
    payload["msg"].update({"tag": tag, "subtag": subtag, **fields})
    return json.dumps(payload).encode()


def test_a_delivered_tag_without_checkpoints_is_one_approximate_event_when_the_update_arrived():
    update = parse(tracker_body("Delivered", "Delivered_001"), received_at=RECEIVED)
    assert update.events == ()
    (event,) = update.tracker_events
    assert (event.at, event.status, event.raw_status, event.description, event.approximate) == (
        RECEIVED,
        "delivered",
        "Delivered_001",
        DELIVERED_BY_TRACKER,
        True,
    )
    assert (event.country, event.location, event.postal_code) == ("", "", "")


def test_without_a_received_time_the_tracker_status_is_dated_now():
    before = datetime.now(UTC)
    (event,) = parse(tracker_body("Delivered")).tracker_events
    assert before <= event.at <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("fields", "at", "approximate"),
    [
        (
            {"shipment_delivery_date": "2026-11-18T14:05:00-05:00"},
            datetime(2026, 11, 18, 19, 5, tzinfo=UTC),
            False,
        ),
        # The recipient's local time, read at the destination country (alpha-3 or alpha-2).
        (
            {"shipment_delivery_date": "2026-11-18T14:05:00", "destination_country_iso3": "FRA"},
            datetime(2026, 11, 18, 13, 5, tzinfo=UTC),
            True,
        ),
        (
            {"shipment_delivery_date": "2026-07-18T14:05:00", "destination_country_region": "GB"},
            datetime(2026, 7, 18, 13, 5, tzinfo=UTC),
            True,
        ),
        ({"shipment_delivery_date": "2026-11-18"}, datetime(2026, 11, 18, 0, 0, tzinfo=UTC), True),
        # Unreadable or absent: when the update arrived.
        ({"shipment_delivery_date": "soon"}, RECEIVED, True),
        ({"shipment_delivery_date": None}, RECEIVED, True),
    ],
    ids=["offset", "local-fra", "local-gb-summer", "date-only-no-country", "unreadable", "null"],
)
def test_a_delivered_tag_takes_the_trackers_delivery_date(fields, at, approximate):
    (event,) = parse(tracker_body("Delivered", "", **fields), received_at=RECEIVED).tracker_events
    assert (event.at, event.approximate) == (at, approximate)


@pytest.mark.parametrize(
    ("tag", "subtag", "fields", "status", "raw_status"),
    [
        ("Exception", "Exception_011", {}, "returned", "Exception_011"),
        ("Exception", "Exception_010", {}, "returned", "Exception_010"),
        ("ReturnToSender", "", {}, "returned", "ReturnToSender"),
        ("Exception", "Exception_013", {"return_to_sender": True}, "returned", "return_to_sender"),
        # Delivered back to the sender is not the customer's delivery.
        ("Delivered", "Delivered_001", {"return_to_sender": True}, "returned", "return_to_sender"),
        ("Expired", "Expired_001", {}, "no_information", "Expired"),
    ],
)
def test_returned_and_expired_tracker_statuses_become_one_event(tag, subtag, fields, status, raw_status):
    (event,) = parse(tracker_body(tag, subtag, **fields), received_at=RECEIVED).tracker_events
    assert (event.at, event.status, event.raw_status, event.approximate) == (
        RECEIVED,
        status,
        raw_status,
        True,
    )
    assert event.description.startswith("AfterShip: ") and event.description.endswith(
        "(tracker status, no carrier event)"
    )


@pytest.mark.parametrize(
    ("tag", "subtag", "fields"),
    [
        ("InTransit", "InTransit_001", {}),
        ("OutForDelivery", "", {}),
        ("Exception", "Exception_013", {}),
        ("Pending", "", {}),
        ("InfoReceived", "", {"return_to_sender": False}),
        ("", "", {}),
        ("Sideways", "", {}),
    ],
)
def test_other_tracker_statuses_become_no_event(tag, subtag, fields):
    assert parse(tracker_body(tag, subtag, **fields), received_at=RECEIVED).tracker_events == ()


def test_no_tracker_event_when_a_checkpoint_already_says_that_status():
    delivered = checkpoint("2026-11-18T14:05:00+01:00", "Delivered", "Delivered_001")
    update = parse(tracker_body("Delivered", "Delivered_001", checkpoint(), delivered), received_at=RECEIVED)
    assert [e.status for e in update.events] == ["in_transit", "delivered"]
    assert update.tracker_events == ()
    # Also when the message of a tag-less checkpoint says it.
    said = checkpoint("2026-11-18T14:05:00+01:00", "", "", message="Delivered to the front door")
    assert parse(tracker_body("Delivered", "", said), received_at=RECEIVED).tracker_events == ()


def test_a_delivered_tag_whose_only_delivery_checkpoint_was_skipped_still_becomes_an_event():
    undated = checkpoint(None, "Delivered", "Delivered_001")
    update = parse(
        tracker_body(
            "Delivered", "Delivered_001", checkpoint(), undated, shipment_delivery_date="2026-11-18T14:05:00Z"
        )
    )
    assert len(update.skipped) == 1
    (event,) = update.tracker_events
    assert (event.status, event.at) == ("delivered", datetime(2026, 11, 18, 14, 5, tzinfo=UTC))


def test_a_checkpoint_with_another_status_does_not_stop_the_tracker_event():
    update = parse(tracker_body("Delivered", "", checkpoint()), received_at=RECEIVED)
    assert [e.status for e in update.events] == ["in_transit"]
    assert [e.status for e in update.tracker_events] == ["delivered"]


def tracker_event(status="delivered", description=DELIVERED_BY_TRACKER):
    return EventFacts(at=RECEIVED, status=status, description=description, approximate=True)


@pytest.mark.parametrize(
    ("event", "stored", "kept"),
    [
        (tracker_event(), [], True),
        (tracker_event(), [("in_transit", "Departed")], True),
        (tracker_event(), [("delivered", DELIVERED_BY_TRACKER)], False),  # stored from an earlier delivery
        (tracker_event(), [("delivered", "Delivered, front door")], False),  # a carrier's dated delivery
        (
            tracker_event("returned", "AfterShip: Return to sender (tracker status, no carrier event)"),
            [("returned", "Returned to sender")],
            False,
        ),
        (
            tracker_event("no_information", "AfterShip: Expired (tracker status, no carrier event)"),
            [("no_information", "Pending")],
            True,
        ),
        (
            tracker_event("no_information", "AfterShip: Expired (tracker status, no carrier event)"),
            [("no_information", "AfterShip: Expired (tracker status, no carrier event)")],
            False,
        ),
    ],
)
def test_a_tracker_event_is_stored_only_where_no_stored_event_says_it(event, stored, kept):
    assert tracker_events_to_store([event], stored) == ([event] if kept else [])


@pytest.mark.django_db
def test_a_delivered_tag_without_checkpoints_is_stored_once_across_redeliveries(client, order):
    response = post(client, tracker_body("Delivered", "Delivered_001", event_id="tracker-1"))
    assert outcome(response) == {"status": "ok", "events_created": 1, "checkpoints_skipped": 0}
    first = TrackingEvent.objects.get()
    assert (first.status, first.raw_status, first.description, first.source) == (
        "delivered",
        "Delivered_001",
        DELIVERED_BY_TRACKER,
        "webhook",
    )
    assert first.approximate is True
    # AfterShip sends the status again later (another event id, another arrival time): nothing new.
    with mock.patch(
        "cases.intake.webhooks.services.timezone.now", return_value=first.at + timedelta(hours=5)
    ):
        again = post(client, tracker_body("Delivered", "Delivered_001", event_id="tracker-2"))
    assert outcome(again)["events_created"] == 0
    # Even once it gives the delivery date: the status is already stored.
    dated = post(
        client,
        tracker_body("Delivered", "", event_id="tracker-3", shipment_delivery_date="2026-11-18T14:05:00Z"),
    )
    assert outcome(dated)["events_created"] == 0
    assert list(TrackingEvent.objects.values_list("pk", flat=True)) == [first.pk]


@pytest.mark.django_db
def test_a_delivered_tag_after_a_stored_carrier_delivery_adds_nothing(client, order):
    post(
        client, body_of(checkpoint("2026-11-18T14:05:00+01:00", "Delivered", "Delivered_001"), event_id="e-1")
    )
    response = post(client, tracker_body("Delivered", "Delivered_001", event_id="e-2"))
    assert outcome(response)["events_created"] == 0
    assert TrackingEvent.objects.count() == 1


@pytest.mark.django_db
def test_an_expired_tag_is_kept_beside_an_earlier_no_information_event(client, order):
    post(
        client, body_of(checkpoint("2026-11-10T09:00:00Z", "Pending", "", message="Pending"), event_id="e-1")
    )
    response = post(client, tracker_body("Expired", "", event_id="e-2"))
    assert outcome(response)["events_created"] == 1
    assert TrackingEvent.objects.filter(status="no_information").count() == 2
    assert outcome(post(client, tracker_body("Expired", "", event_id="e-3")))["events_created"] == 0


@pytest.mark.django_db
def test_a_delivered_tag_without_checkpoints_moves_a_label_only_case_to_delivered(
    client, django_capture_on_commit_callbacks
):
    (case,) = import_label_only_cases()
    assert case.case_type == "label_created_only"
    number = case.order.tracking_numbers.get().number
    body = json.loads(tracker_body("Delivered", "Delivered_001"))
    body["msg"]["tracking_number"] = number
    with (
        mock.patch("cases.tasks.reassess_cases_task.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post(client, json.dumps(body).encode())
    assert outcome(response)["events_created"] == 1
    sweep_due_cases()
    case.refresh_from_db()
    assert case.case_type == "delivered"


@pytest.mark.parametrize(
    ("fields", "country"),
    [
        ({"country_iso3": "USA"}, "US"),
        ({"country_iso3": None, "country_region": "DEU"}, "DE"),
        ({"country_iso3": "gbr"}, "GB"),
        ({"country_iso3": "FR"}, "FR"),
        ({"country_iso3": "XKX"}, ""),
        ({"country_iso3": "XKX", "country_region": "DEU"}, "DE"),
        ({"country_iso3": None, "country_region": "de"}, "DE"),
        ({"country_iso3": None}, ""),
    ],
)
def test_countries_are_stored_as_alpha_2_and_left_empty_when_not_known(fields, country):
    (event,) = parse(body_of(checkpoint(**fields))).events
    assert event.country == country


def test_every_alpha_3_mapping_names_a_known_alpha_2_country():
    assert set(ISO3_TO_ISO2.values()) <= set(COUNTRIES)
    assert all(len(code) == 3 and code.isupper() for code in ISO3_TO_ISO2)


def test_the_postal_code_comes_from_zip_or_postal_code_and_location_falls_back_to_city_and_state():
    (event,) = parse(
        body_of(checkpoint(zip=None, postal_code="10001", location=None, city="New York", state="NY"))
    ).events
    assert (event.postal_code, event.location) == ("10001", "New York, NY")


def test_a_known_slug_names_the_carrier_and_an_unknown_one_leaves_it_to_detection():
    assert parse(body_of(checkpoint())).carrier == "usps"
    other = json.loads(body_of(checkpoint()))
    other["msg"]["slug"] = "china-post"
    assert parse(json.dumps(other).encode()).carrier is None


def test_payload_errors_are_value_errors_with_a_message():
    with pytest.raises(ValueError, match="not a JSON object"):
        parse(b"[1, 2]")
    assert issubclass(PayloadError, ValueError)


# Signature


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body():
    # Computed independently: printf '{"a":1}' | openssl dgst -sha256 -hmac key -binary | base64
    assert sign("key", b'{"a":1}') == "iKZ/JLvNrtDmyZdAS7eadDuvRMa6svTCcyjjAJ0i40I="
    assert verify("key", b'{"a":1}', "iKZ/JLvNrtDmyZdAS7eadDuvRMa6svTCcyjjAJ0i40I=")


@pytest.mark.parametrize("header", [None, "", "not base64 at all", "ünïcode", "iKZ/JLvNrtDmyZdAS7eadDuvRMa6"])
def test_a_missing_or_wrong_signature_never_verifies_and_never_raises(header):
    assert verify("key", b'{"a":1}', header) is False


def test_an_empty_secret_never_verifies():
    assert verify("", b"{}", sign("", b"{}")) is False


# Admin


@pytest.mark.django_db
def test_webhook_deliveries_are_read_only_in_the_admin(admin_client, client, order):
    post(client, body_of(checkpoint()))
    delivery = WebhookDelivery.objects.get()
    assert admin_client.get("/admin/cases/webhookdelivery/").status_code == 200
    assert admin_client.get(f"/admin/cases/webhookdelivery/{delivery.pk}/change/").status_code == 200
    assert admin_client.get("/admin/cases/webhookdelivery/add/").status_code == 403
    assert admin_client.post(f"/admin/cases/webhookdelivery/{delivery.pk}/delete/").status_code == 403


@pytest.mark.django_db
def test_a_delivery_with_the_broker_down_is_accepted_and_leaves_the_case_due_for_the_sweep(
    client, django_capture_on_commit_callbacks
):
    (case,) = import_label_only_cases()
    number = case.order.tracking_numbers.get().number
    at = (timezone.now() - timedelta(hours=2)).isoformat()
    with (
        mock.patch("cases.tasks.reassess_cases_task.delay", side_effect=OperationalError("broker down")),
        mock.patch("staletrack.celery.logger"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post(client, body_of(checkpoint(at, "InTransit", "InTransit_001"), number=number))
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.next_assessment_at <= timezone.now()
    sweep_due_cases()
    case.refresh_from_db()
    assert case.case_type != "label_created_only"
