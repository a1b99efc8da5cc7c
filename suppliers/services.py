"""Product and supplier decisions. Pausing a product is the owner's (DEVELOPERS.md, rules.md section 6)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cases.permissions import PAUSE_PRODUCT, require
from cases.services.audit import audit_event
from suppliers.models import Product


@transaction.atomic
def set_product_state(product: Product, state: str, *, actor=None, reason: str = "") -> Product:
    """Pause or resume a product (owner only), or mark it `review_required` (the weekly review does)."""
    if state != Product.State.REVIEW_REQUIRED:
        require(actor, PAUSE_PRODUCT)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.state == state:
        return product
    previous = product.state
    product.state = state
    product.state_reason = reason
    product.state_changed_at = timezone.now()
    product.state_changed_by = actor
    product.save(update_fields=["state", "state_reason", "state_changed_at", "state_changed_by"])
    audit_event(
        action=f"product_{state}",
        obj=product,
        actor=actor,
        changes={"state": [previous, state]},
        reason=reason,
    )
    return product
