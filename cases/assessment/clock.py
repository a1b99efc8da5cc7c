"""Clock arithmetic of rules.md section 1.

`age(t)` is (as_of - t) in real days. A window of N days is exceeded when age > N, strictly more than
N x 24 hours, so at exactly N days it is still inside. Reported day counts are floor(age).

Comparisons use `timedelta` rather than float days so the boundary is exact to the microsecond.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

DAY = timedelta(days=1)
# The finest step a datetime can take: a window crossed at instant c is first exceeded at c + RESOLUTION.
RESOLUTION = timedelta(microseconds=1)
SECOND = timedelta(seconds=1)


def require_aware(moment: datetime, what: str = "as_of") -> datetime:
    """Refuse a naive datetime (section 1: times without an offset are rejected, not guessed)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {moment.isoformat()}")
    return moment


def whole_days(start: datetime, as_of: datetime) -> int:
    """floor(age(start)): the day count a person is shown (section 1)."""
    return (as_of - start) // DAY


def exceeded(start: datetime, days: int, as_of: datetime) -> bool:
    """True when age(start) > days, strictly (section 1)."""
    return as_of - start > days * DAY


def first_exceeded_at(start: datetime, days: int) -> datetime:
    """The first instant at which a window of `days` from `start` is exceeded.

    At start + days x 24h the age is exactly `days`, which is not more than `days`; one microsecond
    later it is.
    """
    return start + days * DAY + RESOLUTION


def ceil_to_second(moment: datetime) -> datetime:
    """The first whole second at or after `moment` (next_assessment_at is reported in whole seconds)."""
    if moment.microsecond == 0:
        return moment
    return moment.replace(microsecond=0) + SECOND


def iso_z(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a "Z", e.g. "2026-11-13T12:00:00Z" (section 9); microseconds only if any."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if utc.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return utc.strftime(pattern)


def utc_date(moment: datetime) -> str:
    """A calendar date in UTC, e.g. "2026-11-13", for reasons and gaps."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def plural(count: int, word: str) -> str:
    """ "1 day", "9 days" (reasons and gaps name their numbers)."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
