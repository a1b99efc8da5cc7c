"""Scoring a replay (cases.replay; the seed's rollout, day 2): pure, no database."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from cases.assessment import vocabulary as v
from cases.replay import Actual, First, Replayed, Scorer, render_report, score

DECIDED = datetime(2026, 11, 20, 12, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[3]


def replayed(order_id, case_type, next_move, risk_level, actual=None, reasons=("a rule fired",)):
    packet = {
        "order_id": order_id,
        "case_type": case_type,
        "next_move": next_move,
        "risk_level": risk_level,
        "also": [],
        "reasons": list(reasons),
        "policy_version": "v1",
    }
    return Replayed(packet, DECIDED, actual)


def test_next_move_agreement_counts_only_cases_with_an_actual_next_move():
    report = score(
        [
            replayed("#1", "in_transit", "wait", "normal_watch", Actual(next_move="wait")),
            replayed("#2", "in_transit", "wait", "normal_watch", Actual(next_move="draft_update")),
            replayed("#3", "in_transit", "wait", "normal_watch", Actual(outcome="delivered")),
            replayed("#4", "in_transit", "wait", "normal_watch", None),
        ]
    )
    assert (report.next_move.agreed, report.next_move.compared) == (1, 2)
    assert report.next_move.rate == 0.5
    assert report.not_comparable == ("#3", "#4")


def test_a_case_without_an_actual_next_move_is_never_agreement():
    report = score([replayed("#1", "in_transit", "wait", "normal_watch", Actual(risk_level="normal_watch"))])
    assert report.next_move.agreed == 0
    assert report.next_move.rate is None
    assert report.not_comparable == ("#1",)
    assert sum(sum(row.values()) for row in report.confusion.values()) == 0


def test_risk_level_is_compared_only_where_the_actual_gives_one():
    report = score(
        [
            replayed("#1", "in_transit", "wait", "normal_watch", Actual("wait", "normal_watch")),
            replayed("#2", "in_transit", "wait", "normal_watch", Actual("wait", "customer_update")),
            replayed("#3", "in_transit", "wait", "normal_watch", Actual("wait")),
        ]
    )
    assert (report.risk_level.agreed, report.risk_level.compared) == (1, 2)


def test_the_confusion_table_has_every_next_move_in_vocabulary_order_rows_recommended():
    report = score(
        [
            replayed("#1", "stale_in_transit", "draft_update", "customer_update", Actual("wait")),
            replayed("#2", "stale_in_transit", "draft_update", "customer_update", Actual("wait")),
            replayed("#3", "delivered", "close", "normal_watch", Actual("close")),
        ]
    )
    assert report.moves == v.NEXT_MOVES
    assert list(report.confusion) == list(v.NEXT_MOVES)
    assert all(list(row) == list(v.NEXT_MOVES) for row in report.confusion.values())
    assert report.confusion["draft_update"]["wait"] == 2
    assert report.confusion["wait"]["draft_update"] == 0
    assert report.confusion["close"]["close"] == 1
    assert sum(sum(row.values()) for row in report.confusion.values()) == 3


def test_per_case_type_follows_the_packet_case_type_in_rules_precedence():
    report = score(
        [
            replayed("#1", "in_transit", "wait", "normal_watch", Actual("wait")),
            replayed("#2", "wrong_tracking", "request_proof", "supplier_chase", Actual("escalate")),
            replayed("#3", "wrong_tracking", "request_proof", "supplier_chase", Actual("request_proof")),
        ]
    )
    rows = [(r.case_type, r.cases, r.next_move.agreed, r.next_move.compared) for r in report.per_case_type]
    assert rows == [("wrong_tracking", 2, 1, 2), ("in_transit", 1, 1, 1)]


def test_a_disagreement_carries_the_packet_reasons_beside_what_happened():
    report = score(
        [
            replayed(
                "#1",
                "stale_in_transit",
                "draft_update",
                "customer_update",
                Actual("wait", "normal_watch", "delivered two days later"),
                reasons=("last movement 9 days ago; the in-transit window is 7 days",),
            )
        ]
    )
    (item,) = report.disagreements
    assert item.on == ("next_move", "risk_level")
    assert item.reasons == ("last movement 9 days ago; the in-transit window is 7 days",)
    assert item.actual.outcome == "delivered two days later"
    assert item.to_dict()["recommended"]["next_move"] == "draft_update"
    assert item.to_dict()["actual"] == {
        "next_move": "wait",
        "risk_level": "normal_watch",
        "outcome": "delivered two days later",
    }


def test_a_risk_only_difference_is_a_disagreement_on_risk_level():
    report = score([replayed("#1", "in_transit", "wait", "normal_watch", Actual("wait", "customer_update"))])
    (item,) = report.disagreements
    assert item.on == ("risk_level",)
    assert report.next_move.agreed == 1


def test_an_empty_replay_has_no_rates():
    report = score([])
    assert report.cases == 0
    assert report.next_move.rate is None
    assert report.to_dict()["next_move"] == {"agreed": 0, "compared": 0, "rate": None}


def test_the_json_form_keeps_the_confusion_table_in_vocabulary_order():
    data = score([replayed("#1", "in_transit", "wait", "normal_watch", Actual("wait"))]).to_dict()
    assert data["confusion"]["moves"] == list(v.NEXT_MOVES)
    assert list(data["confusion"]["counts"]) == list(v.NEXT_MOVES)
    assert data["confusion"]["counts"]["wait"]["wait"] == 1


def test_the_text_report_prints_the_confusion_table_as_an_aligned_grid():
    text = render_report(
        score(
            [
                replayed("#1", "in_transit", "wait", "normal_watch", Actual("wait")),
                replayed("#2", "stale_in_transit", "draft_update", "customer_update", Actual("wait")),
            ]
        )
    )
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.strip().startswith("recommended \\ actual"))
    grid = lines[head : head + len(v.NEXT_MOVES) + 2]
    assert [line.split()[0] for line in grid[1:-1]] == list(v.NEXT_MOVES)
    assert len({len(line) for line in grid}) == 1  # every row as wide: the columns line up
    assert "Next move: 1 of 2 agreed (50.0%)" in text
    assert "- #2 (stale_in_transit)" in text


def test_scoring_and_the_bundle_reader_import_without_django():
    code = (
        "import sys; import cases.replay, cases.intake.bundles.reader; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# Streaming: a Scorer case by case, merged from parts, with capped lists --------------------------------


def many_replayed(n):
    moves = ["wait", "draft_update", "escalate", "request_proof"]
    items = []
    for i in range(n):
        actual = None if i % 7 == 0 else Actual(moves[i % 4] if i % 5 else None, "normal_watch")
        items.append(
            replayed(
                f"#{i}", "in_transit" if i % 3 else "stale_in_transit", moves[i % 3], "normal_watch", actual
            )
        )
    return items


def test_partial_scorers_merged_in_any_order_give_the_report_of_one():
    items = many_replayed(60)
    whole = score(items)
    parts = [Scorer(), Scorer(), Scorer()]
    for position in reversed(range(len(items))):  # any order, any part: the positions decide
        parts[position % 3].add(items[position], position)
    merged = Scorer()
    for part in reversed(parts):
        merged.merge(part)
    assert merged.report().to_dict() == whole.to_dict()


def test_a_report_keeps_the_first_disagreements_by_position_and_counts_them_all():
    items = many_replayed(60)
    whole = score(items)
    capped = Scorer(keep=4)
    for position in reversed(range(len(items))):
        capped.add(items[position], position)
    report = capped.report()
    assert report.disagreements == whole.disagreements[:4]
    assert report.disagreements_total == len(whole.disagreements) > 4
    assert report.not_comparable == whole.not_comparable[:4]
    assert report.not_comparable_total == len(whole.not_comparable)
    assert report.to_dict()["disagreements_total"] == report.disagreements_total


def test_first_keeps_the_lowest_positions_whatever_the_order_they_come_in():
    first = First(3)
    for position in (9, 4, 7, 1, 8, 2):
        if first.wants(position):
            first.add(position, f"item {position}")
        else:
            first.count()
    other = First(3)
    other.add(0, "item 0")
    first.merge(other)
    assert first.items() == ["item 0", "item 1", "item 2"]
    assert first.total == 7
    assert not First(0).wants(0)
