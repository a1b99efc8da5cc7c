"""Background replays of every stored past case.

A million past decisions take 80-90 s, too long for a web request. The admin's button records a
`ReplayRun` and queues `replay_past_cases_task` after commit; the task runs it with `ReplayRunner`, which
stores the report (`ReplayReport.to_dict()`) on the row, and the admin's run page renders it again with
`report_from_dict`. A click while a run with the same policy is queued or running joins that run instead
of replaying everything a second time.

A replay writes nothing but its run row, so seeing cases (REPLAY_PERMISSION) is enough to start one.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.dateparse import parse_datetime

from cases.models import ReplayRun
from cases.replay.engine import REPLAY_PERMISSION, replay_all
from cases.replay.scoring import Actual, Agreement, CaseTypeRow, Disagreement, ReplayReport
from policies.models import Policy
from staletrack.permissions import require
from staletrack.runners import ForkingRunner
from staletrack.runs import queue_run_or_fail, take_turns

REPLAY_START_LOCK = (0x5252, 0)  # the advisory lock held while a replay run is started ("RR")


def start_replay_run(*, policy: Policy | None = None, actor=None) -> tuple[ReplayRun, bool]:
    """Record a replay of every stored past case (with `policy` for all, else the version in force at
    each decision) and queue it once the transaction commits: (the run, True). While one with the same
    policy is under way (`_under_way`), that one instead: (the run, False), so a double click, or two
    people at once, replays once and the page can say so. A finished run is never reused. A broker that
    cannot be reached fails the run with that reason instead of leaving it queued for ever.

    Starts take turns under an advisory lock held until the commit (`take_turns`, shared with what-if
    runs): row locks on the unfinished runs would not do, because two requests that find none have no row
    to wait on and would both start one."""
    require(actor, REPLAY_PERMISSION)
    with transaction.atomic():
        take_turns(REPLAY_START_LOCK)
        run = _under_way(policy)
        if run is not None:
            return run, False
        run = ReplayRun.objects.create(created_by=actor, policy=policy)
        _queue(run)
    return run, True


def _under_way(policy: Policy | None) -> ReplayRun | None:
    """The newest unfinished run with this policy that can still finish. A run queued for the broker's
    whole visibility timeout or running for its task's whole hard time limit was lost (a broker restarted
    empty, a worker killed; `ReplayRun.lost`, the rule staletrack.runs.run_is_lost that every stored
    run shares): joining it would leave the button dead for good, so a click starts a new run instead."""
    unfinished = ReplayRun.objects.filter(policy=policy, status__in=ReplayRun.UNFINISHED).order_by(
        "-created_at", "-pk"
    )
    return next((run for run in unfinished if not run.lost), None)


def _queue(run: ReplayRun) -> None:
    queue_run_or_fail(run, what="replay")


class ReplayRunner(ForkingRunner):
    """A `ReplayRun`: every stored past case replayed (`replay_all`, over `processes`, default
    `default_processes()`), the report and its counts stored on the row; an error fails the run with
    its text (the worker's log has the traceback)."""

    model = ReplayRun
    label = "Replay run"

    def queryset(self):
        return ReplayRun.objects.select_related("policy")

    def claim_fields(self, run: ReplayRun) -> dict:
        return {"error": ""}

    def run(self, run: ReplayRun) -> ReplayReport:
        return replay_all(policy=run.policy, processes=self.processes)

    def finished(self, run: ReplayRun, report: ReplayReport) -> dict:
        return {
            "status": ReplayRun.Status.DONE,
            "cases_replayed": report.cases,
            "compared": report.next_move.compared,
            "agreed": report.next_move.agreed,
            "report": report.to_dict(),
        }

    def task_result(self, run: ReplayRun) -> dict:
        return {"cases": run.cases_replayed, "agreed": run.agreed}


def report_from_dict(data: dict) -> ReplayReport:
    """The ReplayReport whose `to_dict()` is `data` (a run's stored report), for the page to render.
    The confusion table is rebuilt in the order of its `moves` (PostgreSQL's jsonb keeps no key order)."""

    def agreement(part: dict) -> Agreement:
        return Agreement(agreed=part["agreed"], compared=part["compared"])

    moves = tuple(data["confusion"]["moves"])
    counts = data["confusion"]["counts"]
    return ReplayReport(
        cases=data["cases"],
        next_move=agreement(data["next_move"]),
        risk_level=agreement(data["risk_level"]),
        not_comparable=tuple(data["not_comparable"]),
        per_case_type=tuple(
            CaseTypeRow(
                case_type=row["case_type"],
                cases=row["cases"],
                next_move=agreement(row["next_move"]),
                risk_level=agreement(row["risk_level"]),
            )
            for row in data["per_case_type"]
        ),
        moves=moves,
        confusion={row: {col: counts[row][col] for col in moves} for row in moves},
        disagreements=tuple(
            Disagreement(
                order_id=item["order_id"],
                case_type=item["case_type"],
                decided_at=parse_datetime(item["decided_at"]),
                policy_version=item["policy_version"],
                next_move=item["recommended"]["next_move"],
                risk_level=item["recommended"]["risk_level"],
                also=tuple(item["recommended"]["also"]),
                reasons=tuple(item["recommended"]["reasons"]),
                actual=Actual(
                    next_move=item["actual"]["next_move"],
                    risk_level=item["actual"]["risk_level"],
                    outcome=item["actual"]["outcome"],
                    dispute=item["actual"].get("dispute", ""),  # runs stored before disputes had none
                ),
                on=tuple(item["differs_on"]),
            )
            for item in data["disagreements"]
        ),
        policies=dict(data["policies"]),
        notes=tuple(data["notes"]),
        skipped=tuple((item["order_id"], item["reason"]) for item in data["skipped"]),
        disagreements_total=data["disagreements_total"],
        not_comparable_total=data["not_comparable_total"],
        skipped_total=data["skipped_total"],
    )
