"""Stored rows for the admin's home page tests: open and closed cases at known risk levels and waits, money
decisions, agent proposals, disputes, products and suppliers in known states."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cases.choices import (
    AgentProposalKind,
    AgentProposalState,
    CaseStatus,
    DisputeStatus,
    MoneyState,
    RiskLevel,
)
from cases.models import AgentProposal, Case, Dispute, MoneyDecision
from suppliers.models import Product, Supplier
from tests.factories import CaseFactory, OrderFactory, ProductFactory, SupplierFactory

RANKS = {level: rank for rank, level in enumerate(RiskLevel.values)}


def make_case(risk: str, *, status: str = CaseStatus.OPEN, waited_days: float | None = None, **order) -> Case:
    waiting = timezone.now() - timedelta(days=waited_days) if waited_days is not None else None
    return CaseFactory(
        order=OrderFactory(**order),
        risk_level=risk,
        risk_rank=RANKS.get(risk, 0),
        status=status,
        waiting_since=waiting,
    )


def fill(n: int, *, requester, decider) -> dict[str, int]:
    """`n` of everything the home page counts (and as many that it must not count); returns what the owner's
    block should say."""
    supplier = SupplierFactory(name=f"Calm {n}")
    for i in range(n):
        make_case(RiskLevel.OWNER_ONLY, waited_days=i + 1)
        make_case(RiskLevel.SUPPLIER_CHASE)
        make_case(RiskLevel.OWNER_ONLY, status=CaseStatus.RESOLVED, waited_days=50 + i)
        case = make_case(RiskLevel.REFUND_RISK, status=CaseStatus.HELD)
        money = {"case": case, "kind": "refund", "amount": "5.00", "currency": "USD", "reason": "late"}
        MoneyDecision.objects.create(**money, requested_by=requester, requested_at=timezone.now())
        MoneyDecision.objects.create(
            **money,
            requested_by=requester,
            requested_at=timezone.now(),
            state=MoneyState.APPROVED,
            decided_by=decider,
            decided_at=timezone.now(),
        )
        AgentProposal.objects.create(case=case, agent="bot", kind=AgentProposalKind.NOTE, text="look")
        due = timezone.now() + timedelta(days=3 * i + 1)
        dispute = {
            "order": case.order,
            "processor": "stripe",
            "opened_at": timezone.now() - timedelta(days=3),
        }
        Dispute.objects.create(**dispute, evidence_due_by=due)
        Dispute.objects.create(**dispute, evidence_due_by=due, status=DisputeStatus.WON)
        AgentProposal.objects.create(
            case=case,
            agent="bot",
            kind=AgentProposalKind.NOTE,
            text="done",
            state=AgentProposalState.DISMISSED,
        )
        ProductFactory(sku=f"R-{n}-{i}", supplier=supplier, state=Product.State.REVIEW_REQUIRED)
        ProductFactory(sku=f"A-{n}-{i}", supplier=supplier)
        SupplierFactory(name=f"Flagged {n}-{i}", status=Supplier.Status.FLAGGED)
    return {"money": n, "owner-only": n, "disputes": n, "products": n, "suppliers": n, "proposals": n}
