"""Writing the audit trail. Every service that changes something a person relies on records it here."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
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
    """Many events in one insert, e.g. the case changes of an import or a sweep. On PostgreSQL they go
    in with COPY: a sweep records up to one event per case, and building a model instance and a
    statement of thousands of parameters for them cost as much as re-assessing the cases."""
    rows = [_fields(**entry) for entry in entries]
    if not rows:
        return
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_create([AuditEvent(**row) for row in rows], batch_size=1000)
        return
    columns = ("at", "actor_id", "actor_label", "content_type_id", "object_id", "object_repr", "action")
    columns += ("changes", "reason")
    sql = f"COPY {AuditEvent._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            actor, content_type = row["actor"], row["content_type"]
            copy.write_row(
                (
                    row["at"],
                    actor.pk if actor is not None else None,
                    row["actor_label"],
                    content_type.pk if content_type is not None else None,
                    row["object_id"],
                    row["object_repr"],
                    row["action"],
                    json.dumps(row["changes"]),
                    row["reason"],
                )
            )


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
