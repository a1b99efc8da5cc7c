"""Gorgias HTTP integration requests (cases.intake.helpdesk.gorgias): the shared-secret header, the body of
docs/helpdesk.md read into a message, internal notes and ticket triggers read as none, hostile values
refused by name. Samples: tests/data/helpdesk/gorgias/ (SOURCES.md)."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from cases.intake.helpdesk import gorgias
from cases.intake.webhooks.pushed import PayloadError, Refused
from tests.helpers.helpdesk_messages import (
    RECEIVED,
    body_of,
    hostile_reading_problems,
    sample,
    sample_json,
)

HEADERS = json.loads(sample("gorgias", "headers.example.json"))
TOKEN = HEADERS["X-Staletrack-Token"]
INBOUND = "message_created_inbound.json"
OUTBOUND = "message_created_outbound.json"
NOTE = "internal_note.json"


def read(payload) -> list:
    return gorgias.read(payload if isinstance(payload, bytes) else body_of(payload), HEADERS, RECEIVED)


def only(payload):
    (message,) = read(payload)
    return message


def body(**changed) -> dict:
    return {**sample_json("gorgias", INBOUND), **changed}


# Verification: a shared secret in a header the store sets


def test_the_header_the_store_sets_verifies():
    assert gorgias.sign(TOKEN, b"{}", RECEIVED) == {"X-Staletrack-Token": TOKEN}
    assert gorgias.verify(TOKEN, sample("gorgias", INBOUND), HEADERS, RECEIVED) == ""


@pytest.mark.parametrize(
    ("secret", "sent", "why"),
    [
        (TOKEN, {}, "token missing"),
        (TOKEN, {"X-Staletrack-Token": ""}, "token missing"),
        ("", HEADERS, "no secret set"),
        (TOKEN, {"X-Staletrack-Token": TOKEN + "x"}, "token wrong"),
        (TOKEN, {"X-Staletrack-Token": TOKEN[:-1]}, "token wrong"),
        (TOKEN, {"X-Staletrack-Token": "ünïcode"}, "token wrong"),
        ("sécret-ünïcode", {"X-Staletrack-Token": "sécret-ünïcode"}, ""),
        (
            "rotated-token",
            HEADERS,
            "token wrong",
        ),  # the store changed the secret; Gorgias still sends the old
    ],
    ids=["missing", "empty", "no-secret", "longer", "shorter", "non-ascii", "non-ascii-secret", "rotated"],
)
def test_a_missing_or_wrong_token_is_refused_saying_why(secret, sent, why):
    assert gorgias.verify(secret, sample("gorgias", INBOUND), sent, RECEIVED) == why


def test_the_token_covers_neither_body_nor_time():
    # The module docstring's warning: a shared secret, weaker than a signature.
    later = RECEIVED + timedelta(days=365)
    assert gorgias.verify(TOKEN, b'{"anything": "else"}', HEADERS, later) == ""


# Reading


def test_an_incoming_message_reads_as_one_inbound_message():
    message = only(sample("gorgias", INBOUND))
    assert (message.source, message.ticket_id, message.message_id, message.direction) == (
        "gorgias",
        "4213",
        "98765432",
        "inbound",
    )
    # No offset in Gorgias's datetimes: UTC (module docstring).
    assert message.at == datetime(2025, 3, 10, 9, 15, 0, 123456, tzinfo=UTC)
    assert (message.from_email, message.subject, message.tags) == (
        "jane.customer@example.com",
        "Order #1002 not received",
        ("urgent", "wismo"),
    )
    found = message.references()
    assert (found.order_ids, found.numbers) == (["#1002"], ["RR123456785CN"])
    assert found.tracking_numbers[0].sentence == "Tracking says RR123456785CN."


def test_an_agents_message_is_outbound():
    message = only(sample("gorgias", OUTBOUND))
    assert (message.direction, message.from_email) == ("outbound", "support@staletrack-test.example.com")


def test_an_internal_note_is_no_customer_message():
    assert read(sample("gorgias", NOTE)) == []
    assert read(body(channel="internal-note", public="")) == []
    assert read(body(public="False")) == []


def test_a_ticket_trigger_without_a_message_reads_as_none():
    assert read(body(message_id="", body_text="", created_datetime="", from_agent="")) == []


def test_an_offset_given_is_honoured_and_the_customers_email_stands_in_for_a_missing_sender():
    message = only(body(created_datetime="2025-03-10T10:15:00+01:00", from_email=""))
    assert message.at == datetime(2025, 3, 10, 9, 15, tzinfo=UTC)
    assert message.from_email == "jane.customer@example.com"


@pytest.mark.parametrize(
    ("value", "direction"), [(True, "outbound"), ("true", "outbound"), (False, "inbound")]
)
def test_from_agent_as_a_boolean_or_a_word(value, direction):
    assert only(body(from_agent=value)).direction == direction


@pytest.mark.parametrize(
    ("tags", "read_as"),
    [(["a", "b"], ("a", "b")), ([{"name": "vip", "id": 4}], ("vip",)), ("", ()), (None, ())],
)
def test_tags_as_a_list_tag_objects_or_text(tags, read_as):
    assert only(body(tags=tags)).tags == read_as


@pytest.mark.parametrize(
    ("changed", "error"),
    [
        ({"ticket_id": None}, '"ticket_id" is missing'),
        ({"ticket_id": " "}, '"ticket_id" is empty'),
        ({"ticket_id": 4.5}, '"ticket_id" is not a string'),
        ({"from_agent": None}, '"from_agent" is missing'),
        ({"from_agent": "agent"}, '"from_agent" is not true or false'),
        ({"created_datetime": ""}, '"created_datetime" is empty'),
        ({"created_datetime": "10/03/2025"}, '"created_datetime" .* is not an ISO 8601'),
        ({"body_text": ["hi"]}, '"body_text" is not a string'),
        ({"tags": [1]}, r'"tags\[0\]" is not a string'),
    ],
)
def test_a_body_of_the_wrong_shape_is_named(changed, error):
    with pytest.raises(PayloadError, match=error) as raised:
        read(body(**changed))
    assert not isinstance(raised.value, Refused)


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"body_text": "x" * 10_001}, "body_text"),
        ({"subject": "s" * 10_001}, "subject"),
        ({"message_id": "9" * 201}, "message_id"),
        ({"from_email": "nobody"}, "from_email"),
        ({"from_email": "", "customer_email": "nobody"}, "customer_email"),
        ({"created_datetime": "1999-12-31T23:59:59"}, "created_datetime"),
    ],
)
def test_a_value_that_cannot_be_kept_is_refused_naming_its_field(changed, field):
    with pytest.raises(Refused, match=rf"^{field} "):
        read(body(**changed))


@pytest.mark.parametrize("name", [INBOUND, OUTBOUND, NOTE])
def test_hostile_values_in_any_field_are_read_or_refused_and_never_crash(name):
    assert hostile_reading_problems(gorgias.read, sample_json("gorgias", name), HEADERS) == []
