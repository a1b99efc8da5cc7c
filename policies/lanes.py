"""The lanes of a policy: which cases staff may answer in bulk (the fast lane), which stay the owner's (the
owner-only lane), and the rest (standard, worked one case page at a time as ever). Pure, no ORM.

A lane is a function of what the assessment stored about a case (its case type, rules.md section 4; its
risk level after the overlays, sections 5 and 6; whether a refund request or a dispute is on it) and the
lane settings of the policy version in force, which an owner sets like the policy's numbers (a draft,
activated; docs/fast-lane.md). It never changes a packet: the rules decide what a case is, the lane only
who may answer it and how.

- **owner-only**: its case type or its risk level is one the owner kept, or (by default) a refund request
  or a dispute is on it. Only an owner (a session verified by a second factor) marks its reply as sent or
  records its outcome.
- **fast**: one of the fast case types, at a risk no higher than the fast lane's ceiling, with neither a
  refund request nor a dispute, and not owner-only. Staff may review its draft among others and mark many
  as sent at once; each reply still passes the guard of rules.md section 8.
- **standard**: everything else.

A refund request or a dispute is read from what the rules store: the route `refund` (only overlays 3 and 4
of section 6, a refund request, a dispute threat or a disputed payment, and the dispute clock set it) and
an open dispute in the packet's `dispute`. The fast lane's ceiling is at most `review_risk`: from
`refund_risk` up a money decision is on the table (section 7), and an open dispute raises a case to
`chargeback_watch` at least (cases.assessment.disputes), so no disputed case can ever be fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from cases.assessment import vocabulary as v
from cases.assessment.disputes import OPEN_STATUSES

FAST = "fast"
STANDARD = "standard"
OWNER_ONLY = "owner_only"
LANES: tuple[str, ...] = (FAST, STANDARD, OWNER_ONLY)
LANE_LABELS = {FAST: "fast lane", STANDARD: "standard", OWNER_ONLY: "owner-only"}

# The highest risk the fast lane may reach (see the module's docstring).
FAST_RISK_CEILING = v.REVIEW_RISK
FAST_RISKS: tuple[str, ...] = v.RISK_LEVELS[: v.risk_rank(FAST_RISK_CEILING) + 1]
# The statuses of a dispute still open: needs a response, or submitted.
OPEN_DISPUTE_STATUSES = frozenset(OPEN_STATUSES)


@dataclass(frozen=True, slots=True)
class LaneSettings:
    """A policy version's lanes, with the defaults of the seed's rollout (day 7)."""

    fast_case_types: tuple[str, ...] = (
        v.IN_TRANSIT_CASE,
        v.STALE_IN_TRANSIT,
        v.ACCEPTED_NO_MOVEMENT,
        v.LABEL_CREATED_ONLY,
    )
    fast_max_risk: str = v.CUSTOMER_UPDATE
    owner_only_case_types: tuple[str, ...] = (v.WRONG_DESTINATION, v.DELIVERED_CONFLICT)
    owner_only_risks: tuple[str, ...] = (v.CHARGEBACK_WATCH, v.OWNER_ONLY)
    owner_only_refunds: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in ((f.name, getattr(self, f.name)) for f in fields(self))
        }


SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(LaneSettings))
# The policy's columns (policies.models.Policy) that hold each setting.
POLICY_LANE_FIELDS: dict[str, str] = {f"lane_{name}": name for name in SETTING_NAMES}
DEFAULT_SETTINGS = LaneSettings()

SETTING_WORDS = {
    "fast_case_types": "fast lane: case types",
    "fast_max_risk": "fast lane: highest risk",
    "owner_only_case_types": "owner-only: case types",
    "owner_only_risks": "owner-only: risk levels",
    "owner_only_refunds": "owner-only: any refund request or dispute",
}


def settings_from(values: Mapping[str, Any]) -> LaneSettings:
    """LaneSettings from a policy's lane columns (`POLICY_LANE_FIELDS`' names, as stored); a column absent
    keeps its default."""
    given = {}
    for column, name in POLICY_LANE_FIELDS.items():
        if column in values:
            value = values[column]
            given[name] = tuple(value) if isinstance(value, list | tuple) else value
    return LaneSettings(**given)


def dispute_is_open(dispute: Mapping[str, Any] | None) -> bool:
    """Whether a packet's `dispute` (cases.assessment.disputes.entry) is still open."""
    return bool(dispute) and dispute.get("status") in OPEN_DISPUTE_STATUSES


def money_or_dispute(route: str | None, dispute: Mapping[str, Any] | None = None) -> bool:
    """A refund request or a dispute is on the case: its route is `refund` (rules.md section 6, overlays 3
    and 4) or its packet names an open dispute."""
    return route == v.ROUTE_REFUND or dispute_is_open(dispute)


def _rank(risk: str) -> int:
    return v.risk_rank(risk) if risk in v.RISK_LEVELS else -1


def lane_of(case_type: str, risk_level: str, *, money_or_dispute: bool, settings: LaneSettings) -> str:
    """The lane of a case (the module's docstring): owner-only wins over fast."""
    if owner_only_because(case_type, risk_level, money_or_dispute=money_or_dispute, settings=settings):
        return OWNER_ONLY
    if (
        case_type in settings.fast_case_types
        and 0 <= _rank(risk_level) <= _rank(settings.fast_max_risk)
        and not money_or_dispute
    ):
        return FAST
    return STANDARD


def owner_only_because(
    case_type: str, risk_level: str, *, money_or_dispute: bool, settings: LaneSettings
) -> str:
    """Why the case is owner-only, in words ("its risk is owner only"), or "" when it is not."""
    if risk_level in settings.owner_only_risks:
        return f"its risk is {words(risk_level)}"
    if case_type in settings.owner_only_case_types:
        return f"it is {words(case_type)}"
    if money_or_dispute and settings.owner_only_refunds:
        return "a refund request or a dispute is on it"
    return ""


def lane_reason(case_type: str, risk_level: str, *, money_or_dispute: bool, settings: LaneSettings) -> str:
    """Why the case is in its lane, in words, for the pages that leave a case out and name it."""
    because = owner_only_because(case_type, risk_level, money_or_dispute=money_or_dispute, settings=settings)
    if because:
        return f"owner-only: {because}"
    if not case_type:
        return "standard: not assessed yet"
    if case_type not in settings.fast_case_types:
        return f"standard: {words(case_type)} is not a fast case type"
    if money_or_dispute:
        return "standard: a refund request or a dispute is on it"
    if _rank(risk_level) > _rank(settings.fast_max_risk):
        ceiling = words(settings.fast_max_risk)
        return f"standard: its risk, {words(risk_level)}, is above the fast lane's {ceiling}"
    return "fast lane"


def words(value: str) -> str:
    return (value or "none").replace("_", " ")


def validate_lane_settings(values: Mapping[str, Any]) -> dict[str, str]:
    """{setting: reason} for every setting (by its name in `SETTING_NAMES`) that cannot stand: an unknown
    case type or risk level, a fast lane above `FAST_RISK_CEILING`, a case type both fast and owner-only,
    an owner-only risk the fast lane would also take. Empty: the settings hold."""
    errors: dict[str, str] = {}
    for name in ("fast_case_types", "owner_only_case_types"):
        unknown = [t for t in values.get(name, ()) if t not in v.CASE_TYPES]
        if unknown:
            errors[name] = f"{', '.join(map(str, unknown))} is no case type (rules.md section 4)"
    unknown = [r for r in values.get("owner_only_risks", ()) if r not in v.RISK_LEVELS]
    if unknown:
        errors["owner_only_risks"] = f"{', '.join(map(str, unknown))} is no risk level (rules.md section 5)"
    ceiling = values.get("fast_max_risk", DEFAULT_SETTINGS.fast_max_risk)
    if ceiling not in FAST_RISKS:
        errors["fast_max_risk"] = (
            f"must be one of {', '.join(FAST_RISKS)}: from refund risk up a money decision is on the table "
            "(rules.md section 7)"
        )
    both = sorted(set(values.get("fast_case_types", ())) & set(values.get("owner_only_case_types", ())))
    if both and "owner_only_case_types" not in errors:
        errors["owner_only_case_types"] = f"{', '.join(both)} cannot be both fast and owner-only"
    if "fast_max_risk" not in errors and "owner_only_risks" not in errors:
        taken = [r for r in values.get("owner_only_risks", ()) if _rank(r) <= _rank(ceiling)]
        if taken:
            errors["owner_only_risks"] = (
                f"{', '.join(taken)} is at or below the fast lane's highest risk ({ceiling}): "
                "lower that first"
            )
    return errors


def describe(settings: LaneSettings) -> dict[str, str]:
    """Each setting in words, by its name (what-if pages, the activation's audit event)."""
    return {
        "fast_case_types": ", ".join(map(words, settings.fast_case_types)) or "none",
        "fast_max_risk": words(settings.fast_max_risk),
        "owner_only_case_types": ", ".join(map(words, settings.owner_only_case_types)) or "none",
        "owner_only_risks": ", ".join(map(words, settings.owner_only_risks)) or "none",
        "owner_only_refunds": "yes" if settings.owner_only_refunds else "no",
    }


def lane_differences(active: LaneSettings, draft: LaneSettings) -> list[tuple[str, str, str]]:
    """(setting in words, the active version's, the draft's) for each setting the draft changes."""
    a, d = describe(active), describe(draft)
    return [(SETTING_WORDS[name], a[name], d[name]) for name in SETTING_NAMES if a[name] != d[name]]
