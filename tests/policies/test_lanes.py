"""The lanes of a policy as a pure function (policies.lanes): the defaults of the seed's rollout, owner-only
over fast, a refund request or a dispute, and the settings an owner may and may not choose."""

import pytest

from cases.assessment import vocabulary as v
from policies.lanes import (
    DEFAULT_SETTINGS,
    FAST,
    OWNER_ONLY,
    STANDARD,
    LaneSettings,
    dispute_is_open,
    lane_differences,
    lane_of,
    lane_reason,
    money_or_dispute,
    settings_from,
    validate_lane_settings,
)

FAST_TYPES = (v.IN_TRANSIT_CASE, v.STALE_IN_TRANSIT, v.ACCEPTED_NO_MOVEMENT, v.LABEL_CREATED_ONLY)


def lane(case_type, risk, money=False, settings=DEFAULT_SETTINGS):
    return lane_of(case_type, risk, money_or_dispute=money, settings=settings)


@pytest.mark.parametrize("case_type", FAST_TYPES)
@pytest.mark.parametrize("risk", [v.NORMAL_WATCH, v.SUPPLIER_CHASE, v.CUSTOMER_UPDATE])
def test_the_default_fast_lane_is_the_four_waiting_types_up_to_customer_update(case_type, risk):
    assert lane(case_type, risk) == FAST


@pytest.mark.parametrize("case_type", FAST_TYPES)
def test_a_fast_type_above_customer_update_is_not_fast(case_type):
    assert lane(case_type, v.REVIEW_RISK) == STANDARD
    assert lane(case_type, v.REFUND_RISK) == STANDARD
    assert lane(case_type, v.CHARGEBACK_WATCH) == OWNER_ONLY


@pytest.mark.parametrize("case_type", FAST_TYPES)
def test_a_refund_request_or_a_dispute_takes_any_case_to_the_owner(case_type):
    assert lane(case_type, v.NORMAL_WATCH, money=True) == OWNER_ONLY
    quieter = LaneSettings(owner_only_refunds=False)
    # Without the owner's rule it is still never fast.
    assert lane(case_type, v.NORMAL_WATCH, money=True, settings=quieter) == STANDARD


@pytest.mark.parametrize("risk", [v.CHARGEBACK_WATCH, v.OWNER_ONLY])
def test_the_owner_keeps_chargeback_watch_and_owner_only_risks(risk):
    assert lane(v.IN_TRANSIT_CASE, risk) == OWNER_ONLY


@pytest.mark.parametrize("case_type", [v.WRONG_DESTINATION, v.DELIVERED_CONFLICT])
@pytest.mark.parametrize("risk", v.RISK_LEVELS)
def test_the_owner_keeps_wrong_destination_and_delivered_conflict_at_any_risk(case_type, risk):
    assert lane(case_type, risk) == OWNER_ONLY


@pytest.mark.parametrize(
    "case_type", [v.CARRIER_EXCEPTION, v.SUPPLIER_SILENCE, v.WRONG_TRACKING, v.DELIVERED_CASE, ""]
)
def test_other_case_types_are_standard(case_type):
    assert lane(case_type, v.CUSTOMER_UPDATE) == STANDARD


def test_owner_only_wins_over_fast():
    both = LaneSettings(owner_only_case_types=(), owner_only_risks=(v.OWNER_ONLY,))
    assert lane(v.IN_TRANSIT_CASE, v.OWNER_ONLY, settings=both) == OWNER_ONLY


def test_a_case_not_assessed_yet_is_standard():
    assert lane("", "") == STANDARD


def test_a_refund_request_is_the_route_and_a_dispute_the_packets_open_one():
    assert money_or_dispute(v.ROUTE_REFUND)
    assert not money_or_dispute(v.ROUTE_CUSTOMER_SUPPORT) and not money_or_dispute("")
    assert money_or_dispute("", {"status": "needs_response"})
    assert money_or_dispute("", {"status": "submitted"})
    assert not money_or_dispute("", {"status": "won"}) and not money_or_dispute("", None)
    assert dispute_is_open({"status": "submitted"}) and not dispute_is_open({})


def test_the_reasons_name_why():
    assert lane_reason(
        v.IN_TRANSIT_CASE, v.OWNER_ONLY, money_or_dispute=False, settings=DEFAULT_SETTINGS
    ) == ("owner-only: its risk is owner only")
    assert "wrong destination" in lane_reason(
        v.WRONG_DESTINATION, v.NORMAL_WATCH, money_or_dispute=False, settings=DEFAULT_SETTINGS
    )
    assert lane_reason(
        v.IN_TRANSIT_CASE, v.NORMAL_WATCH, money_or_dispute=True, settings=DEFAULT_SETTINGS
    ) == ("owner-only: a refund request or a dispute is on it")
    assert "above the fast lane's customer update" in lane_reason(
        v.IN_TRANSIT_CASE, v.REVIEW_RISK, money_or_dispute=False, settings=DEFAULT_SETTINGS
    )
    assert lane_reason(
        v.IN_TRANSIT_CASE, v.NORMAL_WATCH, money_or_dispute=False, settings=DEFAULT_SETTINGS
    ) == ("fast lane")


def test_the_defaults_hold_and_round_trip_through_the_policys_columns():
    assert validate_lane_settings(DEFAULT_SETTINGS.as_dict()) == {}
    columns = {f"lane_{name}": value for name, value in DEFAULT_SETTINGS.as_dict().items()}
    assert settings_from(columns) == DEFAULT_SETTINGS
    assert settings_from({}) == DEFAULT_SETTINGS


@pytest.mark.parametrize(
    ("changes", "setting", "words"),
    [
        ({"fast_case_types": ["in_transit", "lost"]}, "fast_case_types", "lost is no case type"),
        ({"owner_only_case_types": ["nope"]}, "owner_only_case_types", "nope is no case type"),
        ({"owner_only_risks": ["panic"]}, "owner_only_risks", "panic is no risk level"),
        ({"fast_max_risk": "refund_risk"}, "fast_max_risk", "money decision"),
        ({"fast_max_risk": "chargeback_watch"}, "fast_max_risk", "must be one of"),
        (
            {"owner_only_case_types": ["in_transit", "wrong_destination"]},
            "owner_only_case_types",
            "in_transit cannot be both fast and owner-only",
        ),
        ({"owner_only_risks": ["supplier_chase"]}, "owner_only_risks", "at or below the fast lane's"),
    ],
)
def test_settings_that_cannot_stand_are_refused_naming_the_setting(changes, setting, words):
    errors = validate_lane_settings(DEFAULT_SETTINGS.as_dict() | changes)
    assert list(errors) == [setting] and words in errors[setting]


def test_the_differences_are_said_in_words():
    draft = LaneSettings(fast_case_types=(v.IN_TRANSIT_CASE,), owner_only_refunds=False)
    assert lane_differences(DEFAULT_SETTINGS, draft) == [
        (
            "fast lane: case types",
            "in transit, stale in transit, accepted no movement, label created only",
            "in transit",
        ),
        ("owner-only: any refund request or dispute", "yes", "no"),
    ]
    assert lane_differences(DEFAULT_SETTINGS, DEFAULT_SETTINGS) == []
