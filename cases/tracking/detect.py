"""Which carrier a tracking number belongs to, and whether its check digit holds (rules.md section 3).

`detect` returns every format the number fits, best first: a passing check digit beats a format without
one, which beats a failing check digit; ties go to the more specific format (letter prefix, then digit
prefix, then bare digits) and then to table order in formats.csv. Ambiguous all-digit numbers (a 12-digit
number may be FedEx, DHL Paket, GLS or Purolator) therefore come back with every candidate.

A long barcode that carries a tracking number inside it (a FedEx 34-digit label barcode, USPS's 420+ZIP
routing code in front of an IMpb, the DPD 28-character barcode; formats.py `embeds`) is reported as such:
its match names the embedded number (`CarrierMatch.embedded`), the one the carrier's site and the customer
know the parcel by, and its tracking page is built with that number (`track_as` picks it for a number).

Speed: formats are indexed by length once at import; for a number only the formats of its length whose
literal prefix matches reach their precompiled regex, so most numbers run one to five regexes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from cases.tracking.formats import CARRIER_DEFAULT_URLS, FORMATS, CarrierFormat
from cases.tracking.normalize import normalize_number
from cases.tracking.postal_operators import postal_operator

CheckDigitStanding = Literal["valid", "invalid", "none"]

# Sort order of check-digit standings: valid first, invalid last.
_STANDING_ORDER = {"valid": 0, "none": 1, "invalid": 2}


@dataclass(frozen=True, slots=True)
class CarrierMatch:
    carrier: str  # carrier code, e.g. "ups", "s10"
    carrier_name: str  # display name; for S10 the issuing postal operator, e.g. "China Post"
    format: str  # format name from formats.csv, e.g. "UPS 1Z"
    check_digit: CheckDigitStanding  # "none": the format has no check digit
    url: str | None  # tracking page for this number (for the embedded number when there is one)
    embedded: str | None = None  # the tracking number inside this barcode, the one to track; None: itself


def _index_by_length(formats: tuple[CarrierFormat, ...]) -> dict[int, tuple[tuple[int, CarrierFormat], ...]]:
    by_length: dict[int, list[tuple[int, CarrierFormat]]] = defaultdict(list)
    for position, carrier_format in enumerate(formats):
        shortest, longest = carrier_format.lengths
        for length in range(shortest, longest + 1):
            by_length[length].append((position, carrier_format))
    return {length: tuple(entries) for length, entries in by_length.items()}


_FORMATS_BY_LENGTH = _index_by_length(FORMATS)
_CANDIDATES: dict[tuple[int, str], tuple[tuple[int, CarrierFormat], ...]] = {}


def _candidates(number: str) -> tuple[tuple[int, CarrierFormat], ...]:
    """The formats of the number's length that a number with its first character can fit, in table order:
    remembered per (length, first character), as every facts load asks this of every number."""
    key = (len(number), number[:1])
    found = _CANDIDATES.get(key)
    if found is None:
        found = _CANDIDATES[key] = tuple(
            (position, carrier_format)
            for position, carrier_format in _FORMATS_BY_LENGTH.get(key[0], ())
            if not carrier_format.prefixes or any(p.startswith(key[1]) for p in carrier_format.prefixes)
        )
    return found


def _url(template: str | None, number: str) -> str | None:
    if template is None:
        return None
    return template.replace("{number}", quote(number, safe=""))


def _match(carrier_format: CarrierFormat, number: str) -> CarrierMatch:
    if carrier_format.check is None:
        standing: CheckDigitStanding = "none"
    else:
        standing = "valid" if carrier_format.check(number) else "invalid"
    carrier_name = carrier_format.carrier_name
    template = carrier_format.url
    if carrier_format.carrier == "s10":
        operator = postal_operator(number[-2:])
        carrier_name, template = operator.name, operator.url
    embedded = carrier_format.embedded_number(number)
    return CarrierMatch(
        carrier_format.carrier,
        carrier_name,
        carrier_format.name,
        standing,
        _url(template, embedded or number),
        embedded,
    )


def _detect_normalized(number: str) -> list[CarrierMatch]:
    found: list[tuple[tuple[int, int, int], CarrierMatch]] = []
    for position, carrier_format in _candidates(number):
        if carrier_format.prefixes and not number.startswith(carrier_format.prefixes):
            continue
        if not carrier_format.matches_shape(number):
            continue
        match = _match(carrier_format, number)
        found.append(((_STANDING_ORDER[match.check_digit], carrier_format.rank, position), match))
    if len(found) > 1:
        found.sort(key=lambda entry: entry[0])
    return [match for _, match in found]


def detect(number: str) -> list[CarrierMatch]:
    """Every known format `number` fits (normalized first), best first; [] when none fits."""
    return _detect_normalized(normalize_number(number))


def checksum_invalid(number: str) -> bool:
    """rules.md section 3: the number has the shape of at least one format with a check digit, fails the
    check of every such format, and fits no format without a check digit (`number_standing`)."""
    return number_standing(number)[0]


def number_standing(number: str) -> tuple[bool, bool]:
    """(checksum_invalid, fits_no_format) of `number` in one pass over the formats of its length, without
    building matches: the facts loaders ask both of every case. A blank number is no number: neither."""
    number = normalize_number(number)
    if not number:
        return False, False
    fits = False
    for _, carrier_format in _candidates(number):
        if carrier_format.prefixes and not number.startswith(carrier_format.prefixes):
            continue
        if not carrier_format.matches_shape(number):
            continue
        if carrier_format.check is None or carrier_format.check(number):
            return False, False
        fits = True
    return fits, not fits


def best_carrier(number: str) -> str | None:
    """Code of the best match whose check digit does not fail; None when there is none."""
    for match in detect(number):
        if match.check_digit != "invalid":
            return match.carrier
    return None


def track_as(number: str) -> str:
    """The number to track `number` by: the tracking number a long barcode carries inside it, when the best
    match whose check digit does not fail is such a barcode; else the number itself (normalized)."""
    normalized = normalize_number(number)
    for match in _detect_normalized(normalized):
        if match.check_digit != "invalid":
            return match.embedded or normalized
    return normalized


def checked_carrier(carrier: str | None, number: str) -> str:
    """The carrier a number is stored with: the one given when the number fits one of that carrier's
    formats (cases.tracking.detect; a failing check digit still fits, and is what `checksum_invalid`
    reports), else the carrier detected from the number, else "".

    A carrier's name (a file's provider column, a tracker's slug) is never trusted on its own: a number
    that no format of that carrier has ("number123" named "UPS") would send the customer to the wrong
    tracking page and make the case read the wrong carrier."""
    normalized = normalize_number(number)
    carrier = (carrier or "").strip().lower()
    if carrier and any(match.carrier == carrier for match in detect(normalized)):
        return carrier
    return best_carrier(normalized) or ""


def tracking_url(carrier: str, number: str) -> str | None:
    """The tracking page of `carrier` for `number`.

    Uses the best format of that carrier the number fits (so an S10 number goes to its issuing operator);
    when it fits none, the carrier's usual page. None for a carrier code we do not know or an empty number.
    """
    carrier = (carrier or "").strip().lower()
    normalized = normalize_number(number)
    if not normalized or carrier not in CARRIER_DEFAULT_URLS:
        return None
    for match in _detect_normalized(normalized):
        if match.carrier == carrier and match.url is not None:
            return match.url
    return _url(CARRIER_DEFAULT_URLS[carrier], normalized)


def to_json(number: str) -> dict:
    """A JSON-ready description of `number`.

    {"number": as given, "normalized": ..., "matches": [{"carrier", "format", "check_digit", "url"}, ...]}

    A match of a barcode that carries a tracking number inside it also has "embedded": that number, the one
    to track (the key is added, never taken away, so readers of the four keys are unaffected).
    """
    normalized = normalize_number(number)
    return {
        "number": number,
        "normalized": normalized,
        "matches": list(map(_match_json, _detect_normalized(normalized))),
    }


def _match_json(match: CarrierMatch) -> dict:
    found = {
        "carrier": match.carrier,
        "format": match.format,
        "check_digit": match.check_digit,
        "url": match.url,
    }
    if match.embedded is not None:
        found["embedded"] = match.embedded
    return found
