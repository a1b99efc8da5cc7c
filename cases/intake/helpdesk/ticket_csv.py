"""Reading a helpdesk's export of ticket messages (a CSV file, one message per row) into customer
messages (rules.md section 3; docs/helpdesk.md), without a database.

Columns (headers compared folded, as every import here: cases.intake.csvfiles.header_key), each with the
spellings exports use; a column map (`{field: header}`, cases.intake.column_maps) names a column whose
header is none of them:

- `ticket_id` (required): the ticket or conversation the message belongs to;
- `at` (required): when the message was written, ISO 8601 with its offset ("2025-03-10T09:15:00+01:00",
  "...Z"). A time without an offset is refused: a helpdesk's export may be in the account's zone or in
  UTC, and a message read hours off would answer (or leave unanswered) the wrong message;
- `from_email` (required, may be empty): who wrote it;
- `direction` (required): inbound or outbound, also written incoming/outgoing, customer/agent,
  end-user/agent/admin, in/out;
- `text` (required, may be empty): the message's text;
- `tags`, `subject`, `message_id` (optional): tags separated by commas or spaces, the ticket's subject,
  the helpdesk's id of the message.

All or nothing, like the other imports: every problem of the file is named by line (as a spreadsheet
numbers it: the header is line 1) and column, and a file with any problem gives no message at all
(`CsvError`).

Pure: no Django, no ORM.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from cases.intake.column_maps import check_column_map, with_column_map
from cases.intake.csvfiles import CsvError, CsvIssue, CsvRow, decode, read_rows
from cases.intake.helpdesk.messages import (
    INBOUND,
    MAX_ID,
    MAX_TAG,
    MAX_TAGS,
    OUTBOUND,
    HelpdeskMessage,
    message,
)
from cases.intake.tracking_csv import read_header
from cases.intake.webhooks.pushed import PayloadError
from staletrack import limits

SOURCE = "csv"

COLUMNS = {
    "ticket_id": ("ticket_id", "ticket", "ticket id", "ticket number", "ticket #", "conversation id"),
    "message_id": ("message_id", "message id", "comment id", "comment_id"),
    "at": (
        "at",
        "time",
        "date",
        "datetime",
        "timestamp",
        "created at",
        "created_at",
        "created datetime",
        "sent at",
        "message time",
    ),
    "from_email": ("from_email", "from", "from email", "email", "sender", "sender email", "author email"),
    "direction": ("direction", "inbound/outbound", "message direction"),
    "text": ("text", "body", "body text", "body_text", "message", "comment", "content"),
    "subject": ("subject", "ticket subject", "title"),
    "tags": ("tags", "ticket tags", "labels"),
}
FIELDS = tuple(COLUMNS)  # what `column_map` may name
REQUIRED = ("ticket_id", "at", "from_email", "direction", "text")

DIRECTION_WORDS = {
    "inbound": INBOUND,
    "incoming": INBOUND,
    "in": INBOUND,
    "customer": INBOUND,
    "end-user": INBOUND,
    "end user": INBOUND,
    "outbound": OUTBOUND,
    "outgoing": OUTBOUND,
    "out": OUTBOUND,
    "agent": OUTBOUND,
    "admin": OUTBOUND,
}


def read_ticket_messages(
    raw: bytes, *, column_map: Mapping[str, str] | None = None, source: str = SOURCE
) -> list[HelpdeskMessage]:
    """Every message of the file, or CsvError naming every problem (line and column) and nothing read."""
    columns = COLUMNS
    if column_map:
        check_column_map(read_header(raw), column_map)
        columns = with_column_map(COLUMNS, column_map)
    _, rows = read_rows(decode(raw), columns, REQUIRED)
    messages: list[HelpdeskMessage] = []
    issues: list[CsvIssue] = []
    count = 0
    for row in rows:
        count += 1
        if row.problem is not None:
            issues.append(row.problem)
            continue
        read = _row(row, source)
        if isinstance(read, HelpdeskMessage):
            messages.append(read)
        else:
            issues.extend(read)
    if not count:
        issues.append(CsvIssue(None, None, "has a header but no rows"))
    if issues:
        raise CsvError(issues)
    return messages


def _row(row: CsvRow, source: str) -> HelpdeskMessage | list[CsvIssue]:
    """One row's message, or the issues of the row (each naming its column)."""
    issues: list[CsvIssue] = []

    def fail(column: str, problem: str) -> None:
        issues.append(CsvIssue(row.line, column, problem))

    values = row.values
    texts = {}
    for column, limit in (
        ("ticket_id", MAX_ID),
        ("message_id", MAX_ID),
        ("from_email", limits.MAX_EMAIL),
        ("text", limits.MAX_TEXT),
        ("subject", limits.MAX_TEXT),
    ):
        value = values.get(column, "")
        problem = limits.text_problem(value, limit)
        if problem:
            fail(column, problem)
        texts[column] = value
    if not texts["ticket_id"]:
        fail("ticket_id", "is empty; every message belongs to a ticket")
    if texts["from_email"] and "@" not in texts["from_email"]:
        fail("from_email", f"{texts['from_email'][:40]!r} is not an email address")

    at = _time(values.get("at", ""), fail)

    word = values.get("direction", "")
    direction = DIRECTION_WORDS.get(" ".join(word.lower().split()))
    if direction is None:
        fail(
            "direction", f"{word[:40]!r} is not inbound or outbound (also: incoming/outgoing, customer/agent)"
        )

    tags = tuple(tag for tag in values.get("tags", "").replace(",", " ").split() if tag)
    if len(tags) > MAX_TAGS:
        fail("tags", f"has {len(tags)} tags; at most {MAX_TAGS} are kept")
    long_tags = [tag for tag in tags if len(tag) > MAX_TAG]
    if long_tags:
        fail("tags", f"{long_tags[0][:20]!r}… is longer than {MAX_TAG} characters")

    if issues or at is None or direction is None:
        return issues
    try:
        return message(
            source=source,
            ticket_id=texts["ticket_id"],
            message_id=texts["message_id"],
            at=at,
            from_email=texts["from_email"],
            direction=direction,
            subject=texts["subject"],
            text=texts["text"],
            tags=tags,
            names={},
        )
    except PayloadError as error:  # every value was checked above; kept so that nothing can slip through
        return [CsvIssue(row.line, None, str(error))]


def _time(value: str, fail) -> datetime | None:
    if not value:
        fail("at", "is empty; every message needs the time it was written")
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        fail("at", f"{value[:40]!r} is not an ISO 8601 date and time")
        return None
    if at.utcoffset() is None:
        fail("at", f"{value[:40]!r} has no UTC offset; give the time with its offset (+01:00, Z)")
        return None
    problem = limits.time_problem(at)
    if problem:
        fail("at", f"{value[:40]!r} {problem}")
        return None
    return at
