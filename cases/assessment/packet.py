"""The decision packet (rules.md section 9).

`Packet.to_dict()` gives exactly the keys of section 9 (`parcels` among them) plus three of ours:
`supplier_draft` (a message to the supplier when the next move or `also` asks it for something),
`draft_notes` (why a draft that was wanted could not be written), `as_of` (the instant the packet
describes) and `dispute` (the store's dispute on the order as it stands at `as_of`, with the whole days
left to its evidence deadline; None without one: disputes.py). Times are ISO 8601 UTC
with a "Z". `guard` is kept on the object for `guard.guard_context` and is not serialized.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cases.assessment.classify import Window
from cases.assessment.clock import iso_z
from cases.assessment.guard import GuardContext

PACKET_KEYS: tuple[str, ...] = (
    "order_id",
    "case_type",
    "risk_level",
    "next_move",
    "also",
    "route",
    "window",
    "clocks",
    "carrier",
    "flags",
    "evidence_gaps",
    "reasons",
    "requires_owner_approval",
    "policy_version",
    "next_assessment_at",
    "draft_reply",
    "parcels",
    "supplier_draft",
    "draft_notes",
    "as_of",
    "dispute",
)


@dataclass(frozen=True, slots=True)
class Clocks:
    """Whole days since each moment (section 1: floor of the real age); None where the moment is unknown."""

    order_age_days: int
    tracking_age_days: int | None  # from label_at
    days_since_first_scan: int | None
    days_since_last_movement: int | None

    def to_dict(self) -> dict[str, int | None]:
        return {
            "order_age_days": self.order_age_days,
            "tracking_age_days": self.tracking_age_days,
            "days_since_first_scan": self.days_since_first_scan,
            "days_since_last_movement": self.days_since_last_movement,
        }


def window_dict(window: Window | None) -> dict[str, Any] | None:
    if window is None:
        return None
    return {
        "name": window.name,
        "days": window.days,
        "started_at": iso_z(window.started_at),
        "elapsed_days": window.elapsed_days,
        "exceeded": window.exceeded,
    }


@dataclass(frozen=True, slots=True)
class ParcelEntry:
    """One parcel as the packet lists it (section 9); the decisions are None for a superseded parcel."""

    number: str | None  # normalized
    carrier: str | None
    skus: tuple[str, ...]
    superseded: bool
    case_type: str | None = None
    risk_level: str | None = None  # the parcel's base risk (section 5)
    next_move: str | None = None  # its base move
    window: Window | None = None
    clocks: Clocks | None = None
    flags: tuple[str, ...] = ()  # section 7's parcel flags, sorted

    def to_dict(self) -> dict[str, Any]:
        """Section 9's keys in the order of the fields, the window and clocks as in the packet."""
        data = {name: getattr(self, name) for name in self.__slots__}
        data.update(skus=list(self.skus), flags=list(self.flags), window=window_dict(self.window))
        data["clocks"] = None if self.clocks is None else self.clocks.to_dict()
        return data


@dataclass(frozen=True, slots=True)
class Packet:
    order_id: str
    case_type: str
    risk_level: str
    next_move: str
    also: tuple[str, ...]
    route: str | None
    window: Window | None
    clocks: Clocks
    carrier: str | None
    flags: tuple[str, ...]  # sorted
    evidence_gaps: tuple[str, ...]
    reasons: tuple[str, ...]
    requires_owner_approval: bool
    policy_version: str
    next_assessment_at: datetime | None
    draft_reply: str | None
    supplier_draft: str | None
    draft_notes: tuple[str, ...]
    as_of: datetime
    guard: GuardContext
    parcels: tuple[ParcelEntry, ...] = ()  # input order, then the parcel without a number section 3a adds
    dispute: dict[str, Any] | None = None  # disputes.entry()

    def decision_key(self) -> tuple:
        """What next_assessment_at watches: the decisions, not the day counts shown beside them."""
        decided = (self.case_type, self.risk_level, self.next_move, self.also, self.route, self.flags)
        window = None if self.window is None else self.window.key()
        return (*decided, window, self.requires_owner_approval)

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "case_type": self.case_type,
            "risk_level": self.risk_level,
            "next_move": self.next_move,
            "also": list(self.also),
            "route": self.route,
            "window": window_dict(self.window),
            "clocks": self.clocks.to_dict(),
            "carrier": self.carrier,
            "flags": list(self.flags),
            "evidence_gaps": list(self.evidence_gaps),
            "reasons": list(self.reasons),
            "requires_owner_approval": self.requires_owner_approval,
            "policy_version": self.policy_version,
            "next_assessment_at": iso_z(self.next_assessment_at),
            "draft_reply": self.draft_reply,
            "parcels": [parcel.to_dict() for parcel in self.parcels],
            "supplier_draft": self.supplier_draft,
            "draft_notes": list(self.draft_notes),
            "as_of": iso_z(self.as_of),
            "dispute": self.dispute,
        }
