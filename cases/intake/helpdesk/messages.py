"""A customer message as every helpdesk reader returns it, and the orders and parcels its text names.

rules.md section 3: customer messages are `inbound` (from the customer) or `outbound` (to the customer);
`unanswered` and the intents (read from an inbound message's text) are worked out by the assessment
(cases.assessment.intents), not here. A helpdesk's reader (`zendesk`, `gorgias`, `ticket_csv`) only reads:
it returns `HelpdeskMessage` values and writes nothing.

Every value is checked the way every path into staletrack checks it (staletrack.limits): a text over its
limit or with a NUL is refused with an error naming the field, never cut; a time must carry its offset
and lie within 2000..2100. Errors are `PayloadError` (a body of the wrong shape) and its subclass
`Refused` (a value that cannot be kept), as for the pushed tracking sources
(cases.intake.webhooks.pushed).

`references(text, subject)` finds the store's order numbers ("#1001", "order 1001", "order no. 1001", all
read as "#1001") and tracking numbers (a token that a carrier format of cases.tracking.detect accepts,
its check digit not failing) with the sentence each came from. They are candidates: a number is only
linked to a case once the store's own orders or parcels have it (numbers a person types include phone
numbers that happen to fit a carrier's format without a check digit).

Pure: no Django, no ORM.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from cases.intake.webhooks.pushed import MAX_DELIVERY_ID, PayloadError, Refused, limited
from cases.tracking.detect import best_carrier, detect
from cases.tracking.normalize import normalize_number
from staletrack import limits

INBOUND = "inbound"
OUTBOUND = "outbound"
DIRECTIONS = (INBOUND, OUTBOUND)

MAX_ID = MAX_DELIVERY_ID  # a helpdesk's ticket or message id, kept as text
MAX_TAG = 100  # characters of one tag (Zendesk and Gorgias tags are short words)
MAX_TAGS = 100  # tags on one message
MAX_SENTENCE = limits.MAX_DESCRIPTION  # a reference's sentence is a label: cut around the number beyond this


@dataclass(frozen=True, slots=True)
class HelpdeskMessage:
    source: str  # "zendesk", "gorgias", "csv"
    ticket_id: str  # the helpdesk's ticket (conversation) id
    message_id: str  # the helpdesk's id of this message; "": the helpdesk gave none
    at: datetime  # aware, within 2000..2100
    from_email: str  # who wrote it; "": the helpdesk did not say
    direction: str  # inbound (from the customer) or outbound (to the customer)
    subject: str = ""
    text: str = ""
    tags: tuple[str, ...] = ()

    def references(self) -> MessageReferences:
        return references(self.text, self.subject)


def message(
    *,
    source: str,
    ticket_id: str,
    message_id: str,
    at: datetime,
    from_email: str,
    direction: str,
    subject: str,
    text: str,
    tags: Iterable[str],
    names: dict[str, str],
) -> HelpdeskMessage:
    """A HelpdeskMessage with every value checked; `names` maps each field to its name in the input (the
    body's key, the file's column), which an error names. Raises PayloadError or Refused."""

    def name(field: str) -> str:
        return names.get(field, field)

    ticket_id = ticket_id.strip()
    if not ticket_id:
        raise PayloadError(f'"{name("ticket_id")}" is empty')
    problem = limits.time_problem(at)
    if problem:
        raise Refused(f"{name('at')} {problem}")
    if direction not in DIRECTIONS:
        raise PayloadError(f'"{name("direction")}" is {direction!r}, not inbound or outbound')
    from_email = from_email.strip()
    if from_email and "@" not in from_email:
        raise Refused(f"{name('from_email')} {from_email[:40]!r} is not an email address")
    tags = tuple(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
    if len(tags) > MAX_TAGS:
        raise Refused(f"{name('tags')} has {len(tags)} tags; at most {MAX_TAGS} are kept")
    for tag in tags:
        limited(tag, MAX_TAG, name("tags"))
    return HelpdeskMessage(
        source=source,
        ticket_id=limited(ticket_id, MAX_ID, name("ticket_id")),
        message_id=limited(message_id.strip(), MAX_ID, name("message_id")),
        at=at,
        from_email=limited(from_email, limits.MAX_EMAIL, name("from_email")),
        direction=direction,
        subject=limited(subject.strip(), limits.MAX_TEXT, name("subject")),
        text=limited(text.strip(), limits.MAX_TEXT, name("text")),
        tags=tags,
    )


# --- reading values of a body ------------------------------------------------------------------------


def string(payload: dict, key: str, name: str, *, required: bool = False) -> str:
    """`payload[key]` as text: a string, or a number (a helpdesk's id comes as either); "" when absent or
    null and not required. Another type is a PayloadError naming `name`: a message whose fields are not
    what the template writes is not guessed at."""
    value = payload.get(key)
    if value is None:
        if required:
            raise PayloadError(f'"{name}" is missing')
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError(f'"{name}" is not a string')
    return str(value)


_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def flag(payload: dict, key: str, name: str) -> bool | None:
    """A yes/no field: true/false, or the words a template renders them as ("true", "True", "false");
    None when absent, null or empty (a placeholder with nothing to render)."""
    value = payload.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise PayloadError(f'"{name}" is not true or false')


def time_of(raw: str, name: str, *, without_offset_as_utc: bool = False) -> datetime:
    """An ISO 8601 time ("2025-03-10T09:15:00Z", "2013-12-12T05:35Z", with fractions of any length).
    Without an offset it is refused, unless the helpdesk writes its times in UTC without saying so
    (`without_offset_as_utc`, the reader documents why). Refused outside 2000..2100."""
    raw = raw.strip()
    if not raw:
        raise PayloadError(f'"{name}" is empty')
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise PayloadError(f'"{name}" {raw[:40]!r} is not an ISO 8601 date and time') from None
    if at.utcoffset() is None:
        if not without_offset_as_utc:
            raise PayloadError(f'"{name}" {raw[:40]!r} has no UTC offset; give the time with its offset')
        at = at.replace(tzinfo=UTC)
    problem = limits.time_problem(at)
    if problem:
        raise Refused(f"{name} {raw[:40]!r} {problem}")
    return at


_TAG_SEPARATORS = re.compile(r"[,\s]+")


def tags_of(value, name: str) -> tuple[str, ...]:
    """Tags as a list of strings, a list of objects with a "name" (Gorgias's tag objects), or one string
    of tags separated by spaces or commas (how a template renders a ticket's tags)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(tag for tag in _TAG_SEPARATORS.split(value) if tag)
    if not isinstance(value, list):
        raise PayloadError(f'"{name}" is not a list or a string')
    tags = []
    for position, tag in enumerate(value):
        if isinstance(tag, dict):
            tag = tag.get("name")
        if not isinstance(tag, str):
            raise PayloadError(f'"{name}[{position}]" is not a string')
        tags.append(tag)
    return tuple(tags)


# --- references: order numbers and tracking numbers in a text ---------------------------------------


@dataclass(frozen=True, slots=True)
class Reference:
    value: str  # an order as the store names it ("#1001"); a tracking number normalized (upper case)
    written: str  # as the text writes it ("order no. 1001", "1z999aa10123456784")
    sentence: str  # the sentence it came from, whitespace collapsed
    field: str  # "subject" or "text"
    carrier: str = ""  # tracking numbers: the carrier its format names


@dataclass(frozen=True, slots=True)
class MessageReferences:
    orders: tuple[Reference, ...] = ()
    tracking_numbers: tuple[Reference, ...] = ()

    @property
    def order_ids(self) -> list[str]:
        return [reference.value for reference in self.orders]

    @property
    def numbers(self) -> list[str]:
        return [reference.value for reference in self.tracking_numbers]


# "#1001", "order 1001", "order #1001", "order no. 1001", "Order Number: 1001", "order nr 1001", "order id
# 1001". Three digits at least: "#1 seller" or "order 2 of them" name no order; Shopify's first is #1001.
_ORDER = re.compile(
    r"""
    (?:
        \border\b
        (?:\s*(?:no|nr|num|number|id)\b\.?)?
        \s*[:#]?\s*\#?\s*
      | (?<![\w&\#])\#\s?
    )
    (?P<digits>\d{3,20})(?![\w-])
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A candidate tracking number: letters and digits, single dashes inside ("1Z-999-AA1..."); numbers spaced
# out in groups are not joined, which would join a phone number to the next word as readily.
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_SHORTEST, _LONGEST = 10, 41  # the lengths of the formats in cases/tracking/formats.csv
# A sentence ends at ".", "!" or "?" followed by a space, or at a line break. A break inside a reference
# ("order no. 1001") does not end its sentence.
_SENTENCE_END = re.compile(r"[.!?]+(?=\s)|\n")


def references(text: str, subject: str = "") -> MessageReferences:
    """The order numbers and tracking numbers that `subject` and `text` name, each once (the first place
    it is named), subject first."""
    orders: dict[str, Reference] = {}
    numbers: dict[str, Reference] = {}
    for field, value in (("subject", subject or ""), ("text", text or "")):
        if not value.strip():
            continue
        sentences = _Sentences(value)
        order_spans = []
        for found in _ORDER.finditer(value):
            order_spans.append(found.span())
            order_id = f"#{found['digits']}"
            if order_id not in orders:
                orders[order_id] = Reference(
                    value=order_id,
                    written=" ".join(found.group().split()),
                    sentence=sentences.around(*found.span()),
                    field=field,
                )
        for found in _TOKEN.finditer(value):
            start, end = found.span()
            if any(start < o_end and o_start < end for o_start, o_end in order_spans):
                continue  # the order's own number, not a parcel's
            number = normalize_number(found.group())
            if number in numbers or not _SHORTEST <= len(number) <= _LONGEST:
                continue
            if not any(ch.isdigit() for ch in number) or not detect(number):
                continue
            carrier = best_carrier(number)
            if carrier is None:
                continue  # fits only formats whose check digit fails: a typo or no number at all
            numbers[number] = Reference(
                value=number,
                written=found.group(),
                sentence=sentences.around(start, end),
                field=field,
                carrier=carrier,
            )
    return MessageReferences(orders=tuple(orders.values()), tracking_numbers=tuple(numbers.values()))


class _Sentences:
    """Where the sentences of a text start and end, to give each reference the sentence around it."""

    def __init__(self, text: str) -> None:
        self.text = text
        stops = [found.span() for found in _SENTENCE_END.finditer(text)]
        self.starts = [start for start, _ in stops]  # where a sentence end begins
        self.ends = [end for _, end in stops]  # where the next sentence begins

    def around(self, start: int, end: int) -> str:
        before = bisect_right(self.ends, start)
        first = self.ends[before - 1] if before else 0
        after = bisect_left(self.starts, end)
        last = self.ends[after] if after < len(self.ends) else len(self.text)
        sentence = " ".join(self.text[first:last].split())
        if len(sentence) <= MAX_SENTENCE:
            return sentence
        # A run of text without a sentence end: the words around the reference, marked as cut.
        middle = len(" ".join(self.text[first:start].split()))
        half = MAX_SENTENCE // 2
        left = max(0, min(middle - half, len(sentence) - MAX_SENTENCE + 2))
        return f"…{sentence[left : left + MAX_SENTENCE - 2]}…"
