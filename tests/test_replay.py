"""Replaying past cases (the seed's rollout, day 2): a bundle file or stored cases, each assessed
as of its decided_at and compared with what the store really did. Reads only."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.assessment import assess_many
from cases.assessment import vocabulary as v
from cases.assessment.standing import assess_standing
from cases.bundles.reader import read_bundle
from cases.models import AuditEvent, Case, Order, PastDecision
from cases.selectors import replay as replay_selector
from cases.selectors.facts import facts_for_orders
from cases.selectors.replay import (
    replay_all,
    replay_bundle,
    replay_cases,
    replay_order_ids,
    replayed_bundle,
    replayed_orders,
)
from policies.models import Policy
from policies.selectors import policy_book, policy_in_force_at
from tests.factories import UserFactory
from tests.replay_bundles import basic_with_actuals, lamp_orders, write_bundle

DECIDED = ("case_type", "risk_level", "next_move")  # what the scoring reads of a packet

# The replay of basic_with_actuals (tests/replay_bundles.py has the table it comes from).
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


@pytest.fixture
def past_bundle(spec_dir, tmp_path):
    return write_bundle(tmp_path, basic_with_actuals(spec_dir))


@pytest.fixture
def imported(past_bundle, db):
    call_command("import_cases", str(past_bundle), stdout=StringIO())
    # v1 was activated when the test database was made (now): the bundle's decisions came before it.
    Policy.objects.filter(version=1).update(activated_at=datetime(2026, 1, 1, tzinfo=UTC))


def stored_counts():
    return (
        AuditEvent.objects.count(),
        Case.objects.count(),
        Order.objects.count(),
        PastDecision.objects.count(),
        list(Case.objects.order_by("pk").values_list("packet_digest", "assessed_at", "next_move")),
    )


def run(*args) -> str:
    out = StringIO()
    call_command("replay", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


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


def test_replaying_cases_by_case_key_is_the_admin_selection(imported):
    pks = Case.objects.filter(order__order_id__in=["#1001", "#1003"]).values_list("pk", flat=True)
    assert replay_cases(pks).cases == 2


def test_a_chosen_order_without_a_past_decision_is_listed_as_not_replayed(imported):
    PastDecision.objects.filter(order__order_id="#1002").delete()
    report = replay_order_ids(["#1001", "#1002"])
    assert report.cases == 1
    assert report.skipped == (("#1002", "no past decision recorded (decided_at)"),)


def test_an_unknown_order_id_is_named(db):
    with pytest.raises(replay_selector.ReplayError, match="No order with id #nope"):
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
    assert replay_selector.REVIEW_NOTE in run.notes
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
        replay_selector.replay_orders(pks[:2])
    with CaptureQueriesContext(connection) as many:
        replay_selector.replay_orders(pks)
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
    in_force = replay_selector._InForce()
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
    report = replay_all(policy=replay_selector.policy_version("v2"))
    assert report.policies == {"v2": 9}


def test_an_unknown_policy_version_is_named(db):
    with pytest.raises(replay_selector.ReplayError, match="No policy version 'v9'; the versions are v1"):
        replay_selector.policy_version("v9")


# Reads only ----------------------------------------------------------------------------------------


def test_a_replay_writes_nothing(imported, past_bundle):
    before = stored_counts()
    with CaptureQueriesContext(connection) as queries:
        replay_all()
        replay_bundle(read_bundle(past_bundle.read_bytes()), policy=Policy.objects.get(version=1))
        run("--all", "--format", "json")
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


# The command ---------------------------------------------------------------------------------------


def test_the_command_replays_a_file_as_text(past_bundle):
    text = run(str(past_bundle))
    assert "Next move: 5 of 7 agreed (71.4%)" in text
    assert "Not comparable (no actual next move): 2: #1005, #1009" in text
    assert "- #1003 (stale_in_transit)" in text
    assert "outcome: delivered 3 days later" in text


def test_the_command_replays_a_file_as_json(past_bundle):
    data = json.loads(run(str(past_bundle), "--format", "json"))
    assert data["next_move"] == {"agreed": 5, "compared": 7, "rate": 0.7143}
    assert data["confusion"]["counts"]["draft_update"]["escalate"] == 1
    assert [d["order_id"] for d in data["disagreements"]] == ["#1002", "#1003", "#1006"]


def test_the_command_replays_stored_cases(imported):
    data = json.loads(run("--cases", "#1003", "#1006", "--format", "json"))
    assert data["cases"] == 2
    assert [d["order_id"] for d in data["disagreements"]] == ["#1003", "#1006"]


def test_the_command_replays_every_stored_case(imported):
    assert "Next move: 5 of 7 agreed" in run("--all")


def test_the_command_names_an_unknown_order(imported):
    with pytest.raises(CommandError, match="No order with id #4242"):
        run("--cases", "#1001", "#4242")


def test_the_command_names_an_unknown_policy_version(imported):
    with pytest.raises(CommandError, match="No policy version 'v9'"):
        run("--all", "--policy", "v9")


def test_the_command_refuses_a_bad_bundle(spec_dir, tmp_path):
    document = basic_with_actuals(spec_dir)
    document["cases"][0]["actual"] = {"next_move": "panic"}
    with pytest.raises(CommandError, match="1 error"):
        run(str(write_bundle(tmp_path, document)))


def test_the_command_refuses_a_user_who_may_not_view_cases(imported):
    UserFactory(username="nobody")
    with pytest.raises(CommandError, match=r"lacks the permission cases\.view_case"):
        run("--all", "--as-user", "nobody")


def test_the_command_needs_exactly_one_source():
    with pytest.raises(CommandError):
        run()


# The admin -----------------------------------------------------------------------------------------


def test_the_replay_action_renders_the_report_for_the_selection(client, imported, staff):
    client.force_login(staff)
    pks = list(Case.objects.values_list("pk", flat=True))
    before = stored_counts()
    response = client.post(
        reverse("admin:cases_case_changelist"), {"action": "replay_selected", "_selected_action": pks}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="replay-report"' in page
    assert "5 of 7</strong>" in page
    assert "delivered 3 days later" in page
    assert stored_counts() == before


def test_the_replay_page_takes_a_policy_version(client, imported, staff):
    client.force_login(staff)
    pks = Case.objects.values_list("pk", flat=True)
    response = client.post(reverse("admin:cases_case_replay"), {"case": list(pks), "policy": "v1"})
    assert response.status_code == 200
    assert "Policy v1 (chosen) for every case." in response.content.decode()


def test_the_replay_page_replays_an_uploaded_bundle_without_importing_it(client, past_bundle, staff):
    client.force_login(staff)
    upload = SimpleUploadedFile("past.json", past_bundle.read_bytes(), content_type="application/json")
    response = client.post(reverse("admin:cases_case_replay"), {"file": upload})
    assert response.status_code == 200
    assert "5 of 7</strong>" in response.content.decode()
    assert Order.objects.count() == 0


def test_the_replay_page_names_bundle_errors(client, spec_dir, staff):
    client.force_login(staff)
    document = basic_with_actuals(spec_dir)
    document["cases"][0]["actual"] = {"next_move": "panic"}
    upload = SimpleUploadedFile("bad.json", json.dumps(document).encode())
    response = client.post(reverse("admin:cases_case_replay"), {"file": upload})
    assert response.status_code == 400
    assert "case 0, actual.next_move" in response.content.decode()


def test_the_replay_page_renders_for_a_user_with_only_view_permission(client, imported):
    viewer = UserFactory(username="vera")
    viewer.user_permissions.add(Permission.objects.get(codename="view_case"))
    client.force_login(viewer)
    response = client.get(
        reverse("admin:cases_case_replay"), {"case": Case.objects.values_list("pk", flat=True)}
    )
    assert response.status_code == 200
    assert 'id="replay-report"' in response.content.decode()


def test_the_replay_page_is_403_without_view_permission(client, imported):
    client.force_login(UserFactory(username="nobody"))
    response = client.get(reverse("admin:cases_case_replay"), {"all": "1"})
    assert response.status_code == 403


def test_the_queue_links_to_the_replay_page(client, staff):
    client.force_login(staff)
    assert 'id="replay-link"' in client.get(reverse("admin:cases_case_changelist")).content.decode()
