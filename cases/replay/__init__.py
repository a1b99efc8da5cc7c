"""Replay reports of past cases, in plain Python.

Replaying past cases: what the packet would have said when a person decided, against what the store
really did (the seed's 7-day rollout, day 2). Pure: no Django, no ORM; `cases.selectors.replay` feeds it.

- `Actual`, `Replayed`: one past case (the packet as of its decision, and what really happened).
- `score(replayed)` -> `ReplayReport` (agreement, per case type, confusion table, disagreements);
  `Scorer` does the same one case at a time, and merges partial scorers (batches, processes).
- `render_report(report)`: the report as text for people.
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
