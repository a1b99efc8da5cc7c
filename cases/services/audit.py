"""Writing the audit trail. Every service that changes something a person relies on records it here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from cases.models import AuditEvent


@dataclass(frozen=True)
class Target:
    """An object named in the audit trail without loading it (a sweep audits thousands of cases)."""

    model: type[models.Model]
    pk: int
    label: str


def actor_label(actor, fallback: str) -> str:
    return actor.get_username() if actor is not None else fallback


def audit_event(
    *,
    action: str,
    obj: models.Model | Target | None = None,
    actor=None,
    via: str = "system",
    changes: dict | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(**_fields(action, obj, actor, via, changes, reason, at))


def audit_events(entries: Iterable[dict]) -> None:
    """Many events in one insert, e.g. the case changes of an import or a sweep."""
    AuditEvent.objects.bulk_create([AuditEvent(**_fields(**entry)) for entry in entries], batch_size=1000)


def _fields(action, obj=None, actor=None, via="system", changes=None, reason="", at=None) -> dict:
    model = obj.model if isinstance(obj, Target) else obj
    label = obj.label if isinstance(obj, Target) else str(obj)
    return {
        "at": at or timezone.now(),
        "actor": actor,
        "actor_label": actor_label(actor, via),
        "content_type": ContentType.objects.get_for_model(model) if obj is not None else None,
        "object_id": str(obj.pk) if obj is not None else "",
        "object_repr": label[:200] if obj is not None else "",
        "action": action,
        "changes": changes or {},
        "reason": reason,
    }
