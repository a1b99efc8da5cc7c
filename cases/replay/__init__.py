"""Replaying past cases: what the packet would have said when a person decided, against what was done.

The seed's 7-day rollout, day 2: each past case is assessed as of its `decided_at` and compared with
what the store really did. The package holds the whole feature:

- `scoring.py` (pure: no Django, no ORM): `Actual`, `Replayed` (one past case: the packet as of its
  decision, and what really happened); `score(replayed)` -> `ReplayReport` (agreement, per case type,
  confusion table, disagreements); `Scorer` does the same one case at a time, and merges partial scorers
  (batches, processes).
- `text.py` (pure): `render_report(report)`, the report as text for people.
- `engine.py`: replays a bundle file, chosen orders or every stored past case (streamed in batches,
  split over forked processes on PostgreSQL) and feeds the scorer; reads only.
- `runs.py`: background runs of every stored past case (`ReplayRun`, `ReplayRunner`); `tasks.py` their
  Celery task.
- `views.py`: the admin's replay page and run page (the Case admin routes to them).

This module re-exports the pure part only, so `import cases.replay` needs no Django.
"""

from cases.replay.scoring import (
    ACTUAL_FIELDS,
    KEEP,
    MAX_OUTCOME,
    Actual,
    Agreement,
    CaseTypeRow,
    Disagreement,
    First,
    Replayed,
    ReplayReport,
    Scorer,
    score,
)
from cases.replay.text import render_report

__all__ = [
    "ACTUAL_FIELDS",
    "KEEP",
    "MAX_OUTCOME",
    "Actual",
    "Agreement",
    "CaseTypeRow",
    "Disagreement",
    "First",
    "ReplayReport",
    "Replayed",
    "Scorer",
    "render_report",
    "score",
]
