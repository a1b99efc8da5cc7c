"""Carrier times given without an offset (rules.md section 1): local time at the event's place.

A time without an offset is read in the zone of the event's country from the section's table (daylight
saving as the tz database says; an ambiguous or repeated local time takes its first occurrence; a local
time that never occurs, in the hour skipped in spring, takes the offset in force just before the change)
and in UTC for any other country or none. Such a time is approximate: within a day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

# rules.md section 1.
COUNTRY_ZONES: dict[str, str] = {
    "CN": "Asia/Shanghai",
    "HK": "Asia/Hong_Kong",
    "TW": "Asia/Taipei",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "SG": "Asia/Singapore",
    "MY": "Asia/Kuala_Lumpur",
    "TH": "Asia/Bangkok",
    "VN": "Asia/Ho_Chi_Minh",
    "PH": "Asia/Manila",
    "IN": "Asia/Kolkata",
    "AE": "Asia/Dubai",
    "TR": "Europe/Istanbul",
    "IL": "Asia/Jerusalem",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "CH": "Europe/Zurich",
    "AT": "Europe/Vienna",
    "IT": "Europe/Rome",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
    "PL": "Europe/Warsaw",
    "CZ": "Europe/Prague",
    "SE": "Europe/Stockholm",
    "NO": "Europe/Oslo",
    "DK": "Europe/Copenhagen",
    "FI": "Europe/Helsinki",
    "NZ": "Pacific/Auckland",
    "ZA": "Africa/Johannesburg",
}


def zone_for_country(country: str | None):
    """The zone a carrier's local time is read in for this (alpha-2) country: UTC when the table lacks it."""
    name = COUNTRY_ZONES.get((country or "").strip().upper())
    return ZoneInfo(name) if name else UTC


def localize(naive: datetime, zone) -> datetime:
    """`naive` as wall time in `zone`, by the rule of the module docstring.

    fold=0 is the first occurrence of a repeated (autumn) time. A time skipped in spring does not survive a
    round trip through UTC; it is then read with the offset in force just before the change."""
    if zone is UTC:
        return naive.replace(tzinfo=UTC)
    first = naive.replace(tzinfo=zone, fold=0)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
        return first
    before = (naive - timedelta(hours=3)).replace(tzinfo=zone)  # safely before any change of that night
    return naive.replace(tzinfo=timezone(before.utcoffset()))


def carrier_local_time(naive: datetime, country: str | None) -> datetime:
    """A carrier event's time without an offset, read at the event's place (aware; approximate)."""
    return localize(naive, zone_for_country(country))
