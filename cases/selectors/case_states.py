"""What a re-assessment needs to know of the stored cases: plain rows, not model instances.

A sweep compares each fresh packet with the stored one and writes only what changed, so it reads,
per case, the stored digest and the few columns the review counts and the audit trail use; never the
packet itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from django.db import connection

from cases.choices import CaseStatus, CaseType
from cases.selectors.rows import fetch_by_ids


class CaseState(NamedTuple):
    pk: int
    order_pk: int
    order_id: str
    case_type: str
    risk_level: str
    risk_rank: int
    window: str | dict | None  # as stored (JSON text on PostgreSQL's raw rows)
    policy_id: int | None
    assessed_at: datetime | None
    next_assessment_at: datetime | None
    waiting_since: datetime | None
    packet_digest: str
    ordered_at: datetime
    sku: str
    supplier: str
    unassessable: bool  # the last attempt failed (cases.services.assessment.record_unassessable)

    @property
    def label(self) -> str:
        return f"Case {self.order_id}"

    @property
    def supplier_stuck(self) -> bool:
        """Stored supplier-silence, or label-only past its window (rules.md section 6, supplier flag)."""
        if self.case_type == CaseType.SUPPLIER_SILENCE:
            return True
        if self.case_type != CaseType.LABEL_CREATED_ONLY or not self.window:
            return False
        window = json.loads(self.window) if isinstance(self.window, str) else self.window
        return bool((window or {}).get("exceeded"))


def case_states(order_pks: Sequence[int], *, due_at: datetime | None = None) -> dict[int, CaseState]:
    """The stored state of these orders' cases, by order primary key.

    With `due_at` (a sweep claiming a batch, inside its transaction): only the open cases still due at
    that time or never assessed (and not failed: such a case waits for its next time), locked, skipping
    those another transaction holds (SKIP LOCKED: a concurrent sweep has them)."""
    sql = (
        'SELECT c.id, c.order_id, o.order_id, c.case_type, c.risk_level, c.risk_rank, c."window", '
        "c.policy_id, c.assessed_at, c.next_assessment_at, c.waiting_since, c.packet_digest, o.ordered_at, "
        "p.sku, s.name, c.unassessable_since IS NOT NULL "
        "FROM cases_case c JOIN cases_order o ON o.id = c.order_id "
        # The product the case counts for in overlays 5 and 6 (rules.md section 3a): its headline parcel's,
        # stored when not the order's first item's.
        "JOIN suppliers_product p ON p.id = COALESCE(c.counted_product_id, o.product_id) "
        "JOIN suppliers_supplier s ON s.id = p.supplier_id "
        "WHERE "
    )
    params = []
    if due_at is not None:
        sql += (
            "c.status = %s AND ((c.assessed_at IS NULL AND c.unassessable_since IS NULL) "
            "OR c.next_assessment_at <= %s) AND "
        )
        params = [CaseStatus.OPEN, due_at]
    sql += "c.order_id IN ({ids})"
    if due_at is not None and connection.vendor == "postgresql":
        sql += " FOR UPDATE OF c SKIP LOCKED"
    rows = fetch_by_ids(sql, order_pks, params, times=(8, 9, 10, 12))
    return {row[1]: CaseState(*row[:-1], bool(row[-1])) for row in rows}
