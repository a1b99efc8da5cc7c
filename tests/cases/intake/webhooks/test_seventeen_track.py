"""17TRACK's webhook pushes: bodies and headers as 17TRACK sends them (tests/data/webhooks/17track/, each
file's origin in its SOURCES.md; signatures.json holds the `sign` header computed for each file with a
test API key)."""

import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cases.choices import DeliveryVerdict
from cases.intake.webhooks import services, seventeen_track
from cases.intake.webhooks.pushed import PayloadError, Refused
from cases.intake.webhooks.sources import SOURCES
from cases.models import Connection, Parcel, TrackingEvent, TrackingNumber, WebhookDelivery
from cases.tracking import services as tracking
from tests.factories import CaseFactory, OrderFactory
from tests.helpers.pushed_deliveries import outcome, run_on_commit

DATA = Path(__file__).resolve().parents[3] / "data" / "webhooks" / "17track"
SIGNED = json.loads((DATA / "signatures.json").read_text())
KEY = SIGNED["api_key"]
URL = "/webhooks/17track/"
NUMBER = "RR123456789CN"
NOW = datetime(2026, 7, 9, 12, tzinfo=UTC)
UPDATED = "tracking_updated.json"
PROVIDERS = ("data", "track_info", "tracking", "providers")


def body(name: str = UPDATED) -> bytes:
    return (DATA / name).read_bytes()


def headers(name: str = UPDATED) -> dict[str, str]:
    return dict(SIGNED["deliveries"][name])


def sample() -> dict:
    return json.loads(body())


def providers(payload: dict) -> list[dict]:
    return payload["data"]["track_info"]["tracking"]["providers"]


def read(payload: dict, received_at: datetime = NOW):
    return seventeen_track.read(json.dumps(payload).encode(), {}, received_at)


def only_update(payload: dict):
    (update,) = read(payload).numbers
    return update


def with_events(*events: dict, latest: dict | None = None) -> dict:
    """The sample with one provider holding `events` (and `latest` as its latest status when given)."""
    payload = sample()
    provider = providers(payload)[0]
    provider["events"] = list(events)
    payload["data"]["track_info"]["tracking"]["providers"] = [provider]
    if latest is not None:
        payload["data"]["track_info"]["latest_status"] = latest
    return payload


def scan(**changed) -> dict:
    """A provider event shaped as 17TRACK's (the sample's first), with `changed` fields."""
    event = copy.deepcopy(providers(sample())[0]["events"][0])
    for key, value in changed.items():
        if key in ("country", "city", "state", "postal_code"):
            event["address"][key] = value
        else:
            event[key] = value
    return event


def deliver(client, raw: bytes | None = None, sign: str | None = "sign"):
    raw = body() if raw is None else raw
    sent = {}
    if sign == "sign":
        sent = seventeen_track.sign(KEY, raw, NOW)
    elif sign is not None:
        sent = {"sign": sign}
    return client.post(URL, data=raw, content_type="application/json", headers=sent)


@pytest.fixture
def connection(db):
    return Connection.objects.create(source="17track", secret=KEY)


# Verification


def test_the_documented_signature_of_each_sample_verifies():
    for name, sent in SIGNED["deliveries"].items():
        assert seventeen_track.verify(KEY, body(name), sent, NOW) == "", name


def test_a_changed_body_or_another_key_does_not_verify():
    assert seventeen_track.verify(KEY, body() + b" ", headers(), NOW) == "signature wrong"
    assert seventeen_track.verify(KEY + "X", body(), headers(), NOW) == "signature wrong"
    assert seventeen_track.verify(KEY, body(), {}, NOW) == "signature missing"
    assert seventeen_track.verify("", body(), headers(), NOW) != ""


def test_hex_in_upper_case_verifies_too():
    assert seventeen_track.verify(KEY, body(), {"sign": headers()["sign"].upper()}, NOW) == ""


def test_our_signing_agrees_with_the_documented_signature():
    for name in SIGNED["deliveries"]:
        assert seventeen_track.sign(KEY, body(name), NOW) == headers(name), name


def test_the_signature_is_a_plain_sha256_of_body_slash_key_not_an_hmac():
    # The concatenation third-party clients quote from 17TRACK's v2.4 page.
    raw = b'{"event":"TRACKING_UPDATED","data":{"number":"RR123456789CN","carrier":3011,"tag":null}}'
    signed = seventeen_track.sign("123456ABCDEF", raw, NOW)["sign"]
    assert signed == hashlib.sha256(raw + b"/123456ABCDEF").hexdigest()
    assert signed != hmac.new(b"123456ABCDEF", raw, hashlib.sha256).hexdigest()


def test_the_source_is_registered_with_its_sample_signed_as_17track_signs():
    source = SOURCES["17track"]
    raw = source.sample_body()
    assert raw == body()
    assert source.verify(KEY, raw, source.sign(KEY, raw, NOW), NOW) == ""


# Reading


def test_the_sample_reads_as_the_numbers_events_in_17tracks_words():
    pushed = seventeen_track.read(body(), headers(), NOW)
    assert (pushed.topic, pushed.delivery_id, pushed.ignored) == ("TRACKING_UPDATED", "", "")
    (update,) = pushed.numbers
    assert (update.number, update.carrier, update.skipped, update.tracker_events) == (NUMBER, None, (), ())
    assert [(e.status, e.raw_status, e.at, e.approximate) for e in update.events] == [
        ("in_transit", "InTransit_Arrival", datetime(2026, 7, 8, 10, 12, tzinfo=UTC), False),
        ("in_transit", "InTransit_CustomsReleased", datetime(2026, 7, 8, 1, 40, tzinfo=UTC), False),
        ("in_transit", "InTransit_Departure", datetime(2026, 7, 3, 18, 0, tzinfo=UTC), False),
        # No zone from the carrier: only time_raw, read in China's zone (+08:00), approximate.
        ("accepted", "InTransit_PickedUp", datetime(2026, 7, 2, 7, 30, tzinfo=UTC), True),
        ("info_received", "InfoReceived", datetime(2026, 7, 1, 2, 0, tzinfo=UTC), False),
    ]
    first = update.events[0]
    assert (first.description, first.location, first.country, first.postal_code) == (
        "Arrived at USPS Regional Facility",
        "SPRINGFIELD KY DISTRIBUTION CENTER",
        "US",
        "40003",
    )


def test_an_event_reported_by_two_providers_is_kept_once():
    payload = sample()
    usps, china_post = providers(payload)
    china_post["events"].insert(0, copy.deepcopy(usps["events"][0]))
    reworded = copy.deepcopy(usps["events"][1]) | {"description": "Customs cleared"}
    china_post["events"].append(reworded)
    events = only_update(payload).events
    assert len(events) == 6
    assert [e.description for e in events].count("Arrived at USPS Regional Facility") == 1
    assert "Customs cleared" in [e.description for e in events]


@pytest.mark.parametrize(
    ("fields", "at", "approximate"),
    [
        # time_utc when time_iso is missing: exact.
        ({"time_iso": None}, datetime(2026, 7, 8, 10, 12, tzinfo=UTC), False),
        # Only time_raw, with the carrier's offset: exact.
        ({"time_iso": None, "time_utc": None}, datetime(2026, 7, 8, 10, 12, tzinfo=UTC), False),
        # A time without an offset in Germany (alpha-3) in summer: Europe/Berlin, +02:00.
        (
            {"time_iso": "2026-07-08T06:12:00", "country": "DEU"},
            datetime(2026, 7, 8, 4, 12, tzinfo=UTC),
            True,
        ),
        # The same in France named in alpha-2 in winter: +01:00.
        (
            {"time_iso": "2026-01-08T06:12:00", "country": "FR"},
            datetime(2026, 1, 8, 5, 12, tzinfo=UTC),
            True,
        ),
        # A country the rules.md section 1 table does not name: UTC.
        ({"time_iso": "2026-07-08T06:12:00", "country": "US"}, datetime(2026, 7, 8, 6, 12, tzinfo=UTC), True),
        # A date alone in time_raw: local midnight in China.
        (
            {
                "time_iso": None,
                "time_utc": None,
                "time_raw": {"date": "2026-07-08", "time": None, "timezone": None},
                "country": "CHN",
            },
            datetime(2026, 7, 7, 16, 0, tzinfo=UTC),
            True,
        ),
    ],
    ids=["time-utc", "time-raw-with-offset", "germany-alpha-3", "france-winter", "usa-utc", "date-only"],
)
def test_event_times_with_and_without_an_offset(fields, at, approximate):
    (event,) = only_update(with_events(scan(**fields))).events
    assert (event.at, event.approximate) == (at, approximate)


@pytest.mark.parametrize(("given", "country"), [("CN", "CN"), ("CHN", "CN"), ("GBR", "GB"), ("China", "")])
def test_countries_are_read_as_alpha_2_and_left_empty_when_not_a_code(given, country):
    (event,) = only_update(with_events(scan(country=given))).events
    assert event.country == country


def test_an_event_without_a_readable_time_is_skipped_with_a_note_and_the_rest_kept():
    no_time = scan(time_iso=None, time_utc=None, time_raw=None, description="Somewhere")
    bad_time = scan(time_iso="yesterday", description="Elsewhere")
    update = only_update(with_events(no_time, bad_time, scan()))
    assert [e.description for e in update.events] == ["Arrived at USPS Regional Facility"]
    assert len(update.skipped) == 2
    assert update.skipped[0].startswith("data.track_info.tracking.providers[0].events[0]: ")


@pytest.mark.parametrize(
    ("sub_status", "stage", "description", "status", "raw_status"),
    [
        ("InTransit_PickedUp", "", "", "accepted", "InTransit_PickedUp"),
        ("Exception_Returning", "", "", "returned", "Exception_Returning"),
        ("InTransit_Other", "PickedUp", "", "accepted", "PickedUp"),  # the stage refines a catch-all
        ("", "Delivered", "", "delivered", "Delivered"),
        ("DeliveryFailure_NoBody", "", "", "exception", "DeliveryFailure_NoBody"),
        ("Sideways", "", "Out for delivery", "out_for_delivery", "Sideways"),  # rules.md section 3b
    ],
)
def test_the_sub_status_then_the_stage_then_the_description(
    sub_status, stage, description, status, raw_status
):
    (event,) = only_update(
        with_events(scan(sub_status=sub_status, stage=stage, description=description or "scan"))
    ).events
    assert (event.status, event.raw_status) == (status, raw_status)


def test_the_location_falls_back_to_city_and_state_and_the_translation_gives_a_missing_description():
    event_ = scan(location=None, description=None)
    (event,) = only_update(with_events(event_)).events
    assert (event.location, event.description) == ("SPRINGFIELD, KY", "Arrived at USPS Regional Facility")


@pytest.mark.parametrize(
    ("key", "carrier"),
    [
        (3011, None),
        (21051, "usps"),
        ("100003", "fedex"),
        (999999, None),
        (None, None),
        ("²", None),
        ("9" * 5000, None),
    ],
)
def test_17tracks_carrier_key_names_our_carrier_where_we_know_it(key, carrier):
    payload = sample()
    payload["data"]["carrier"] = key
    assert only_update(payload).carrier == carrier


# The tracker's own status


@pytest.mark.parametrize(
    ("latest", "status", "raw_status"),
    [
        ({"status": "Delivered", "sub_status": "Delivered_Other"}, "delivered", "Delivered_Other"),
        ({"status": "Exception", "sub_status": "Exception_Returned"}, "returned", "Exception_Returned"),
        ({"status": "Expired", "sub_status": "Expired_Other"}, "no_information", "Expired_Other"),
        ({"status": "Delivered", "sub_status": None}, "delivered", "Delivered"),
    ],
)
def test_a_final_tracker_status_no_event_says_becomes_one_approximate_event(latest, status, raw_status):
    update = only_update(with_events(scan(), latest=latest))
    (event,) = update.tracker_events
    assert (event.status, event.raw_status, event.at, event.approximate) == (status, raw_status, NOW, True)
    assert event.description == seventeen_track.TRACKER_DESCRIPTIONS[status]
    assert (event.location, event.country) == ("", "")


def test_no_tracker_event_when_an_event_says_it_or_the_status_is_not_final():
    delivered = scan(sub_status="Delivered_Other", stage="Delivered", description="Delivered, front porch")
    latest = {"status": "Delivered", "sub_status": "Delivered_Other"}
    assert only_update(with_events(scan(), delivered, latest=latest)).tracker_events == ()
    assert only_update(sample()).tracker_events == ()  # InTransit_Arrival


# Other events, errors


def test_a_stop_is_acknowledged_and_ignored():
    pushed = seventeen_track.read(body("tracking_stopped.json"), headers("tracking_stopped.json"), NOW)
    assert pushed.topic == "TRACKING_STOPPED" and pushed.ignored and pushed.numbers == ()


def test_another_event_is_ignored():
    pushed = read({"event": "SOMETHING_NEW", "data": {}})
    assert pushed.ignored and pushed.numbers == ()


def test_a_push_without_track_info_stores_the_number_without_events():
    raw = b'{"event":"TRACKING_UPDATED","data":{"number":"RR123456789CN","carrier":3011,"tag":null}}'
    (update,) = seventeen_track.read(raw, {}, NOW).numbers
    assert (update.number, update.events, update.tracker_events) == (NUMBER, (), ())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p["data"].update(number="RR" + "1" * 80), "data.number"),
        (
            lambda p: providers(p)[0]["events"][0].update(description="x" * 501),
            "data.track_info.tracking.providers[0].events[0].description",
        ),
        (
            lambda p: providers(p)[1]["events"][0].update(location="x" * 201),
            "data.track_info.tracking.providers[1].events[0].location",
        ),
        (
            lambda p: providers(p)[0]["events"][1].update(sub_status="x" * 101),
            "data.track_info.tracking.providers[0].events[1].sub_status",
        ),
        (
            lambda p: providers(p)[0]["events"][0]["address"].update(postal_code="9" * 21),
            "data.track_info.tracking.providers[0].events[0].address.postal_code",
        ),
        (
            lambda p: providers(p)[0]["events"][0].update(time_iso="1999-12-31T10:00:00+08:00"),
            "data.track_info.tracking.providers[0].events[0].time_iso",
        ),
    ],
    ids=["number", "description", "location", "sub-status", "postal-code", "time"],
)
def test_a_value_that_cannot_be_stored_is_refused_naming_the_field(change, field):
    payload = sample()
    change(payload)
    with pytest.raises(Refused, match=field.replace("[", r"\[").replace("]", r"\]")):
        read(payload)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b'{"event": "TRACKING_UPDATED", ', "not valid JSON"),
        (b"[]", "not a JSON object"),
        (b'{"data": {}}', '"event" is missing'),
        (b'{"event": "TRACKING_UPDATED"}', '"data" is missing'),
        (b'{"event": "TRACKING_UPDATED", "data": []}', '"data" is not an object'),
        (b'{"event": "TRACKING_UPDATED", "data": {"carrier": 3011}}', '"data.number" is missing'),
        (b'{"event": "TRACKING_UPDATED", "data": {"number": 123456789}}', '"data.number" is not a string'),
        (
            b'{"event": "TRACKING_UPDATED", "data": {"number": "RR123456789CN", "track_info": "x"}}',
            '"data.track_info" is not an object',
        ),
        (
            b'{"event": "TRACKING_UPDATED", "data": {"number": "RR123456789CN", "carrier": [3011]}}',
            '"data.carrier" is not',
        ),
    ],
)
def test_a_body_of_the_wrong_shape_is_named(raw, error):
    with pytest.raises(PayloadError, match=error):
        seventeen_track.read(raw, {}, NOW)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda p: p["data"]["track_info"]["tracking"].update(providers={}), 'providers" is not a list'),
        (lambda p: providers(p).append("USPS"), r"providers\[2\]\" is not an object"),
        (lambda p: providers(p)[0].update(events=[1]), r"providers\[0\].events\[0\]\" is not an object"),
    ],
)
def test_providers_and_events_of_the_wrong_shape_are_named(change, error):
    payload = sample()
    change(payload)
    with pytest.raises(PayloadError, match=error):
        read(payload)


# Through the endpoint


@pytest.mark.django_db
def test_a_push_lands_on_the_number_and_the_case_of_the_order_holding_it_once(
    client, connection, django_capture_on_commit_callbacks
):
    order = OrderFactory()
    case = CaseFactory(order=order, next_assessment_at=datetime(2030, 1, 1, tzinfo=UTC))
    number, _ = tracking.get_or_create_number(NUMBER)
    tracking.link_number(order, number)
    with django_capture_on_commit_callbacks() as callbacks:
        response = deliver(client)
    assert response.status_code == 200, response.content
    assert outcome(response) == {"status": "ok", "events_created": 5, "checkpoints_skipped": 0}
    parcel = Parcel.objects.get(order=order)
    assert sorted(parcel.tracking_number.events.values_list("raw_status", flat=True)) == [
        "InTransit_Arrival",
        "InTransit_CustomsReleased",
        "InTransit_Departure",
        "InTransit_PickedUp",
        "InfoReceived",
    ]
    assert set(TrackingEvent.objects.values_list("source", flat=True)) == {"webhook"}
    assert run_on_commit(callbacks) == [[order.pk]]
    case.refresh_from_db()
    assert case.next_assessment_at < datetime(2030, 1, 1, tzinfo=UTC)  # due now: it sees the new events
    delivery = WebhookDelivery.objects.get()
    assert (delivery.source, delivery.delivery_id, delivery.tracking_numbers) == ("17track", "", [NUMBER])

    assert deliver(client).json() == {"status": "duplicate"}
    assert (WebhookDelivery.objects.count(), TrackingEvent.objects.count()) == (1, 5)


@pytest.mark.django_db
def test_a_later_push_with_one_more_event_adds_only_that_event(client, connection):
    deliver(client)
    payload = sample()
    providers(payload)[0]["events"].insert(
        0,
        scan(
            time_iso="2026-07-09T08:00:00-04:00",
            time_utc="2026-07-09T12:00:00Z",
            stage="OutForDelivery",
            sub_status="OutForDelivery_Other",
            description="Out for Delivery",
        ),
    )
    response = deliver(client, json.dumps(payload).encode())
    assert outcome(response)["events_created"] == 1
    assert TrackingNumber.objects.get().events.count() == 6


@pytest.mark.django_db
def test_a_stop_is_kept_as_ignored_and_stores_nothing(client, connection):
    response = deliver(client, body("tracking_stopped.json"))
    assert response.json() == {"status": "ignored", "event": "TRACKING_STOPPED"}
    assert WebhookDelivery.objects.get().verdict == DeliveryVerdict.IGNORED
    assert not TrackingNumber.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("sign", [None, "0" * 64, "not hex at all"])
def test_a_bad_or_missing_signature_is_refused_and_nothing_stored(client, connection, sign):
    response = deliver(client, sign=sign)
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists() and not TrackingNumber.objects.exists()


@pytest.mark.django_db
def test_a_push_signed_with_another_key_is_refused(client, connection):
    raw = body()
    response = client.post(
        URL, data=raw, content_type="application/json", headers=seventeen_track.sign("another", raw, NOW)
    )
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists() and not TrackingNumber.objects.exists()


@pytest.mark.django_db
def test_an_oversized_body_is_refused(client, connection, settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 1024
    assert deliver(client).status_code == 413
    assert not WebhookDelivery.objects.exists() and not TrackingNumber.objects.exists()


@pytest.mark.django_db
def test_a_value_that_cannot_be_stored_is_answered_422_naming_it_and_kept_for_a_replay(client, connection):
    payload = sample()
    providers(payload)[0]["events"][0]["description"] = "x" * 501
    response = deliver(client, json.dumps(payload).encode())
    assert response.status_code == 422
    assert "providers[0].events[0].description" in response.json()["error"]
    assert WebhookDelivery.objects.get().verdict == DeliveryVerdict.REFUSED
    assert not TrackingNumber.objects.exists()


@pytest.mark.django_db
def test_the_admins_test_delivery_of_the_sample_is_accepted_and_leaves_nothing(connection):
    status, answer = services.send_test_delivery(source=SOURCES["17track"], host="testserver")
    assert (status, answer["status"]) == (200, "ok"), answer
    assert not WebhookDelivery.objects.exists() and not TrackingNumber.objects.exists()
