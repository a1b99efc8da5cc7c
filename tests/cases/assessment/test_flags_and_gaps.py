"""rules.md section 7: flags (sorted), evidence gaps in plain words, reasons with their numbers."""

from __future__ import annotations

from cases.assessment import assess
from tests.helpers.case_builders import case, in_transit_case, label_case
from tests.helpers.case_pieces import at, chase, ev, evidence, inbound, shared, tracking


def test_label_only_flag_when_latest_event_is_info_received():
    assert "label_only" in assess(label_case(at(1)), at(2)).flags


def test_label_only_flag_when_number_has_no_events():
    assert "label_only" in assess(case(tracking=tracking()), at(2)).flags


def test_no_label_only_flag_without_a_tracking_number():
    assert "label_only" not in assess(case(), at(2)).flags


def test_no_label_only_flag_once_the_carrier_scanned():
    assert "label_only" not in assess(in_transit_case(at(3)), at(4)).flags


def test_proof_conflict_when_label_window_exceeded_with_dispatch_claim():
    facts = label_case(at(1), evidence=[evidence(at(2), "dispatch_claim", "shipped!")])
    assert "proof_conflict" in assess(facts, at(7)).flags


def test_proof_conflict_when_label_window_exceeded_with_pickup_proof():
    facts = label_case(at(1), evidence=[evidence(at(2), "pickup_proof")])
    assert "proof_conflict" in assess(facts, at(7)).flags


def test_no_proof_conflict_inside_the_label_window():
    facts = label_case(at(1), evidence=[evidence(at(2), "dispatch_claim")])
    assert "proof_conflict" not in assess(facts, at(6)).flags


def test_no_proof_conflict_without_supplier_claims():
    assert "proof_conflict" not in assess(label_case(at(1)), at(7)).flags


def test_customer_waiting_flag():
    assert "customer_waiting" in assess(in_transit_case(at(3), messages=[inbound(at(4))]), at(5)).flags


def test_wrong_tracking_flags_together_are_sorted():
    facts = case(
        ordered_at=at(5),
        tracking=tracking(
            ev(at(1), "info_received"),
            checksum_invalid=True,
            shared_with=(shared("#2", "bo@example.com", "94110"),),
        ),
        messages=[inbound(at(6))],
    )
    flags = assess(facts, at(7)).flags
    assert list(flags) == sorted(flags)
    assert set(flags) == {
        "checksum_invalid",
        "customer_waiting",
        "label_only",
        "predates_order",
        "recycled_tracking",
    }


def test_to_dict_flags_are_a_sorted_list():
    facts = label_case(at(1), evidence=[evidence(at(2), "dispatch_claim")], messages=[inbound(at(6))])
    flags = assess(facts, at(7)).to_dict()["flags"]
    assert flags == ["customer_waiting", "label_only", "proof_conflict"]


# --- evidence gaps -----------------------------------------------------------------------


def test_gap_names_missing_first_scan_with_its_days():
    gaps = assess(label_case(at(1)), at(10)).evidence_gaps
    assert "no first carrier scan after 9 days" in gaps
    assert "no supplier pickup proof" in gaps


def test_gap_names_missing_tracking_number_with_its_days():
    assert "no tracking number 5 days after the order" in assess(case(), at(5, hours=3)).evidence_gaps


def test_gap_names_an_unanswered_chase():
    facts = label_case(at(1), chases=[chase(at(7))])
    assert "supplier chased 3 days ago and has not answered" in assess(facts, at(10)).evidence_gaps


def test_gap_says_a_dispatch_claim_is_not_pickup_proof():
    facts = label_case(at(1), evidence=[evidence(at(2), "dispatch_claim")])
    gaps = assess(facts, at(7)).evidence_gaps
    assert any(g.startswith("no supplier pickup proof, only a dispatch claim") for g in gaps)


def test_no_pickup_gap_once_pickup_proof_exists():
    facts = label_case(at(1), evidence=[evidence(at(2), "pickup_proof")])
    assert not any("pickup proof" in g for g in assess(facts, at(7)).evidence_gaps)


def test_gap_names_days_without_movement_on_a_stale_case():
    assert "no carrier movement for 9 days" in assess(in_transit_case(at(3)), at(12)).evidence_gaps


# --- reasons -------------------------------------------------------------------------------


def test_reason_names_the_label_window_numbers():
    assert "label created 7 days ago; the label window is 5 days" in assess(label_case(at(1)), at(8)).reasons


def test_reason_says_inside_the_window_explicitly():
    reasons = assess(in_transit_case(at(3)), at(5)).reasons
    assert reasons == ("last movement 2 days ago, inside the 7-day in-transit window",)


def test_reason_for_the_lost_package_limit():
    reasons = assess(in_transit_case(at(3)), at(25)).reasons
    assert "last movement 22 days ago; past the 20-day lost-package limit" in reasons


def test_one_reason_per_overlay_that_fired():
    facts = in_transit_case(at(3), messages=[inbound(at(4), "refund"), inbound(at(4, hours=1), "chargeback")])
    reasons = assess(facts, at(5)).reasons
    assert len(reasons) == 5
    assert reasons[1] == "2 unanswered customer messages, the latest on 2026-11-05"
    assert reasons[2] == "2 unanswered customer messages; 2 or more is a public-review risk"
    assert reasons[3] == "the customer asked for a refund on 2026-11-05"
    assert reasons[4] == "the customer mentioned a chargeback or dispute on 2026-11-05"


def test_reasons_and_gaps_never_show_none():
    facts = case(tracking=tracking(ev(at(2), "unknown")), messages=[inbound(at(3))])
    packet = assess(facts, at(4))
    assert all("None" not in line for line in (*packet.reasons, *packet.evidence_gaps))
