"""The audit trail: a read-only list of every audit event, whichever part of the project wrote it.

Append-only: nobody edits or deletes an event here (and on PostgreSQL the database refuses too); a crafted
POST to the add, change or delete URLs gets 403."""

from django.contrib import admin

from cases.models import AuditEvent
from staletrack.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_repr", "reason")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_label", "reason")
    date_hierarchy = "at"
