"""A helpdesk's message export (cases.intake.helpdesk.ticket_csv): headers as exports spell them, a column
map for others, times with offsets only, and every problem named by line and column with nothing read.
Sample: tests/data/helpdesk/csv/ (SOURCES.md)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cases.intake.csvfiles import CsvError
from cases.intake.helpdesk.ticket_csv import FIELDS, read_ticket_messages
from tests.helpers.helpdesk_messages import sample

HEADER = "ticket_id,at,from_email,direction,text,tags"
GOOD = "35436,2025-03-10T09:15:00Z,jane@example.com,inbound,Where is order #1001?,wismo"


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def issues(raw: bytes, **options) -> list[tuple[int | None, str | None]]:
    with pytest.raises(CsvError) as raised:
        read_ticket_messages(raw, **options)
    return [(issue.line, issue.column) for issue in raised.value.issues]


def test_the_sample_export_reads_every_message():
    first, second, third = read_ticket_messages(sample("csv", "messages.csv"))
    assert (first.source, first.ticket_id, first.message_id, first.direction) == (
        "csv",
        "35436",
        "54509363035291",
        "inbound",
    )
    assert (first.at, first.tags) == (
        datetime(2025, 3, 10, 9, 15, tzinfo=UTC),
        ("order_status", "shipping_delay"),
    )
    assert first.references().numbers == ["1Z999AA10123456784"]
    assert (second.direction, second.from_email) == ("outbound", "support@staletrack-test.example.com")
    assert (third.message_id, third.direction, third.tags) == ("", "inbound", ())
    assert third.at == datetime(2025, 3, 11, 8, 30, tzinfo=timezone(timedelta(hours=1)))
    assert third.references().order_ids == ["#1002"]


def test_the_source_can_be_named():
    (message,) = read_ticket_messages(csv(HEADER, GOOD), source="zendesk")
    assert message.source == "zendesk"


@pytest.mark.parametrize(
    ("word", "direction"),
    [
        ("inbound", "inbound"),
        ("Incoming", "inbound"),
        ("customer", "inbound"),
        ("end-user", "inbound"),
        ("OUTBOUND", "outbound"),
        ("outgoing", "outbound"),
        ("agent", "outbound"),
    ],
)
def test_directions_as_exports_write_them(word, direction):
    (message,) = read_ticket_messages(csv(HEADER, GOOD.replace(",inbound,", f",{word},")))
    assert message.direction == direction


def test_a_time_without_an_offset_is_refused_naming_its_row():
    raw = csv(HEADER, GOOD, GOOD.replace("2025-03-10T09:15:00Z", "2025-03-10 09:15:00"))
    with pytest.raises(CsvError) as raised:
        read_ticket_messages(raw)
    (issue,) = raised.value.issues
    assert (issue.line, issue.column) == (3, "at")
    assert "has no UTC offset" in issue.message
    assert str(issue).startswith("line 3, column 'at': '2025-03-10 09:15:00' has no UTC offset")


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (GOOD.replace("35436", ""), "ticket_id", "is empty"),
        (GOOD.replace("2025-03-10T09:15:00Z", ""), "at", "is empty"),
        (GOOD.replace("2025-03-10T09:15:00Z", "10/03/2025"), "at", "is not an ISO 8601"),
        (GOOD.replace("2025-03-10T09:15:00Z", "2100-01-01T00:00:00Z"), "at", "must be between"),
        (GOOD.replace("jane@example.com", "jane"), "from_email", "is not an email address"),
        (GOOD.replace(",inbound,", ",sideways,"), "direction", "is not inbound or outbound"),
        (GOOD.replace(",inbound,", ",,"), "direction", "is not inbound or outbound"),
        (GOOD.replace("Where is order #1001?", "x" * 10_001), "text", "is longer than 10,000"),
        (GOOD.replace("35436", "9" * 201), "ticket_id", "is longer than 200"),
        (GOOD.replace(",wismo", "," + "t" * 101), "tags", "is longer than 100"),
        (GOOD.replace(",wismo", ',"' + " ".join(f"t{i}" for i in range(101)) + '"'), "tags", "has 101 tags"),
    ],
)
def test_a_bad_cell_is_named_by_line_and_column_and_nothing_is_read(row, column, words):
    with pytest.raises(CsvError) as raised:
        read_ticket_messages(csv(HEADER, GOOD, row, GOOD))
    (issue,) = raised.value.issues
    assert (issue.line, issue.column) == (3, column)
    assert words in issue.message


def test_every_problem_of_the_file_is_named_at_once():
    raw = csv(
        HEADER,
        GOOD.replace("2025-03-10T09:15:00Z", "2025-03-10T09:15:00"),
        GOOD,
        GOOD.replace("35436", "").replace(",inbound,", ",?,"),
    )
    assert issues(raw) == [(2, "at"), (4, "ticket_id"), (4, "direction")]


def test_a_missing_column_is_named_on_the_header():
    assert issues(csv("ticket_id,at,from_email,text", "1,2025-03-10T09:15:00Z,a@b.c,hi")) == [
        (1, "direction")
    ]


def test_whole_file_problems_are_named():
    assert issues(b"") == [(None, None)]
    assert issues(csv(HEADER)) == [(None, None)]
    assert issues(b"ticket_id,at\x00") == [(1, None)]
    assert issues(b"\xff\xfeticket") == [(None, None)]
    assert issues(csv(HEADER, "1,2")) == [(2, None)]  # a ragged row


def test_a_column_map_names_headers_no_export_spelling_knows():
    raw = csv("Conv,When,Who,Way,Said", "7,2025-03-10T09:15:00+00:00,a@example.com,out,Hello")
    mapping = {"ticket_id": "Conv", "at": "When", "from_email": "Who", "direction": "Way", "text": "Said"}
    (message,) = read_ticket_messages(raw, column_map=mapping)
    assert (message.ticket_id, message.direction, message.text) == ("7", "outbound", "Hello")
    assert issues(raw, column_map={**mapping, "subject": "Topic"}) == [(1, "Topic")]
    assert set(FIELDS) >= set(mapping)


def test_a_nul_in_a_cell_is_named_with_its_line():
    raw = csv(HEADER, GOOD, GOOD.replace("Where", "Wh\x00ere"))
    assert issues(raw) == [(3, None)]


HOSTILE_CELLS = (
    "",
    " ",
    "x" * 100_001,  # over any cell's limit (staletrack.limits.MAX_CELL)
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00+14:00",
    "2025-02-30T10:00:00Z",
    "+99:99",
    '=HYPERLINK("x")',
    "\u2028",
    "@",
    "a,b,c",
    "ünïcode",
)


def test_hostile_cells_in_any_column_are_read_or_named_never_a_crash():
    header = ["ticket_id", "message_id", "at", "from_email", "direction", "subject", "text", "tags"]
    good = ["1", "2", "2025-03-10T09:15:00Z", "a@example.com", "inbound", "s", "t", "x"]
    for position, column in enumerate(header):
        for value in HOSTILE_CELLS:
            cells = list(good)
            cells[position] = '"' + value.replace('"', '""') + '"'
            raw = csv(",".join(header), ",".join(cells))
            try:
                messages = read_ticket_messages(raw)
            except CsvError as error:
                assert all(issue.line in (1, 2, None) for issue in error.issues), (column, value)
                continue
            assert len(messages) == 1, (column, value)
