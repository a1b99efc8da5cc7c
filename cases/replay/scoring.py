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

Streaming: a `Scorer` takes the replayed cases one at a time (or partial scorers from other batches or
processes, `merge`) and keeps counts only, plus the first `keep` disagreements and not-comparable cases
by input position, with their totals: a million past cases are scored without holding their packets.
`score(items)` is a Scorer over a list.

Pure: no Django, no ORM.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cases.assessment import vocabulary as v
from cases.assessment.clock import iso_z

ACTUAL_FIELDS: tuple[str, ...] = ("next_move", "risk_level", "outcome")
MAX_OUTCOME = 1000  # characters of the free-text outcome
KEEP = 1000  # disagreements (and not-comparable or skipped cases) listed by a report; the totals count all


@dataclass(frozen=True, slots=True)
class Actual:
    """What the store really did and how it ended (bundle.md `actual`); every part optional."""

    next_move: str | None = None  # one of vocabulary.NEXT_MOVES
    risk_level: str | None = None  # one of vocabulary.RISK_LEVELS
    outcome: str = ""  # free text: the spec has no outcome vocabulary
    # How the order's latest closed dispute ended (won, lost, accepted), from the store's own records
    # (cases.models.Dispute); only an owner's page shows which.
    dispute: str = ""


@dataclass(frozen=True, slots=True)
class Replayed:
    """One past case: its packet as of `decided_at`, and what really happened. `packet` is
    Packet.to_dict() or any mapping with the keys the scoring reads: order_id, case_type, risk_level,
    next_move, also, reasons and policy_version (a stored-case replay gives only those)."""

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
                # Only when the store recorded a closed dispute: a bundle's replay has none.
                **({"dispute": self.actual.dispute} if self.actual.dispute else {}),
            },
            "differs_on": list(self.on),
        }


@dataclass(frozen=True, slots=True)
class ReplayReport:
    cases: int  # replayed (assessed)
    next_move: Agreement
    risk_level: Agreement
    not_comparable: tuple[str, ...]  # order ids replayed without an actual next move (the first `keep`)
    per_case_type: tuple[CaseTypeRow, ...]  # case types present, in the precedence of rules.md section 4
    moves: tuple[str, ...]  # the confusion table's rows and columns, in order
    confusion: dict[str, dict[str, int]]  # recommended next move -> actual next move -> cases
    disagreements: tuple[Disagreement, ...]  # the first `keep` by input order
    policies: dict[str, int] = field(default_factory=dict)  # packet policy_version -> cases
    notes: tuple[str, ...] = ()  # how the policy was chosen, and anything a reader should know
    skipped: tuple[tuple[str, str], ...] = ()  # (order id, why it could not be replayed); the first `keep`
    # How many there are in all; the tuples above list at most `keep` of each.
    disagreements_total: int = 0
    not_comparable_total: int = 0
    skipped_total: int = 0

    @property
    def more_disagreements(self) -> int:
        return self.disagreements_total - len(self.disagreements)

    @property
    def more_not_comparable(self) -> int:
        return self.not_comparable_total - len(self.not_comparable)

    @property
    def more_skipped(self) -> int:
        return self.skipped_total - len(self.skipped)

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
            "disagreements_total": self.disagreements_total,
            "not_comparable_total": self.not_comparable_total,
            "policies": dict(self.policies),
            "notes": list(self.notes),
            "skipped": [{"order_id": order_id, "reason": why} for order_id, why in self.skipped],
            "skipped_total": self.skipped_total,
        }


class First:
    """The first `keep` items by position (an input order), and how many were offered in all. Positions
    are unique; items may come in any order, from several batches (`merge`)."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self.total = 0
        self._heap: list[tuple[int, Any]] = []  # (-position, item): the last kept position on top

    def wants(self, position: int) -> bool:
        """Whether an item at `position` would be kept (so that a caller builds it only then)."""
        heap = self._heap
        return len(heap) < self.keep or (bool(heap) and position < -heap[0][0])

    def add(self, position: int, item: Any) -> None:
        self.total += 1
        self._keep(position, item)

    def count(self) -> None:
        """One more offered that `wants` said would not be kept."""
        self.total += 1

    def merge(self, other: First) -> None:
        self.total += other.total
        for negative, item in other._heap:
            self._keep(-negative, item)

    def items(self) -> list[Any]:
        return [item for _, item in sorted(self._heap, key=lambda pair: -pair[0])]

    def _keep(self, position: int, item: Any) -> None:
        heap = self._heap
        if len(heap) < self.keep:
            heapq.heappush(heap, (-position, item))
        elif heap and position < -heap[0][0]:
            heapq.heapreplace(heap, (-position, item))


class _Tally:
    def __init__(self) -> None:
        self.agreed = 0
        self.compared = 0

    def add(self, agreed: bool) -> None:
        self.compared += 1
        self.agreed += agreed

    def merge(self, other: _Tally) -> None:
        self.agreed += other.agreed
        self.compared += other.compared

    def frozen(self) -> Agreement:
        return Agreement(self.agreed, self.compared)


class _TypeTally:
    def __init__(self) -> None:
        self.cases = 0
        self.next_move = _Tally()
        self.risk_level = _Tally()

    def merge(self, other: _TypeTally) -> None:
        self.cases += other.cases
        self.next_move.merge(other.next_move)
        self.risk_level.merge(other.risk_level)

    def row(self, case_type: str) -> CaseTypeRow:
        return CaseTypeRow(case_type, self.cases, self.next_move.frozen(), self.risk_level.frozen())


def _ordered(known: tuple[str, ...], seen: Iterable[str]) -> tuple[str, ...]:
    """The vocabulary's order, then anything outside it (never expected) sorted at the end."""
    extra = sorted({value for value in seen if value not in known})
    return (*known, *extra)


class Scorer:
    """Agreement of replayed packets with the actuals, one case at a time (module docstring: what counts
    how). Holds counts and at most `keep` disagreements and not-comparable order ids, the first by
    position; `merge` adds another scorer's cases (another batch or process, positions from one input)."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self.cases = 0
        self.next_move = _Tally()
        self.risk_level = _Tally()
        self.by_type: dict[str, _TypeTally] = {}
        self.confusion: dict[tuple[str, str], int] = {}  # (recommended, actual) -> cases
        self.moves_seen: set[str] = set()
        self.policies: dict[str, int] = {}
        self.not_comparable = First(keep)
        self.disagreements = First(keep)
        self._position = 0  # for items added without a position: in the order added

    def add(self, item: Replayed, position: int | None = None) -> None:
        if position is None:
            position = self._position
            self._position += 1
        packet, actual = item.packet, item.actual or _NOTHING
        case_type = packet["case_type"]
        recommended = packet["next_move"]
        policy_version = str(packet.get("policy_version") or "")
        self.cases += 1
        self.policies[policy_version] = self.policies.get(policy_version, 0) + 1
        of_type = self.by_type.get(case_type)
        if of_type is None:
            of_type = self.by_type[case_type] = _TypeTally()
        of_type.cases += 1
        self.moves_seen.add(recommended)
        differs = []
        if actual.next_move:
            self.moves_seen.add(actual.next_move)
            agreed = recommended == actual.next_move
            self.next_move.add(agreed)
            of_type.next_move.add(agreed)
            cell = (recommended, actual.next_move)
            self.confusion[cell] = self.confusion.get(cell, 0) + 1
            if not agreed:
                differs.append("next_move")
        elif self.not_comparable.wants(position):
            self.not_comparable.add(position, packet["order_id"])
        else:
            self.not_comparable.count()
        if actual.risk_level:
            agreed = packet["risk_level"] == actual.risk_level
            self.risk_level.add(agreed)
            of_type.risk_level.add(agreed)
            if not agreed:
                differs.append("risk_level")
        if not differs:
            return
        if not self.disagreements.wants(position):
            self.disagreements.count()
            return
        self.disagreements.add(
            position,
            Disagreement(
                order_id=packet["order_id"],
                case_type=case_type,
                decided_at=item.decided_at,
                policy_version=policy_version,
                next_move=recommended,
                risk_level=packet["risk_level"],
                also=tuple(packet.get("also") or ()),
                reasons=tuple(packet.get("reasons") or ()),
                actual=actual,
                on=tuple(differs),
            ),
        )

    def merge(self, other: Scorer) -> None:
        self.cases += other.cases
        self.next_move.merge(other.next_move)
        self.risk_level.merge(other.risk_level)
        for case_type, tally in other.by_type.items():
            self.by_type.setdefault(case_type, _TypeTally()).merge(tally)
        for cell, n in other.confusion.items():
            self.confusion[cell] = self.confusion.get(cell, 0) + n
        self.moves_seen |= other.moves_seen
        for label, n in other.policies.items():
            self.policies[label] = self.policies.get(label, 0) + n
        self.not_comparable.merge(other.not_comparable)
        self.disagreements.merge(other.disagreements)

    def report(
        self,
        *,
        notes: Iterable[str] = (),
        skipped: Iterable[tuple[str, str]] = (),
        skipped_total: int | None = None,
    ) -> ReplayReport:
        """The report. `skipped` lists cases that could not be replayed (the caller keeps at most
        `keep`; `skipped_total` says how many there were when it kept fewer)."""
        moves = _ordered(v.NEXT_MOVES, self.moves_seen)
        confusion = {row: dict.fromkeys(moves, 0) for row in moves}
        for (recommended, actual), n in self.confusion.items():
            confusion[recommended][actual] = n
        per_case_type = tuple(
            self.by_type[case_type].row(case_type)
            for case_type in _ordered(v.CASE_TYPES, self.by_type)
            if case_type in self.by_type
        )
        skipped = tuple(skipped)
        return ReplayReport(
            cases=self.cases,
            next_move=self.next_move.frozen(),
            risk_level=self.risk_level.frozen(),
            not_comparable=tuple(self.not_comparable.items()),
            per_case_type=per_case_type,
            moves=moves,
            confusion=confusion,
            disagreements=tuple(self.disagreements.items()),
            policies=dict(self.policies),
            notes=tuple(notes),
            skipped=skipped,
            disagreements_total=self.disagreements.total,
            not_comparable_total=self.not_comparable.total,
            skipped_total=len(skipped) if skipped_total is None else skipped_total,
        )


_NOTHING = Actual()


def score(
    replayed: Iterable[Replayed],
    *,
    notes: Iterable[str] = (),
    skipped: Iterable[tuple[str, str]] = (),
    keep: int = KEEP,
) -> ReplayReport:
    """Agreement of the replayed packets with the actuals, in the order given (a Scorer over them)."""
    scorer = Scorer(keep)
    for item in replayed:
        scorer.add(item)
    return scorer.report(notes=notes, skipped=skipped)
