"""Reads of connections for the admin and `manage.py connection list`: each source with its state and
today's deliveries and refusals (docs/connections.md). Never a secret: its hint only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from cases.choices import ConnectionSource, DeliveryVerdict
from cases.intake.webhooks.services import secret_for, secret_hint
from cases.intake.webhooks.sources import SOURCES
from cases.models import Connection, WebhookDelivery, WebhookRefusal


@dataclass
class ConnectionState:
    source: str
    label: str
    path: str  # the address to paste into the source, after the site's own (a token's hint only)
    configured: bool  # a secret is set (and the connection is on)
    enabled: bool
    secret: str  # its hint
    retention_days: int
    last_delivery: datetime | None = None
    deliveries_today: int = 0
    refusals_today: int = 0
    waiting: int = 0  # kept, not yet applied by the worker
    refusal_reasons: dict[str, int] = field(default_factory=dict)


def connection_states(*, now: datetime | None = None) -> list[ConnectionState]:
    """Every source, configured or not, in the order of ConnectionSource."""
    now = now or timezone.now()
    since = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = {connection.source: connection for connection in Connection.objects.all()}
    last = dict(
        WebhookDelivery.objects.values("source")
        .annotate(last=Max("received_at"))
        .values_list("source", "last")
    )
    today = dict(
        WebhookDelivery.objects.filter(received_at__gte=since)
        .values("source")
        .annotate(n=Count("id"))
        .values_list("source", "n")
    )
    reasons: dict[str, Counter] = {}
    for source, reason in WebhookRefusal.objects.filter(at__gte=since).values_list("source", "reason"):
        reasons.setdefault(source, Counter())[reason] += 1
    # Verified and kept, but refused or failed when read or written: replayable, so shown beside the others.
    for source, reason in WebhookDelivery.objects.filter(
        received_at__gte=since, verdict__in=[DeliveryVerdict.REFUSED, DeliveryVerdict.FAILED]
    ).values_list("source", "reason"):
        reasons.setdefault(source, Counter())[f"kept: {reason[:120]}"] += 1
    waiting = dict(
        WebhookDelivery.objects.filter(verdict=DeliveryVerdict.PENDING)
        .values("source")
        .annotate(n=Count("id"))
        .values_list("source", "n")
    )
    states = []
    for value, label in ConnectionSource.choices:
        connection = rows.get(value)
        source = SOURCES.get(value)
        by_token = source is not None and source.by_token
        secret = connection.secret if connection else ""
        # A token source's address holds its secret: shown with the token's hint only (the whole address
        # is shown once, to the owner who sets the token).
        path = (
            reverse("webhooks:by_token", args=["TOKEN"]).replace("TOKEN", secret_hint(secret))
            if by_token
            else reverse("webhooks:pushed", args=[value])
        )
        refused = reasons.get(value, Counter())
        states.append(
            ConnectionState(
                source=value,
                label=label,
                path=path if not by_token or secret else "(set a token first)",
                configured=bool(secret_for(value)),
                enabled=connection.enabled if connection else value == ConnectionSource.AFTERSHIP,
                secret=secret_hint(secret) if connection else ("(environment)" if secret_for(value) else ""),
                retention_days=connection.retention_days if connection else 30,
                last_delivery=last.get(value),
                deliveries_today=today.get(value, 0),
                refusals_today=sum(refused.values()),
                refusal_reasons=dict(refused.most_common()),
                waiting=waiting.get(value, 0),
            )
        )
    return states
