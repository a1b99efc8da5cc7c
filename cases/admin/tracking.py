from django.contrib import admin
from django.utils.html import format_html

from cases.admin.tracking_import import TrackingImportAdminMixin
from cases.carriers.detect import best_carrier, detect, tracking_url
from cases.carriers.normalize import normalize_number
from cases.models import (
    TrackingEvent,
    TrackingNumber,
)


class TrackingEventInline(admin.TabularInline):
    model = TrackingEvent
    extra = 0
    fields = (
        "at",
        "approximate",
        "status",
        "raw_status",
        "description",
        "location",
        "country",
        "postal_code",
        "source",
    )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


VERDICTS = {
    "valid": ("#2e7d32", "check digit valid"),
    "none": ("#555", "format only (no check digit)"),
    "invalid": ("#c62828", "check digit INVALID"),
}


@admin.register(TrackingNumber)
class TrackingNumberAdmin(TrackingImportAdminMixin, admin.ModelAdmin):
    change_list_template = "admin/cases/trackingnumber/change_list.html"  # the two import links
    list_display = ("number", "carrier_name", "check_digit", "tracking_link", "created_at")
    list_filter = ("carrier",)
    search_fields = ("normalized", "number", "orders__order_id")
    fields = ("number", "normalized", "carrier", "url", "carrier_name", "check_digit", "tracking_link")
    readonly_fields = ("normalized", "carrier_name", "check_digit", "tracking_link")
    inlines = [TrackingEventInline]

    @admin.display(description="carrier")
    def carrier_name(self, obj):
        match = best_match(obj)
        return match.carrier_name if match else (obj.carrier or "not recognised")

    @admin.display(description="check digit")
    def check_digit(self, obj):
        match = best_match(obj)
        if match is None:
            return format_html('<span style="color:#c62828">{}</span>', "fits no known carrier format")
        colour, words = VERDICTS[match.check_digit]
        return format_html('<span style="color:{}">{}</span> ({})', colour, words, match.format)

    @admin.display(description="carrier page")
    def tracking_link(self, obj):
        if not obj.url:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener noreferrer">track on the carrier\'s site</a>', obj.url
        )

    def save_model(self, request, obj, form, change):
        obj.normalized = normalize_number(obj.number)
        if not obj.carrier:
            obj.carrier = best_carrier(obj.normalized) or ""
        if not obj.url and obj.carrier:
            obj.url = tracking_url(obj.carrier, obj.normalized) or ""
        super().save_model(request, obj, form, change)


def best_match(number: TrackingNumber):
    """The detector's verdict for the stored carrier, or its best guess when none is stored."""
    matches = detect(number.normalized)
    preferred = [m for m in matches if m.carrier == number.carrier]
    return (preferred or matches or [None])[0]
