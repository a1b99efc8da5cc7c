"""Replies the guard refuses and accepts, and a count of what the workbench writes, for its tests."""

from cases.models import AuditEvent, CustomerMessage, MoneyDecision, Outcome, SupplierChase

FORBIDDEN = "Good news: your parcel has shipped and will arrive on Friday."
FINE = "Your order has a shipping label; the carrier has not scanned it yet. We asked the supplier for proof."


def counts():
    """How many outcomes, audit events, money decisions, chases and customer messages there are."""
    return (
        Outcome.objects.count(),
        AuditEvent.objects.count(),
        MoneyDecision.objects.count(),
        SupplierChase.objects.count(),
        CustomerMessage.objects.count(),
    )
