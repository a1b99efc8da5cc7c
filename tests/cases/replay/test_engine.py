"""The replay engine (cases.replay.engine; the seed's rollout, day 2): a bundle file or stored cases, each
assessed as of its decided_at and compared with what the store really did. Reads only."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.assessment import assess_many
from cases.assessment import vocabulary as v
from cases.assessment.standing import assess_standing
from cases.intake.bundles.reader import read_bundle
from cases.models import Case, Dispute, Order, PastDecision
from cases.replay import engine as replay_engine
from cases.replay.engine import (
    replay_all,
    replay_bundle,
    replay_cases,
    replay_order_ids,
    replayed_bundle,
    replayed_orders,
)
from cases.selectors.facts import facts_for_orders
from policies.models import Policy
from policies.selectors import policy_book, policy_in_force_at
from tests.helpers.replay_bundles import (
    basic_with_actuals,
    lamp_orders,
    replay_command,
    stored_counts,
    write_bundle,
)

DECIDED = ("case_type", "risk_level", "next_move")  # what the scoring reads of a packet

# The replay of basic_with_actuals (tests/helpers/replay_bundles.py has the table it comes from).
EXPECTED_CONFUSION = {
    ("wait", "wait"): 1,
    ("chase_supplier", "chase_supplier"): 1,
    ("request_proof", "request_proof"): 2,
    ("draft_update", "wait"): 1,
    ("draft_update", "escalate"): 1,
    ("prepare_refund_review", "prepare_refund_review"): 1,
}
EXPECTED_CASE_TYPES = [
    # case type, cases, next move (agreed, compared), risk level (agreed, compared)
    ("wrong_tracking", 2, (1, 1), (0, 0)),
    ("delivered_conflict", 1, (1, 1), (1, 1)),
    ("carrier_exception", 1, (0, 1), (0, 1)),
    ("supplier_silence", 1, (0, 0), (1, 1)),
    ("label_created_only", 1, (1, 1), (1, 1)),
    ("stale_in_transit", 2, (1, 2), (1, 2)),
    ("in_transit", 1, (1, 1), (0, 1)),
]


def confusion_cells(report) -> dict:
    return {(row, col): n for row, cols in report.confusion.items() for col, n in cols.items() if n}


def assert_expected_report(report):
    assert report.cases == 9
    assert (report.next_move.agreed, report.next_move.compared) == (5, 7)
    assert (report.risk_level.agreed, report.risk_level.compared) == (4, 7)
    assert report.not_comparable == ("#1005", "#1009")
    assert confusion_cells(report) == EXPECTED_CONFUSION
    assert report.moves == v.NEXT_MOVES
    assert [
        (
            row.case_type,
            row.cases,
            (row.next_move.agreed, row.next_move.compared),
            (row.risk_level.agreed, row.risk_level.compared),
        )
        for row in report.per_case_type
    ] == EXPECTED_CASE_TYPES
    assert [(d.order_id, d.on) for d in report.disagreements] == [
        ("#1002", ("risk_level",)),
        ("#1003", ("next_move", "risk_level")),
        ("#1006", ("next_move", "risk_level")),
    ]


# The agreement ------------------------------------------------------------------------------------


def test_a_replay_over_a_bundle_with_known_actuals_reports_the_right_agreement_and_confusion(spec_dir):
    assert_expected_report(replay_bundle(read_bundle(json.dumps(basic_with_actuals(spec_dir)))))


def test_the_replayed_packets_are_those_the_spec_gives_at_the_decision(spec_dir):
    expected = json.loads((spec_dir / "examples" / "basic.expected.json").read_text())
    run = replayed_bundle(read_bundle(json.dumps(basic_with_actuals(spec_dir))))
    got = [
        {key: item.packet[key] for key in ("order_id", "case_type", "risk_level", "next_move")}
        for item in run.replayed
    ]
    assert got == [
        {key: p[key] for key in ("order_id", "case_type", "risk_level", "next_move")} for p in expected
    ]


def test_a_replay_of_the_stored_cases_reports_the_same_as_the_bundle(imported):
    assert_expected_report(replay_all())


def test_replaying_chosen_cases_reports_only_those(imported):
    report = replay_order_ids(["#1003", "#1006"])
    assert report.cases == 2
    assert (report.next_move.agreed, report.next_move.compared) == (0, 2)


def test_an_orders_closed_dispute_is_among_its_actual_outcomes(imported):
    order = Order.objects.get(order_id="#1003")
    Dispute.objects.create(
        order=order,
        processor="stripe",
        opened_at=order.ordered_at + timedelta(days=30),
        status="lost",
        finalized_on=order.ordered_at + timedelta(days=60),
    )
    report = replay_order_ids(["#1003", "#1006"])
    actual = {d.order_id: d.actual for d in report.disagreements}
    assert actual["#1003"].dispute == "lost"
    assert actual["#1006"].dispute == ""
    assert report.to_dict()["disagreements"][0]["actual"].get("dispute") in ("lost", None)


def test_replaying_cases_by_case_key_is_the_admin_selection(imported):
    pks = Case.objects.filter(order__order_id__in=["#1001", "#1003"]).values_list("pk", flat=True)
    assert replay_cases(pks).cases == 2


def test_a_chosen_order_without_a_past_decision_is_listed_as_not_replayed(imported):
    PastDecision.objects.filter(order__order_id="#1002").delete()
    report = replay_order_ids(["#1001", "#1002"])
    assert report.cases == 1
    assert report.skipped == (("#1002", "no past decision recorded (decided_at)"),)


def test_an_unknown_order_id_is_named(db):
    with pytest.raises(replay_engine.ReplayError, match="No order with id #nope"):
        replay_order_ids(["#nope"])


# Honest clocks: facts and peers as of the decision -------------------------------------------------


def test_a_peer_placed_after_the_decision_does_not_count_in_a_bundle_replay():
    run = replayed_bundle(read_bundle(json.dumps(lamp_orders())))
    flags = {item.packet["order_id"]: item.packet["flags"] for item in run.replayed}
    assert "product_review" not in flags["#L1"]  # decided before #L2 and #L3 existed
    assert "product_review" in flags["#L3"]


def test_a_stored_replay_leaves_out_review_flags_but_decides_as_the_exact_bundle_replay(tmp_path, db):
    """Changed with the streaming replay: stored cases are assessed without the review counts of rules.md
    section 6 (REVIEW_NOTE says why), so #L3 no longer carries the product review the bundle replay gives
    it; its case type, risk level and next move, all the scoring reads, are the same."""
    bundle = lamp_orders()
    exact = {
        item.packet["order_id"]: item.packet
        for item in replayed_bundle(read_bundle(json.dumps(bundle))).replayed
    }
    assert "SKU LAMP-01 has" in " ".join(exact["#L3"]["reasons"])
    call_command("import_cases", str(write_bundle(tmp_path, bundle)), stdout=StringIO())
    run = replayed_orders(Order.objects.values_list("pk", flat=True))
    assert replay_engine.REVIEW_NOTE in run.notes
    for item in run.replayed:
        packet = exact[item.packet["order_id"]]
        assert [item.packet[key] for key in DECIDED] == [packet[key] for key in DECIDED]
        assert not any("SKU LAMP-01 has" in reason for reason in item.packet["reasons"])
        assert v.PAUSE_PRODUCT not in item.packet["also"]


@pytest.mark.parametrize("batch_size", [5000, 3, 1])
def test_the_stored_replay_gives_each_case_as_assessed_alone_at_its_decision(
    spec_dir, tmp_path, db, batch_size
):
    """Changed with the streaming replay (it used to compare whole packets with peers): each stored case,
    however the orders are cut into batches, is what assess_standing says of its own facts at its own
    decided_at; and its case type, risk level and next move are those of the full packet with every peer
    at that moment, since the review counts it leaves out never change them."""
    document = basic_with_actuals(spec_dir)
    as_of = datetime(2026, 11, 20, 12, tzinfo=UTC)
    for i, case in enumerate(document["cases"]):
        case["decided_at"] = (as_of - timedelta(hours=13 * i)).isoformat()
    document["cases"] += lamp_orders()["cases"]
    call_command("import_cases", str(write_bundle(tmp_path, document)), stdout=StringIO())
    run = replayed_orders(Order.objects.order_by("pk").values_list("pk", flat=True), batch_size=batch_size)
    book = policy_book(Policy.objects.get(version=1))
    assert [item.packet["order_id"] for item in run.replayed] == [
        c["order"]["order_id"] for c in document["cases"]
    ]
    for item in run.replayed:
        loaded = facts_for_orders(
            [Order.objects.get(order_id=item.packet["order_id"]).pk], item.decided_at, book
        )
        (facts,) = loaded.facts
        alone = assess_standing(facts, item.decided_at)
        assert item.packet == {
            "order_id": facts.order.order_id,
            "case_type": alone.case_type,
            "risk_level": alone.risk,
            "next_move": alone.next_move,
            "also": list(alone.also),
            "reasons": list(alone.reasons),
            "policy_version": "v1",
        }
        (direct,) = assess_many(loaded.facts, item.decided_at, peers=loaded.peers)
        assert [item.packet[key] for key in DECIDED] == [direct.to_dict()[key] for key in DECIDED]


def test_replaying_many_decision_instants_takes_no_more_queries_than_a_few(spec_dir, tmp_path, db):
    document = basic_with_actuals(spec_dir)
    as_of = datetime(2026, 11, 20, 12, tzinfo=UTC)
    for i, case in enumerate(document["cases"]):
        case["decided_at"] = (as_of - timedelta(hours=i)).isoformat()  # nine distinct instants
    call_command("import_cases", str(write_bundle(tmp_path, document)), stdout=StringIO())
    pks = list(Order.objects.order_by("ordered_at").values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as few:
        replay_engine.replay_orders(pks[:2])
    with CaptureQueriesContext(connection) as many:
        replay_engine.replay_orders(pks)
    assert len(many.captured_queries) == len(few.captured_queries)


# The policy ----------------------------------------------------------------------------------------


def test_each_case_uses_the_policy_version_in_force_at_its_decision(imported):
    Policy.objects.create(version=2, activated_at=datetime(2026, 11, 20, 11, tzinfo=UTC))
    PastDecision.objects.filter(order__order_id="#1001").update(
        decided_at=datetime(2026, 11, 20, 10, tzinfo=UTC)
    )
    run = replayed_orders(Order.objects.values_list("pk", flat=True))
    versions = {item.packet["order_id"]: item.packet["policy_version"] for item in run.replayed}
    assert versions["#1001"] == "v1"
    assert {versions[order_id] for order_id in versions if order_id != "#1001"} == {"v2"}


def test_a_decision_before_any_activation_uses_the_oldest_version_and_says_so(past_bundle, db):
    call_command("import_cases", str(past_bundle), stdout=StringIO())
    Policy.objects.filter(version=1).update(activated_at=datetime(2026, 12, 1, tzinfo=UTC))
    report = replay_all()
    assert report.policies == {"v1": 9}
    assert any("decided before any policy version was activated" in note for note in report.notes)


def test_the_in_force_lookup_agrees_with_policy_in_force_at(db):
    Policy.objects.filter(version=1).update(activated_at=datetime(2026, 1, 1, tzinfo=UTC))
    Policy.objects.create(version=2, activated_at=datetime(2026, 6, 1, tzinfo=UTC))
    Policy.objects.create(version=3, activated_at=datetime(2026, 6, 1, tzinfo=UTC))
    Policy.objects.create(version=4)  # a draft, never in force
    in_force = replay_engine._InForce()
    for moment in (
        datetime(2025, 12, 31, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 5, 31, tzinfo=UTC),
        datetime(2026, 6, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    ):
        assert in_force.at(moment) == policy_in_force_at(moment)


def test_a_chosen_policy_version_is_used_for_every_case(imported):
    Policy.objects.create(version=2, activated_at=None, stale_in_transit_days=10)
    report = replay_all(policy=replay_engine.policy_version("v2"))
    assert report.policies == {"v2": 9}


def test_an_unknown_policy_version_is_named(db):
    with pytest.raises(replay_engine.ReplayError, match="No policy version 'v9'; the versions are v1"):
        replay_engine.policy_version("v9")


# Reads only ----------------------------------------------------------------------------------------


def test_a_replay_writes_nothing(imported, past_bundle):
    before = stored_counts()
    with CaptureQueriesContext(connection) as queries:
        replay_all()
        replay_bundle(read_bundle(past_bundle.read_bytes()), policy=Policy.objects.get(version=1))
        replay_command("--all", "--format", "json")
    assert stored_counts() == before
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_a_bundle_replay_needs_no_database(spec_dir):
    # No django_db mark: any query would fail the test.
    report = replay_bundle(read_bundle(json.dumps(basic_with_actuals(spec_dir))))
    assert report.cases == 9
