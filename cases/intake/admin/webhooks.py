"""Tracker webhook deliveries in the admin, read-only.

Read-only because a delivery is a record of what AfterShip
sent and what it changed (docs/webhook.md). Editing or deleting one would also re-open the door
the unique body digest closes: a deleted delivery's re-delivery would be stored again."""

from django.contrib import admin

from cases.models import WebhookDelivery
from staletrack.admin import ReadOnlyAdmin


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "source", "delivery_id", "numbers", "events_created")
    list_filter = ("source",)
    search_fields = ("delivery_id", "body_sha256")
    date_hierarchy = "received_at"
    fields = ("source", "delivery_id", "received_at", "tracking_numbers", "events_created", "body_sha256")
    readonly_fields = fields

    @admin.display(description="tracking numbers")
    def numbers(self, obj):
        return ", ".join(obj.tracking_numbers or []) or "—"
