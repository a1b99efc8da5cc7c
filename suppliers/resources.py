"""Exports of suppliers and products.

Like every export, formula cells are neutralised (OWASP CSV
injection) by `staletrack.exports.FormulaSafeResource`, for the admin's exports and for exports from code."""

from staletrack.exports import FormulaSafeResource
from suppliers.models import Product, Supplier


class SupplierResource(FormulaSafeResource):
    class Meta:
        model = Supplier
        fields = ("id", "name", "contact_email", "processing_window_days", "status", "created_at")


class ProductResource(FormulaSafeResource):
    class Meta:
        model = Product
        fields = ("id", "sku", "title", "supplier__name", "promise_text", "promised_delivery_days", "state")
