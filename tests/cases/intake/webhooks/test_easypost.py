"""EasyPost's tracker webhooks: Event bodies and headers as EasyPost sends them
(tests/data/webhooks/easypost/, each file's origin in its SOURCES.md; signatures.json holds the
`X-Hmac-Signature` computed for each file with a non-ASCII test secret, and the value a verifier that
forgets NFKD would compute)."""

import copy
import json
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cases.choices import DeliveryVerdict
from cases.intake.webhooks import easypost, services
from cases.intake.webhooks.pushed import PayloadError, Refused
from cases.intake.webhooks.sources import SOURCES
from cases.models import Connection, Parcel, TrackingEvent, TrackingNumber, WebhookDelivery
from cases.tracking import services as tracking
from tests.factories import CaseFactory, OrderFactory
from tests.helpers.pushed_deliveries import outcome, run_on_commit

DATA = Path(__file__).resolve().parents[3] / "data" / "webhooks" / "easypost"
SIGNED = json.loads((DATA / "signatures.json").read_text())
SECRET = SIGNED["secret"]
URL = "/webhooks/easypost/"
NUMBER = "EZ2000000002"
NOW = datetime(2026, 7, 3, 9, tzinfo=UTC)
CREATED, UPDATED = "tracker_created.json", "tracker_updated.json"
HEADER = "X-Hmac-Signature"


def body(name: str = UPDATED) -> bytes:
    return (DATA / name).read_bytes()


def headers(name: str = UPDATED) -> dict[str, str]:
    return {HEADER: SIGNED["deliveries"][name][HEADER]}


def sample(name: str = UPDATED) -> dict:
    return json.loads(body(name))


def read(payload: dict, received_at: datetime = NOW):
    return easypost.read(json.dumps(payload).encode(), {}, received_at)


def only_update(payload: dict):
    (update,) = read(payload).numbers
    return update


def detail(**changed) -> dict:
    """A tracking detail shaped as EasyPost's (the updated sample's last), with `changed` fields."""
    found = copy.deepcopy(sample()["result"]["tracking_details"][-1])
    for key, value in changed.items():
        if key in ("city", "state", "country", "zip"):
            found["tracking_location"][key] = value
        else:
            found[key] = value
    return found


def with_details(*details: dict, status: str | None = None) -> dict:
    payload = sample()
    payload["result"]["tracking_details"] = list(details)
    if status is not None:
        payload["result"]["status"] = status
    return payload


def deliver(client, raw: bytes | None = None, signature: str | None = "sign"):
    raw = body() if raw is None else raw
    sent = {}
    if signature == "sign":
        sent = easypost.sign(SECRET, raw, NOW)
    elif signature is not None:
        sent = {HEADER: signature}
    return client.post(URL, data=raw, content_type="application/json", headers=sent)


@pytest.fixture
def connection(db):
    return Connection.objects.create(source="easypost", secret=SECRET)


# Verification


def test_the_documented_signature_of_each_sample_verifies():
    for name in SIGNED["deliveries"]:
        assert easypost.verify(SECRET, body(name), headers(name), NOW) == "", name


def test_the_secret_is_keyed_in_its_nfkd_form():
    assert unicodedata.normalize("NFKD", SECRET).encode().hex() == SIGNED["secret_nfkd_utf8_hex"]
    for name, signed in SIGNED["deliveries"].items():
        assert easypost.verify(SECRET, body(name), {HEADER: signed["without_nfkd"]}, NOW) == "signature wrong"


def test_a_changed_body_or_another_secret_does_not_verify():
    assert easypost.verify(SECRET, body() + b" ", headers(), NOW) == "signature wrong"
    assert easypost.verify("another", body(), headers(), NOW) == "signature wrong"
    assert easypost.verify(SECRET, body(), {}, NOW) == "signature missing"
    assert easypost.verify("", body(), headers(), NOW) != ""


def test_the_hex_without_its_prefix_does_not_verify():
    bare = headers()[HEADER].removeprefix("hmac-sha256-hex=")
    assert easypost.verify(SECRET, body(), {HEADER: bare}, NOW) == "signature wrong"


def test_our_signing_agrees_with_the_documented_signature():
    for name in SIGNED["deliveries"]:
        assert easypost.sign(SECRET, body(name), NOW) == headers(name), name


def test_the_source_is_registered_with_its_sample_signed_as_easypost_signs():
    source = SOURCES["easypost"]
    raw = source.sample_body()
    assert raw == body()
    assert source.verify(SECRET, raw, source.sign(SECRET, raw, NOW), NOW) == ""


# Reading


def test_a_created_tracker_reads_as_its_label_events():
    pushed = easypost.read(body(CREATED), headers(CREATED), NOW)
    assert (pushed.topic, pushed.delivery_id) == ("tracker.created", "evt_00000000000000000000000000000001")
    (update,) = pushed.numbers
    assert (update.number, update.carrier, update.skipped, update.tracker_events) == (NUMBER, "usps", (), ())
    assert [(e.status, e.raw_status, e.at) for e in update.events] == [
        ("info_received", "pre_transit", datetime(2026, 7, 2, 14, 5, tzinfo=UTC)),
        ("info_received", "pre_transit", datetime(2026, 7, 2, 19, 40, tzinfo=UTC)),
    ]


def test_an_updated_tracker_reads_every_detail_with_its_place():
    pushed = easypost.read(body(), headers(), NOW)
    assert (pushed.topic, pushed.delivery_id) == ("tracker.updated", "evt_00000000000000000000000000000002")
    (update,) = pushed.numbers
    assert [(e.status, e.approximate) for e in update.events] == [
        ("info_received", False),
        ("info_received", False),
        ("in_transit", False),
    ]
    nowhere, label, arrived = update.events
    assert (nowhere.location, nowhere.country, nowhere.postal_code) == ("", "", "")
    assert (label.description, label.location, label.postal_code) == (
        "Shipping Label Created",
        "SPRINGFIELD, KY",
        "40003",
    )
    assert (arrived.description, arrived.location, arrived.country, arrived.postal_code, arrived.at) == (
        "Arrived at USPS Facility",
        "LOUISVILLE, KY",
        "US",
        "40231",
        datetime(2026, 7, 3, 8, 10, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("fields", "at", "approximate"),
    [
        ({"datetime": "2026-07-03T08:10:00Z"}, datetime(2026, 7, 3, 8, 10, tzinfo=UTC), False),
        ({"datetime": "2026-07-03T10:10:00+02:00"}, datetime(2026, 7, 3, 8, 10, tzinfo=UTC), False),
        # Without an offset: local time at the detail's country (Germany in summer, alpha-3: +02:00).
        (
            {"datetime": "2026-07-03T10:10:00", "country": "DEU"},
            datetime(2026, 7, 3, 8, 10, tzinfo=UTC),
            True,
        ),
        # China named in alpha-2: +08:00.
        ({"datetime": "2026-07-03T16:10:00", "country": "CN"}, datetime(2026, 7, 3, 8, 10, tzinfo=UTC), True),
        # The US is not in the rules.md section 1 table: UTC.
        ({"datetime": "2026-07-03T08:10:00", "country": "US"}, datetime(2026, 7, 3, 8, 10, tzinfo=UTC), True),
        # A date alone: local midnight.
        ({"datetime": "2026-07-03", "country": "GB"}, datetime(2026, 7, 2, 23, 0, tzinfo=UTC), True),
    ],
    ids=["utc", "offset", "germany-alpha-3", "china-alpha-2", "usa-utc", "date-only"],
)
def test_detail_times_with_and_without_an_offset(fields, at, approximate):
    (event,) = only_update(with_details(detail(**fields))).events
    assert (event.at, event.approximate) == (at, approximate)


@pytest.mark.parametrize(("given", "country"), [("US", "US"), ("USA", "US"), ("DEU", "DE"), ("Germany", "")])
def test_countries_are_read_as_alpha_2_and_left_empty_when_not_a_code(given, country):
    (event,) = only_update(with_details(detail(country=given))).events
    assert event.country == country


def test_a_detail_without_a_readable_time_is_skipped_with_a_note_and_the_rest_kept():
    update = only_update(with_details(detail(datetime=None), detail(datetime="soon"), detail()))
    assert len(update.events) == 1
    assert [note.split(":")[0] for note in update.skipped] == [
        "result.tracking_details[0]",
        "result.tracking_details[1]",
    ]


@pytest.mark.parametrize(
    ("status", "status_detail", "message", "expected", "raw_status"),
    [
        ("in_transit", "arrived_at_facility", "", "in_transit", "in_transit"),
        ("out_for_delivery", "out_for_delivery", "", "out_for_delivery", "out_for_delivery"),
        ("delivered", "arrived_at_destination", "", "delivered", "delivered"),
        ("return_to_sender", "return", "", "returned", "return_to_sender"),
        ("failure", "delivery_exception", "", "exception", "failure"),
        ("unknown", "status_update", "", "no_information", "unknown"),  # EasyPost's unknown: nothing known
        ("", "label_created", "", "info_received", "label_created"),  # no status: the detail decides
        ("", "status_update", "Out for delivery", "out_for_delivery", "status_update"),  # rules.md 3b
    ],
)
def test_the_status_then_the_status_detail_then_the_message(
    status, status_detail, message, expected, raw_status
):
    (event,) = only_update(
        with_details(detail(status=status, status_detail=status_detail, message=message or "scan"))
    ).events
    assert (event.status, event.raw_status) == (expected, raw_status)


def test_the_description_stands_in_for_a_missing_message():
    (event,) = only_update(with_details(detail(message="", description="Accepted at USPS Origin"))).events
    assert event.description == "Accepted at USPS Origin"


@pytest.mark.parametrize(
    ("name", "carrier"),
    [
        ("USPS", "usps"),
        ("UPS", "ups"),
        ("FedEx", "fedex"),
        ("DHLExpress", "dhl"),
        ("DhlEcs", "dhl_ecommerce"),
        ("CanadaPost", "canada_post"),
        ("OnTrac", "ontrac"),
        ("Veho", None),
        ("", None),
    ],
)
def test_easyposts_carrier_name_names_our_carrier_where_one_maps(name, carrier):
    payload = sample()
    payload["result"]["carrier"] = name
    assert only_update(payload).carrier == carrier


# The tracker's own status


@pytest.mark.parametrize(
    ("status", "normalized"), [("delivered", "delivered"), ("return_to_sender", "returned")]
)
def test_a_final_tracker_status_no_detail_says_becomes_one_approximate_event(status, normalized):
    (event,) = only_update(with_details(detail(), status=status)).tracker_events
    assert (event.status, event.raw_status, event.at, event.approximate) == (normalized, status, NOW, True)
    assert event.description == easypost.TRACKER_DESCRIPTIONS[normalized]
    assert (event.location, event.country) == ("", "")


def test_no_tracker_event_when_a_detail_says_it_or_the_status_is_not_final():
    delivered = detail(
        status="delivered", message="Delivered, In/At Mailbox", datetime="2026-07-04T15:00:00Z"
    )
    assert only_update(with_details(detail(), delivered, status="delivered")).tracker_events == ()
    assert only_update(sample()).tracker_events == ()  # in_transit
    assert only_update(with_details(status="unknown")).tracker_events == ()


# Other events, errors


@pytest.mark.parametrize("description", ["batch.created", "shipment.invoice.created", "refund.successful"])
def test_other_events_are_ignored_with_their_id(description):
    pushed = read(
        {"id": "evt_1", "object": "Event", "description": description, "result": {"object": "Batch"}}
    )
    assert pushed.ignored and pushed.numbers == () and pushed.delivery_id == "evt_1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p["result"].update(tracking_code="EZ" + "1" * 80), "result.tracking_code"),
        (lambda p: p.update(id="evt_" + "0" * 300), "id"),
        (
            lambda p: p["result"]["tracking_details"][2].update(message="x" * 501),
            "result.tracking_details[2].message",
        ),
        (
            lambda p: p["result"]["tracking_details"][2]["tracking_location"].update(city="x" * 201),
            "result.tracking_details[2].tracking_location.city and state",
        ),
        (
            lambda p: p["result"]["tracking_details"][2]["tracking_location"].update(zip="9" * 21),
            "result.tracking_details[2].tracking_location.zip",
        ),
        (
            lambda p: p["result"]["tracking_details"][1].update(status_detail="x" * 101),
            "result.tracking_details[1].status_detail",
        ),
        (
            lambda p: p["result"]["tracking_details"][0].update(datetime="2101-01-01T00:00:00Z"),
            "result.tracking_details[0].datetime",
        ),
    ],
    ids=["tracking-code", "event-id", "message", "city", "zip", "status-detail", "time"],
)
def test_a_value_that_cannot_be_stored_is_refused_naming_the_field(change, field):
    payload = sample()
    change(payload)
    with pytest.raises(Refused, match=field.replace("[", r"\[").replace("]", r"\]")):
        read(payload)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b'{"description": "tracker.updated", ', "not valid JSON"),
        (b'"tracker.updated"', "not a JSON object"),
        (b'{"id": "evt_1", "result": {}}', '"description" is missing'),
        (b'{"id": "evt_1", "description": "tracker.updated"}', '"result" is missing'),
        (b'{"id": ["evt_1"], "description": "tracker.updated"}', '"id" is not a string'),
        (b'{"description": "tracker.updated", "result": "trk_1"}', '"result" is not an object'),
        (
            b'{"description": "tracker.updated", "result": {"object": "Tracker"}}',
            '"result.tracking_code" is missing',
        ),
        (
            b'{"description": "tracker.updated", "result": {"object": "Batch", "tracking_code": "EZ1"}}',
            '"result.object"',
        ),
        (
            b'{"description":"tracker.updated","result":{"tracking_code":"EZ2000","tracking_details":{}}}',
            '"result.tracking_details" is not a list',
        ),
        (
            b'{"description":"tracker.updated","result":{"tracking_code":"EZ2000","tracking_details":[1]}}',
            r'"result.tracking_details\[0\]" is not an object',
        ),
    ],
)
def test_a_body_of_the_wrong_shape_is_named(raw, error):
    with pytest.raises(PayloadError, match=error):
        easypost.read(raw, {}, NOW)


# Through the endpoint


@pytest.mark.django_db
def test_an_event_lands_on_the_number_and_the_case_of_the_order_holding_it_once(
    client, connection, django_capture_on_commit_callbacks
):
    order = OrderFactory()
    case = CaseFactory(order=order, next_assessment_at=datetime(2030, 1, 1, tzinfo=UTC))
    number, _ = tracking.get_or_create_number(NUMBER)
    tracking.link_number(order, number)
    with django_capture_on_commit_callbacks() as callbacks:
        response = deliver(client)
    assert response.status_code == 200, response.content
    assert outcome(response) == {"status": "ok", "events_created": 3, "checkpoints_skipped": 0}
    parcel = Parcel.objects.get(order=order)
    assert sorted(parcel.tracking_number.events.values_list("description", flat=True)) == [
        "Arrived at USPS Facility",
        "Pre-Shipment Info Sent to USPS",
        "Shipping Label Created",
    ]
    assert run_on_commit(callbacks) == [[order.pk]]
    case.refresh_from_db()
    assert case.next_assessment_at < datetime(2030, 1, 1, tzinfo=UTC)  # due now: it sees the new events
    delivery = WebhookDelivery.objects.get()
    assert (delivery.source, delivery.topic, delivery.delivery_id) == (
        "easypost",
        "tracker.updated",
        "evt_00000000000000000000000000000002",
    )

    assert deliver(client).json() == {"status": "duplicate"}
    assert (WebhookDelivery.objects.count(), TrackingEvent.objects.count()) == (1, 3)


@pytest.mark.django_db
def test_created_then_updated_stores_each_detail_once(client, connection):
    assert outcome(deliver(client, body(CREATED)))["events_created"] == 2
    assert outcome(deliver(client, body(UPDATED)))["events_created"] == 1
    number = TrackingNumber.objects.get()
    # EasyPost's test code fits no USPS format: the carrier named is checked against the number and dropped.
    assert (number.normalized, number.carrier, number.events.count()) == (NUMBER, "", 3)


@pytest.mark.django_db
def test_the_same_event_id_with_another_body_is_a_duplicate(client, connection):
    deliver(client)
    retried = sample() | {"status": "completed"}
    assert deliver(client, json.dumps(retried).encode()).json() == {"status": "duplicate"}
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_another_event_is_kept_as_ignored_and_stores_nothing(client, connection):
    raw = json.dumps(
        {"id": "evt_9", "object": "Event", "description": "batch.created", "result": {}}
    ).encode()
    response = deliver(client, raw)
    assert response.json() == {"status": "ignored", "event": "batch.created"}
    assert WebhookDelivery.objects.get().verdict == DeliveryVerdict.IGNORED
    assert not TrackingNumber.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("signature", ["without_nfkd", None, "hmac-sha256-hex=" + "0" * 64])
def test_a_bad_or_missing_signature_is_refused_and_nothing_stored(client, connection, signature):
    if signature == "without_nfkd":
        signature = SIGNED["deliveries"][UPDATED]["without_nfkd"]
    response = deliver(client, signature=signature)
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists() and not TrackingNumber.objects.exists()


@pytest.mark.django_db
def test_the_documented_header_is_accepted_through_the_endpoint(client, connection):
    response = client.post(URL, data=body(CREATED), content_type="application/json", headers=headers(CREATED))
    assert response.status_code == 200 and outcome(response)["events_created"] == 2


@pytest.mark.django_db
def test_an_oversized_body_is_refused(client, connection, settings):
    settings.TRACKING_WEBHOOK_MAX_BYTES = 1024
    assert deliver(client).status_code == 413
    assert not WebhookDelivery.objects.exists() and not TrackingNumber.objects.exists()


@pytest.mark.django_db
def test_a_value_that_cannot_be_stored_is_answered_422_naming_it_and_kept_for_a_replay(client, connection):
    payload = sample()
    payload["result"]["tracking_details"][2]["message"] = "x" * 501
    response = deliver(client, json.dumps(payload).encode())
    assert response.status_code == 422
    assert "result.tracking_details[2].message" in response.json()["error"]
    assert WebhookDelivery.objects.get().verdict == DeliveryVerdict.REFUSED
    assert not TrackingNumber.objects.exists()


@pytest.mark.django_db
def test_the_admins_test_delivery_of_the_sample_is_accepted_and_leaves_nothing(connection):
    status, answer = services.send_test_delivery(source=SOURCES["easypost"], host="testserver")
    assert (status, answer["status"]) == (200, "ok"), answer
    assert not WebhookDelivery.objects.exists() and not TrackingNumber.objects.exists()
