"""Shared by the dispute tests: an order with its case, and a dispute on it opened by staff."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Case
from cases.services.disputes import open_dispute
from tests.factories import OrderFactory


@pytest.fixture
def disputed_order(db):
    order = OrderFactory(order_id="#D1", value=Decimal("40.00"), currency="USD")
    Case.objects.get_or_create(order=order)
    return order


@pytest.fixture
def dispute(disputed_order, staff, queued):
    now = timezone.now()
    return open_dispute(
        order=disputed_order,
        actor=staff,
        values={
            "processor": "stripe",
            "network_reason_code": "13.1",
            "reason": "product_not_received",
            "amount": Decimal("40.00"),
            "currency": "usd",
            "opened_at": now - timedelta(days=2),
            "evidence_due_by": now + timedelta(days=10),
        },
    )


def moment(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)
