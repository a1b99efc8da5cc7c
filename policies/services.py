"""Changing the policy: every change is a new version, activated by someone with `edit_policy`."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cases.permissions import EDIT_POLICY, require
from cases.services.audit import audit_event
from policies.models import CountryOverride, Policy, SupplierOverride
from policies.values import POLICY_FIELDS


@transaction.atomic
def create_draft(
    *, base: Policy, actor=None, note: str = "", changes: dict[str, int] | None = None
) -> Policy:
    """A new, inactive version copied from `base` (with its overrides), optionally changed."""
    require(actor, EDIT_POLICY)
    # Two drafts at once collide on the unique version and the second one fails whole: nothing half-made.
    next_version = (Policy.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    values = {name: getattr(base, name) for name in POLICY_FIELDS} | (changes or {})
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
    """Make `policy` the one active version. Only a draft can be activated: old versions stay as they were."""
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
    audit_event(
        action="policy_activated",
        obj=policy,
        actor=actor,
        changes={"previous": previous.label if previous else None},
        reason=reason,
    )
    return policy


def adopt_fields(changes: dict[str, int], *, actor=None, via: str, reason: str) -> Policy | None:
    """A bundle's `policy` block (bundle.md): a new active version with those fields, or None when the
    active policy already says exactly that."""
    current = Policy.objects.get(is_active=True)
    if all(getattr(current, name) == value for name, value in changes.items()):
        return None
    draft = create_draft(base=current, actor=actor, note=reason, changes=changes)
    return activate(draft, actor=actor, reason=f"{reason} ({via})")
