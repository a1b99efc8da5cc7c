"""Demo tracking numbers in shapes the carrier detector (`cases.tracking`) knows, with their check digits.

The carrier codes are the detector's own (`cases.tracking.formats`), and a test checks that the detector
names the carrier each number was made for.
"""

from __future__ import annotations

import random
import string

from cases.tracking.checkdigits import s10_check_digit, ups_check_digit


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def s10_number(rng: random.Random, prefix: str = "LZ", country: str = "CN") -> str:
    serial = _digits(rng, 8)
    return f"{prefix}{serial}{s10_check_digit(serial)}{country}"


def s10_number_with_bad_check_digit(rng: random.Random, prefix: str = "RR") -> str:
    """A number whose check digit is wrong: mistyped by the supplier, or made up."""
    serial = _digits(rng, 8)
    wrong = (s10_check_digit(serial) + rng.randint(1, 9)) % 10
    return f"{prefix}{serial}{wrong}CN"


def ups_number(rng: random.Random) -> str:
    shipper = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))
    data = shipper + rng.choice(("01", "03", "12", "YW")) + _digits(rng, 7)
    return f"1Z{data}{ups_check_digit(data)}"


def yunexpress_number(rng: random.Random) -> str:
    return "YT" + _digits(rng, 16)


def cainiao_number(rng: random.Random) -> str:
    return "LP" + _digits(rng, 14)


# How often each carrier ships a demo parcel, and how its numbers are made.
CARRIER_WEIGHTS = {"yunexpress": 34, "cainiao": 28, "s10": 26, "ups": 12}
MAKERS = {
    "yunexpress": yunexpress_number,
    "cainiao": cainiao_number,
    "s10": lambda rng: s10_number(rng, rng.choice(("LZ", "LY", "RB", "RS"))),
    "ups": ups_number,
}
