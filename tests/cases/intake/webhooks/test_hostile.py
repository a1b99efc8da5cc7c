"""Hostile AfterShip webhook bodies (docs/webhook.md): signed, but with NUL characters, deep nesting,
repeated keys, values over their column's limit or times outside 2000..2100. Each is refused with a
named 4xx (400 for a body that is not fit to read, 422 for a value that cannot be stored), nothing is
written, the refusal is logged, and the next good delivery for the number is stored as usual. Run on
SQLite and PostgreSQL (where the long number and the BC time used to answer 500)."""

import json
import logging

import pytest

from cases.choices import DeliveryVerdict
from cases.intake.webhooks.aftership import PayloadError, Refused, parse
from cases.intake.webhooks.signature import sign
from cases.models import TrackingEvent, TrackingNumber, WebhookDelivery
from staletrack import limits
from tests.helpers.json_paths import paths, replaced
from tests.helpers.pushed_deliveries import outcome

SECRET = "whsec-hostile-5b1c"
NUMBER = "9361289676091361892011"
URL = "/webhooks/aftership/"
RANGE = limits.TIME_RANGE_MESSAGE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.TRACKING_WEBHOOK_SECRET = SECRET
    settings.TRACKING_WEBHOOK_MAX_BYTES = 1024 * 1024


def checkpoint(**fields) -> dict:
    return {
        "checkpoint_time": "2026-11-12T09:30:00+08:00",
        "tag": "InTransit",
        "subtag": "InTransit_001",
        "message": "Departed facility",
        "location": "Shenzhen",
        "country_iso3": "CHN",
        "zip": "518000",
        **fields,
    }


def payload(*checkpoints, **msg) -> dict:
    return {
        "event": "tracking_update",
        "event_id": "5b1c2d3e-530b-4062-8695-db6a64420af8",
        "ts": 1794470400,
        "msg": {
            "tracking_number": NUMBER,
            "slug": "usps",
            "tag": "InTransit",
            "subtag": "InTransit_001",
            "checkpoints": list(checkpoints) or [checkpoint()],
            **msg,
        },
    }


def post(client, body: bytes | dict):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        URL, data=raw, content_type="application/json", headers={"aftership-hmac-sha256": sign(SECRET, raw)}
    )


def stored():
    """Applied deliveries, numbers and events: a refused delivery is kept (refused, its body for a replay)
    and writes none of these."""
    applied = WebhookDelivery.objects.filter(verdict=DeliveryVerdict.APPLIED).count()
    return (applied, TrackingNumber.objects.count(), TrackingEvent.objects.count())


def refused(client, body, status: int) -> str:
    """Post `body`; it must be refused with `status` and write nothing. The error it answered."""
    response = post(client, body)
    assert response.status_code == status, response.content
    assert stored() == (0, 0, 0)
    return response.json()["error"]


# Bodies not fit to read: 400 ------------------------------------------------------------------------


def test_an_escaped_nul_is_refused_with_400_naming_where(client):
    body = payload(checkpoint(message="Departed\u0000facility"))
    assert refused(client, body, 400) == (
        "malformed payload: the body contains a NUL character (\\u0000) at msg.checkpoints[0].message"
    )


def test_a_raw_nul_byte_is_refused_with_400(client):
    raw = json.dumps(payload()).encode().replace(b"Shenzhen", b"Shen\x00zhen")
    assert refused(client, raw, 400).startswith(
        "malformed payload: the body contains a NUL character at line 1"
    )


def test_a_nul_in_the_tracking_number_is_refused_with_400(client):
    body = payload(tracking_number=NUMBER + "\u0000")
    assert refused(client, body, 400).endswith("at msg.tracking_number")


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deep_nesting_is_refused_with_400_not_a_recursion_error(client, depth):
    raw = b'{"event": "tracking_update", "msg": ' + b"[" * depth + b"]" * depth + b"}"
    assert refused(client, raw, 400).startswith(
        f"malformed payload: the body nests deeper than {limits.MAX_JSON_DEPTH} levels"
    )


def test_a_repeated_key_is_refused_with_400_naming_the_key_and_where(client):
    raw = json.dumps(payload()).replace(
        '"subtag": "InTransit_001", "message"', '"subtag": "X", "subtag": "Y", "message"'
    )
    assert refused(client, raw.encode(), 400) == (
        'malformed payload: the body has the key "subtag" twice at msg.checkpoints[0]'
    )


def test_a_repeated_tracking_number_is_not_taken_silently(client):
    raw = json.dumps(payload()).replace(
        f'"tracking_number": "{NUMBER}"', f'"tracking_number": "{NUMBER}", "tracking_number": "OTHER123456"'
    )
    assert refused(client, raw.encode(), 400).endswith('has the key "tracking_number" twice at msg')


# Values that cannot be stored: 422 ------------------------------------------------------------------


def test_a_tracking_number_over_64_characters_is_refused_with_422(client):
    body = payload(tracking_number="9" * (limits.MAX_TRACKING_NUMBER + 1))
    assert refused(client, body, 422) == "refused: msg.tracking_number is longer than 64 characters"


def test_an_event_id_over_its_column_is_refused_not_cut(client):
    body = payload()
    body["event_id"] = "e" * 201
    assert refused(client, body, 422) == "refused: event_id is longer than 200 characters"


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("message", limits.MAX_DESCRIPTION),
        ("location", limits.MAX_LOCATION),
        ("tag", limits.MAX_RAW_STATUS),
        ("subtag", limits.MAX_RAW_STATUS),
        ("zip", limits.MAX_POSTAL_CODE),
    ],
)
def test_a_checkpoint_text_over_its_limit_is_refused_with_422_not_cut(client, field, limit):
    body = payload(checkpoint(), checkpoint(**{field: "x" * (limit + 1)}))
    assert refused(client, body, 422) == (
        f"refused: msg.checkpoints[1].{field} is longer than {limit:,} characters"
    )


def test_a_location_made_of_city_and_state_is_held_to_the_limit_too(client):
    body = payload(checkpoint(location=None, city="c" * 150, state="s" * 60))
    assert refused(client, body, 422) == (
        "refused: msg.checkpoints[0].city and state is longer than 200 characters"
    )


def test_texts_at_their_limits_are_stored_whole(client):
    fields = {
        "message": "m" * limits.MAX_DESCRIPTION,
        "location": "l" * limits.MAX_LOCATION,
        "subtag": "S" * limits.MAX_RAW_STATUS,
        "tag": "Sideways",
        "zip": "z" * limits.MAX_POSTAL_CODE,
    }
    response = post(client, payload(checkpoint(**fields), tracking_number="9" * limits.MAX_TRACKING_NUMBER))
    assert response.status_code == 200, response.content
    event = TrackingEvent.objects.get()
    assert (event.description, event.location, event.postal_code) == (
        fields["message"],
        fields["location"],
        fields["zip"],
    )
    assert event.raw_status == fields["subtag"]


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00:00+14:00",  # a BC date in PostgreSQL, unreadable by psycopg
        "9999-12-31T23:00:00-05:00",  # year 10000 in UTC
        "1999-12-31T23:59:59Z",
        "2100-01-01T00:00:00Z",
        "0001-01-01T00:00:00",  # a local time, read at the checkpoint's country
    ],
)
def test_a_checkpoint_time_outside_2000_to_2100_is_refused_with_422_naming_the_field(client, at):
    body = payload(checkpoint(), checkpoint(checkpoint_time=at, country_iso3="USA"))
    assert refused(client, body, 422) == f"refused: msg.checkpoints[1].checkpoint_time {at!r} {RANGE}"


def test_a_tracker_delivery_date_outside_2000_to_2100_is_refused_with_422(client):
    body = payload(
        checkpoint(),
        tag="Delivered",
        subtag="Delivered_001",
        shipment_delivery_date="0001-01-01T00:00:00+14:00",
    )
    assert refused(client, body, 422) == (
        f"refused: msg.shipment_delivery_date '0001-01-01T00:00:00+14:00' {RANGE}"
    )


def test_a_tracker_status_word_over_the_raw_status_limit_is_refused(client):
    body = payload(checkpoint(), tag="Delivered", subtag="Delivered_" + "9" * 100)
    assert refused(client, body, 422) == "refused: msg.subtag is longer than 100 characters"


def test_a_refusal_is_logged_and_the_next_good_delivery_is_stored(client, caplog):
    with caplog.at_level(logging.WARNING, logger="cases.intake.webhooks.services"):
        refused(client, payload(checkpoint(checkpoint_time="0001-01-01T00:00:00+14:00")), 422)
    assert "refused with 422" in caplog.text
    assert "checkpoint_time" in caplog.text
    good = payload()
    good["event_id"] = "another-event"
    response = post(client, good)
    assert response.status_code == 200
    assert outcome(response)["events_created"] == 1
    assert stored() == (1, 1, 1)


# The reader alone: a PayloadError or an update, never another exception -----------------------------


def test_every_field_of_any_type_or_length_is_read_or_named_never_a_crash():
    body = payload(
        checkpoint(),
        checkpoint(checkpoint_time="2026-11-13", city="Los Angeles", state="CA", location=None),
        tag="Delivered",
        subtag="Delivered_001",
        return_to_sender=False,
        shipment_delivery_date="2026-11-14",
        destination_country_iso3="USA",
    )
    for path in list(paths(body)):
        for value in [5, -1, 1.5, True, None, [], {}, ["x"], {"a": 1}, "", "x" * 2_000, "0001-01-01"]:
            try:
                update = parse(json.dumps(replaced(body, path, value)).encode())
            except PayloadError:
                continue
            for event in (*update.events, *update.tracker_events):
                assert limits.time_problem(event.at) is None
                assert len(event.raw_status) <= limits.MAX_RAW_STATUS
                assert len(event.description) <= limits.MAX_DESCRIPTION
                assert len(event.location) <= limits.MAX_LOCATION
                assert len(event.postal_code) <= limits.MAX_POSTAL_CODE


def test_refused_is_a_payload_error_naming_the_field():
    with pytest.raises(Refused, match=r"^msg\.tracking_number is longer than 64 characters$"):
        parse(json.dumps(payload(tracking_number="9" * 65)).encode())
    assert issubclass(Refused, PayloadError)
