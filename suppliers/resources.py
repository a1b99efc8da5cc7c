from import_export import resources

from suppliers.models import Product, Supplier


class SupplierResource(resources.ModelResource):
    class Meta:
        model = Supplier
        fields = ("id", "name", "contact_email", "processing_window_days", "status", "created_at")


class ProductResource(resources.ModelResource):
    class Meta:
        model = Product
        fields = ("id", "sku", "title", "supplier__name", "promise_text", "promised_delivery_days", "state")
