"""Runs every vector of tests/cases/tracking/vectors.json (published test numbers, each with its source)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cases.tracking import best_carrier, checksum_invalid, detect
from cases.tracking.formats import CARRIER_NAMES

VECTORS = json.loads((Path(__file__).parent / "vectors.json").read_text(encoding="utf-8"))["vectors"]


def _vector_id(vector: dict) -> str:
    return f"{vector['carrier']}-{vector['expect']}-{vector['number'].strip()}"


def _matches_of(vector: dict):
    return [match for match in detect(vector["number"]) if match.carrier == vector["carrier"]]


def test_every_carrier_has_vectors():
    assert {vector["carrier"] for vector in VECTORS} == set(CARRIER_NAMES)


def test_every_check_digit_carrier_has_wrong_check_digit_vectors():
    check_digit_carriers = {v["carrier"] for v in VECTORS if v["expect"] == "valid"}
    wrong = {v["carrier"] for v in VECTORS if v["expect"] == "wrong_check_digit"}
    assert check_digit_carriers <= wrong


def test_every_vector_names_its_source():
    assert all(vector["source"] for vector in VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
def test_vector(vector):
    matches = _matches_of(vector)
    expect = vector["expect"]
    if expect == "valid":
        assert any(match.check_digit == "valid" for match in matches), detect(vector["number"])
        assert not checksum_invalid(vector["number"])
    elif expect == "format_only":
        assert any(match.check_digit == "none" for match in matches), detect(vector["number"])
        assert not checksum_invalid(vector["number"])
    elif expect == "wrong_check_digit":
        assert matches, f"{vector['number']} should have the shape of a {vector['carrier']} format"
        assert all(match.check_digit == "invalid" for match in matches)
        assert checksum_invalid(vector["number"]) is vector["checksum_invalid"]
    elif expect == "not_this_carrier":
        assert matches == []
    else:  # pragma: no cover - a typo in vectors.json
        pytest.fail(f"unknown expectation {expect!r}")
    if vector.get("best"):
        assert best_carrier(vector["number"]) == vector["carrier"]
    if "format" in vector:
        assert vector["format"] in {match.format for match in matches}


def _checksum_invalid_by_detect(number: str) -> bool:
    matches = detect(number)
    return bool(matches) and all(match.check_digit == "invalid" for match in matches)


@pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
def test_checksum_invalid_says_what_detect_says(vector):
    number = vector["number"]
    # The vector, and the same number with its last digit changed, which fails most check digits.
    for candidate in (
        number,
        number[:-1] + str((int(number[-1]) + 1) % 10) if number[-1:].isdigit() else number,
    ):
        assert checksum_invalid(candidate) == _checksum_invalid_by_detect(candidate)
