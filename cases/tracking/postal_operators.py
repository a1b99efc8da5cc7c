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


def is_s10_issuer(country: str) -> bool:
    return country in ISO_COUNTRY_CODES


# Any S10 number can be looked up here; used when the operator's own page takes no number in its URL.
GENERIC_S10_TRACKING_URL = "https://t.17track.net/en#nums={number}"


@dataclass(frozen=True, slots=True)
class PostalOperator:
    country: str
    name: str
    url: str  # template with {number}


_OPERATOR_NAMES = {
    "AT": "Österreichische Post",
    "AU": "Australia Post",
    "BE": "bpost",
    "BR": "Correios",
    "CA": "Canada Post",
    "CH": "Swiss Post",
    "CN": "China Post",
    "DE": "Deutsche Post",
    "DK": "PostNord Denmark",
    "ES": "Correos",
    "FI": "Posti",
    "FR": "La Poste",
    "GB": "Royal Mail",
    "HK": "Hongkong Post",
    "IE": "An Post",
    "IN": "India Post",
    "IT": "Poste Italiane",
    "JP": "Japan Post",
    "KR": "Korea Post",
    "MX": "Correos de México",
    "MY": "Pos Malaysia",
    "NL": "PostNL",
    "NO": "Posten Norge",
    "NZ": "NZ Post",
    "PL": "Poczta Polska",
    "PT": "CTT Correios de Portugal",
    "RU": "Russian Post",
    "SE": "PostNord Sweden",
    "SG": "Singapore Post",
    "TH": "Thailand Post",
    "TW": "Chunghwa Post",
    "UA": "Ukrposhta",
    "US": "USPS",
}

# URLs for US, CA and DE come from jkeen/tracking_number_data (usps.json, canadapost.json,
# deutschepost.json); GB, FR, AU and JP are the operators' public tracking pages (not re-verified here).
# Operators whose page cannot be addressed by URL are not listed: they get the generic tracker.
_OPERATOR_URLS = {
    "AU": "https://auspost.com.au/mypost/track/#/details/{number}",
    "CA": "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
    "DE": "https://www.deutschepost.de/de/s/sendungsverfolgung/verfolgen.html?piececode={number}",
    "FR": "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    "GB": "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
    "JP": "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1={number}&locale=en",
    "US": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
}


def postal_operator(country: str) -> PostalOperator:
    """The designated operator for an S10 suffix; a generic name and tracker when we have none on file."""
    return PostalOperator(
        country=country,
        name=_OPERATOR_NAMES.get(country, f"Postal operator ({country})"),
        url=_OPERATOR_URLS.get(country, GENERIC_S10_TRACKING_URL),
    )
