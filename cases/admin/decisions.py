from django.contrib import admin
from django.utils import timezone

from cases.models import (
    AuditEvent,
    MoneyDecision,
    Outcome,
)


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
