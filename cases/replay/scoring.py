"""Scoring a replay: packets for past cases against what the store really did.

The seed's rollout (stale-tracking-workflow.txt, "A 7-day rollout for stale tracking") asks on day 2 to
"run 10 past stale-tracking cases through the packet and compare against the real outcome", so that day 3
can "tighten evidence requirements". Each past case is assessed as of the moment a person decided
(`decided_at`, bundle.md), so the packet sees only the facts known then; this module compares that
packet with the `actual` the store recorded: the next move it really made, the risk it really saw and
how the case ended.

Counting rules:
- Next move is the agreement that matters (rules.md section 5 names one next move per packet). A case
  whose actual gives no next move is "not comparable": it is never counted as agreement, nor in the
  confusion table.
- Risk level is compared only where the actual gives one.
- Per case type uses the packet's (recommended) case type: it says where the rules read the facts
  differently from the person, which is what a rule change would touch.
- The confusion table has every next move of the vocabulary as a row (recommended) and a column
  (actual), in the vocabulary's order, zeros included, so two reports line up.
- A disagreement is a case whose next move differs, or whose risk level differs where one was given;
  `on` says which.

Pure: no Django, no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cases.assessment import vocabulary as v
from cases.assessment.clock import iso_z

ACTUAL_FIELDS: tuple[str, ...] = ("next_move", "risk_level", "outcome")
MAX_OUTCOME = 1000  # characters of the free-text outcome


@dataclass(frozen=True, slots=True)
class Actual:
    """What the store really did and how it ended (bundle.md `actual`); every part optional."""

    next_move: str | None = None  # one of vocabulary.NEXT_MOVES
    risk_level: str | None = None  # one of vocabulary.RISK_LEVELS
    outcome: str = ""  # free text: the spec has no outcome vocabulary


@dataclass(frozen=True, slots=True)
class Replayed:
    """One past case: its packet (Packet.to_dict()) as of `decided_at`, and what really happened."""

    packet: Mapping[str, Any]
    decided_at: datetime
    actual: Actual | None = None


@dataclass(frozen=True, slots=True)
class Agreement:
    agreed: int = 0
    compared: int = 0

    @property
    def rate(self) -> float | None:
        """Share of compared cases that agreed; None when nothing could be compared."""
        return self.agreed / self.compared if self.compared else None

    def to_dict(self) -> dict[str, Any]:
        rate = self.rate
        return {
            "agreed": self.agreed,
            "compared": self.compared,
            "rate": None if rate is None else round(rate, 4),
        }


@dataclass(frozen=True, slots=True)
class CaseTypeRow:
    case_type: str  # the packet's
    cases: int
    next_move: Agreement
    risk_level: Agreement

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_type": self.case_type,
            "cases": self.cases,
            "next_move": self.next_move.to_dict(),
            "risk_level": self.risk_level.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Disagreement:
    order_id: str
    case_type: str
    decided_at: datetime
    policy_version: str
    next_move: str  # recommended
    risk_level: str  # recommended
    also: tuple[str, ...]
    reasons: tuple[str, ...]  # the packet's, one sentence per rule that fired
    actual: Actual
    on: tuple[str, ...]  # "next_move" and/or "risk_level"

    @property
    def differs_on(self) -> str:
        """`on` in words: "next move", "risk level" or "next move and risk level"."""
        return " and ".join(word.replace("_", " ") for word in self.on)

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "case_type": self.case_type,
            "decided_at": iso_z(self.decided_at),
            "policy_version": self.policy_version,
            "recommended": {
                "next_move": self.next_move,
                "risk_level": self.risk_level,
                "also": list(self.also),
                "reasons": list(self.reasons),
            },
            "actual": {
                "next_move": self.actual.next_move,
                "risk_level": self.actual.risk_level,
                "outcome": self.actual.outcome,
            },
            "differs_on": list(self.on),
        }


@dataclass(frozen=True, slots=True)
class ReplayReport:
    cases: int  # replayed (assessed)
    next_move: Agreement
    risk_level: Agreement
    not_comparable: tuple[str, ...]  # order ids replayed without an actual next move
    per_case_type: tuple[CaseTypeRow, ...]  # case types present, in the precedence of rules.md section 4
    moves: tuple[str, ...]  # the confusion table's rows and columns, in order
    confusion: dict[str, dict[str, int]]  # recommended next move -> actual next move -> cases
    disagreements: tuple[Disagreement, ...]
    policies: dict[str, int] = field(default_factory=dict)  # packet policy_version -> cases
    notes: tuple[str, ...] = ()  # how the policy was chosen, and anything a reader should know
    skipped: tuple[tuple[str, str], ...] = ()  # (order id, why it could not be replayed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "next_move": self.next_move.to_dict(),
            "risk_level": self.risk_level.to_dict(),
            "not_comparable": list(self.not_comparable),
            "per_case_type": [row.to_dict() for row in self.per_case_type],
            "confusion": {
                "rows": "recommended next move",
                "columns": "actual next move",
                "moves": list(self.moves),
                "counts": {move: dict(row) for move, row in self.confusion.items()},
            },
            "disagreements": [item.to_dict() for item in self.disagreements],
            "policies": dict(self.policies),
            "notes": list(self.notes),
            "skipped": [{"order_id": order_id, "reason": why} for order_id, why in self.skipped],
        }


class _Tally:
    def __init__(self) -> None:
        self.agreed = 0
        self.compared = 0

    def add(self, agreed: bool) -> None:
        self.compared += 1
        self.agreed += agreed

    def frozen(self) -> Agreement:
        return Agreement(self.agreed, self.compared)


class _TypeTally:
    def __init__(self) -> None:
        self.cases = 0
        self.next_move = _Tally()
        self.risk_level = _Tally()

    def row(self, case_type: str) -> CaseTypeRow:
        return CaseTypeRow(case_type, self.cases, self.next_move.frozen(), self.risk_level.frozen())


def _ordered(known: tuple[str, ...], seen: Iterable[str]) -> tuple[str, ...]:
    """The vocabulary's order, then anything outside it (never expected) sorted at the end."""
    extra = sorted({value for value in seen if value not in known})
    return (*known, *extra)


def score(
    replayed: Iterable[Replayed],
    *,
    notes: Iterable[str] = (),
    skipped: Iterable[tuple[str, str]] = (),
) -> ReplayReport:
    """Agreement of the replayed packets with the actuals (module docstring: what counts how)."""
    items = list(replayed)
    moves_seen = {item.packet["next_move"] for item in items}
    moves_seen |= {item.actual.next_move for item in items if item.actual and item.actual.next_move}
    moves = _ordered(v.NEXT_MOVES, moves_seen)
    confusion = {row: dict.fromkeys(moves, 0) for row in moves}

    next_move, risk = _Tally(), _Tally()
    by_type: dict[str, _TypeTally] = {}
    not_comparable: list[str] = []
    disagreements: list[Disagreement] = []
    policies: dict[str, int] = {}

    for item in items:
        packet, actual = item.packet, item.actual or Actual()
        case_type = packet["case_type"]
        policy_version = str(packet.get("policy_version") or "")
        policies[policy_version] = policies.get(policy_version, 0) + 1
        of_type = by_type.setdefault(case_type, _TypeTally())
        of_type.cases += 1
        differs = []
        if actual.next_move:
            agreed = packet["next_move"] == actual.next_move
            next_move.add(agreed)
            of_type.next_move.add(agreed)
            confusion[packet["next_move"]][actual.next_move] += 1
            if not agreed:
                differs.append("next_move")
        else:
            not_comparable.append(packet["order_id"])
        if actual.risk_level:
            agreed = packet["risk_level"] == actual.risk_level
            risk.add(agreed)
            of_type.risk_level.add(agreed)
            if not agreed:
                differs.append("risk_level")
        if differs:
            disagreements.append(
                Disagreement(
                    order_id=packet["order_id"],
                    case_type=case_type,
                    decided_at=item.decided_at,
                    policy_version=policy_version,
                    next_move=packet["next_move"],
                    risk_level=packet["risk_level"],
                    also=tuple(packet.get("also") or ()),
                    reasons=tuple(packet.get("reasons") or ()),
                    actual=actual,
                    on=tuple(differs),
                )
            )

    per_case_type = tuple(
        by_type[case_type].row(case_type)
        for case_type in _ordered(v.CASE_TYPES, by_type)
        if case_type in by_type
    )
    return ReplayReport(
        cases=len(items),
        next_move=next_move.frozen(),
        risk_level=risk.frozen(),
        not_comparable=tuple(not_comparable),
        per_case_type=per_case_type,
        moves=moves,
        confusion=confusion,
        disagreements=tuple(disagreements),
        policies=policies,
        notes=tuple(notes),
        skipped=tuple(skipped),
    )
