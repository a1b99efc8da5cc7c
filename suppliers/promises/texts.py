"""Delivery promises as product pages write them ("Delivered in 7-12 business days"), read into numbers.
Pure: no ORM, no clock.

docs/rules.md has no section on promises (its rules judge one order; a promise is a product page's): the
seed's rollout asks on day 6 which product pages promise more than their parcels keep, and this module
defines how a promise is read.

What is read (case is ignored):

- a number of days, a range, or "between A and B": "10 days", "7-12 business days", "7 to 12 working days",
  "7 - 12 days" (a hyphen, an en or em dash), "between 10 and 18 days", "within 14 days", "up to 3 weeks";
- numbers in digits, or in words from one to thirty ("two weeks");
- the unit: business, working or week days (Monday to Friday) are business days; days and calendar days
  are calendar days; weeks are seven calendar days each ("2-3 weeks" reads 14-21 calendar days);
- hours and months are not read: "ships in 24 hours" names no delivery time; nor is a duration in a
  clause about returns, refunds or guarantees ("30 day returns").

A text naming several durations ("ships in 2 days, delivered in 10-15 days") is read for the one in the
clause that speaks of delivery (deliver, arrive, receive, reach, get it); when none does, for the longest.
A text with no duration reads as None: the review says it could not read it.

Business days: Monday to Friday, no holidays (the store's holidays are not known). N business days after
an order span at most N + 2 x ceil(N / 5) calendar days (an order placed on a Friday: each started working
week brings its weekend), so `Promise.calendar_days` compares a business-day promise with that longest span,
and a promise is never called too short because of weekends alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BUSINESS = "business days"
CALENDAR = "days"

_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen")
_WORDS = [*_UNITS, *_TEENS, "nineteen", "twenty", *(f"twenty-{word}" for word in _UNITS), "thirty"]
NUMBER_WORDS = {word: value for value, word in enumerate(_WORDS, 1)}
# Longest first, so "twenty-one" is read before "twenty".
_NUMBER = r"(?:\d{1,3}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT = (
    r"(?P<unit>(?:business|working|work|week)[\s-]*days?|calendar[\s-]*days?|days?|weeks?|wks?)"
    r"(?![a-z])"
)
_DURATION = re.compile(
    rf"(?<![\w.])(?P<between>between\s+)?(?P<low>{_NUMBER})"
    rf"(?:\s*(?:-|\u2013|\u2014|to|and)\s*(?P<high>{_NUMBER}))?\s*\+?\s*{_UNIT}",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.;:,!?\n()]")
_DELIVERY_WORDS = re.compile(r"deliver|arriv|receiv|reach|get it|in your hands|at your door", re.IGNORECASE)
# A clause about returns or guarantees names no delivery time ("30 day returns").
_NOT_DELIVERY_WORDS = re.compile(r"return|refund|money back|guarantee|warrant", re.IGNORECASE)


@dataclass(frozen=True)
class Promise:
    """A delivery promise read: from `low` to `high` (the same when one number is named) `unit`s, where
    the unit is BUSINESS (Monday to Friday) or CALENDAR days; `words` is the part of the text read."""

    low: int
    high: int
    unit: str
    words: str

    @property
    def business(self) -> bool:
        return self.unit == BUSINESS

    @property
    def calendar_days(self) -> int:
        """The most calendar days the promise allows: `high`, or for business days the longest span of
        `high` business days (an order on a Friday: N + 2 x ceil(N / 5))."""
        return business_days_span(self.high) if self.business else self.high

    def describe(self) -> str:
        span = f"{self.low}-{self.high}" if self.low != self.high else str(self.high)
        return f"{span} {self.unit}" if self.high != 1 else f"1 {self.unit[:-1]}"


def business_days_span(days: int) -> int:
    """The most calendar days `days` business days can take: from a Friday, every started working week
    brings a weekend (5 business days from a Friday end on the next Friday, 7 calendar days later)."""
    return days + 2 * ((days + 4) // 5) if days > 0 else 0


def business_days_covering(calendar_days: int) -> int:
    """The fewest business days whose longest span (`business_days_span`) reaches `calendar_days`."""
    days = 0
    while business_days_span(days) < calendar_days:
        days += 1
    return days


def _number(text: str) -> int:
    text = text.lower()
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


def _reading(match: re.Match) -> Promise | None:
    low = _number(match["low"])
    high = _number(match["high"]) if match["high"] else low
    if match["between"] and not match["high"]:
        return None  # "between 10 days and ..." names no range this reader knows
    if high < low:
        low, high = high, low
    unit = match["unit"].lower()
    if unit.startswith(("business", "working", "work", "week")) and "day" in unit:
        kind, factor = BUSINESS, 1
    elif unit.startswith(("week", "wk")):
        kind, factor = CALENDAR, 7
    else:
        kind, factor = CALENDAR, 1
    if high == 0:
        return None
    return Promise(low * factor, high * factor, kind, " ".join(match.group(0).split()))


def _clause(text: str, start: int, end: int) -> str:
    """The clause around text[start:end]: from the last clause mark before it to the next after it."""
    before = [m.end() for m in _CLAUSE_END.finditer(text, 0, start)]
    after = _CLAUSE_END.search(text, end)
    return text[before[-1] if before else 0 : after.start() if after else len(text)]


def parse_promise(text: str | None) -> Promise | None:
    """The delivery promise of a product page's text, or None when it names no duration (module
    docstring: what is read, and which duration when there are several)."""
    if not text or not text.strip():
        return None
    found = []
    for match in _DURATION.finditer(text):
        promise = _reading(match)
        clause = _clause(text, match.start(), match.end())
        if promise is not None and not _NOT_DELIVERY_WORDS.search(clause):
            found.append((bool(_DELIVERY_WORDS.search(clause)), promise.calendar_days, promise))
    if not found:
        return None
    delivery = [item for item in found if item[0]]
    return max(delivery or found, key=lambda item: item[1])[2]


def promise_of(text: str | None, days: int | None) -> tuple[Promise | None, str]:
    """A product's promise and where it was read from: its page's text ("text") when that names a
    duration, else its `promised_delivery_days` ("promised_delivery_days", read as business days, the
    unit the store's pages use for it: the lenient reading, never shorter than calendar days), else
    (None, "")."""
    promise = parse_promise(text)
    if promise is not None:
        return promise, "text"
    if days:
        return Promise(days, days, BUSINESS, f"{days} business days"), "promised_delivery_days"
    return None, ""
