"""Replies the guard refuses and accepts, and a count of what the workbench writes, for its tests."""

from cases.models import AuditEvent, CustomerMessage, MoneyDecision, Outcome, SupplierChase
from tests.helpers.stored_rows import row_counts

FORBIDDEN = "Good news: your parcel has shipped and will arrive on Friday."
FINE = "Your order has a shipping label; the carrier has not scanned it yet. We asked the supplier for proof."


def counts():
    """How many outcomes, audit events, money decisions, chases and customer messages there are."""
    return row_counts(Outcome, AuditEvent, MoneyDecision, SupplierChase, CustomerMessage)
