"""The one write path of tracking events (`cases.tracking.services.add_events`) refuses what cannot be
stored, whatever source calls it (CSV, webhook, bundle, admin): a time outside 2000..2100 (UTC), a text
longer than its column (never cut), a value that is not text. It raises `EventRefused` (a ValueError)
with a message naming the field, before anything of the call is written.

On PostgreSQL a year 1 with a +14:00 offset is stored as a BC date that psycopg cannot read back (and a
year past 9999 in UTC cannot be made at all): the number's events, its pages and the sweep then failed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cases.assessment.facts import TrackingEvent as EventFacts
from cases.models import TrackingEvent
from cases.tracking import services as tracking
from cases.tracking.services import EventRefused
from staletrack.limits import MAX_DESCRIPTION, MAX_RAW_STATUS, TIME_RANGE_MESSAGE

pytestmark = pytest.mark.django_db

GOOD = EventFacts(at=datetime(2026, 11, 4, 10, tzinfo=UTC), status="in_transit", description="Departed")
PLUS_14 = timezone(timedelta(hours=14))
MINUS_5 = timezone(timedelta(hours=-5))


@pytest.fixture
def number():
    stored, _ = tracking.get_or_create_number("1Z999AA10123456784")
    return stored


def refused(number, *events: EventFacts) -> str:
    with pytest.raises(EventRefused) as caught:
        tracking.add_events(number, list(events), "csv")
    return str(caught.value)


@pytest.mark.parametrize(
    "at",
    [
        datetime(1, 1, 1, tzinfo=PLUS_14),  # a BC date in PostgreSQL
        datetime(9999, 12, 31, 23, tzinfo=MINUS_5),  # year 10000 in UTC
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2100, 1, 1, tzinfo=UTC),
        datetime(2000, 1, 1, 9, tzinfo=timezone(timedelta(hours=10))),  # 1999 in UTC
    ],
    ids=["bc", "year-10000-utc", "1999", "2100", "1999-in-utc"],
)
def test_an_event_outside_2000_to_2100_is_refused_and_nothing_is_written(number, at):
    message = refused(number, GOOD, EventFacts(at=at, status="delivered"))
    assert message == (
        f"tracking event refused (event 2 of {number.normalized}), at: {at.isoformat()} {TIME_RANGE_MESSAGE}"
    )
    assert not TrackingEvent.objects.exists()
    assert list(number.events.all()) == []  # the number reads back as it was


@pytest.mark.postgres
def test_on_postgresql_a_bc_time_is_never_stored_and_the_events_read_back():
    stored, _ = tracking.get_or_create_number("1Z999AA10123456784")
    tracking.add_events(stored, [GOOD], "webhook")
    with pytest.raises(EventRefused, match="must be between 2000-01-01 and 2100-01-01"):
        tracking.add_events(
            stored, [EventFacts(at=datetime(1, 1, 1, tzinfo=PLUS_14), status="delivered")], "csv"
        )
    # What the pages and the sweep read: every stored time is a datetime Python can hold.
    assert [event.at for event in stored.events.all()] == [GOOD.at]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM cases_trackingevent WHERE at < '2000-01-01' OR at >= '2100-01-01'"
        )
        assert cursor.fetchone()[0] == 0


def test_times_just_inside_the_range_are_stored(number):
    edges = [datetime(2000, 1, 1, tzinfo=UTC), datetime(2099, 12, 31, 18, 59, 59, tzinfo=MINUS_5)]
    added = tracking.add_events(number, [EventFacts(at=at, status="in_transit") for at in edges], "csv")
    assert added == 2


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (
            EventFacts(at=GOOD.at, status="in_transit", raw_status="R" * (MAX_RAW_STATUS + 1)),
            "raw_status: is longer than 100 characters",
        ),
        (
            EventFacts(at=GOOD.at, status="in_transit", description="D" * (MAX_DESCRIPTION + 1)),
            "description: is longer than 500 characters",
        ),
        (
            EventFacts(at=GOOD.at, status="in_transit", location="L" * 201),
            "location: is longer than 200 characters",
        ),
        (EventFacts(at=GOOD.at, status="in_transit", country="CHN"), "country: is longer than 2 characters"),
        (EventFacts(at=GOOD.at, status="in_transit", postal_code="9" * 21), "postal_code: is longer than 20"),
        (EventFacts(at=GOOD.at, status="in_transit", description="a\x00b"), "description: contains a NUL"),
        (EventFacts(at=GOOD.at, status="in_transit", raw_status=["x"]), "raw_status: is list, not text"),
        (EventFacts(at=GOOD.at, status="teleported"), "status: 'teleported' is not a tracking status"),
        (EventFacts(at="2026-11-04", status="in_transit"), "at: '2026-11-04' is not a date and time"),
        (
            EventFacts(at=datetime(2026, 11, 4), status="in_transit"),
            "at: 2026-11-04T00:00:00 must carry a time zone",
        ),
    ],
    ids=[
        "raw-status",
        "description",
        "location",
        "country",
        "postal-code",
        "nul",
        "not-text",
        "status",
        "not-a-time",
        "naive",
    ],
)
def test_a_value_that_cannot_be_stored_is_refused_whole_never_cut(number, event, message):
    assert message in refused(number, event)
    assert not TrackingEvent.objects.exists()


def test_a_raw_status_of_exactly_its_limit_is_stored_whole(number):
    word = "Z" * MAX_RAW_STATUS
    tracking.add_events(number, [EventFacts(at=GOOD.at, status="in_transit", raw_status=word)], "webhook")
    assert TrackingEvent.objects.get().raw_status == word


def test_the_refusal_is_a_value_error_with_the_number_named(number):
    with pytest.raises(ValueError, match=r"tracking event refused \(1Z999AA10123456784\), at: 0001-01-01"):
        tracking.add_events(
            number, [EventFacts(at=datetime(1, 1, 1, tzinfo=PLUS_14), status="delivered")], "admin"
        )


def test_a_generator_of_events_is_checked_whole_before_any_is_written(number):
    events = (event for event in [GOOD, EventFacts(at=datetime(2150, 1, 1, tzinfo=UTC), status="delivered")])
    with pytest.raises(EventRefused):
        tracking.add_events(number, events, "bundle")
    assert not TrackingEvent.objects.exists()
