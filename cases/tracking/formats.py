"""The table of known tracking-number formats: carrier, format name, shape, check digit, tracking URL.

The formats themselves are rows of `formats.csv` beside this module, read once at import; this module
holds what the rows refer to by name: the carriers (display name and tracking page), the check-digit
tests (`check`), the extra shape tests (`fits`) and the ranks (`rank`). Columns of `formats.csv`:
`carrier`, `name`, `pattern` (full-match regex over the normalized number), `lengths` ("18" or "12-24"),
`prefixes` (literal prefixes separated by spaces; empty: any), `check`, `rank`, `fits`, `embeds` and
`source`.

`embeds` marks a long barcode that carries a shorter tracking number inside it, as a Python slice of the
normalized number ("-12:" the last 12 characters, "16:28" characters 17 to 28): the carrier's site and the
customer know the parcel by that embedded number, so the detector returns it as the number to track
(`CarrierMatch.embedded`, and the tracking page is built with it). The barcodes that do: USPS IMpb with the
420+ZIP routing code in front (the IMpb after it), FedEx Ground 96 (the 15-digit Ground number), FedEx
Express and Ground GSN 34-digit barcodes and the FedEx ASTRA 32-digit barcode (the 12-digit number), and the
DPD 28-character barcode (the 14-digit parcel number).

A format without a `check` is "format only": the number has the carrier's shape but carries no check
digit we can verify (rules.md section 3, `checksum_invalid`, treats those as always fitting).

Each row cites where its shape and check digit come from in `source`. "jkeen" is
github.com/jkeen/tracking_number_data (couriers/*.json, test numbers reused in
tests/cases/tracking/vectors.json).
`rank` orders matches of equal check-digit standing: lower is more specific (fixed letter prefix before
fixed digit prefix before bare digits of a given length). Notes on the rows:
- USPS: the Intelligent Mail package barcode (USPS Publication 199), GS1 mod 10 over the IMpb part.
- DHL eCommerce, Amazon and the China-origin e-commerce carriers (YunExpress, Cainiao, 4PX, Yanwen, J&T,
  SF Express) are format only: no published check digit.
- LaserShip is part of OnTrac; both are tracked on ontrac.com.
- Purolator's 12-digit numbers and Old Dominion's PRO numbers carry a Luhn check digit; Purolator's
  letter-prefixed numbers, Canpar, Yodel, Evri, Parcelforce, Landmark Global, GOFO, Spee-Dee, UPS Mail
  Innovations, Amazon International, the DHL Express JD piece ID and DHL eCommerce's 14-digit numbers are
  format only: no check digit is published for them.
- DPD UK's parcel numbers are DPD group parcel numbers (the DPD rows); Parcelforce's exports to other
  countries are UPU S10 numbers issued by GB (the S10 row).
- A 12-digit number can be FedEx, DHL Paket, GLS or Purolator, an 11-digit one DHL Express, GLS or an Old
  Dominion PRO, a 14-digit one DPD or DHL eCommerce: every candidate is returned (detect.py), the check digit
  deciding where it can.
- UPU S10: the carrier name and tracking page come from the issuing operator (postal_operators.py).
- DHL eCommerce takes letters after its prefix only for GM: LX, RX, UV, CN ... also begin UPU S10 numbers,
  whose failing check digit a format without one would otherwise excuse. Its rows come last in the table,
  because among formats without a check digit table order breaks ties and its 14 digits are also DPD's.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cases.tracking import checkdigits as cd
from cases.tracking.postal_operators import GENERIC_S10_TRACKING_URL, is_s10_issuer

# Ranks (lower = more specific, listed first among matches of the same check-digit standing).
LETTER_PREFIX = 10
S10_SHAPE = 20
DIGIT_PREFIX = 30
DIGITS_WITH_CHECK = 40
DIGITS_FORMAT_ONLY = 50


@dataclass(frozen=True, slots=True)
class CarrierFormat:
    carrier: str  # lower-case code, e.g. "ups"
    carrier_name: str  # display name
    name: str  # format name, e.g. "UPS 1Z"
    pattern: str  # full-match regex over the normalized number (ASCII only)
    lengths: tuple[int, int]  # inclusive min and max length, used to dispatch before any regex runs
    prefixes: tuple[str, ...] = ()  # literal prefixes, also for dispatch; () = any
    check: Callable[[str], bool] | None = None  # None: format only
    url: str | None = None  # tracking URL template with {number}
    rank: int = DIGITS_WITH_CHECK
    source: str = ""
    fits: Callable[[str], bool] | None = None  # extra shape test beyond the regex
    embeds: slice | None = None  # where the tracking number inside a longer barcode sits; None: it is one
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern, re.ASCII))

    @property
    def has_check_digit(self) -> bool:
        return self.check is not None

    def embedded_number(self, number: str) -> str | None:
        """The tracking number inside `number` (normalized, of this format's shape), or None."""
        return number[self.embeds] if self.embeds is not None else None

    def matches_shape(self, number: str) -> bool:
        """True when `number` (already normalized) has this format's shape, check digit aside."""
        if self.regex.fullmatch(number) is None:
            return False
        return self.fits is None or self.fits(number)


# --- number-level validators: slice the data and check characters, delegate to checkdigits ---------


def _last_digit_is(expected: int, number: str) -> bool:
    return int(number[-1]) == expected


def _ups_1z_valid(number: str) -> bool:
    # 1Z + 15 data characters + check digit; a letter in the check position is simply invalid.
    return number[-1].isdigit() and _last_digit_is(cd.ups_check_digit(number[2:17]), number)


def _ontrac_valid(number: str) -> bool:
    # The leading C or D takes part as its UPS letter value (C -> 4, D -> 5), per jkeen ontrac.json.
    return _last_digit_is(cd.ups_check_digit(number[:14]), number)


def _gs1_valid(number: str) -> bool:
    return _last_digit_is(cd.gs1_mod10_check_digit(number[:-1]), number)


def _gs1_with_implied_prefix(prefix: str) -> Callable[[str], bool]:
    """IMpb numbers printed without their application identifier still check-sum with it.

    jkeen usps.json / fedex.json `serial_number_format.prepend_if`.
    """

    def valid(number: str) -> bool:
        return _last_digit_is(cd.gs1_mod10_check_digit(prefix + number[:-1]), number)

    return valid


def _gs1_over_last(count: int) -> Callable[[str], bool]:
    """Check digit computed over the trailing `count` characters only (embedded number)."""

    def valid(number: str) -> bool:
        return _gs1_valid(number[-count:])

    return valid


def _fedex12_valid(number: str) -> bool:
    return _last_digit_is(cd.fedex_mod11_check_digit(number[:11]), number)


def _fedex34_valid(number: str) -> bool:
    # 34-digit FedEx barcodes: the check digit covers the 13-digit serial before it (jkeen fedex.json).
    return _last_digit_is(cd.fedex_mod11_check_digit(number[20:33]), number)


def _fedex_astra_valid(number: str) -> bool:
    # ASTRA: characters 17-28 are a 12-digit FedEx Express number, the barcode's only check digit
    # (jkeen fedex.json "FedEx ASTRA (32)").
    return int(number[27]) == cd.fedex_mod11_check_digit(number[16:27])


def _fedex_door_tag_valid(number: str) -> bool:
    # DT and a 12-digit number checked like a FedEx Express number.
    return _fedex12_valid(number[2:])


def _ups_waybill_valid(number: str) -> bool:
    # A service letter, 9 serial digits and the UPS mod 10 check digit over the serial (jkeen ups.json).
    return _last_digit_is(cd.ups_check_digit(number[1:10]), number)


def _luhn_valid(number: str) -> bool:
    return _last_digit_is(cd.luhn_check_digit(number[:-1]), number)


def _dhl_express_valid(number: str) -> bool:
    return _last_digit_is(cd.dhl_express_mod7_check_digit(number[:-1]), number)


def _dhl_identcode_valid(number: str) -> bool:
    return _last_digit_is(cd.dhl_identcode_check_digit(number[:11]), number)


def _gls_valid(number: str) -> bool:
    return _last_digit_is(cd.gls_check_digit(number[:11]), number)


def _dpd_valid(number: str) -> bool:
    return cd.iso7064_mod37_36_check_character(number[:-1]) == number[-1]


def _s10_valid(number: str) -> bool:
    # Two service letters, 8 serial digits, the check digit, then the issuer's two letters.
    return int(number[10]) == cd.s10_check_digit(number[2:10])


def _s10_issuer_known(number: str) -> bool:
    return is_s10_issuer(number[-2:])


def _letters_and_digits(number: str) -> bool:
    # DHL eCommerce GM numbers with letters (GM9E44608A27984866BA2D, jkeen dhl.json): both after GM. Only
    # digits are the plain DHL eCommerce row; only letters are no number.
    rest = number[2:]
    return any(ch.isdigit() for ch in rest) and any(ch.isalpha() for ch in rest)


# --- tracking pages ----------------------------------------------------------------------------------
# From jkeen where it lists one; the others are the carriers' public tracking pages (not re-verified here).
UPS_URL = "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums={number}"  # jkeen ups.json
USPS_URL = "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"  # jkeen usps.json
FEDEX_URL = "https://www.fedex.com/apps/fedextrack/?tracknumbers={number}"  # jkeen fedex.json
DHL_URL = "https://www.dhl.com/global-en/home/tracking.html?tracking-id={number}"
AMAZON_URL = "https://track.amazon.com/tracking/{number}"
CANADA_POST_URL = (
    "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}"  # jkeen
)
DPD_URL = "https://www.dpdgroup.com/nl/mydpd/my-parcels/track?lang=en&parcelNumber={number}"  # jkeen dpd.json
GLS_URL = "https://gls-group.com/GROUP/en/parcel-tracking?match={number}"
ONTRAC_URL = "https://www.ontrac.com/tracking/?number={number}"  # jkeen ontrac.json (https)
YUNEXPRESS_URL = "https://www.yuntrack.com/parcelTracking?id={number}"  # jkeen yunexpress.json
CAINIAO_URL = "https://global.cainiao.com/newDetail.htm?mailNoList={number}"
FOURPX_URL = "https://track.4px.com/#/result/0/{number}"
PUROLATOR_URL = "https://www.purolator.com/en/shipping/tracker?searchValue={number}"  # jkeen purolator.json
CANPAR_URL = "https://www.canpar.com/en/track/tracking.jsp?reference={number}&locale=en"  # jkeen canpar.json
YODEL_URL = "https://www.yodel.co.uk/tracking/{number}"  # jkeen yodel.json
EVRI_URL = "https://www.evri.com/track/parcel/{number}"
PARCELFORCE_URL = "https://www.parcelforce.com/track-trace?trackNumber={number}"
LANDMARK_URL = "https://track.landmarkglobal.com/?search={number}"  # jkeen landmark.json
GOFO_URL = "https://www.gofoexpress.com/tracking.html?searchID={number}"  # jkeen gofo.json
SPEEDEE_URL = "https://www.speedeedelivery.com/track/?tracking={number}"  # jkeen speedee.json
OLD_DOMINION_URL = (
    "https://www.odfl.com/us/en/tools/trace-track-ltl-freight/trace.html?proNumbers={number}"  # jkeen
)
GENERIC_URL = GENERIC_S10_TRACKING_URL  # the multi-carrier tracker, for carriers without a page of their own

# Carrier code: (display name, tracking page). An S10 number's page is its issuer's (postal_operators.py).
CARRIERS: dict[str, tuple[str, str | None]] = {
    "ups": ("UPS", UPS_URL),
    "usps": ("USPS", USPS_URL),
    "fedex": ("FedEx", FEDEX_URL),
    "dhl": ("DHL", DHL_URL),
    "dhl_ecommerce": ("DHL eCommerce", DHL_URL),
    "amazon": ("Amazon Logistics", AMAZON_URL),
    "canada_post": ("Canada Post", CANADA_POST_URL),
    "dpd": ("DPD", DPD_URL),
    "gls": ("GLS", GLS_URL),
    "ontrac": ("OnTrac", ONTRAC_URL),
    "lasership": ("LaserShip", ONTRAC_URL),
    "s10": ("UPU S10", None),
    "yunexpress": ("YunExpress", YUNEXPRESS_URL),
    "cainiao": ("Cainiao", CAINIAO_URL),
    "4px": ("4PX", FOURPX_URL),
    "yanwen": ("Yanwen", GENERIC_URL),
    "jt": ("J&T Express", GENERIC_URL),
    "sf_express": ("SF Express", GENERIC_URL),
    "purolator": ("Purolator", PUROLATOR_URL),
    "canpar": ("Canpar Express", CANPAR_URL),
    "yodel": ("Yodel", YODEL_URL),
    "evri": ("Evri", EVRI_URL),
    "parcelforce": ("Parcelforce Worldwide", PARCELFORCE_URL),
    "landmark": ("Landmark Global", LANDMARK_URL),
    "gofo": ("GOFO Express", GOFO_URL),
    "speedee": ("Spee-Dee Delivery", SPEEDEE_URL),
    "old_dominion": ("Old Dominion Freight Line", OLD_DOMINION_URL),
}
CARRIER_NAMES: dict[str, str] = {carrier: name for carrier, (name, _) in CARRIERS.items()}

# The check-digit tests the `check` column names.
_CHECKS: dict[str, Callable[[str], bool]] = {
    "ups_1z": _ups_1z_valid,
    "ontrac": _ontrac_valid,
    "gs1": _gs1_valid,
    "gs1_last_15": _gs1_over_last(15),
    "gs1_last_22": _gs1_over_last(22),
    "gs1_last_26": _gs1_over_last(26),
    "gs1_91_implied": _gs1_with_implied_prefix("91"),
    "gs1_92_implied": _gs1_with_implied_prefix("92"),
    "fedex_12": _fedex12_valid,
    "fedex_34": _fedex34_valid,
    "fedex_astra": _fedex_astra_valid,
    "fedex_door_tag": _fedex_door_tag_valid,
    "ups_waybill": _ups_waybill_valid,
    "luhn": _luhn_valid,
    "dhl_express": _dhl_express_valid,
    "dhl_identcode": _dhl_identcode_valid,
    "gls": _gls_valid,
    "dpd": _dpd_valid,
    "s10": _s10_valid,
}
# The extra shape tests the `fits` column names.
_FITS: dict[str, Callable[[str], bool]] = {
    "s10_issuer": _s10_issuer_known,
    "letters_and_digits": _letters_and_digits,
}
_RANKS: dict[str, int] = {
    "letter_prefix": LETTER_PREFIX,
    "s10_shape": S10_SHAPE,
    "digit_prefix": DIGIT_PREFIX,
    "digits_with_check": DIGITS_WITH_CHECK,
    "digits_format_only": DIGITS_FORMAT_ONLY,
}


def _format(row: dict[str, str]) -> CarrierFormat:
    """One row of formats.csv as a format; a name the row gives that is not known above raises at import."""
    shortest, _, longest = row["lengths"].partition("-")
    name, url = CARRIERS[row["carrier"]]
    return CarrierFormat(
        carrier=row["carrier"],
        carrier_name=name,
        name=row["name"],
        pattern=row["pattern"],
        lengths=(int(shortest), int(longest or shortest)),
        prefixes=tuple(row["prefixes"].split()),
        check=_CHECKS[row["check"]] if row["check"] else None,
        url=url,
        rank=_RANKS[row["rank"]],
        source=row["source"],
        fits=_FITS[row["fits"]] if row["fits"] else None,
        embeds=_slice(row["embeds"]),
    )


def _slice(text: str) -> slice | None:
    """The `embeds` column ("-12:", "16:28") as a slice; None when empty."""
    if not text:
        return None
    start, end = text.split(":")
    return slice(int(start) if start else None, int(end) if end else None)


def _read_formats(path: Path) -> tuple[CarrierFormat, ...]:
    with path.open(encoding="utf-8", newline="") as file:
        return tuple(_format(row) for row in csv.DictReader(file))


FORMATS: tuple[CarrierFormat, ...] = _read_formats(Path(__file__).with_name("formats.csv"))

# The page to send a person to when a carrier is known but the number fits none of its formats; S10 has
# no page of its own, so the multi-carrier tracker.
CARRIER_DEFAULT_URLS: dict[str, str] = {carrier: url or GENERIC_URL for carrier, (_, url) in CARRIERS.items()}
