"""detect, checksum_invalid, best_carrier, tracking_url, to_json and normalize_number (rules.md section 3)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.tracking import (
    CARRIER_NAMES,
    FORMATS,
    best_carrier,
    checksum_invalid,
    detect,
    normalize_number,
    to_json,
    track_as,
    tracking_url,
)

REQUIRED_CARRIERS = {
    "ups", "usps", "fedex", "dhl", "dhl_ecommerce", "amazon", "canada_post", "dpd", "gls",
    "ontrac", "lasership", "s10", "yunexpress", "cainiao", "4px", "yanwen", "jt", "sf_express",
    # North America, the UK and cross-border routes
    "purolator", "canpar", "yodel", "evri", "parcelforce", "landmark", "gofo", "speedee", "old_dominion",
}  # fmt: skip

# Tracking-number-like text: the characters numbers are made of, plus separators people paste.
tracking_text = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -", max_size=40)


# --- normalize_number ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1Z999AA10123456784", "1Z999AA10123456784"),
        ("  1z999aa10123456784\n", "1Z999AA10123456784"),
        ("1Z 999 AA1 0123 4567 84", "1Z999AA10123456784"),
        ("rr-123-456-785-cn", "RR123456785CN"),
        ("RR\t123\u00a0456\u2009785CN", "RR123456785CN"),  # tab, no-break space, thin space
        ("RR\u2013123456785\u2014CN", "RR123456785CN"),  # en dash and em dash
        ("9400\u200b1112\ufeff0108\u20600805\u200c4830\u200d16", "9400111201080805483016"),  # zero-width
        ("9400 1112 0108\u00ad0805 4830 16\u180e", "9400111201080805483016"),  # soft hyphen, Mongolian space
        ("AB.12/34", "AB.12/34"),  # the spec removes spaces and dashes only
        ("", ""),
        ("   ", ""),
    ],
    ids=[
        "plain",
        "trim-and-upper",
        "inner-spaces",
        "dashes",
        "unicode-spaces",
        "unicode-dashes",
        "zero-width-spaces",
        "soft-hyphen",
        "keeps-dots-slashes",
        "empty",
        "blank",
    ],
)
def test_normalize_number(raw, expected):
    assert normalize_number(raw) == expected


def test_normalize_number_of_none_is_empty():
    assert normalize_number(None) == ""


@given(st.text(max_size=50))
def test_normalize_number_is_idempotent_and_separator_free(raw):
    normalized = normalize_number(raw)
    assert normalize_number(normalized) == normalized
    assert "-" not in normalized
    assert not any(character.isspace() for character in normalized)


# --- spec examples (bundle.md, examples/basic.json) --------------------------------------------------


@pytest.mark.parametrize(
    ("number", "carrier", "check_digit"),
    [
        ("1Z999AA10123456784", "ups", "valid"),
        ("RR123456785CN", "s10", "valid"),
        ("YT2431221234567890", "yunexpress", "none"),
        ("YT2431229999999999", "yunexpress", "none"),
        ("LP00412345678901", "cainiao", "none"),
        ("LP00499887766554", "cainiao", "none"),
        ("LP00411122233344", "cainiao", "none"),
    ],
)
def test_spec_example_numbers(number, carrier, check_digit):
    best = detect(number)[0]
    assert (best.carrier, best.check_digit) == (carrier, check_digit)
    assert best_carrier(number) == carrier
    assert checksum_invalid(number) is False


def test_s10_names_the_issuing_operator():
    assert detect("RR123456785CN")[0].carrier_name == "China Post"
    assert detect("RB123456785GB")[0].carrier_name == "Royal Mail"
    assert detect("RB123456785CV")[0].carrier_name == "Postal operator (CV)"


def test_s10_suffix_must_be_a_country():
    assert detect("RB123456785XX") == []


# --- detect: candidates and their order ----------------------------------------------------------------


def test_nothing_matches_garbage():
    assert detect("") == []
    assert detect("hello") == []
    assert detect("12345") == []


def test_ambiguous_twelve_digits_returns_every_candidate_best_first():
    matches = detect("986578788855")  # a FedEx Express test number
    assert [(m.carrier, m.check_digit) for m in matches] == [
        ("fedex", "valid"),
        ("dhl", "invalid"),
        ("gls", "invalid"),
    ]


def test_more_specific_format_first_among_valid_matches():
    matches = detect("00340433836442636597")  # DHL Paket SSCC, also a plain GS1-valid 20-digit number
    assert (matches[0].carrier, matches[0].format) == ("dhl", "DHL Paket SSCC (20)")
    assert ("usps", "valid") in [(m.carrier, m.check_digit) for m in matches]


def test_format_only_ranks_above_failed_check_digit():
    matches = detect("12345678901")  # fails DHL Express mod 7, fits GLS without check digit
    assert [(m.carrier, m.check_digit) for m in matches] == [("gls", "none"), ("dhl", "invalid")]


@settings(max_examples=300)
@given(tracking_text)
def test_detect_orders_valid_then_format_only_then_invalid(raw):
    order = {"valid": 0, "none": 1, "invalid": 2}
    standings = [order[match.check_digit] for match in detect(raw)]
    assert standings == sorted(standings)


def test_unicode_digits_are_not_digits():
    assert detect("\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660") == []  # Arabic-Indic


# --- checksum_invalid (rules.md section 3) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("123456789010", True),  # 12 digits failing FedEx, DHL Paket and GLS
        ("1234567890", True),  # 10 digits failing DHL Express mod 7
        ("RR123456786CN", True),  # S10 with a wrong check digit
        ("1Z999AA10123456785", True),  # UPS with a wrong check digit
        ("996578788855", False),  # fails FedEx but passes GLS
        ("12345678901", False),  # fails DHL Express but fits GLS 11 (no check digit)
        ("YT2431229999999999", False),  # format only
        ("NOT A TRACKING NUMBER", False),  # fits no format at all
        ("", False),
    ],
)
def test_checksum_invalid(number, expected):
    assert checksum_invalid(number) is expected


@settings(max_examples=300)
@given(tracking_text)
def test_checksum_invalid_is_the_rules_definition(raw):
    matches = detect(raw)
    with_check = [m for m in matches if m.check_digit != "none"]
    without_check = [m for m in matches if m.check_digit == "none"]
    expected = bool(with_check) and all(m.check_digit == "invalid" for m in with_check) and not without_check
    assert checksum_invalid(raw) is expected


# --- best_carrier ------------------------------------------------------------------------------------


def test_best_carrier_skips_failed_check_digits():
    assert best_carrier("996578788855") == "gls"
    assert best_carrier("123456789010") is None
    assert best_carrier("banana") is None


# --- tracking_url -----------------------------------------------------------------------------------


def test_every_format_has_a_tracking_page():
    for carrier_format in FORMATS:
        assert carrier_format.url is not None or carrier_format.carrier == "s10", carrier_format.name


@pytest.mark.parametrize("carrier", sorted(CARRIER_NAMES))
def test_tracking_url_for_every_carrier(carrier):
    url = tracking_url(carrier, "ab-123 456")
    assert url is not None and url.startswith("https://")
    assert "AB123456" in url


def test_tracking_url_uses_the_s10_operator():
    assert tracking_url("s10", "RB123456785GB").startswith("https://www.royalmail.com/")
    assert tracking_url("s10", "RR123456785CN") == "https://t.17track.net/en#nums=RR123456785CN"


def test_tracking_url_is_case_insensitive_and_escapes_the_number():
    assert tracking_url("UPS", "1Z999AA10123456784").endswith("trackNums=1Z999AA10123456784")
    assert tracking_url("ups", "AB/12?&") .endswith("trackNums=AB%2F12%3F%26")  # fmt: skip


def test_tracking_url_unknown_carrier_or_empty_number():
    assert tracking_url("pony_express", "1Z999AA10123456784") is None
    assert tracking_url("ups", "") is None
    assert tracking_url("", "1Z999AA10123456784") is None


@settings(max_examples=200)
@given(tracking_text)
def test_every_match_has_a_url(raw):
    assert all(match.url for match in detect(raw))


# --- to_json --------------------------------------------------------------------------------------------


def test_to_json_shape():
    assert to_json(" 1z999aa10123456784 ") == {
        "number": " 1z999aa10123456784 ",
        "normalized": "1Z999AA10123456784",
        "matches": [
            {
                "carrier": "ups",
                "format": "UPS 1Z",
                "check_digit": "valid",
                "url": "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z999AA10123456784",
            }
        ],
    }


def test_to_json_without_matches():
    assert to_json("nope") == {"number": "nope", "normalized": "NOPE", "matches": []}


# --- the format table ------------------------------------------------------------------------------


def test_carrier_codes_are_the_required_ones():
    assert set(CARRIER_NAMES) == REQUIRED_CARRIERS
    assert {carrier_format.carrier for carrier_format in FORMATS} == REQUIRED_CARRIERS


@pytest.mark.parametrize("carrier_format", FORMATS, ids=lambda carrier_format: carrier_format.name)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_dispatch_reaches_every_number_the_regex_accepts(carrier_format, data):
    # detect() only runs a regex for numbers of the declared lengths and prefixes; a regex accepting
    # anything outside them would silently never match.
    number = data.draw(st.from_regex(carrier_format.regex, fullmatch=True))
    shortest, longest = carrier_format.lengths
    assert shortest <= len(number) <= longest
    if carrier_format.prefixes:
        assert number.startswith(carrier_format.prefixes)
    if carrier_format.matches_shape(number):
        assert carrier_format.name in {match.format for match in detect(number)}


def test_the_carrier_modules_import_no_django():
    package = Path(__file__).resolve().parents[3] / "cases" / "tracking"
    # The tracking service and its admin store what the carrier modules read; only they use the ORM.
    for module in (m for m in package.glob("*.py") if m.name not in {"services.py", "admin.py"}):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "django" for name in names), module.name


# --- barcodes that carry a tracking number inside them --------------------------------------------------


@pytest.mark.parametrize(
    ("barcode", "carrier", "format_name", "embedded"),
    [
        ("1001921334250001000300779017972697", "fedex", "FedEx Express (34)", "779017972697"),
        ("1027590111820004833500785458233610", "fedex", "FedEx Express (34)", "785458233610"),
        ("9622001900000000000000776632517510", "fedex", "FedEx Ground GSN (34)", "776632517510"),
        ("9611020987654312345672", "fedex", "FedEx Ground 96 (22)", "987654312345672"),
        ("32971514560102447849175802862014", "fedex", "FedEx ASTRA (32)", "784917580286"),
        ("420221539101026837331000039521", "usps", "USPS IMpb 420+ZIP5 (30)", "9101026837331000039521"),
        ("4201002334249200190132607600833457", "usps", "USPS IMpb 420+ZIP9 (34)", "9200190132607600833457"),
        ("008182709980000020033350276C", "dpd", "DPD barcode (28)", "09980000020033"),
    ],
)
def test_a_barcode_returns_the_tracking_number_inside_it(barcode, carrier, format_name, embedded):
    best = detect(barcode)[0]
    assert (best.carrier, best.format, best.check_digit, best.embedded) == (
        carrier,
        format_name,
        "valid",
        embedded,
    )
    assert best.url.endswith(embedded)
    assert track_as(barcode) == embedded
    assert tracking_url(carrier, barcode) == best.url
    # The number inside is itself one of that carrier's (a DPD parcel number has no check digit of its own).
    assert carrier in {match.carrier for match in detect(embedded) if match.check_digit != "invalid"}


def test_a_number_that_is_no_barcode_is_tracked_as_itself():
    assert detect("1Z999AA10123456784")[0].embedded is None
    assert track_as(" 1z999aa10123456784 ") == "1Z999AA10123456784"
    assert track_as("nonsense") == "NONSENSE"


def test_a_barcode_with_a_failing_check_digit_is_tracked_as_written():
    barcode = "1001901781990001000300617767839438"  # jkeen fedex.json FedEx Express (34) invalid
    assert [(m.format, m.check_digit, m.embedded) for m in detect(barcode)] == [
        ("FedEx Express (34)", "invalid", "617767839438")
    ]
    assert track_as(barcode) == barcode


def test_to_json_names_the_embedded_number_only_for_barcodes():
    (match,) = to_json("9611 0209 8765 4312 3456 72")["matches"]
    assert match["embedded"] == "987654312345672"
    assert "embedded" not in to_json("1Z999AA10123456784")["matches"][0]


@pytest.mark.parametrize("carrier_format", [f for f in FORMATS if f.embeds is not None], ids=lambda f: f.name)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_an_embedded_number_lies_inside_every_number_of_the_format(carrier_format, data):
    number = data.draw(st.from_regex(carrier_format.regex, fullmatch=True))
    embedded = carrier_format.embedded_number(number)
    assert embedded and embedded in number and len(embedded) < len(number)


# --- the formats of North America, the UK and cross-border routes -----------------------------------------


@pytest.mark.parametrize(
    ("number", "carrier", "format_name", "check_digit"),
    [
        ("K1506235620", "ups", "UPS waybill (A/H/J/K/T/V)", "valid"),
        ("K1506235622", "ups", "UPS waybill (A/H/J/K/T/V)", "invalid"),
        ("MI123456000123456789", "ups", "UPS Mail Innovations (MI)", "none"),
        ("DT986578788855", "fedex", "FedEx door tag (DT)", "valid"),
        ("JD012345678901234567", "dhl", "DHL Express piece ID (JD)", "none"),
        ("GM9E44608A27984866BA2D", "dhl_ecommerce", "DHL eCommerce GM (letters and digits)", "none"),
        ("TBC000000000000", "amazon", "Amazon Logistics (TBA/TBC/TBM)", "none"),
        ("TBM502887274000", "amazon", "Amazon Logistics (TBA/TBC/TBM)", "none"),
        ("C1004444443", "amazon", "Amazon International", "none"),
        ("320595463938", "purolator", "Purolator (12)", "valid"),
        ("KYV009956937", "purolator", "Purolator (3 letters, 9 digits)", "none"),
        ("D576002440000001718010", "canpar", "Canpar (22)", "none"),
        ("JD0002242617644732", "yodel", "Yodel (JD/JJD)", "none"),
        ("H01HYA0012345678", "evri", "Evri (16)", "none"),
        ("AA1234567", "parcelforce", "Parcelforce (2 letters, 7 digits)", "none"),
        ("AAAA1234567890", "parcelforce", "Parcelforce (4 letters, 10 digits)", "none"),
        ("LTN74207623N1", "landmark", "Landmark Global LTN", "none"),
        ("GFUS01011884214464", "gofo", "GOFO Express (GFUS)", "none"),
        ("SP029692510000920746", "speedee", "Spee-Dee (SP)", "none"),
        ("07209562763", "old_dominion", "Old Dominion PRO", "valid"),
        ("80003280379", "old_dominion", "Old Dominion guaranteed PRO", "valid"),
        ("LA28376237", "lasership", "LaserShip L (10)", "none"),
        ("1LSCXVE005BUEFX", "lasership", "LaserShip 1LSCX (15)", "none"),
        ("1LS7119013618127-1", "lasership", "LaserShip 1LS7 (18)", "none"),
    ],
)
def test_the_added_formats(number, carrier, format_name, check_digit):
    best = detect(number)[0]
    assert (best.carrier, best.format, best.check_digit) == (carrier, format_name, check_digit)
    assert best.url and best.url.startswith("https://")


def test_a_wrong_pro_number_still_fits_gls_without_a_check_digit():
    matches = detect("07209562773")  # jkeen old_dominion.json invalid
    assert [(m.carrier, m.check_digit) for m in matches] == [
        ("gls", "none"),
        ("old_dominion", "invalid"),
        ("dhl", "invalid"),
    ]
    assert checksum_invalid("07209562773") is False


def test_twelve_digits_now_also_try_purolator():
    matches = detect("287809468872")  # a Purolator test number that FedEx's check digit also accepts
    assert [(m.carrier, m.check_digit) for m in matches][:2] == [("fedex", "valid"), ("purolator", "valid")]
    assert checksum_invalid("287809468875") is True  # fails all four


def test_dhl_ecommerce_letters_only_after_gm_so_s10_check_digits_still_count():
    # LX is a DHL eCommerce prefix and an S10 service indicator: a wrong S10 check digit is not excused.
    assert checksum_invalid("LX123456784CN") is True
    assert detect("GMABCDEFGHIJKL") == []


def test_every_format_is_exercised_by_a_vector():
    import json

    vectors = json.loads((Path(__file__).parent / "vectors.json").read_text(encoding="utf-8"))["vectors"]
    numbers = [normalize_number(v["number"]) for v in vectors if v["expect"] in {"valid", "format_only"}]
    wrong = [normalize_number(v["number"]) for v in vectors if v["expect"] == "wrong_check_digit"]
    for carrier_format in FORMATS:
        assert any(carrier_format.matches_shape(n) for n in numbers), carrier_format.name
        if carrier_format.check is not None:
            # A wrong check digit of every check-digit format, seen failing.
            assert any(carrier_format.matches_shape(n) and not carrier_format.check(n) for n in wrong), (
                carrier_format.name
            )
