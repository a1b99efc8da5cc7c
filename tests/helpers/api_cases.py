"""Stored cases with the queue's columns set as a test says (no assessment), for the API's lists: each
filter's subset and each page's order are known from the fields alone."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from cases.assessment import vocabulary as v
from cases.models import Case
from tests.factories import CaseFactory, OrderFactory, ProductFactory, SupplierFactory


def stored_case(
    order_id: str,
    *,
    supplier: str = "Acme",
    sku: str = "A-1",
    days_old: float = 1,
    country: str = "US",
    risk_level: str = v.NORMAL_WATCH,
    **fields,
) -> Case:
    """A case of order `order_id` placed `days_old` days ago, its product `sku` from `supplier`; `fields`
    are the case's own columns (status, case_type, flags, waiting_since, assignee, ...)."""
    product = ProductFactory(sku=sku, supplier=SupplierFactory(name=supplier))
    ordered_at = timezone.now() - timedelta(days=days_old)
    order = OrderFactory(order_id=order_id, product=product, ordered_at=ordered_at, country=country)
    return CaseFactory(order=order, risk_level=risk_level, risk_rank=v.risk_rank(risk_level), **fields)


def queue_cases(count: int, *, start: datetime, first: int = 0) -> list[Case]:
    """`count` cases mixing every way the queue orders: three risk ranks, equal waits, no wait, and ids
    that break the ties. Returned in creation order."""
    cases = []
    for i in range(first, first + count):
        risk = (v.NORMAL_WATCH, v.CUSTOMER_UPDATE, v.REFUND_RISK)[i % 3]
        waiting = None if i % 4 == 0 else start + timedelta(hours=i % 5)
        cases.append(
            stored_case(
                f"#Q{i:03d}",
                supplier=f"Queue Supplier {i}",
                sku=f"Q-{i}",
                risk_level=risk,
                waiting_since=waiting,
            )
        )
    return cases


def queue_order(cases) -> list[int]:
    """The ids of `cases` in the queue's order (rules of cases.selectors.case_queue, written out again):
    risk first, then the longest wait, no wait last, then the newest case."""
    return [
        case.pk
        for case in sorted(
            cases,
            key=lambda c: (
                -c.risk_rank,
                c.waiting_since is None,
                c.waiting_since or datetime.min.replace(tzinfo=timezone.get_current_timezone()),
                -c.pk,
            ),
        )
    ]
