"""Tracking numbers classified per second by cases.tracking.detect(), against a naive baseline, in one run.

    .venv/bin/python benchmarks/bench_carriers.py          # 100,000 numbers, seed 20261120

The input mixes valid numbers of every check-digit format, the same numbers with a wrong check digit,
format-only numbers and garbage, some lower-cased or with spaces (zero-width ones too) and dashes anywhere
(seeded, so runs compare).
The baseline tries every format's regex on every number, as a string pattern (no precompiled table,
no dispatch on length or prefix); it must give exactly the same answers, which the run verifies.
No Django needed.
"""

from __future__ import annotations

import os
import random
import re
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cases.tracking import checkdigits as cd
from cases.tracking.detect import CarrierMatch, _match, checksum_invalid, detect
from cases.tracking.formats import FORMATS
from cases.tracking.normalize import normalize_number

COUNT = int(os.environ.get("BENCH_NUMBERS", "100000"))
SEED = int(os.environ.get("BENCH_SEED", "20261120"))


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _valid_numbers(rng: random.Random) -> list[str]:
    """One valid number per check-digit family, built with the check-digit functions."""
    ups_data = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(15))
    s10_serial = _digits(rng, 8)
    impb = "9400" + _digits(rng, 17)
    fedex12 = _digits(rng, 11)
    fedex15 = _digits(rng, 14)
    dhl10 = _digits(rng, 9)
    identcode = _digits(rng, 11)
    gls = _digits(rng, 11)
    canada = _digits(rng, 15)
    dpd = _digits(rng, 27)
    ontrac = "C" + _digits(rng, 13)
    purolator = rng.choice("012345") + _digits(rng, 10)
    pro = rng.choice(("072", "777", "778", "780")) + _digits(rng, 7)
    waybill = _digits(rng, 9)
    door_tag = _digits(rng, 11)
    fedex34 = rng.choice("012345678") + _digits(rng, 32)
    astra = "3" + _digits(rng, 15)
    astra_serial = _digits(rng, 11)
    return [
        f"1Z{ups_data}{cd.ups_check_digit(ups_data)}",
        f"{rng.choice(('RR', 'LZ', 'CP', 'EE'))}{s10_serial}{cd.s10_check_digit(s10_serial)}"
        f"{rng.choice(('CN', 'GB', 'US', 'FR', 'DE'))}",
        impb + str(cd.gs1_mod10_check_digit(impb)),
        "42094110" + impb + str(cd.gs1_mod10_check_digit(impb)),
        fedex12 + str(cd.fedex_mod11_check_digit(fedex12)),
        fedex15 + str(cd.gs1_mod10_check_digit(fedex15)),
        dhl10 + str(cd.dhl_express_mod7_check_digit(dhl10)),
        identcode + str(cd.dhl_identcode_check_digit(identcode)),
        gls + str(cd.gls_check_digit(gls)),
        canada + str(cd.gs1_mod10_check_digit(canada)),
        dpd + cd.iso7064_mod37_36_check_character(dpd),
        ontrac + str(cd.ups_check_digit(ontrac)),
        purolator + str(cd.luhn_check_digit(purolator)),
        pro + str(cd.luhn_check_digit(pro)),
        f"{rng.choice('AHJKTV')}{waybill}{cd.ups_check_digit(waybill)}",
        f"DT{door_tag}{cd.fedex_mod11_check_digit(door_tag)}",
        fedex34 + str(cd.fedex_mod11_check_digit(fedex34[20:33])),
        f"{astra}{astra_serial}{cd.fedex_mod11_check_digit(astra_serial)}{_digits(rng, 4)}",
    ]


def _format_only_numbers(rng: random.Random) -> list[str]:
    return [
        "YT" + _digits(rng, 16),
        "LP" + _digits(rng, 14),
        "TBA" + _digits(rng, 12),
        "GM" + _digits(rng, 16),
        "JT" + _digits(rng, 13),
        "SF" + _digits(rng, 13),
        _digits(rng, 14),
        rng.choice("CDKLSUXZ") + _digits(rng, 21),  # Canpar
        "JD" + _digits(rng, 16),  # Yodel
        "H"
        + _digits(rng, 2)
        + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(13)),
        "".join(rng.choice(string.ascii_uppercase) for _ in range(2)) + _digits(rng, 7),  # Parcelforce
        "LTN" + _digits(rng, 8) + "N1",
        "GFUS" + _digits(rng, 14),
        "SP" + _digits(rng, 18),
        "MI" + _digits(rng, 16),
        rng.choice(("TBA", "TBC", "TBM")) + _digits(rng, 12),
        rng.choice(("LA", "LX", "LH")) + rng.choice("123") + _digits(rng, 7),
    ]


def _garbage(rng: random.Random) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(4, 30)))


def _with_wrong_check_character(number: str) -> str:
    if len(number) == 32 and number.startswith("3"):  # FedEx ASTRA: the check digit is the 28th character
        return number[:27] + str((int(number[27]) + 1) % 10) + number[28:]
    last = number[-1]
    replacement = str((int(last) + 1) % 10) if last.isdigit() else ("A" if last != "A" else "B")
    if len(number) == 13 and number[:2].isalpha():  # S10: the check digit is the 11th character
        return number[:10] + str((int(number[10]) + 1) % 10) + number[11:]
    return number[:-1] + replacement


def _as_pasted(rng: random.Random, number: str) -> str:
    """Sometimes lower-cased, spaced or dashed, as suppliers paste numbers."""
    roll = rng.random()
    if roll < 0.15:
        return number.lower()
    if roll < 0.30:
        middle = len(number) // 2
        return f" {number[:middle]} {number[middle:]} "
    if roll < 0.40:
        return "-".join(number[i : i + 4] for i in range(0, len(number), 4))
    if roll < 0.45:  # spaced anywhere, one space or a zero-width one between some characters
        return "".join(ch + rng.choice(("", "", " ", "\u200b")) for ch in number)
    return number


def make_numbers(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    numbers = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.35:
            number = rng.choice(_valid_numbers(rng))
        elif roll < 0.60:
            number = _with_wrong_check_character(rng.choice(_valid_numbers(rng)))
        elif roll < 0.75:
            number = rng.choice(_format_only_numbers(rng))
        else:
            number = _garbage(rng)
        numbers.append(_as_pasted(rng, number))
    return numbers


def naive_detect(raw: str) -> list[CarrierMatch]:
    """Every format, every time: string patterns through re.fullmatch, no length or prefix dispatch."""
    number = normalize_number(raw)
    found = []
    order = {"valid": 0, "none": 1, "invalid": 2}
    for position, carrier_format in enumerate(FORMATS):
        if re.fullmatch(carrier_format.pattern, number, re.ASCII) is None:
            continue
        if carrier_format.fits is not None and not carrier_format.fits(number):
            continue
        match = _match(carrier_format, number)
        found.append(((order[match.check_digit], carrier_format.rank, position), match))
    found.sort(key=lambda entry: entry[0])
    return [match for _, match in found]


def rate(function, numbers: list[str]) -> float:
    started = time.perf_counter()
    for number in numbers:
        function(number)
    return len(numbers) / (time.perf_counter() - started)


def main() -> None:
    numbers = make_numbers(COUNT, SEED)
    mismatches = sum(1 for number in numbers[:20000] if detect(number) != naive_detect(number))
    if mismatches:
        raise SystemExit(f"baseline and detect() disagree on {mismatches} numbers")

    detect_rate = rate(detect, numbers)
    naive_rate = rate(naive_detect, numbers)
    checksum_rate = rate(checksum_invalid, numbers)
    normalize_rate = rate(normalize_number, numbers)
    classified = [detect(number) for number in numbers]
    matched = sum(1 for matches in classified if matches)
    invalid = sum(1 for number in numbers if checksum_invalid(number))

    print(f"numbers generated (seed {SEED}):                    {len(numbers):>12,}")
    print(f"  with at least one carrier match:                  {matched:>12,}")
    print(f"  checksum_invalid:                                 {invalid:>12,}")
    print(f"detect() numbers classified per second:             {detect_rate:>12,.0f}")
    print(f"naive baseline (every regex, no dispatch) per sec:  {naive_rate:>12,.0f}")
    print(f"speed-up detect() / naive baseline:                 {detect_rate / naive_rate:>12.1f}x")
    print(f"checksum_invalid() per second:                      {checksum_rate:>12,.0f}")
    print(f"normalize_number() alone per second (upper bound):  {normalize_rate:>12,.0f}")
    print(f"detect() cost relative to normalize_number() alone: {normalize_rate / detect_rate:>12.1f}x")


if __name__ == "__main__":
    main()
