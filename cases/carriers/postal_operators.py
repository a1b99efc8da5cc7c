"""Issuers of UPU S10 identifiers, found from the identifier's two-letter suffix.

UPU S10: the last two letters are the ISO 3166-1 alpha-2 code of the country whose designated postal
operator issued the number (https://en.wikipedia.org/wiki/S10_(UPU_standard); operator names as in
github.com/jkeen/tracking_number_data couriers/s10.json). A suffix that is not a country code (e.g.
Yanwen's private "YP") is not an S10 identifier.
"""

from __future__ import annotations

from dataclasses import dataclass

# ISO 3166-1 alpha-2 officially assigned codes, plus XK (user-assigned code used for Kosovo's post).
_ISO_COUNTRY_CODES_TEXT = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
    BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES
    ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE
    IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU
    NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM
    SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE
    VG VI VN VU WF WS YE YT ZA ZM ZW XK
"""
ISO_COUNTRY_CODES = frozenset(_ISO_COUNTRY_CODES_TEXT.split())

# Any S10 number can be looked up here; used when the operator's own page takes no number in its URL.
GENERIC_S10_TRACKING_URL = "https://t.17track.net/en#nums={number}"


@dataclass(frozen=True, slots=True)
class PostalOperator:
    country: str
    name: str
    url: str  # template with {number}


# URLs for US, CA and DE come from jkeen/tracking_number_data (usps.json, canadapost.json,
# deutschepost.json); GB, FR, AU and JP are the operators' public tracking pages (not re-verified here).
# Operators whose page cannot be addressed by URL get the generic tracker.
_OPERATORS = {
    "AT": ("Österreichische Post", None),
    "AU": ("Australia Post", "https://auspost.com.au/mypost/track/#/details/{number}"),
    "BE": ("bpost", None),
    "BR": ("Correios", None),
    "CA": (
        "Canada Post",
        "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
    ),
    "CH": ("Swiss Post", None),
    "CN": ("China Post", None),
    "DE": (
        "Deutsche Post",
        "https://www.deutschepost.de/de/s/sendungsverfolgung/verfolgen.html?piececode={number}",
    ),
    "DK": ("PostNord Denmark", None),
    "ES": ("Correos", None),
    "FI": ("Posti", None),
    "FR": ("La Poste", "https://www.laposte.fr/outils/suivre-vos-envois?code={number}"),
    "GB": ("Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/{number}"),
    "HK": ("Hongkong Post", None),
    "IE": ("An Post", None),
    "IN": ("India Post", None),
    "IT": ("Poste Italiane", None),
    "JP": (
        "Japan Post",
        "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1={number}&locale=en",
    ),
    "KR": ("Korea Post", None),
    "MX": ("Correos de México", None),
    "MY": ("Pos Malaysia", None),
    "NL": ("PostNL", None),
    "NO": ("Posten Norge", None),
    "NZ": ("NZ Post", None),
    "PL": ("Poczta Polska", None),
    "PT": ("CTT Correios de Portugal", None),
    "RU": ("Russian Post", None),
    "SE": ("PostNord Sweden", None),
    "SG": ("Singapore Post", None),
    "TH": ("Thailand Post", None),
    "TW": ("Chunghwa Post", None),
    "UA": ("Ukrposhta", None),
    "US": ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
}


def is_s10_issuer(country: str) -> bool:
    return country in ISO_COUNTRY_CODES


def postal_operator(country: str) -> PostalOperator:
    """The designated operator for an S10 suffix; a generic name and tracker when we have none on file."""
    name, url = _OPERATORS.get(country, (f"Postal operator ({country})", None))
    return PostalOperator(country=country, name=name, url=url or GENERIC_S10_TRACKING_URL)
