"""Zendesk webhooks (cases.intake.helpdesk.zendesk): the signature of timestamp and body, the trigger body
of docs/helpdesk.md and the comment_added event read into messages, hostile values refused by name.
Samples: tests/data/helpdesk/zendesk/ (SOURCES.md); signatures.json holds each sample's headers."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from cases.intake.helpdesk import zendesk
from cases.intake.webhooks.pushed import PayloadError, Refused
from tests.helpers.helpdesk_messages import (
    RECEIVED,
    body_of,
    hostile_reading_problems,
    sample,
    sample_json,
)

SIGNED = json.loads(sample("zendesk", "signatures.json"))
SECRET = SIGNED["secret"]
INBOUND = "trigger_comment_inbound.json"
OUTBOUND = "trigger_comment_outbound.json"
EVENT = "event_comment_added.json"
STAMPED = datetime(2025, 3, 10, 9, 15, 2, tzinfo=UTC)  # the inbound sample's timestamp header


def headers(name: str) -> dict[str, str]:
    return dict(SIGNED["deliveries"][name])


def read(payload) -> list:
    return zendesk.read(payload if isinstance(payload, bytes) else body_of(payload), {}, RECEIVED)


def only(payload):
    (message,) = read(payload)
    return message


def trigger(**changed) -> dict:
    return {**sample_json("zendesk", INBOUND), **changed}


def event(**comment) -> dict:
    payload = sample_json("zendesk", EVENT)
    payload["event"]["comment"].update(comment)
    return payload


# Verification: base64(HMAC-SHA256(timestamp + body)), five minutes


def test_the_signature_of_each_sample_verifies_at_its_time():
    for name, sent in SIGNED["deliveries"].items():
        now = datetime.fromisoformat(sent[zendesk.TIMESTAMP_HEADER])
        assert zendesk.verify(SECRET, sample("zendesk", name), sent, now) == "", name


def test_the_signature_is_the_documented_formula_timestamp_then_body():
    body, stamp = sample("zendesk", INBOUND), "2025-03-10T09:15:02Z"
    digest = hmac.new(SECRET.encode(), stamp.encode() + body, hashlib.sha256).digest()
    assert zendesk.sign(SECRET, body, STAMPED) == {
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
    }
    assert zendesk.sign(SECRET, body, STAMPED) == headers(INBOUND)


def test_the_older_pages_example_signs_body_then_timestamp_and_is_not_what_is_checked():
    # SOURCES.md: an older copy of Zendesk's page; its example agrees with (BODY)(TIMESTAMP) only.
    old = SIGNED["archived_page_example"]
    key, body, stamp = old["secret"].encode(), old["body"].encode(), old["timestamp"]
    assert (
        base64.b64encode(hmac.new(key, body + stamp.encode(), hashlib.sha256).digest()).decode()
        == (old["signature"])
    )
    sent = {zendesk.TIMESTAMP_HEADER: stamp, zendesk.SIGNATURE_HEADER: old["signature"]}
    assert zendesk.verify(old["secret"], body, sent, datetime(2021, 7, 25, 10, tzinfo=UTC)) == (
        "signature wrong"
    )


@pytest.mark.parametrize(
    ("skew", "why"),
    [
        (timedelta(0), ""),
        (timedelta(minutes=5), ""),
        (-timedelta(minutes=5), ""),
        (timedelta(minutes=5, seconds=1), "timestamp outside the allowed window"),
        (-timedelta(minutes=5, seconds=1), "timestamp outside the allowed window"),
        (timedelta(days=2), "timestamp outside the allowed window"),
    ],
)
def test_a_timestamp_more_than_five_minutes_from_the_arrival_is_refused(skew, why):
    assert zendesk.verify(SECRET, sample("zendesk", INBOUND), headers(INBOUND), STAMPED + skew) == why


@pytest.mark.parametrize(
    ("secret", "changed", "body_extra", "why"),
    [
        (SECRET, {"X-Zendesk-Webhook-Signature": None}, b"", "signature missing"),
        (SECRET, {"X-Zendesk-Webhook-Signature-Timestamp": None}, b"", "timestamp missing"),
        (SECRET, {"X-Zendesk-Webhook-Signature-Timestamp": " "}, b"", "timestamp missing"),
        ("", {}, b"", "no secret set"),
        (SECRET, {}, b" ", "signature wrong"),  # one byte of the body changed
        (SECRET, {"X-Zendesk-Webhook-Signature-Timestamp": "2025-03-10T09:15:03Z"}, b"", "signature wrong"),
        (SECRET, {"X-Zendesk-Webhook-Signature": "ünïcode"}, b"", "signature wrong"),
        ("rotated-secret", {}, b"", "signature wrong"),  # the webhook's secret was reset in Zendesk
    ],
    ids=[
        "no-signature",
        "no-timestamp",
        "blank-timestamp",
        "no-secret",
        "body-changed",
        "timestamp-changed",
        "non-ascii",
        "rotated",
    ],
)
def test_a_missing_or_wrong_signature_is_refused_saying_why(secret, changed, body_extra, why):
    sent = {k: v for k, v in {**headers(INBOUND), **changed}.items() if v is not None}
    assert zendesk.verify(secret, sample("zendesk", INBOUND) + body_extra, sent, STAMPED) == why


def test_after_a_rotation_the_new_secret_verifies_and_the_old_does_not():
    body = sample("zendesk", INBOUND)
    sent = zendesk.sign("new-secret", body, STAMPED)
    assert zendesk.verify("new-secret", body, sent, STAMPED) == ""
    assert zendesk.verify(SECRET, body, sent, STAMPED) == "signature wrong"


@pytest.mark.parametrize(
    ("stamp", "why"),
    [
        (str(int(STAMPED.timestamp())), ""),  # Unix seconds
        ("2025-03-10T10:15:02+01:00", ""),
        ("2025-03-10T09:15:02", "timestamp is not a time"),  # no offset
        ("yesterday", "timestamp is not a time"),
        ("9" * 30, "timestamp is not a time"),
        ("0001-01-01T00:00:00+14:00", "timestamp outside the allowed window"),
    ],
)
def test_the_timestamp_is_read_as_iso_8601_or_unix_seconds(stamp, why):
    body = sample("zendesk", INBOUND)
    sent = {
        zendesk.TIMESTAMP_HEADER: stamp,
        zendesk.SIGNATURE_HEADER: zendesk.expected_signature(SECRET, stamp, body),
    }
    assert zendesk.verify(SECRET, body, sent, STAMPED) == why


# Reading the trigger body


def test_the_trigger_body_reads_as_one_inbound_message():
    message = only(sample("zendesk", INBOUND))
    assert (message.source, message.ticket_id, message.message_id, message.direction) == (
        "zendesk",
        "35436",
        "54509363035291",
        "inbound",
    )
    assert (message.at, message.from_email, message.subject) == (
        datetime(2025, 3, 10, 9, 15, tzinfo=UTC),
        "jane.customer@example.com",
        "Where is my order #1001?",
    )
    assert message.text.startswith("Hi, I ordered 3 weeks ago")
    assert message.tags == ("order_status", "shipping_delay")
    found = message.references()
    assert (found.order_ids, found.numbers) == (["#1001"], ["1Z999AA10123456784"])


def test_the_agents_trigger_gives_an_outbound_message():
    assert only(sample("zendesk", OUTBOUND)).direction == "outbound"


@pytest.mark.parametrize(
    ("role", "direction"), [("end-user", "inbound"), ("Agent", "outbound"), ("admin", "outbound")]
)
def test_an_author_role_gives_the_direction_when_the_trigger_writes_none(role, direction):
    assert only(trigger(direction=None, author_role=role)).direction == direction


def test_an_inbound_comment_without_its_authors_email_takes_the_requesters():
    assert only(trigger(from_email="", requester_email="req@example.com")).from_email == "req@example.com"
    assert only(trigger(from_email="", direction="outbound")).from_email == ""
    with pytest.raises(Refused, match=r"^requester_email "):
        read(trigger(from_email=None, requester_email="nobody"))


@pytest.mark.parametrize("public", ["false", "False", False])
def test_a_private_comment_is_no_customer_message(public):
    assert read(trigger(public=public)) == []


@pytest.mark.parametrize(
    ("changed", "error"),
    [
        ({"ticket_id": None}, '"ticket_id" is missing'),
        ({"ticket_id": ""}, '"ticket_id" is empty'),
        ({"ticket_id": ["35436"]}, '"ticket_id" is not a string'),
        ({"created_at": None}, '"created_at" is missing'),
        ({"created_at": "2025-03-10 09:15"}, '"created_at" .* has no UTC offset'),
        ({"created_at": "March 10"}, '"created_at" .* is not an ISO 8601'),
        ({"direction": None}, '"direction" is missing'),
        ({"direction": "sideways"}, "\"direction\" is 'sideways'"),
        ({"direction": None, "author_role": "robot"}, "\"author_role\" is 'robot'"),
        ({"public": "maybe"}, '"public" is not true or false'),
        ({"tags": 5}, '"tags" is not a list or a string'),
        ({"text": {"body": "hi"}}, '"text" is not a string'),
    ],
)
def test_a_trigger_body_of_the_wrong_shape_is_named(changed, error):
    with pytest.raises(PayloadError, match=error) as raised:
        read(trigger(**changed))
    assert not isinstance(raised.value, Refused)


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"text": "x" * 10_001}, "text"),
        ({"subject": "s" * 10_001}, "subject"),
        ({"comment_id": "1" * 201}, "comment_id"),
        ({"from_email": "not-an-address"}, "from_email"),
        ({"created_at": "2100-01-01T00:00:00Z"}, "created_at"),
        ({"tags": ["t" * 101]}, "tags"),
    ],
)
def test_a_value_that_cannot_be_kept_is_refused_naming_its_field(changed, field):
    with pytest.raises(Refused, match=rf"^{field} "):
        read(trigger(**changed))


def test_a_nul_or_a_body_that_is_not_json_is_a_payload_error():
    for raw in (b'{"text": "a\\u0000b"}', b"{", b"[]", b"\xff"):
        with pytest.raises(PayloadError):
            read(raw)


# Reading the event-subscription body


def test_a_comment_added_event_reads_as_one_message():
    message = only(sample("zendesk", EVENT))
    assert (message.ticket_id, message.message_id, message.direction, message.from_email) == (
        "35436",
        "54509363035291",
        "inbound",
        "",  # the event names its author by id only
    )
    assert message.at == datetime(2025, 3, 10, 9, 15, 0, 123456, tzinfo=UTC)
    assert (message.subject, message.tags) == ("Where is my order #1001?", ("order_status", "shipping_delay"))
    found = message.references()
    assert (found.order_ids, found.numbers) == (["#1001"], ["RR123456785CN"])


def test_a_staff_authors_event_is_outbound_and_a_private_one_none():
    assert only(event(author={"id": "1", "is_staff": True, "name": "Agent"})).direction == "outbound"
    assert read(event(is_public=False)) == []


def test_other_events_carry_no_message():
    payload = sample_json("zendesk", EVENT) | {"type": "zen:event-type:ticket.status_changed"}
    assert read(payload) == []


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda p: p.pop("detail"), '"detail" is missing'),
        (lambda p: p["event"].pop("comment"), '"event.comment" is missing'),
        (
            lambda p: p["event"]["comment"]["author"].pop("is_staff"),
            '"event.comment.author.is_staff" is missing',
        ),
        (lambda p: p["event"]["comment"].update(is_public="yes"), '"event.comment.is_public" is not'),
        (lambda p: p["detail"].pop("id"), '"detail.id" is missing'),
        (lambda p: p.update(time="2025-03-10T09:15:00"), '"time" .* has no UTC offset'),
    ],
)
def test_an_event_of_the_wrong_shape_is_named(change, error):
    payload = sample_json("zendesk", EVENT)
    change(payload)
    with pytest.raises(PayloadError, match=error):
        read(payload)


# Hostile values


@pytest.mark.parametrize("name", [INBOUND, OUTBOUND, EVENT])
def test_hostile_values_in_any_field_are_read_or_refused_and_never_crash(name):
    assert hostile_reading_problems(zendesk.read, sample_json("zendesk", name)) == []
