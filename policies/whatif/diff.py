"""What-if arithmetic, without the ORM.

It says which decisions a draft policy would change, counted and
merged from any number of batches or processes.

A draft changes only the numbers of rules.md section 2. For each open case the what-if compares the three
decisions a person acts on, the case type (section 4), the risk and the next move (section 5 after the
overlays of section 6), as they stand under the active policy with what they would be under the draft,
at the same `as_of` and from the same facts.

Three facts make this cheap and exact (policies.whatif.engine does the database side):

- rules.md section 2: every number an assessment reads is resolved per order (supplier beats country
  beats default). A case whose resolved numbers are the same under both versions has the same packet
  under both: it cannot change, and is not assessed (`same_numbers`).
- Section 6, overlays 5 and 6 only add flags and `also`; they never move the risk or the next move. So
  the three decisions are those of one case on its own (cases.assessment.standing), and the review
  counts over other cases, which are what make a full packet expensive, are not needed.
- Section 1 and the packet's next_assessment_at (section 9): with the facts unchanged, a stored packet
  stays right until its next_assessment_at, and the clock sweep keeps stored packets current. So the
  stored decisions are the baseline of every case assessed under the active version whose next
  assessment is still ahead (`stored_is_current`); the others are assessed under the active policy too.

A version also holds its lanes (policies.lanes): every open case is counted in its lane under each
version, from its decisions under that version and the version's lane settings (`count_lanes`), so a
draft that changes only the lanes assesses nothing and still says how many cases move lane.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cases.assessment.vocabulary import RISK_LEVELS
from policies.lanes import FAST, OWNER_ONLY, LaneSettings
from policies.values import PolicyValues
from staletrack.tallies import Tally

KEEP = 1000  # changed cases listed (by order primary key); every one is counted
FIELDS = ("case_type", "risk_level", "next_move")

Decision = tuple[str, str, str]  # (case_type, risk_level, next_move)


def same_numbers(a: PolicyValues, b: PolicyValues) -> bool:
    """rules.md section 2: the twelve numbers are all an assessment reads of a policy. Equal numbers, equal
    packets (but for the version label), so the case cannot change. The review thresholds and windows
    count too: they do not move these three decisions, but this stays true whatever the rules read."""
    return a.as_dict() == b.as_dict()


def stored_is_current(
    *,
    assessed_at: datetime | None,
    next_assessment_at: datetime | None,
    policy_id: int | None,
    active_policy_id: int,
    as_of: datetime,
) -> bool:
    """Whether a stored assessment still says what the active policy says at `as_of` (rules.md section 1
    clocks; section 9 next_assessment_at): assessed under the active version, not after `as_of`, and its
    next assessment (None: nothing can change any more) still ahead. A case that is due, never
    assessed or assessed under another version is assessed again for the baseline."""
    if assessed_at is None or policy_id != active_policy_id or assessed_at > as_of:
        return False
    return next_assessment_at is None or next_assessment_at > as_of


def risk_rank(risk: str) -> int:
    """Section 5 lists the risk levels lowest first; a blank (never assessed) ranks below them all."""
    return RISK_LEVELS.index(risk) if risk in RISK_LEVELS else -1


@dataclass(frozen=True, slots=True)
class Change:
    """One open case whose decisions differ under the draft, with the draft's reasons (sections 4-6)."""

    order_pk: int
    case_pk: int
    order_id: str
    before: Decision
    after: Decision
    reasons: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for name, a, b in zip(FIELDS, self.before, self.after, strict=True) if a != b)

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_pk": self.order_pk,
            "case_pk": self.case_pk,
            "order_id": self.order_id,
            "before": dict(zip(FIELDS, self.before, strict=True)),
            "after": dict(zip(FIELDS, self.after, strict=True)),
            "changed": list(self.fields),
            "reasons": list(self.reasons),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            order_pk=data["order_pk"],
            case_pk=data["case_pk"],
            order_id=data["order_id"],
            before=tuple(data["before"][name] for name in FIELDS),
            after=tuple(data["after"][name] for name in FIELDS),
            reasons=tuple(data.get("reasons", ())),
        )


class WhatIfResult(
    Tally,
    counts="open_cases same_numbers assessed baseline_assessed changed_any changed_case_type changed_risk"
    " changed_next_move risk_raised risk_lowered fast_now fast_draft standard_now standard_draft"
    " owner_only_now owner_only_draft lane_changed",
):
    """Counts over every open case looked at, and the first `keep` changed cases by order primary key.

    `open_cases` are the open cases looked at; `same_numbers` of them have the same resolved numbers
    under both versions (they cannot change and are not assessed); `assessed` were assessed under the
    draft, and `baseline_assessed` of those under the active version too (their stored assessment was not
    current); the `changed_*` and `risk_*` counts say how those assessed differ. `fast_now`,
    `standard_now` and `owner_only_now` count every open case looked at in its lane under the active
    version, the `_draft` ones under the draft, and `lane_changed` those whose lane differs.

    A partial result (one batch, one process) and a whole run have the same shape: `merge` adds counts
    and keeps the first `keep` changes of both, so the outcome does not depend on how the open cases
    were split or in which order the parts arrive."""

    def __init__(self, *, keep: int = KEEP, **counts: int) -> None:
        super().__init__(**counts)
        self.changes: list[Change] = []
        self.keep = keep

    def record(
        self,
        *,
        order_pk: int,
        case_pk: int,
        order_id: str,
        before: Decision,
        after: Decision,
        reasons: Iterable[str] = (),
    ) -> Change | None:
        """Count one assessed case; return its Change when any of the three decisions differs."""
        self.assessed += 1
        if before == after:
            return None
        change = Change(order_pk, case_pk, order_id, tuple(before), tuple(after), tuple(reasons))
        self.changed_any += 1
        changed = change.fields
        self.changed_case_type += "case_type" in changed
        self.changed_next_move += "next_move" in changed
        if "risk_level" in changed:
            self.changed_risk += 1
            up = risk_rank(after[1]) > risk_rank(before[1])
            self.risk_raised += up
            self.risk_lowered += not up
        self.changes.append(change)
        if len(self.changes) >= 2 * self.keep + 1:
            self._trim()
        return change

    def count_lanes(self, now: str, draft: str) -> None:
        """One open case in lane `now` under the active version and `draft` under the draft."""
        for lane, suffix in ((now, "now"), (draft, "draft")):
            name = "fast" if lane == FAST else "owner_only" if lane == OWNER_ONLY else "standard"
            setattr(self, f"{name}_{suffix}", getattr(self, f"{name}_{suffix}") + 1)
        self.lane_changed += now != draft

    def merge(self, other: WhatIfResult) -> WhatIfResult:
        super().merge(other)
        self.changes.extend(other.changes)
        self._trim()
        return self

    @classmethod
    def merged(cls, parts: Iterable[WhatIfResult], keep: int = KEEP) -> WhatIfResult:
        total = cls(keep=keep)
        for part in parts:
            total.merge(part)
        return total

    def _trim(self) -> None:
        self.changes = heapq.nsmallest(self.keep, self.changes, key=lambda c: c.order_pk)

    @property
    def listed(self) -> list[Change]:
        """The changes kept, by order primary key."""
        self._trim()
        return self.changes

    def to_dict(self) -> dict[str, Any]:
        return self.counts() | {"changes": [change.to_dict() for change in self.listed]}


def numbers_digest(
    default: PolicyValues,
    countries: Mapping[str, Mapping[str, int | None]],
    suppliers: Mapping[int, Mapping[str, int | None]],
    lanes: LaneSettings | None = None,
) -> str:
    """A fingerprint of a version's numbers, overrides and lanes (a PolicyBook's parts), so a stored
    what-if run can tell whether the draft was edited after it ran."""
    body = {
        "default": default.as_dict(),
        "countries": {country: dict(values) for country, values in sorted(countries.items())},
        "suppliers": {str(pk): dict(values) for pk, values in sorted(suppliers.items())},
    }
    if lanes is not None:
        body["lanes"] = lanes.as_dict()
    encoded = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Difference:
    """One number a draft sets differently from the active version (None: the override inherits)."""

    kind: str  # "default", "country" or "supplier"
    key: str | int | None  # the country code or the supplier's key; None for the default
    field: str
    active: int | None
    draft: int | None


def numbers_differences(active: Any, draft: Any) -> list[Difference]:
    """Field by field, what `draft` changes against `active` (both PolicyBook-shaped: default, countries,
    suppliers), in the order rules.md section 2 lists the fields: defaults, then countries, then suppliers."""
    found = []
    a, d = active.default.as_dict(), draft.default.as_dict()
    found += [Difference("default", None, name, a[name], d[name]) for name in a if a[name] != d[name]]
    for kind, layers_a, layers_d in (
        ("country", active.countries, draft.countries),
        ("supplier", active.suppliers, draft.suppliers),
    ):
        for key in sorted(set(layers_a) | set(layers_d), key=str):
            la, ld = layers_a.get(key) or {}, layers_d.get(key) or {}
            for name in a:
                if la.get(name) != ld.get(name):
                    found.append(Difference(kind, key, name, la.get(name), ld.get(name)))
    return found
