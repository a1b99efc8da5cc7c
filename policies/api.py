"""The policies' routes of the agents' API: the policy in force, explained, and what-if results already
run. Read only: no token changes a policy or starts a run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from policies.models import HELP, WhatIfRun
from policies.selectors import active_policy, lane_settings_of
from policies.values import POLICY_FIELDS
from staletrack.api import ERRORS, PageQuery
from staletrack.cursors import id_page

router = Router(tags=["policy"])


class PolicyNumber(Schema):
    name: str
    value: int
    means: str = Field(description="What the number counts (rules.md section 2).")


class PolicyOverride(Schema):
    applies_to: str = Field(description="A destination country's code, or a supplier's name.")
    supplier_id: int | None
    values: dict[str, int] = Field(description="The numbers it sets; the others are inherited.")


class PolicyInForce(Schema):
    version: str
    activated_at: datetime | None
    note: str
    numbers: list[PolicyNumber]
    country_overrides: list[PolicyOverride]
    supplier_overrides: list[PolicyOverride]
    precedence: str
    lanes: dict[str, Any] = Field(
        description="Which cases staff may answer in bulk (fast) and which only an owner answers "
        "(owner-only; the rest standard): docs/fast-lane.md."
    )


class WhatIfRow(Schema):
    id: int
    draft: str
    compared_with: str | None
    status: str
    as_of: datetime
    finished_at: datetime | None
    open_cases: int
    assessed: int
    changed_any: int
    changed_case_type: int
    changed_risk: int
    changed_next_move: int
    risk_raised: int
    risk_lowered: int
    fast_now: int = Field(description="Open cases in the fast lane under the active version.")
    fast_draft: int
    standard_now: int
    standard_draft: int
    owner_only_now: int
    owner_only_draft: int
    lane_changed: int = Field(description="Open cases whose lane the draft changes.")


class WhatIfPage(Schema):
    items: list[WhatIfRow]
    next_cursor: str | None


class WhatIfResult(WhatIfRow):
    changes: list[Any] = Field(description="The first 1,000 cases the draft would change.")


def policy_in_force() -> dict:
    policy = active_policy()
    return {
        "version": policy.label,
        "activated_at": policy.activated_at,
        "note": policy.note,
        "numbers": [{"name": n, "value": getattr(policy, n), "means": HELP[n]} for n in POLICY_FIELDS],
        "country_overrides": [
            {"applies_to": o.country, "supplier_id": None, "values": _set(o.values())}
            for o in policy.country_overrides.order_by("country")
        ],
        "supplier_overrides": [
            {"applies_to": o.supplier.name, "supplier_id": o.supplier_id, "values": _set(o.values())}
            for o in policy.supplier_overrides.select_related("supplier").order_by("supplier__name")
        ],
        "precedence": "A supplier override beats a country override, which beats the version's own numbers; "
        "a supplier's own processing time counts as a supplier override of the processing window.",
        "lanes": lane_settings_of(policy).as_dict(),
    }


def _set(values: dict) -> dict:
    return {name: value for name, value in values.items() if value is not None}


def _run(run: WhatIfRun, *, changes: bool = False) -> dict:
    row = {
        "id": run.pk,
        "draft": run.draft.label,
        "compared_with": run.baseline.label if run.baseline_id else None,
        "status": run.status,
        "as_of": run.as_of,
        "finished_at": run.finished_at,
        **{
            name: getattr(run, name)
            for name in (
                "open_cases",
                "assessed",
                "changed_any",
                "changed_case_type",
                "changed_risk",
                "changed_next_move",
                "risk_raised",
                "risk_lowered",
                "fast_now",
                "fast_draft",
                "standard_now",
                "standard_draft",
                "owner_only_now",
                "owner_only_draft",
                "lane_changed",
            )
        },
    }
    if changes:
        row["changes"] = run.changes or []
    return row


def _runs():
    return WhatIfRun.objects.select_related("draft", "baseline").defer("changes")


def what_if_runs(*, cursor: str | None = None, limit: int = 50) -> dict:
    rows, next_cursor = id_page(_runs(), cursor=cursor, limit=limit, newest_first=True)
    return {"items": [_run(run) for run in rows], "next_cursor": next_cursor}


def what_if_result(run_id: int) -> dict:
    return _run(
        get_object_or_404(WhatIfRun.objects.select_related("draft", "baseline"), pk=run_id), changes=True
    )


@router.get("/policy", response={200: PolicyInForce, **ERRORS}, summary="The policy in force, explained")
def policy(request):
    return policy_in_force()


@router.get("/whatif", response={200: WhatIfPage, **ERRORS}, summary="What-if runs already run")
def what_ifs(request, page: Query[PageQuery]):
    return what_if_runs(cursor=page.cursor, limit=page.limit)


@router.get("/whatif/{run_id}", response={200: WhatIfResult, **ERRORS}, summary="One what-if run's result")
def what_if(request, run_id: int = Path(..., ge=1, le=2**63 - 1)):
    return what_if_result(run_id)
