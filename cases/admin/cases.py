from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ExportActionMixin

from cases.assessment.text import render_text
from cases.bundles.reader import BundleError, read_bundle
from cases.forms import BundleUploadForm
from cases.models import (
    Case,
)
from cases.permissions import IMPORT_CASES
from cases.resources import CaseResource
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
