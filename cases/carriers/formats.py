"""The table of known tracking-number formats: carrier, format name, shape, check digit, tracking URL.

A format with `check=None` is "format only": the number has the carrier's shape but carries no check
digit we can verify (rules.md section 3, `checksum_invalid`, treats those as always fitting).

Each row cites where its shape and check digit come from. "jkeen" is
github.com/jkeen/tracking_number_data (couriers/*.json, test numbers reused in tests/carriers/vectors.json).
`rank` orders matches of equal check-digit standing: lower is more specific (fixed letter prefix before
fixed digit prefix before bare digits of a given length).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from cases.carriers import checkdigits as cd
from cases.carriers.postal_operators import GENERIC_S10_TRACKING_URL, is_s10_issuer

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
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern, re.ASCII))

    @property
    def has_check_digit(self) -> bool:
        return self.check is not None

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
GENERIC_URL = GENERIC_S10_TRACKING_URL  # the multi-carrier tracker, for carriers without a page of their own

_JKEEN = "github.com/jkeen/tracking_number_data couriers/"
_PAKETDA = "https://www.paketda.de/firmenkunden/paket-pruefziffern.html"
_CNUSUP = "https://www.cnusup.com/news/package-tracking-numbers-explained"
_SENDUNGSVERFOLGUNG = "github.com/soult/libsendungsverfolgung "

CARRIER_NAMES: dict[str, str] = {
    "ups": "UPS",
    "usps": "USPS",
    "fedex": "FedEx",
    "dhl": "DHL",
    "dhl_ecommerce": "DHL eCommerce",
    "amazon": "Amazon Logistics",
    "canada_post": "Canada Post",
    "dpd": "DPD",
    "gls": "GLS",
    "ontrac": "OnTrac",
    "lasership": "LaserShip",
    "s10": "UPU S10",
    "yunexpress": "YunExpress",
    "cainiao": "Cainiao",
    "4px": "4PX",
    "yanwen": "Yanwen",
    "jt": "J&T Express",
    "sf_express": "SF Express",
}


def _format(
    carrier: str,
    name: str,
    pattern: str,
    lengths: tuple[int, int],
    *,
    source: str,
    prefixes: tuple[str, ...] = (),
    check: Callable[[str], bool] | None = None,
    url: str | None = None,
    rank: int = DIGITS_WITH_CHECK,
    fits: Callable[[str], bool] | None = None,
) -> CarrierFormat:
    return CarrierFormat(
        carrier=carrier,
        carrier_name=CARRIER_NAMES[carrier],
        name=name,
        pattern=pattern,
        lengths=lengths,
        prefixes=prefixes,
        check=check,
        url=url,
        rank=rank,
        source=source,
        fits=fits,
    )


_IMPB_PREFIXES = ("91", "92", "93", "94", "95")
_DHL_ECOMMERCE_PREFIXES = ("GM", "LX", "RX", "UV", "CN", "SG", "TH", "IN", "HK", "MY")

FORMATS: tuple[CarrierFormat, ...] = (
    # UPS
    _format(
        "ups",
        "UPS 1Z",
        r"1Z[0-9A-Z]{16}",
        (18, 18),
        prefixes=("1Z",),
        check=_ups_1z_valid,
        url=UPS_URL,
        rank=LETTER_PREFIX,
        source=_JKEEN + "ups.json",
    ),
    _format(
        "ups",
        "UPS T (freight / InfoNotice)",
        r"T[0-9]{10}",
        (11, 11),
        prefixes=("T",),
        url=UPS_URL,
        rank=LETTER_PREFIX,
        source="github.com/niradler/tracking-number-validation src/config/index.js",
    ),
    # USPS: Intelligent Mail package barcode (USPS Publication 199), GS1 mod 10 over the IMpb part
    _format(
        "usps",
        "USPS IMpb 420+ZIP5 (30)",
        r"420[0-9]{5}9[1-5][0-9]{20}",
        (30, 30),
        prefixes=("420",),
        check=_gs1_over_last(22),
        url=USPS_URL,
        rank=DIGIT_PREFIX,
        source=_JKEEN + "usps.json (USPS 91 with routing 420+ZIP)",
    ),
    _format(
        "usps",
        "USPS IMpb 420+ZIP9 (34)",
        r"420[0-9]{9}9[1-5][0-9]{20}",
        (34, 34),
        prefixes=("420",),
        check=_gs1_over_last(22),
        url=USPS_URL,
        rank=DIGIT_PREFIX,
        source=_JKEEN + "usps.json (USPS 34v2)",
    ),
    _format(
        "usps",
        "USPS IMpb 420+ZIP5 (34)",
        r"420[0-9]{5}9[1-5][0-9]{24}",
        (34, 34),
        prefixes=("420",),
        check=_gs1_over_last(26),
        url=USPS_URL,
        rank=DIGIT_PREFIX,
        source=_JKEEN + "usps.json (USPS 91, 11-digit package id)",
    ),
    _format(
        "usps",
        "USPS IMpb 22",
        r"9[1-5][0-9]{20}",
        (22, 22),
        prefixes=_IMPB_PREFIXES,
        check=_gs1_valid,
        url=USPS_URL,
        rank=DIGIT_PREFIX,
        source=_JKEEN + "usps.json (USPS 91); USPS Publication 199",
    ),
    _format(
        "usps",
        "USPS IMpb 26",
        r"9[1-5][0-9]{24}",
        (26, 26),
        prefixes=_IMPB_PREFIXES,
        check=_gs1_valid,
        url=USPS_URL,
        rank=DIGIT_PREFIX,
        source=_JKEEN + "usps.json (USPS 91, 11-digit package id)",
    ),
    _format(
        "usps",
        "USPS 20",
        r"[0-9]{20}",
        (20, 20),
        check=_gs1_valid,
        url=USPS_URL,
        source=_JKEEN + "usps.json (USPS 20)",
    ),
    _format(
        "usps",
        "USPS 20 (IMpb, 91 implied)",
        r"[0-9]{20}",
        (20, 20),
        check=_gs1_with_implied_prefix("91"),
        url=USPS_URL,
        source=_JKEEN + "usps.json (USPS 91, serial_number_format prepend 91)",
    ),
    # FedEx
    _format(
        "fedex",
        "FedEx Ground 96 (22)",
        r"96[0-9]{20}",
        (22, 22),
        prefixes=("96",),
        check=_gs1_over_last(15),
        url=FEDEX_URL,
        rank=DIGIT_PREFIX,
        source=_JKEEN + "fedex.json (FedEx Ground 96 (22))",
    ),
    _format(
        "fedex",
        "FedEx Express (34)",
        r"100[0-9]{31}",
        (34, 34),
        prefixes=("100",),
        check=_fedex34_valid,
        url=FEDEX_URL,
        rank=DIGIT_PREFIX,
        source=_JKEEN + "fedex.json (FedEx Express (34))",
    ),
    _format(
        "fedex",
        "FedEx Ground GSN (34)",
        r"96[0-9]{32}",
        (34, 34),
        prefixes=("96",),
        check=_fedex34_valid,
        url=FEDEX_URL,
        rank=DIGIT_PREFIX,
        source=_JKEEN + "fedex.json (FedEx Ground GSN)",
    ),
    _format(
        "fedex",
        "FedEx Express (12)",
        r"[0-9]{12}",
        (12, 12),
        check=_fedex12_valid,
        url=FEDEX_URL,
        source=_JKEEN + "fedex.json (FedEx Express (12))",
    ),
    _format(
        "fedex",
        "FedEx Ground (15)",
        r"[0-9]{15}",
        (15, 15),
        check=_gs1_valid,
        url=FEDEX_URL,
        source=_JKEEN + "fedex.json (FedEx Ground)",
    ),
    _format(
        "fedex",
        "FedEx Ground SSCC-18",
        r"[0-9]{18}",
        (18, 18),
        check=_gs1_valid,
        url=FEDEX_URL,
        source=_JKEEN + "fedex.json (FedEx Ground (SSCC-18)); GS1 SSCC",
    ),
    _format(
        "fedex",
        "FedEx SmartPost (20, 92 implied)",
        r"[0-9]{20}",
        (20, 20),
        check=_gs1_with_implied_prefix("92"),
        url=FEDEX_URL,
        source=_JKEEN + "fedex.json (FedEx SmartPost, serial_number_format prepend 92)",
    ),
    # DHL Express and DHL Paket
    _format(
        "dhl",
        "DHL Paket SSCC (20)",
        r"00340[0-9]{15}",
        (20, 20),
        prefixes=("00340",),
        check=_gs1_valid,
        url=DHL_URL,
        rank=DIGIT_PREFIX,
        source=_PAKETDA + " (00340433836442636597)",
    ),
    _format(
        "dhl",
        "DHL piece ID (JJD/JVGL)",
        r"J[A-Z]{2,3}[0-9]{9,20}",
        (12, 24),
        prefixes=("J",),
        url=DHL_URL,
        rank=LETTER_PREFIX,
        source=_JKEEN + "dhl.json (DHL Express (Piece ID)); " + _PAKETDA,
    ),
    _format(
        "dhl",
        "DHL Express (10)",
        r"[0-9]{10}",
        (10, 10),
        check=_dhl_express_valid,
        url=DHL_URL,
        source=_JKEEN + "dhl.json (DHL Express)",
    ),
    _format(
        "dhl",
        "DHL Express (11)",
        r"[0-9]{11}",
        (11, 11),
        check=_dhl_express_valid,
        url=DHL_URL,
        source=_JKEEN + "dhl.json (DHL Express Air)",
    ),
    _format(
        "dhl",
        "DHL Paket Identcode (12)",
        r"[0-9]{12}",
        (12, 12),
        check=_dhl_identcode_valid,
        url=DHL_URL,
        source=_PAKETDA + " (201298452277)",
    ),
    # DHL eCommerce (format only)
    _format(
        "dhl_ecommerce",
        "DHL eCommerce",
        r"(?:GM|LX|RX|UV|CN|SG|TH|IN|HK|MY)[0-9]{10,39}",
        (12, 41),
        prefixes=_DHL_ECOMMERCE_PREFIXES,
        url=DHL_URL,
        rank=LETTER_PREFIX,
        source=_JKEEN + "dhl.json (DHL E-Commerce)",
    ),
    # Amazon Logistics (format only)
    _format(
        "amazon",
        "Amazon TBA",
        r"TBA[0-9]{12}",
        (15, 15),
        prefixes=("TBA",),
        url=AMAZON_URL,
        rank=LETTER_PREFIX,
        source=_JKEEN + "amazon.json",
    ),
    # Canada Post domestic
    _format(
        "canada_post",
        "Canada Post (16)",
        r"[0-9]{16}",
        (16, 16),
        check=_gs1_valid,
        url=CANADA_POST_URL,
        source=_JKEEN + "canadapost.json",
    ),
    # DPD
    _format(
        "dpd",
        "DPD barcode (28)",
        r"[0-9]{27}[0-9A-Z]",
        (28, 28),
        check=_dpd_valid,
        url=DPD_URL,
        source=_JKEEN + "dpd.json (DPD (28), mod_37_36)",
    ),
    _format(
        "dpd",
        "DPD parcel number with check character (15)",
        r"[0-9]{14}[0-9A-Z]",
        (15, 15),
        check=_dpd_valid,
        url=DPD_URL,
        source=_PAKETDA + " (01015026003653c)",
    ),
    _format(
        "dpd",
        "DPD parcel number (14)",
        r"[0-9]{14}",
        (14, 14),
        url=DPD_URL,
        rank=DIGITS_FORMAT_ONLY,
        source=_SENDUNGSVERFOLGUNG + "dpd.py (parcel number = barcode[8:22])",
    ),
    # GLS
    _format(
        "gls",
        "GLS parcel number (12)",
        r"[0-9]{12}",
        (12, 12),
        check=_gls_valid,
        url=GLS_URL,
        source=_SENDUNGSVERFOLGUNG + "gls.py (GLS Uni-Box TechDoku 2D, section 3.2.1)",
    ),
    _format(
        "gls",
        "GLS parcel number without check digit (11)",
        r"[0-9]{11}",
        (11, 11),
        url=GLS_URL,
        rank=DIGITS_FORMAT_ONLY,
        source=_SENDUNGSVERFOLGUNG + "gls.py (11-digit parcel number)",
    ),
    # OnTrac and LaserShip (LaserShip is part of OnTrac; both are tracked on ontrac.com)
    _format(
        "ontrac",
        "OnTrac C/D",
        r"[CD][0-9]{14}",
        (15, 15),
        prefixes=("C", "D"),
        check=_ontrac_valid,
        url=ONTRAC_URL,
        rank=LETTER_PREFIX,
        source=_JKEEN + "ontrac.json",
    ),
    _format(
        "lasership",
        "LaserShip 1LS",
        r"1LS[0-9A-Z]{10,16}",
        (13, 19),
        prefixes=("1LS",),
        url=ONTRAC_URL,
        rank=LETTER_PREFIX,
        source=_JKEEN + "lasership.json (LaserShip 1LS7)",
    ),
    _format(
        "lasership",
        "LaserShip LX",
        r"LX1[3-8][0-9]{6}",
        (10, 10),
        prefixes=("LX",),
        url=ONTRAC_URL,
        rank=LETTER_PREFIX,
        source=_JKEEN + "lasership.json (LaserShip LX)",
    ),
    # UPU S10: name and URL come from the issuing operator (postal_operators.py)
    _format(
        "s10",
        "UPU S10",
        r"[A-Z]{2}[0-9]{9}[A-Z]{2}",
        (13, 13),
        check=_s10_valid,
        rank=S10_SHAPE,
        fits=_s10_issuer_known,
        source="UPU S10 standard; " + _JKEEN + "s10.json",
    ),
    # China-origin e-commerce logistics: format only, no published check digit
    _format(
        "yunexpress",
        "YunExpress YT",
        r"YT[0-9]{16}",
        (18, 18),
        prefixes=("YT",),
        url=YUNEXPRESS_URL,
        rank=LETTER_PREFIX,
        source=_JKEEN + "yunexpress.json",
    ),
    _format(
        "cainiao",
        "Cainiao LP",
        r"LP[0-9]{12,16}",
        (14, 18),
        prefixes=("LP",),
        url=CAINIAO_URL,
        rank=LETTER_PREFIX,
        source=_CNUSUP + " (LP format)",
    ),
    _format(
        "cainiao",
        "Cainiao CN route code",
        r"CN[A-Z]{4}[0-9]{8,12}",
        (14, 18),
        prefixes=("CN",),
        url=CAINIAO_URL,
        rank=LETTER_PREFIX,
        source=_CNUSUP + " (CNUSUP format)",
    ),
    _format(
        "4px",
        "4PX",
        r"4PX[0-9A-Z]{8,20}",
        (11, 23),
        prefixes=("4PX",),
        url=FOURPX_URL,
        rank=LETTER_PREFIX,
        source="public carrier-detection tables (4PX prefix); no published specification found",
    ),
    _format(
        "yanwen",
        "Yanwen YP",
        r"[A-Z]{2}[0-9]{9}YP",
        (13, 13),
        url=GENERIC_URL,
        rank=S10_SHAPE,
        source="S10-like numbers with Yanwen's private suffix YP; no published specification found",
    ),
    _format(
        "jt",
        "J&T JT",
        r"JT[0-9]{13}",
        (15, 15),
        prefixes=("JT",),
        url=GENERIC_URL,
        rank=LETTER_PREFIX,
        source="github.com/BF-zh/Courier-Validation src/pattern/JT.ts",
    ),
    _format(
        "sf_express",
        "SF Express SF",
        r"SF[0-9]{12,13}",
        (14, 15),
        prefixes=("SF",),
        url=GENERIC_URL,
        rank=LETTER_PREFIX,
        source="github.com/BF-zh/Courier-Validation src/pattern/SF.ts",
    ),
)

# The page to send a person to when a carrier is known but the number fits none of its formats.
CARRIER_DEFAULT_URLS: dict[str, str] = {"s10": GENERIC_URL}
for _carrier_format in FORMATS:
    if _carrier_format.url is not None:
        CARRIER_DEFAULT_URLS.setdefault(_carrier_format.carrier, _carrier_format.url)
