"""Exports of orders and cases (django-import-export). Formula cells are neutralised on export by
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT (settings)."""

from import_export import fields, resources

from cases.models import Case, Order


class OrderResource(resources.ModelResource):
    sku = fields.Field(attribute="product__sku", column_name="sku")
    supplier = fields.Field(attribute="product__supplier__name", column_name="supplier")

    class Meta:
        model = Order
        fields = (
            "order_id",
            "ordered_at",
            "customer_email",
            "country",
            "postal_code",
            "sku",
            "supplier",
            "value",
            "currency",
            "payment_state",
            "promise_text",
        )
        import_id_fields = ("order_id",)


class CaseResource(resources.ModelResource):
    order_id = fields.Field(attribute="order__order_id", column_name="order_id")

    class Meta:
        model = Case
        fields = (
            "order_id",
            "case_type",
            "risk_level",
            "next_move",
            "route",
            "status",
            "requires_owner_approval",
            "assessed_at",
            "next_assessment_at",
        )
