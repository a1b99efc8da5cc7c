"""Stored what-if runs.

An owner asks what a draft would change; the answer is kept on a
`WhatIfRun` row that the admin page shows, and that activating the draft cites in its audit event.

One code path computes a run, `WhatIfRunner`, run by the Celery task `what_if_policy_task` or, when
there are few open cases, at once by `start_what_if` (a demo on SQLite needs no worker for it). A start
while a run of the same draft with the same numbers is queued or running joins that run instead.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.utils import timezone

from cases.choices import CaseStatus
from cases.models import Case
from policies.models import Policy, WhatIfRun
from policies.permissions import EDIT_POLICY
from policies.selectors import active_policy, policy_book
from policies.whatif.diff import WhatIfResult
from policies.whatif.engine import book_digest, what_if
from staletrack.permissions import require
from staletrack.runners import ForkingRunner
from staletrack.runs import queue_run_or_fail, take_turns

INLINE_CASES = 5000  # up to one batch of open cases: computed in the request, no worker needed
PROGRESS_SECONDS = 1.0  # how often a running run writes its progress
WHAT_IF_START_LOCK = (0x5749, 0)  # the advisory lock held while a what-if run is started ("WI")


def start_what_if(draft: Policy, *, actor=None, as_of=None) -> tuple[WhatIfRun, bool]:
    """Record a run of `draft` at `as_of` (default now) and compute it: at once when there are at most
    INLINE_CASES open cases, else in the background (the run's page follows it): (the run, True). Without
    an explicit `as_of`, while a run of the draft with the same numbers against the same active policy is
    under way (`_under_way`), that one instead: (the run, False), so a double click, or two owners at
    once, computes once and the page can say so. An explicit `as_of` asks for that instant: always a new
    run, recorded as such (`as_of_explicit`) so that no later start joins it either. A finished run is
    never reused.

    Starts take turns under an advisory lock held until the commit (`take_turns`, as replay runs do). An
    inline run is computed after its start's own transaction, so other starts do not wait for it (unless
    the caller holds a transaction open); one made meanwhile joins it."""
    require(actor, EDIT_POLICY)
    if not draft.is_draft:
        raise ValueError(f"{draft.label} is not a draft: a what-if compares a draft with the active policy.")
    total = Case.objects.filter(status=CaseStatus.OPEN).count()
    with transaction.atomic():
        take_turns(WHAT_IF_START_LOCK)
        baseline = active_policy()
        digest = book_digest(policy_book(draft))
        run = _under_way(draft, baseline, digest) if as_of is None else None
        if run is not None:
            return run, False
        run = WhatIfRun.objects.create(
            draft=draft,
            baseline=baseline,
            draft_digest=digest,
            as_of=as_of or timezone.now(),
            as_of_explicit=as_of is not None,
            total_cases=total,
            created_by=actor,
        )
        if total > INLINE_CASES:
            _queue(run)
            return run, True
    WhatIfRunner(processes=1).execute(run)
    return run, True


def _under_way(draft: Policy, baseline: Policy | None, digest: str) -> WhatIfRun | None:
    """The newest unfinished run of `draft` with these numbers (`digest`) against `baseline`, started for
    now, that can still finish. A run started for an explicit `as_of` answers for the instant it was
    asked for, not for the now a start without one asks about, so it is never joined; a lost run
    (`WhatIfRun.lost`, staletrack.runs.run_is_lost) would leave the button dead for good, so a start does
    not join it."""
    unfinished = WhatIfRun.objects.filter(
        draft=draft,
        baseline=baseline,
        draft_digest=digest,
        as_of_explicit=False,
        status__in=WhatIfRun.UNFINISHED,
    ).order_by("-created_at", "-pk")
    return next((run for run in unfinished if not run.lost), None)


def _queue(run: WhatIfRun) -> None:
    queue_run_or_fail(run, what="run")


class WhatIfRunner(ForkingRunner):
    """A `WhatIfRun`: the draft compared with the active policy (`what_if`, over `processes`, default
    `default_processes()`) at the run's `as_of`, its progress written while it runs, its counts and first
    changes stored on the row, and how long it took either way; an error fails the run with its text."""

    model = WhatIfRun
    label = "What-if run"

    def queryset(self):
        return WhatIfRun.objects.select_related("draft")

    def claim_fields(self, run: WhatIfRun) -> dict:
        return {"baseline": active_policy(), "processed_cases": 0}

    def run(self, run: WhatIfRun) -> WhatIfResult:
        last = [0.0]

        def report(done: int, total: int) -> None:
            if time.monotonic() - last[0] >= PROGRESS_SECONDS or done == total:
                last[0] = time.monotonic()
                WhatIfRun.objects.filter(pk=run.pk).update(processed_cases=done, total_cases=total)

        return what_if(run.draft, as_of=run.as_of, processes=self.processes, progress=report)

    def finished(self, run: WhatIfRun, result: WhatIfResult) -> dict:
        return {
            "status": WhatIfRun.Status.SUCCEEDED,
            "seconds": self.seconds,
            "processed_cases": result.open_cases,
            "changes": [change.to_dict() for change in result.listed],
            **result.counts(),
        }

    def failed(self, run: WhatIfRun, error: Exception) -> dict:
        return {**super().failed(run, error), "seconds": self.seconds}

    def task_result(self, run: WhatIfRun) -> dict:
        return {"changed": run.changed_any, "seconds": run.seconds}


def latest_run(policy: Policy) -> WhatIfRun | None:
    """The newest finished run of `policy`, for the activation's audit event."""
    return (
        WhatIfRun.objects.filter(draft=policy, status=WhatIfRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .first()
    )


def run_is_current(run: WhatIfRun, policy: Policy | None = None) -> bool:
    """Whether the draft still has the numbers and overrides it had when `run` started."""
    return run.draft_digest == book_digest(policy_book(policy or run.draft))


def run_summary(run: WhatIfRun) -> dict:
    """What the activation's audit event records of a run."""
    return {
        "run": run.pk,
        "as_of": run.as_of.isoformat(),
        "compared_with": run.baseline.label if run.baseline else None,
        "draft_unchanged_since": run_is_current(run),
        "open_cases": run.open_cases,
        "assessed": run.assessed,
        "changed_any": run.changed_any,
        "changed_case_type": run.changed_case_type,
        "changed_risk": run.changed_risk,
        "changed_next_move": run.changed_next_move,
        "lanes": {
            "fast": [run.fast_now, run.fast_draft],
            "standard": [run.standard_now, run.standard_draft],
            "owner_only": [run.owner_only_now, run.owner_only_draft],
            "changed": run.lane_changed,
        },
    }
