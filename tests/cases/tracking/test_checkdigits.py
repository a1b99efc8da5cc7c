"""Each check-digit algorithm against a published worked example (sources in checkdigits.py)."""

from __future__ import annotations

import pytest

from cases.tracking import checkdigits as cd


def test_s10_wikipedia_worked_example():
    assert cd.s10_check_digit("47312482") == 9


@pytest.mark.parametrize(
    ("serial", "expected"),
    [("12345678", 5), ("00000000", 5), ("00000001", 4)],
    ids=["RR123456785CN", "remainder-0-gives-5", "plain"],
)
def test_s10_special_remainders(serial, expected):
    # 11 - 0 = 11 -> 5; the spec example RR123456785CN carries 5.
    assert cd.s10_check_digit(serial) == expected


def test_s10_remainder_one_gives_zero():
    # S = 1 mod 11 -> C = 10 -> 0. 00000008 has S = 8*7 = 56 = 1 mod 11.
    assert cd.s10_check_digit("00000008") == 0


def test_gs1_gln_example():
    # ecosio.com GLN example 4260304620007 (GS1 General Specifications 7.9.1).
    assert cd.gs1_mod10_check_digit("426030462000") == 7


def test_gs1_usps_impb_example():
    # jkeen usps.json 9400 1112 0108 0805 4830 16
    assert cd.gs1_mod10_check_digit("940011120108080548301") == 6


def test_ups_letter_values():
    assert [cd.ups_character_value(c) for c in "AHIRSZ"] == [2, 9, 0, 9, 0, 7]


def test_ups_spec_example():
    assert cd.ups_check_digit("999AA1012345678") == 4  # 1Z999AA10123456784


def test_fedex_express_example():
    assert cd.fedex_mod11_check_digit("98657878885") == 5  # jkeen fedex.json 986578788855


def test_dhl_express_mod7_example():
    assert cd.dhl_express_mod7_check_digit("331881002") == 5  # jkeen dhl.json 3318810025


def test_dhl_identcode_example():
    assert cd.dhl_identcode_check_digit("20129845227") == 7  # paketda.de 201298452277


def test_gls_formula():
    # weights 3,1 from the right plus one: 3*1 + 1 = 4 -> 6
    assert cd.gls_check_digit("00000000001") == 6


@pytest.mark.parametrize(
    ("data", "expected"),
    [("01015026003653", "C"), ("008182709980000020033350276", "C"), ("008182709980000020045327276", "N")],
    ids=["paketda-dpd-14", "jkeen-dpd-28-C", "jkeen-dpd-28-N"],
)
def test_iso7064_dpd_examples(data, expected):
    assert cd.iso7064_mod37_36_check_character(data) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [("7992739871", 3), ("32059546393", 8), ("0720956276", 3), ("8000328037", 9)],
    ids=[
        "wikipedia-luhn",
        "jkeen-purolator-320595463938",
        "jkeen-old-dominion-07209562763",
        "jkeen-od-80003280379",
    ],
)
def test_luhn_examples(data, expected):
    assert cd.luhn_check_digit(data) == expected


def test_luhn_doubles_from_the_digit_next_to_the_check_digit():
    # 9 doubled is 18, counted 1 + 8 = 9: the check digit brings 9 to 10.
    assert cd.luhn_check_digit("9") == 1
    assert cd.luhn_check_digit("90") == 1  # the 0 is doubled, the 9 is not


def test_ups_waybill_uses_the_ups_algorithm_over_its_serial():
    assert cd.ups_check_digit("150623562") == 0  # jkeen ups.json K1506235620
    assert cd.ups_check_digit("460363653") == 7  # J4603636537


def test_fedex_astra_and_door_tag_use_the_fedex_express_algorithm():
    assert (
        cd.fedex_mod11_check_digit("78491758028") == 6
    )  # jkeen fedex.json ASTRA 3297151456010244784917580286…
    assert cd.fedex_mod11_check_digit("79053531231") == 7  # DT790535312317 (FedEx Express 790535312317)
