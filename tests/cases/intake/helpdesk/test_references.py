"""The orders and parcels a customer message names (cases.intake.helpdesk.messages.references), each with
the sentence it came from, and the checks every helpdesk message passes (`message`)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cases.intake.helpdesk.messages import (
    MAX_SENTENCE,
    HelpdeskMessage,
    message,
    references,
    tags_of,
    time_of,
)
from cases.intake.webhooks.pushed import PayloadError, Refused
from staletrack import limits

UPS = "1Z999AA10123456784"  # UPS's test number, check digit valid
S10 = "RR123456785CN"  # UPU S10, check digit valid
AT = datetime(2025, 3, 10, 9, 15, tzinfo=UTC)


# Order numbers


@pytest.mark.parametrize(
    "written",
    [
        "#1001",
        "# 1001",
        "order 1001",
        "Order #1001",
        "order no. 1001",
        "Order No 1001",
        "ORDER NUMBER: 1001",
        "order nr. 1001",
        "order id 1001",
        "order: 1001",
    ],
)
def test_each_way_of_writing_an_order_number_reads_as_the_stores_name(written):
    found = references(f"Hello, about {written}, nothing came.")
    assert found.order_ids == ["#1001"]
    (order,) = found.orders
    assert (order.written, order.sentence, order.field) == (
        " ".join(written.split()),
        f"Hello, about {written}, nothing came.",
        "text",
    )


@pytest.mark.parametrize(
    "text",
    [
        "We are the #1 shop.",
        "I ordered 2 lamps.",
        "order 12 items",
        "Q&#1001;",  # an HTML entity, not an order
        "Price was 1001 dollars",
        "#1001abc",
    ],
)
def test_what_is_no_order_number(text):
    assert references(text).orders == ()


def test_an_abbreviation_inside_a_reference_does_not_end_its_sentence():
    (order,) = references("First line. Where is order no. 1001? Thanks.").orders
    assert order.sentence == "Where is order no. 1001?"


def test_each_order_is_named_once_at_its_first_place_subject_first():
    found = references("Order #1001 again. And #1002. And order 1001.", subject="Late: #1001")
    assert found.order_ids == ["#1001", "#1002"]
    assert [(o.field, o.sentence) for o in found.orders] == [
        ("subject", "Late: #1001"),
        ("text", "And #1002."),
    ]


# Tracking numbers


def test_tracking_numbers_are_tokens_a_carrier_format_accepts_with_their_sentence():
    text = f"Hi!\nMy parcel {UPS} has not moved. The other one is {S10.lower()}. Thanks"
    found = references(text)
    assert found.numbers == [UPS, S10]
    ups, s10 = found.tracking_numbers
    assert (ups.carrier, ups.sentence, ups.written) == ("ups", f"My parcel {UPS} has not moved.", UPS)
    assert (s10.carrier, s10.sentence, s10.written) == (
        "s10",
        f"The other one is {S10.lower()}.",
        S10.lower(),
    )


def test_a_number_written_with_dashes_is_read_normalized():
    (number,) = references("Tracking: 1Z-999-AA1-0123-4567-84 please check").tracking_numbers
    assert (number.value, number.written) == (UPS, "1Z-999-AA1-0123-4567-84")


@pytest.mark.parametrize(
    "text",
    [
        "RR123456784CN is wrong",  # S10 shape, check digit fails every format it fits
        "ABCDEFGHIJKL letters only",
        "2025-03-10 is a date",
        "short 12345",
        "jane.doe@example.com wrote",
    ],
)
def test_what_no_carrier_format_accepts_is_no_tracking_number(text):
    assert references(text).tracking_numbers == ()


def test_an_order_number_is_not_also_read_as_a_tracking_number():
    # Eleven digits fit GLS's format without a check digit; named as an order, they are the order's.
    found = references("order 12345678901 is late")
    assert (found.order_ids, found.numbers) == (["#12345678901"], [])


def test_a_phone_number_that_fits_a_format_without_check_digit_is_a_candidate_too():
    # The module docstring's caveat: a reference is linked only to numbers the store has.
    assert references("Call me on 07911123456").numbers == ["07911123456"]


def test_a_sentence_without_an_end_is_cut_around_the_reference_to_a_label():
    text = "word " * 400 + UPS + " word" * 400
    (number,) = references(text).tracking_numbers
    assert len(number.sentence) <= MAX_SENTENCE
    assert UPS in number.sentence and number.sentence.startswith("…") and number.sentence.endswith("…")


def test_nothing_in_an_empty_message():
    found = references("", subject="")
    assert (found.orders, found.tracking_numbers) == ((), ())


def test_a_message_gives_its_references():
    found = _message(text=f"Order #1001, parcel {UPS}.").references()
    assert (found.order_ids, found.numbers) == (["#1001"], [UPS])


# The checks of every message


def _message(**changed) -> HelpdeskMessage:
    values = {
        "source": "zendesk",
        "ticket_id": "35436",
        "message_id": "1",
        "at": AT,
        "from_email": "jane@example.com",
        "direction": "inbound",
        "subject": "Late",
        "text": "Where is it?",
        "tags": ("a", "b"),
        "names": {"text": "body_text"},
    }
    return message(**{**values, **changed})


@pytest.mark.parametrize(
    ("changed", "error", "refused"),
    [
        ({"ticket_id": " "}, '"ticket_id" is empty', False),
        ({"direction": "sideways"}, "\"direction\" is 'sideways'", False),
        ({"text": "x" * (limits.MAX_TEXT + 1)}, "body_text is longer than 10,000 characters", True),
        ({"text": "a\x00b"}, "body_text contains a NUL character", True),
        ({"subject": "s" * (limits.MAX_TEXT + 1)}, "subject is longer", True),
        ({"ticket_id": "9" * 201}, "ticket_id is longer than 200", True),
        ({"from_email": "nobody"}, "from_email 'nobody' is not an email address", True),
        ({"from_email": "a@" + "b" * 300}, "from_email is longer than 254", True),
        ({"at": datetime(1999, 12, 31, tzinfo=UTC)}, "at must be between", True),
        ({"at": datetime(2025, 3, 10)}, "at must carry a time zone", True),
        ({"tags": ["t" * 101]}, "tags is longer than 100", True),
        ({"tags": [f"t{i}" for i in range(101)]}, "tags has 101 tags", True),
    ],
)
def test_a_value_that_cannot_be_kept_is_refused_naming_its_field(changed, error, refused):
    with pytest.raises(PayloadError, match=error.replace("(", r"\(")) as raised:
        _message(**changed)
    assert isinstance(raised.value, Refused) is refused


def test_texts_are_stripped_and_tags_kept_once():
    kept = _message(text="  hi  ", tags=(" a ", "a", "", "b"))
    assert (kept.text, kept.tags) == ("hi", ("a", "b"))


@pytest.mark.parametrize(
    ("raw", "at"),
    [
        ("2025-03-10T09:15:00Z", AT),
        ("2013-12-12T05:35Z", datetime(2013, 12, 12, 5, 35, tzinfo=UTC)),
        ("2025-03-10T10:15:00+01:00", AT),
        ("2025-03-10T09:15:00.123456789Z", AT + timedelta(microseconds=123456)),
    ],
)
def test_times_are_iso_8601_with_an_offset(raw, at):
    assert time_of(raw, "created_at") == at


def test_a_time_without_an_offset_is_refused_unless_the_helpdesk_writes_utc():
    with pytest.raises(PayloadError, match=r'"created_at" .* has no UTC offset'):
        time_of("2025-03-10T09:15:00", "created_at")
    assert time_of("2025-03-10T09:15:00", "x", without_offset_as_utc=True) == AT
    assert time_of("2025-03-10T09:15:00-05:00", "x", without_offset_as_utc=True).utcoffset() == timedelta(
        hours=-5
    )
    assert time_of("2025-03-10T09:15:00-05:00", "x").tzinfo == timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("value", "tags"),
    [
        ("a b  c", ("a", "b", "c")),
        ("urgent, wismo", ("urgent", "wismo")),
        (["a", "b"], ("a", "b")),
        ([{"name": "a"}, {"name": "b", "id": 3}], ("a", "b")),
        (None, ()),
    ],
)
def test_tags_as_helpdesks_write_them(value, tags):
    assert tags_of(value, "tags") == tags


@pytest.mark.parametrize("value", [3, {"a": 1}, [1], [{"id": 1}]])
def test_tags_of_another_type_are_named(value):
    with pytest.raises(PayloadError, match='"tags'):
        tags_of(value, "tags")
