from django.contrib import admin
from import_export.admin import ExportActionMixin

from cases.models import (
    CustomerMessage,
    Order,
    OrderTracking,
    SupplierChase,
    SupplierEvidence,
)
from cases.resources import OrderResource


class RecordInline(admin.TabularInline):
    extra = 0
    readonly_fields = ("recorded_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return False  # what was recorded stays as recorded; add a new record instead

    def has_delete_permission(self, request, obj=None):
        return False


class SupplierEvidenceInline(RecordInline):
    model = SupplierEvidence
    fields = ("at", "kind", "text", "attachment", "recorded_by", "created_at")


class SupplierChaseInline(RecordInline):
    model = SupplierChase
    fields = ("at", "channel", "text", "recorded_by", "created_at")


class CustomerMessageInline(RecordInline):
    model = CustomerMessage
    fields = ("at", "direction", "text", "intents", "recorded_by", "created_at")


class OrderTrackingInline(admin.TabularInline):
    model = OrderTracking
    extra = 0
    autocomplete_fields = ("tracking_number",)
    readonly_fields = ("assigned_at",)


@admin.register(Order)
class OrderAdmin(ExportActionMixin, admin.ModelAdmin):
    resource_classes = [OrderResource]
    list_display = ("order_id", "ordered_at", "product", "country", "value", "currency", "payment_state")
    list_filter = ("payment_state", "country", "product__supplier")
    list_select_related = ("product",)
    search_fields = ("order_id", "customer_email", "tracking_numbers__normalized")
    autocomplete_fields = ("product",)
    date_hierarchy = "ordered_at"
    inlines = [OrderTrackingInline, SupplierEvidenceInline, SupplierChaseInline, CustomerMessageInline]

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if hasattr(instance, "recorded_by_id") and instance.recorded_by_id is None:
                instance.recorded_by = request.user
            instance.save()
        formset.save_m2m()
