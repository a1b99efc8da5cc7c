"""Hostile tracking CSVs (docs/imports.md): every one named by line and column, nothing written, on the
command's service and the admin's upload alike (they share `cases.intake.tracking_import`).

- an event time outside 2000..2100 (UTC), the one gate of every stored time (staletrack.limits): a year 1
  with a +14:00 offset is a BC date in PostgreSQL that psycopg cannot read back, and every page and the
  sweep failed on it; a year past 9999 in UTC cannot be read at all;
- a NUL byte anywhere in the file;
- a cell longer than staletrack.limits.MAX_CELL (in a column the import reads or not), and a raw status
  longer than its column (refused like a long description, never cut);
- one event (same number, time and description) given two statuses by two lines.

Run on PostgreSQL too (DATABASE_URL): there the bad times would have been stored as dates no one can read.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.intake.csvfiles import CsvError
from cases.intake.tracking_csv import read_tracking_events, read_tracking_numbers
from cases.intake.tracking_import import import_tracking_events, import_tracking_numbers
from cases.models import Parcel, TrackingEvent, TrackingNumber
from staletrack.limits import MAX_CELL, MAX_RAW_STATUS, TIME_RANGE_MESSAGE
from tests.factories import OrderFactory

UPS = "1Z999AA10123456784"
HEADER = "order_id,tracking_number,time,status,raw_status,description,location,country,notes\n"
NUL = "has a NUL byte, which no text file has; save the file as UTF-8 (CSV UTF-8 in Excel)"
EVENTS_VIEW = "admin:cases_trackingnumber_import_events"
NUMBERS_VIEW = "admin:cases_trackingnumber_import_numbers"


def events_file(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def row(
    time="2026-11-04T10:00:00Z", status="InTransit", raw_status="", description="Departed", **more
) -> str:
    cells = {
        "order_id": "#1042",
        "tracking_number": UPS,
        "time": time,
        "status": status,
        "raw_status": raw_status,
        "description": description,
        "location": "Shenzhen",
        "country": "CN",
        "notes": "",
    }
    cells.update(more)
    return ",".join(_quoted(cells[name]) for name in HEADER.strip().split(","))


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"\n') else cell


def issues_of(call, raw: bytes, **kwargs) -> list[str]:
    with pytest.raises(CsvError) as caught:
        call(raw, **kwargs)
    return [str(issue) for issue in caught.value.issues]


def stored() -> tuple[int, int, int]:
    return TrackingNumber.objects.count(), Parcel.objects.count(), TrackingEvent.objects.count()


# The re-assessment task's delay is mocked for every test here (queued: tests/conftest.py).
pytestmark = pytest.mark.usefixtures("queued")


@pytest.fixture
def order(db):
    return OrderFactory(order_id="#1042")


# --- times outside 2000..2100 -----------------------------------------------------------------------------

OUT_OF_RANGE = [
    "0001-01-01T00:00:00+14:00",  # a BC date in PostgreSQL
    "9999-12-31T23:00:00-05:00",  # year 10000 in UTC
    "1999-12-31T23:59:59Z",
    "2000-01-01T09:00:00+10:00",  # 1999 in UTC
    "2100-01-01T00:00:00Z",
    "2099-12-31T20:00:00-05:00",  # 2100 in UTC
    "0001-01-01T00:00:00",  # a carrier's local time, far out: no zone can shift it
    "2150-03-04 10:00",
]


@pytest.mark.django_db
@pytest.mark.parametrize("time", OUT_OF_RANGE)
def test_an_event_time_outside_2000_to_2100_is_named_and_nothing_is_written(order, time):
    raw = events_file(row(), row(time=time, description="Arrived"))
    assert issues_of(import_tracking_events, raw) == [f"line 3, column 'time': {time!r} {TIME_RANGE_MESSAGE}"]
    assert stored() == (0, 0, 0)


@pytest.mark.parametrize(
    "time",
    [
        "2000-01-01T00:00:00Z",
        "2000-01-01T10:00:00+10:00",
        "2099-12-31T23:59:59Z",
        "2099-12-31T18:59:59-05:00",
    ],
)
def test_an_event_time_just_inside_the_range_is_read(time):
    (event,) = read_tracking_events(events_file(row(time=time)))
    assert event.event.at.year in (2000, 2099)


def test_a_year_that_no_timestamp_has_is_not_a_timestamp():
    raw = events_file(row(time="10000-01-01T00:00:00Z"))
    assert issues_of(read_tracking_events, raw) == [
        "line 2, column 'time': '10000-01-01T00:00:00Z' is not an ISO 8601 timestamp"
    ]


@pytest.mark.django_db
def test_the_admin_upload_names_a_bc_time_and_writes_nothing(client, staff, order):
    client.force_login(staff)
    raw = events_file(row(time="0001-01-01T00:00:00+14:00"))
    response = client.post(reverse(EVENTS_VIEW), {"file": SimpleUploadedFile("e.csv", raw, "text/csv")})
    assert response.status_code == 200
    assert f"line 2, column &#x27;time&#x27;: &#x27;0001-01-01T00:00:00+14:00&#x27; {TIME_RANGE_MESSAGE}" in (
        response.content.decode()
    )
    assert stored() == (0, 0, 0)


# --- NUL bytes --------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("importer", [import_tracking_events, import_tracking_numbers])
def test_a_nul_byte_is_named_by_its_line_and_nothing_is_written(order, importer):
    raw = events_file(row(), row(description="Arr\x00ived"), row(description="Delivered"))
    assert issues_of(importer, raw) == [f"line 3: {NUL}"]
    assert stored() == (0, 0, 0)


@pytest.mark.django_db
def test_the_admin_upload_names_a_nul_byte_instead_of_failing(client, staff, order):
    client.force_login(staff)
    raw = events_file(row(), row(description="\x00"))
    for view in (EVENTS_VIEW, NUMBERS_VIEW):
        response = client.post(reverse(view), {"file": SimpleUploadedFile("e.csv", raw, "text/csv")})
        assert response.status_code == 200
        assert "line 3: has a NUL byte" in response.content.decode()
    assert stored() == (0, 0, 0)


# --- limits: cells, raw statuses, descriptions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"notes": "n" * 2_000_000}, "notes"),  # a column the import does not read
        ({"description": "d" * 2_000_000}, "description"),
        ({"raw_status": "r" * (MAX_CELL + 1)}, "raw_status"),
        ({"notes": "line\n" * 30_000}, "notes"),  # over many short lines
    ],
    ids=["unread-column", "description", "raw-status", "many-lines"],
)
def test_a_cell_longer_than_the_limit_is_named_like_on_the_orders_import(cells, column):
    raw = events_file(row(), row(**cells))
    assert issues_of(read_tracking_events, raw) == [
        f"line 3, column '{column}': is longer than 100,000 characters"
    ]


def test_a_cell_of_exactly_the_limit_is_read_as_any_other():
    raw = events_file(row(notes="n" * MAX_CELL))
    assert len(read_tracking_events(raw)) == 1


def test_a_numbers_file_holds_its_cells_to_the_same_limit():
    raw = f"order_id,tracking_number,comment\n1042,{UPS},{'c' * (MAX_CELL + 1)}\n".encode()
    assert issues_of(read_tracking_numbers, raw) == [
        "line 2, column 'comment': is longer than 100,000 characters"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cells", "named"),
    [
        ({"raw_status": "R" * (MAX_RAW_STATUS + 1)}, "column 'raw_status': is longer than 100 characters"),
        ({"status": "S" * (MAX_RAW_STATUS + 1)}, "column 'status': is longer than 100 characters"),
        ({"description": "D" * 501}, "column 'description': is longer than 500 characters"),
        ({"location": "L" * 201}, "column 'location': is longer than 200 characters"),
    ],
    ids=["raw-status", "status-word", "description", "location"],
)
def test_a_text_longer_than_its_column_is_refused_never_cut(order, cells, named):
    raw = events_file(row(**cells))
    assert issues_of(import_tracking_events, raw) == [f"line 2, {named}"]
    assert stored() == (0, 0, 0)


@pytest.mark.django_db
def test_a_raw_status_of_exactly_its_limit_is_stored_whole(order):
    word = "Z" * MAX_RAW_STATUS
    import_tracking_events(events_file(row(status="", raw_status=word)))
    assert TrackingEvent.objects.get().raw_status == word


# --- one event, two statuses ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_event_given_two_statuses_is_named_with_both_lines_and_nothing_is_written(order):
    raw = events_file(
        row(time="2026-11-04T10:00:00Z", status="InTransit", description="Parcel scanned"),
        row(time="2026-11-05T10:00:00Z", status="InTransit", description="Departed"),
        row(time="2026-11-04T18:00:00+08:00", status="Delivered", description="Parcel scanned"),
    )
    assert issues_of(import_tracking_events, raw) == [
        "line 4, column 'status': gives the event of line 2 "
        f'({UPS} at 2026-11-04T18:00:00+08:00, "Parcel scanned") another status: delivered here, '
        "in_transit on line 2; an event has one status"
    ]
    assert stored() == (0, 0, 0)


@pytest.mark.django_db
def test_the_same_event_twice_with_one_status_is_stored_once(order):
    raw = events_file(row(), row(), row(time="2026-11-04T12:00:00+02:00"))
    summary = import_tracking_events(raw)
    assert summary.created["tracking events"] == 1


@pytest.mark.django_db
def test_an_event_known_by_order_and_by_number_is_one_event(order):
    # One line names the order only, the other the number only: both are the order's current number.
    raw = events_file(
        row(status="InTransit"),
        row(tracking_number="", status="Exception", description="Departed"),
    )
    issues = issues_of(import_tracking_events, raw)
    assert len(issues) == 1 and issues[0].startswith("line 3, column 'status': gives the event of line 2")


@pytest.mark.django_db
def test_two_statuses_at_one_time_with_different_descriptions_are_two_events(order):
    raw = events_file(
        row(status="InTransit", description="Departed"), row(status="Exception", description="Held")
    )
    assert import_tracking_events(raw).created["tracking events"] == 2


# --- the file as a whole ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_tracking_file_larger_than_the_limit_is_refused_before_it_is_read(order):
    raw = events_file(row(), row(), row())
    with (
        mock.patch("cases.intake.tracking_import.MAX_FILE_BYTES", len(raw) - 1),
        mock.patch("cases.intake.tracking_import.scan_tracking_events") as scan,
    ):
        issues = issues_of(import_tracking_events, raw)
    assert len(issues) == 1 and "the limit for a tracking file is" in issues[0]
    assert not scan.called and stored() == (0, 0, 0)
