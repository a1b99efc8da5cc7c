"""`detect_carrier`: per number, the carriers matched, the check-digit verdict and the URL."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args, stdin=None) -> str:
    out = StringIO()
    call_command("detect_carrier", *args, stdout=out, stdin=stdin)
    return out.getvalue()


def test_json_output_is_one_object_per_line_with_the_contract_keys():
    lines = run("--json", "1Z999AA10123456784", "nonsense").splitlines()
    ups, nothing = (json.loads(line) for line in lines)
    assert ups["normalized"] == "1Z999AA10123456784"
    assert ups["matches"][0] == {
        "carrier": "ups",
        "format": ups["matches"][0]["format"],
        "check_digit": "valid",
        "url": ups["matches"][0]["url"],
    }
    assert ups["matches"][0]["url"].startswith("https://")
    assert nothing == {"number": "nonsense", "normalized": "NONSENSE", "matches": []}


def test_a_wrong_s10_check_digit_is_reported_invalid():
    (result,) = [json.loads(line) for line in run("--json", "RR123456784CN").splitlines()]
    assert [(m["carrier"], m["check_digit"]) for m in result["matches"]] == [("s10", "invalid")]


def test_numbers_are_normalized_before_matching():
    (result,) = [json.loads(line) for line in run("--json", "yt 2431-2212 3456 7890").splitlines()]
    assert result["normalized"] == "YT2431221234567890"
    assert result["matches"][0]["carrier"] == "yunexpress"
    assert result["matches"][0]["check_digit"] == "none"


def test_dash_reads_one_number_per_line_from_standard_input():
    lines = run("--json", "-", stdin=StringIO("RR123456785CN\n\n1Z999AA10123456784\n")).splitlines()
    assert [json.loads(line)["normalized"] for line in lines] == ["RR123456785CN", "1Z999AA10123456784"]


def test_text_output_names_the_verdict_in_words():
    assert "format only" in run("YT2431221234567890")
    assert "fits no known carrier format" in run("nonsense")


def test_dash_mixed_with_numbers_is_an_error():
    with pytest.raises(CommandError, match="alone"):
        run("-", "RR123456785CN")


def test_a_barcode_names_the_tracking_number_it_contains():
    (result,) = [
        json.loads(line) for line in run("--json", "1001921334250001000300779017972697").splitlines()
    ]
    assert result["matches"][0]["embedded"] == "779017972697"
    assert result["matches"][0]["url"].endswith("779017972697")
    assert "contains tracking number 779017972697" in run("1001921334250001000300779017972697")
    assert "contains" not in run("1Z999AA10123456784")
