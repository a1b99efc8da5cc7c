"""Promise texts read into numbers (suppliers.promises.texts): ranges, single numbers, weeks, words, business
days and their longest span with weekends, and texts that name no delivery time."""

import pytest

from suppliers.promises.texts import (
    BUSINESS,
    CALENDAR,
    Promise,
    business_days_covering,
    business_days_span,
    parse_promise,
    promise_of,
)


@pytest.mark.parametrize(
    ("text", "low", "high", "unit", "words"),
    [
        ("Delivered in 7-12 business days", 7, 12, BUSINESS, "7-12 business days"),
        ("Handmade to order: delivered in 10-18 business days", 10, 18, BUSINESS, "10-18 business days"),
        ("10 days", 10, 10, CALENDAR, "10 days"),
        ("2-3 weeks", 14, 21, CALENDAR, "2-3 weeks"),
        ("Ships worldwide, arrives within 14 days", 14, 14, CALENDAR, "14 days"),
        ("up to 3 weeks", 21, 21, CALENDAR, "3 weeks"),
        ("Two weeks", 14, 14, CALENDAR, "Two weeks"),
        ("twenty-one days", 21, 21, CALENDAR, "twenty-one days"),
        ("7 to 12 working days", 7, 12, BUSINESS, "7 to 12 working days"),
        ("7\u201312 Working Days", 7, 12, BUSINESS, "7\u201312 Working Days"),  # an en dash
        ("between 10 and 18 days", 10, 18, CALENDAR, "between 10 and 18 days"),
        ("5-7 weekdays", 5, 7, BUSINESS, "5-7 weekdays"),
        ("12-7 business days", 7, 12, BUSINESS, "12-7 business days"),  # reversed: read as 7-12
        ("10+ days", 10, 10, CALENDAR, "10+ days"),
        ("1 business day", 1, 1, BUSINESS, "1 business day"),
    ],
)
def test_a_promise_text_is_read_into_its_numbers(text, low, high, unit, words):
    assert parse_promise(text) == Promise(low, high, unit, words)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # Several durations: the one in the clause that speaks of delivery ...
        ("Ships in 2 days, delivered in 10-15 days", "10-15 days"),
        ("Delivered in 8-15 business days. Processing takes 20 days", "8-15 business days"),
        # ... else the longest.
        ("Processing 1-3 days; shipping 7-12 business days", "7-12 business days"),
        # A clause about returns names no delivery time.
        ("30 day returns. Arrives in 8-15 business days", "8-15 business days"),
    ],
)
def test_of_several_durations_the_delivery_one_is_read(text, words):
    assert parse_promise(text).words == words


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        None,
        "Free shipping",
        "Ships in 24 hours",
        "Arrives in 1.5 weeks",
        "30 day returns",
        "2 months",
    ],
)
def test_a_text_naming_no_delivery_time_reads_as_none(text):
    assert parse_promise(text) is None


def test_business_days_span_their_weekends_at_most_from_a_friday():
    # From a Friday: 1 business day ends on Monday (3 days later), 5 on the next Friday (7), 12 on the
    # Tuesday of the third week (18).
    assert [business_days_span(n) for n in (0, 1, 2, 4, 5, 6, 10, 12, 15)] == [0, 3, 4, 6, 7, 10, 14, 18, 21]
    assert parse_promise("7-12 business days").calendar_days == 18
    assert parse_promise("2-3 weeks").calendar_days == 21
    assert parse_promise("10 days").calendar_days == 10


def test_the_business_days_that_cover_a_number_of_calendar_days():
    assert business_days_covering(18) == 12
    assert business_days_covering(19) == 13  # 13 business days may span 19 days
    assert business_days_covering(10) == 6
    assert business_days_covering(0) == 0


def test_a_page_without_a_readable_text_falls_back_to_promised_delivery_days_as_business_days():
    assert promise_of("Delivered in 2-3 weeks", 12) == (Promise(14, 21, CALENDAR, "2-3 weeks"), "text")
    fallback = Promise(12, 12, BUSINESS, "12 business days")
    assert promise_of("Fast shipping!", 12) == (fallback, "promised_delivery_days")
    assert promise_of("", None) == (None, "")


def test_a_promise_describes_itself():
    assert parse_promise("Delivered in 7-12 business days").describe() == "7-12 business days"
    assert parse_promise("2 weeks").describe() == "14 days"
    assert parse_promise("1 day").describe() == "1 day"
