"""Outcomes, money decisions and the audit trail: read-only lists.

Every write goes through the case page
(`cases.services.workbench`), which checks permissions, records the outcome and the audit event; a
crafted POST to these admins' add, change or delete URLs gets 403."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from cases.models import AuditEvent, MoneyDecision, Outcome
from staletrack.admin import ReadOnlyAdmin


def case_link(case):
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:cases_case_change", args=[case.pk]), case.order.order_id
    )


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAdmin):
    list_display = ("case_order", "kind", "at", "by", "note")
    list_filter = ("kind",)
    list_select_related = ("case__order", "by")
    search_fields = ("=case__order__order_id",)

    @admin.display(description="case", ordering="case__order__order_id")
    def case_order(self, obj):
        return case_link(obj.case)


@admin.register(MoneyDecision)
class MoneyDecisionAdmin(ReadOnlyAdmin):
    """Requests are made, edited and decided on the case page, where the owner sees the amount and reason
    the approval is tied to. `amended_by` is the second person who set the terms: like the requester,
    they cannot decide."""

    list_display = (
        "case_order",
        "kind",
        "amount",
        "currency",
        "state",
        "requested_by",
        "amended_by",
        "decided_by",
        "decided_at",
        "version",
        "above_value",
    )
    list_filter = ("state", "kind")
    list_select_related = ("case__order", "requested_by", "amended_by", "decided_by")
    search_fields = ("=case__order__order_id",)

    @admin.display(description="case", ordering="case__order__order_id")
    def case_order(self, obj):
        return case_link(obj.case)

    @admin.display(description="above the order's value because")
    def above_value(self, obj):
        return obj.above_value_reason or "-"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Append-only: nobody edits or deletes an event here (and on PostgreSQL the database refuses too)."""

    list_display = ("at", "actor_label", "action", "object_repr", "reason")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_label", "reason")
    date_hierarchy = "at"
