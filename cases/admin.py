from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from import_export.admin import ExportActionMixin

from cases.assessment.text import render_text
from cases.bundles.reader import BundleError, read_bundle
from cases.carriers.normalize import normalize_number
from cases.forms import BundleUploadForm
from cases.models import (
    AuditEvent,
    Case,
    CustomerMessage,
    MoneyDecision,
    Order,
    OrderTracking,
    Outcome,
    SupplierChase,
    SupplierEvidence,
    TrackingEvent,
    TrackingNumber,
)
from cases.permissions import IMPORT_CASES
from cases.resources import CaseResource, OrderResource
from cases.services.bundle_import import import_bundle

RISK_COLOURS = {
    "normal_watch": "#2e7d32",
    "supplier_chase": "#1565c0",
    "customer_update": "#6a1b9a",
    "review_risk": "#ef6c00",
    "refund_risk": "#c62828",
    "chargeback_watch": "#b71c1c",
    "owner_only": "#000000",
}


def risk_badge(risk_level: str, label: str):
    return format_html(
        '<span style="background:{};color:#fff;padding:2px 6px;border-radius:3px;white-space:nowrap">'
        "{}</span>",
        RISK_COLOURS.get(risk_level, "#555"),
        label or "not assessed",
    )


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


class TrackingEventInline(admin.TabularInline):
    model = TrackingEvent
    extra = 0
    fields = ("at", "status", "raw_status", "description", "location", "country", "postal_code", "source")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrackingNumber)
class TrackingNumberAdmin(admin.ModelAdmin):
    list_display = ("number", "normalized", "carrier", "tracking_link", "created_at")
    list_filter = ("carrier",)
    search_fields = ("normalized", "number", "orders__order_id")
    readonly_fields = ("normalized",)
    inlines = [TrackingEventInline]

    @admin.display(description="carrier page")
    def tracking_link(self, obj):
        if not obj.url:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">track</a>', obj.url)

    def save_model(self, request, obj, form, change):
        obj.normalized = normalize_number(obj.number)
        super().save_model(request, obj, form, change)


@admin.register(Case)
class CaseAdmin(ExportActionMixin, admin.ModelAdmin):
    resource_classes = [CaseResource]
    import_export_change_list_template = "admin/cases/case/change_list.html"
    list_display = (
        "order_link",
        "case_type",
        "risk",
        "next_move",
        "route",
        "key_clock",
        "supplier",
        "sku",
        "country",
        "assignee",
        "status",
    )
    list_filter = ("status", "risk_level", "case_type", "next_move", "route", "order__product__supplier")
    list_select_related = ("order__product__supplier", "assignee")
    search_fields = ("order__order_id", "order__customer_email", "order__tracking_numbers__normalized")
    ordering = ("-risk_rank", "order__ordered_at")
    fields = ("packet_text", "status", "assignee", "held_until", "hold_reason", "assessed_at", "policy")
    readonly_fields = ("packet_text", "assessed_at", "policy")
    autocomplete_fields = ("assignee",)

    def has_add_permission(self, request):
        return False  # a case exists because an order does

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="order", ordering="order__order_id")
    def order_link(self, obj):
        return obj.order.order_id

    @admin.display(description="risk", ordering="-risk_rank")
    def risk(self, obj):
        return risk_badge(obj.risk_level, obj.get_risk_level_display())

    @admin.display(description="key clock")
    def key_clock(self, obj):
        window = obj.window
        if not window:
            return "—"
        return f"{window['elapsed_days']} d of {window['days']} d" + (
            " (exceeded)" if window["exceeded"] else ""
        )

    @admin.display(description="supplier", ordering="order__product__supplier__name")
    def supplier(self, obj):
        return obj.order.product.supplier.name

    @admin.display(description="SKU", ordering="order__product__sku")
    def sku(self, obj):
        return obj.order.product.sku

    @admin.display(description="country", ordering="order__country")
    def country(self, obj):
        return obj.order.country

    @admin.display(description="decision packet")
    def packet_text(self, obj):
        if not obj.packet:
            return "Not assessed yet."
        return format_html(
            '<pre style="white-space:pre-wrap;font-size:13px">{}</pre>', render_text(obj.packet)
        )

    def get_urls(self):
        return [
            path(
                "import-bundle/",
                self.admin_site.admin_view(self.import_bundle_view),
                name="cases_case_import_bundle",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_bundle": request.user.has_perm(IMPORT_CASES)}
        return super().changelist_view(request, extra_context)

    def import_bundle_view(self, request):
        if not request.user.has_perm(IMPORT_CASES):
            raise PermissionDenied
        form = BundleUploadForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            raw = form.cleaned_data["file"].read()
            try:
                summary = import_bundle(read_bundle(raw), raw=raw, actor=request.user, via="admin upload")
            except BundleError as exc:
                errors = [str(issue) for issue in exc.issues]
            else:
                level = messages.SUCCESS if summary.changed else messages.INFO
                self.message_user(request, summary.describe(), level)
                return redirect(reverse("admin:cases_case_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a case bundle",
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
            "max_mb": settings.BUNDLE_MAX_BYTES // (1024 * 1024),
        }
        return TemplateResponse(request, "admin/cases/case/import_bundle.html", context)


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "at", "by", "note")
    list_filter = ("kind",)
    list_select_related = ("case__order", "by")
    search_fields = ("case__order__order_id", "note")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MoneyDecision)
class MoneyDecisionAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "amount", "currency", "state", "requested_by", "decided_by", "decided_at")
    list_filter = ("state", "kind")
    list_select_related = ("case__order", "requested_by", "decided_by")
    search_fields = ("case__order__order_id", "reason")
    readonly_fields = ("state", "requested_by", "requested_at", "decided_by", "decided_at", "decision_note")

    def has_change_permission(self, request, obj=None):
        return False  # decisions go through the approval flow, never a raw edit

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.requested_by = request.user
        obj.requested_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_repr", "reason")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_label", "reason")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
