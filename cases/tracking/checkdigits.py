"""Check-digit algorithms used by parcel tracking numbers, one small function each.

Every function takes the data characters (without the check character) and returns the expected check
digit or character. They do not validate their input: callers (formats.py) only pass strings that
already matched the format's regular expression.

Sources, checked against the worked examples and test numbers listed in tests/cases/tracking/vectors.json:
- UPU S10: UPU standard S10 (weights 8,6,4,2,3,5,9,7), worked example in
  https://en.wikipedia.org/wiki/S10_(UPU_standard) (47312482 -> 9).
- GS1 modulo 10 (weights 3,1 from the right): GS1 General Specifications section 7.9.1; used by USPS IMpb
  (USPS Publication 199), SSCC, FedEx Ground 15/22, Canada Post 16 and DHL Paket 20-digit numbers
  (github.com/jkeen/tracking_number_data couriers/*.json, "mod10" with multiplier 3 on the digit next
  to the check digit; https://www.paketda.de/firmenkunden/paket-pruefziffern.html).
- UPS 1Z and OnTrac: "mod10" with odd positions doubled and letters mapped by (ASCII - 3) mod 10
  (jkeen/tracking_number_data CHECKSUM_ALGORITHMS.md and couriers/ups.json, couriers/ontrac.json).
- FedEx Express 12 and 34: "sum_product_with_weightings_and_modulo", weights 1,3,7 repeating from the
  right, sum mod 11 mod 10 (jkeen/tracking_number_data couriers/fedex.json).
- DHL Express 10/11: data digits read as an integer, modulo 7 (jkeen/tracking_number_data couriers/dhl.json).
- DHL Paket 12-digit Identcode: weights 4,9 from the left, modulo 10; paketda.de example 201298452277.
- GLS 12-digit parcel number: weights 3,1 from the right, plus one, modulo 10 (GLS Uni-Box TechDoku 2D
  section 3.2.1, as implemented in github.com/soult/libsendungsverfolgung gls.py).
- DPD: ISO/IEC 7064 MOD 37,36 over the digits (DPD Parcel Label Specification, as implemented in
  jkeen/tracking_number_data CHECKSUM_ALGORITHMS.md validates_mod_37_36).
- Luhn (ISO/IEC 7812-1 annex B): every second digit doubled from the one next to the check digit, digits of
  the products summed; used by Purolator's 12-digit numbers and Old Dominion's PRO numbers
  (jkeen/tracking_number_data couriers/purolator.json and couriers/old_dominion.json, "luhn").
The UPS waybill (a service letter and 10 digits) uses the UPS 1Z algorithm over its 9 serial digits, and
the FedEx door tag (DT and 12 digits) and the FedEx ASTRA barcode the FedEx Express algorithm
(jkeen/tracking_number_data couriers/ups.json "UPS Waybill", couriers/fedex.json "FedEx ASTRA (32)").
"""

from __future__ import annotations

from itertools import cycle
from operator import mul

_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_ISO7064_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _complement_to_ten(total: int) -> int:
    """The digit that brings `total` to the next multiple of ten (0 when it already is one)."""
    return (10 - total % 10) % 10


def _weighted_sum(digits: str, weights: tuple[int, ...]) -> int:
    """The digits times the weights, the weights repeated as often as needed, from the first digit on."""
    return sum(map(mul, map(int, digits), cycle(weights)))


def s10_check_digit(serial: str) -> int:
    """UPU S10: 8 serial digits weighted 8,6,4,2,3,5,9,7; C = 11 - (S mod 11), 10 -> 0, 11 -> 5."""
    check = 11 - sum(int(digit) * weight for digit, weight in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    if check == 10:
        return 0
    if check == 11:
        return 5
    return check


def gs1_mod10_check_digit(digits: str) -> int:
    """GS1 modulo 10: weight 3 on the digit next to the check digit, then 1, 3, 1 ... leftwards."""
    return _complement_to_ten(_weighted_sum(digits[::-1], (3, 1)))


def ups_character_value(character: str) -> int:
    """UPS maps letters onto digits: A-H 2-9, I-R 0-9, S-Z 0-7, i.e. (ASCII code - 3) mod 10."""
    if character.isdigit():
        return int(character)
    return (ord(character) - 3) % 10


def ups_check_digit(characters: str) -> int:
    """UPS 1Z / OnTrac modulo 10: character values, every second one (from the left, 0-based odd) doubled."""
    total = 0
    for position, character in enumerate(characters):
        value = ups_character_value(character)
        total += value * 2 if position % 2 else value
    return _complement_to_ten(total)


def fedex_mod11_check_digit(digits: str) -> int:
    """FedEx Express: weights 1,3,7 repeating from the right, sum mod 11, and 10 becomes 0."""
    return _weighted_sum(digits[::-1], (1, 3, 7)) % 11 % 10


def dhl_express_mod7_check_digit(digits: str) -> int:
    """DHL Express air waybill: the data digits as one integer, modulo 7."""
    return int(digits) % 7


def dhl_identcode_check_digit(digits: str) -> int:
    """DHL Paket 12-digit Identcode: weights 4,9 alternating from the left, modulo 10."""
    return _complement_to_ten(_weighted_sum(digits, (4, 9)))


def gls_check_digit(digits: str) -> int:
    """GLS parcel number: weights 3,1 from the right, plus one, then the complement to ten."""
    return _complement_to_ten(_weighted_sum(digits[::-1], (3, 1)) + 1)


def iso7064_mod37_36_check_character(characters: str) -> str:
    """ISO/IEC 7064 MOD 37,36 (hybrid system, as DPD uses it): returns 0-9 or A-Z."""
    modulus = 36
    product = modulus
    for character in characters:
        product += _ISO7064_ALPHABET.index(character)
        if product > modulus:
            product -= modulus
        product *= 2
        if product > modulus:
            product -= modulus + 1
    check = modulus + 1 - product
    if check == modulus:
        check = 0
    return _ISO7064_ALPHABET[check]


def luhn_check_digit(digits: str) -> int:
    """Luhn: from the digit next to the check digit leftwards, every second digit doubled (9 subtracted
    when the product exceeds 9); the check digit completes the sum to a multiple of ten."""
    total = 0
    for position, digit in enumerate(map(int, reversed(digits))):
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return _complement_to_ten(total)
