"""Past decisions in bundles (bundle.md `decided_at` and `actual`): read, validated, stored."""

import copy
import json
from io import StringIO

import pytest
from django.core.management import call_command

from cases.intake.bundles.reader import read_bundle
from cases.models import AuditEvent, Case, Order, PastDecision
from tests.helpers.bundle_documents import GOOD_CASE, bundle, errors_of
from tests.helpers.replay_bundles import basic_with_actuals, write_bundle

DECIDED = "2026-11-16T10:00:00+01:00"


def past_case(**fields):
    case = copy.deepcopy(GOOD_CASE)
    case.update(fields)
    return case


def test_the_reader_keeps_decided_at_and_actual():
    actual = {"next_move": "wait", "risk_level": "normal_watch", "outcome": "delivered on the 19th"}
    (case,) = read_bundle(json.dumps(bundle(past_case(decided_at=DECIDED, actual=actual)))).cases
    assert case.decided_at.isoformat() == "2026-11-16T10:00:00+01:00"
    assert (case.actual.next_move, case.actual.risk_level) == ("wait", "normal_watch")
    assert case.actual.outcome == "delivered on the 19th"


def test_every_part_of_actual_is_optional_but_one():
    (case,) = read_bundle(json.dumps(bundle(past_case(decided_at=DECIDED, actual={"outcome": "lost"})))).cases
    assert (case.actual.next_move, case.actual.risk_level, case.actual.outcome) == (None, None, "lost")


def test_a_case_without_decided_at_or_actual_reads_as_before():
    (case,) = read_bundle(json.dumps(bundle())).cases
    assert (case.decided_at, case.actual) == (None, None)


def test_an_unknown_actual_next_move_is_named_by_its_path():
    (error,) = errors_of(bundle(past_case(decided_at=DECIDED, actual={"next_move": "refund_now"})))
    assert error.startswith('case 0, actual.next_move: "refund_now" is not known; must be one of wait,')


def test_an_unknown_actual_risk_level_is_named_by_its_path():
    (error,) = errors_of(bundle(past_case(decided_at=DECIDED, actual={"risk_level": "panic"})))
    assert error.startswith('case 0, actual.risk_level: "panic" is not known; must be one of normal_watch,')


def test_an_unknown_key_in_actual_is_named_by_its_path():
    (error,) = errors_of(bundle(past_case(decided_at=DECIDED, actual={"next_move": "wait", "refund": 10})))
    assert error == "case 0, actual.refund: is not a field of actual; known: next_move, risk_level, outcome"


def test_an_empty_actual_is_refused():
    (error,) = errors_of(bundle(past_case(decided_at=DECIDED, actual={})))
    assert error == "case 0, actual: needs at least one of next_move, risk_level, outcome"


def test_an_actual_that_is_not_an_object_is_refused():
    (error,) = errors_of(bundle(past_case(decided_at=DECIDED, actual="wait")))
    assert error.startswith("case 0, actual: must be an object")


def test_an_outcome_that_is_not_text_is_refused():
    (error,) = errors_of(bundle(past_case(decided_at=DECIDED, actual={"outcome": 3})))
    assert error == "case 0, actual.outcome: must be a string"


def test_an_actual_without_decided_at_is_refused():
    (error,) = errors_of(bundle(past_case(actual={"next_move": "wait"})))
    assert error.startswith("case 0, decided_at: is required with actual")


def test_decided_at_without_an_offset_is_rejected_not_guessed():
    (error,) = errors_of(bundle(past_case(decided_at="2026-11-16T10:00:00")))
    assert error.startswith("case 0, decided_at: ")
    assert "has no UTC offset" in error


def test_decided_at_before_the_order_was_placed_is_refused():
    (error,) = errors_of(bundle(past_case(decided_at="2026-11-01T00:00:00Z")))
    assert error == "case 0, decided_at: is before the order was placed (2026-11-02T09:15:00Z)"


def test_errors_in_two_cases_are_all_named():
    second = past_case(decided_at=DECIDED, actual={"next_move": "nope"})
    second["order"]["order_id"] = "#2"
    errors = errors_of(bundle(past_case(decided_at="yesterday"), second))
    assert [error.split(":")[0] for error in errors] == ["case 0, decided_at", "case 1, actual.next_move"]


# Import ---------------------------------------------------------------------------------------------


def run_import(path) -> str:
    out = StringIO()
    call_command("import_cases", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_import_stores_one_past_decision_per_case_that_has_decided_at(spec_dir, tmp_path):
    out = run_import(write_bundle(tmp_path, basic_with_actuals(spec_dir)))
    assert "9 past decisions created" in out
    stored = PastDecision.objects.get(order__order_id="#1003")
    assert stored.decided_at.isoformat() == "2026-11-20T12:00:00+00:00"
    assert (stored.actual_next_move, stored.actual_risk_level) == ("wait", "normal_watch")
    assert stored.actual_outcome == "delivered 3 days later"
    blank = PastDecision.objects.get(order__order_id="#1009")
    assert (blank.actual_next_move, blank.actual_risk_level, blank.actual_outcome) == ("", "", "")


@pytest.mark.django_db
def test_reimporting_the_same_past_decisions_changes_nothing(spec_dir, tmp_path):
    path = write_bundle(tmp_path, basic_with_actuals(spec_dir))
    run_import(path)
    before = (
        list(PastDecision.objects.values()),
        AuditEvent.objects.count(),
        Case.objects.count(),
        Order.objects.count(),
    )
    out = run_import(path)
    assert out.startswith("Nothing changed")
    after = (
        list(PastDecision.objects.values()),
        AuditEvent.objects.count(),
        Case.objects.count(),
        Order.objects.count(),
    )
    assert after == before


@pytest.mark.django_db
def test_a_changed_actual_updates_the_stored_one_with_an_audit_event(spec_dir, tmp_path):
    document = basic_with_actuals(spec_dir)
    run_import(write_bundle(tmp_path, document))
    document["cases"][2]["actual"] = {"next_move": "draft_update", "outcome": "customer updated"}
    out = run_import(write_bundle(tmp_path, document, "changed.json"))
    assert "1 past decisions updated" in out
    stored = PastDecision.objects.get(order__order_id="#1003")
    assert (stored.actual_next_move, stored.actual_risk_level) == ("draft_update", "")
    event = AuditEvent.objects.get(action="past_decision_updated_by_import")
    assert event.object_id == str(Order.objects.get(order_id="#1003").pk)
    assert event.changes["actual_next_move"] == ["wait", "draft_update"]
    assert event.changes["actual_risk_level"] == ["normal_watch", ""]


@pytest.mark.django_db
def test_a_case_without_decided_at_leaves_the_stored_past_decision_alone(spec_dir, tmp_path):
    document = basic_with_actuals(spec_dir)
    run_import(write_bundle(tmp_path, document))
    for case in document["cases"]:
        case.pop("decided_at")
        case.pop("actual", None)
    out = run_import(write_bundle(tmp_path, document, "plain.json"))
    assert out.startswith("Nothing changed")
    assert PastDecision.objects.filter(actual_next_move="wait").count() == 2
