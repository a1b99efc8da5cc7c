"""ISO 4217 currency codes an order or a money decision may carry.

The active codes of ISO 4217's list one, without the codes that are not money a store is paid in (funds
codes such as USN or CLF, precious metals XAU/XAG/XPD/XPT, the bond-market units XBA-XBD, XDR, XSU, XUA,
the testing code XTS and "no currency" XXX), plus the codes withdrawn in recent years that an older
order export still carries (HRK until 2023, ANG until 2025, SLL, ZWL, CUC).
"""

from __future__ import annotations

_ACTIVE_CODES = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
    GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD
    KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN
    NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP
    SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES
    VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
ACTIVE = frozenset(_ACTIVE_CODES.split())
WITHDRAWN = frozenset({"HRK", "ANG", "SLL", "ZWL", "CUC"})
CURRENCIES = ACTIVE | WITHDRAWN


def currency_code(value: str) -> str | None:
    """The ISO 4217 code `value` names (any case, surrounding blanks ignored), or None."""
    code = (value or "").strip().upper()
    return code if code in CURRENCIES else None
