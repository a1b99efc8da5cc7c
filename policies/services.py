"""Changing the policy: every change is a new version, activated by someone with `edit_policy`."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from cases.choices import CaseStatus
from cases.models import Case
from cases.services.audit import audit_event
from policies.lanes import POLICY_LANE_FIELDS, lane_differences
from policies.models import CountryOverride, Policy, SupplierOverride
from policies.permissions import EDIT_POLICY
from policies.selectors import lane_settings_of, policy_book
from policies.values import POLICY_FIELDS
from policies.whatif.diff import same_numbers
from policies.whatif.runs import latest_run, run_summary
from staletrack.batches import chunked
from staletrack.celery import queue_after_commit
from staletrack.permissions import require


@transaction.atomic
def create_draft(
    *, base: Policy, actor=None, note: str = "", changes: dict[str, int] | None = None
) -> Policy:
    """A new, inactive version copied from `base` (with its overrides, its lanes and its refund terms),
    optionally changed."""
    require(actor, EDIT_POLICY)
    # Two drafts at once collide on the unique version and the second one fails whole: nothing half-made.
    next_version = (Policy.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    copied = (*POLICY_FIELDS, *POLICY_LANE_FIELDS, "refund_terms")
    values = {name: getattr(base, name) for name in copied} | (changes or {})
    draft = Policy.objects.create(version=next_version, note=note, created_by=actor, **values)
    CountryOverride.objects.bulk_create(
        CountryOverride(policy=draft, country=o.country, **o.values()) for o in base.country_overrides.all()
    )
    SupplierOverride.objects.bulk_create(
        SupplierOverride(policy=draft, supplier_id=o.supplier_id, **o.values())
        for o in base.supplier_overrides.all()
    )
    audit_event(action="policy_draft_created", obj=draft, actor=actor, changes=changes or {}, reason=note)
    return draft


@transaction.atomic
def activate(policy: Policy, *, actor=None, reason: str = "") -> Policy:
    """Make `policy` the one active version. Only a draft can be activated: old versions stay as they were.

    The audit event names the previous and the new version and, when the draft had a what-if run, that
    run's counts. Once the activation commits, `reassess_after_activation_task` makes due the open cases
    whose numbers changed (`mark_affected_cases_due`) and starts the clock sweep, which re-assesses them
    under the new version."""
    require(actor, EDIT_POLICY)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if not policy.is_draft:
        raise ValueError(f"{policy.label} was already activated once; copy it into a new draft instead.")
    previous = Policy.objects.select_for_update().filter(is_active=True).first()
    if previous is not None:
        previous.is_active = False
        previous.save(update_fields=["is_active"])
    policy.is_active = True
    policy.activated_at = timezone.now()
    policy.save(update_fields=["is_active", "activated_at"])
    changes = {"previous": previous.label if previous else None, "version": policy.label}
    if previous is not None:
        # The lanes take effect at once (they are read live, never stored on a case): say what moved.
        lanes = lane_differences(lane_settings_of(previous), lane_settings_of(policy))
        if lanes:
            changes["lanes"] = {setting: [was, now] for setting, was, now in lanes}
    run = latest_run(policy)
    if run is not None:
        changes["what_if"] = run_summary(run)
    audit_event(action="policy_activated", obj=policy, actor=actor, changes=changes, reason=reason)
    # The activation stands if the broker is down: the cases catch up at their own clocks.
    queue_after_commit(
        "policies.tasks.reassess_after_activation_task",
        policy.pk,
        previous.pk if previous else None,
        policy.activated_at.isoformat(),
    )
    return policy


def mark_affected_cases_due(policy: Policy, previous: Policy | None, *, at: datetime) -> int:
    """Make due, at `at`, the open cases whose resolved numbers differ between `previous` and `policy`
    (rules.md section 2), so the clock sweep re-assesses them under `policy`. Returns how many.

    Why this way: the sweep already claims due cases in batches with SKIP LOCKED, writes only what
    changed, audits every change of case type or risk, and resumes after a crash; marking cases due
    hands them to it. Only cases whose numbers differ can change, so only those are marked, in
    statements of 5,000 keys (each its own short transaction, never a lock over all open cases): one
    write per affected case, none for the others. A draft that changes the default numbers affects every
    open case; one that changes an override only that country's or supplier's. A case never moves later,
    only earlier. The cases whose numbers are the same keep their packets, which are also what
    `policy` says, and take its version label when their own clocks next come due."""
    new_book = policy_book(policy)
    old_book = policy_book(previous) if previous is not None else None
    differs: dict[tuple, bool] = {}
    affected = []
    rows = (
        Case.objects.filter(status=CaseStatus.OPEN)
        .exclude(policy=policy)
        .values_list(
            "pk",
            "order__country",
            "order__product__supplier_id",
            "order__product__supplier__processing_window_days",
        )
    )
    for pk, *key in rows.iterator(chunk_size=20000):
        key = tuple(key)
        changed = differs.get(key)
        if changed is None:
            changed = differs[key] = old_book is None or not same_numbers(
                new_book.for_order(*key), old_book.for_order(*key)
            )
        if changed:
            affected.append(pk)
    marked = 0
    later = Q(next_assessment_at__isnull=True) | Q(next_assessment_at__gt=at)
    for chunk in chunked(affected):
        if chunk:
            marked += Case.objects.filter(later, pk__in=chunk, status=CaseStatus.OPEN).update(
                next_assessment_at=at
            )
    return marked


def adopt_fields(changes: dict[str, int], *, actor=None, via: str, reason: str) -> Policy | None:
    """A bundle's `policy` block (bundle.md): a new active version with those fields, or None when the
    active policy already says exactly that."""
    current = Policy.objects.get(is_active=True)
    if all(getattr(current, name) == value for name, value in changes.items()):
        return None
    draft = create_draft(base=current, actor=actor, note=reason, changes=changes)
    return activate(draft, actor=actor, reason=f"{reason} ({via})")
