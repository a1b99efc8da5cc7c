"""Tracking numbers: the list with the CSV imports, and a number's page with its carrier events.

A number or an event changed by hand goes through `cases.services.orders` (checked, audited, the cases of
the orders carrying the number re-assessed after commit), like every other path facts arrive by. An
event whose stored time cannot be read back is left out of the page, which says how many there are."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from cases.admin.orders import FactEditsMixin, FactForm
from cases.intake.admin.tracking import TrackingImportAdminMixin
from cases.models import (
    TrackingEvent,
    TrackingNumber,
)
from cases.services import orders as order_facts
from cases.tracking.detect import best_carrier, detect, tracking_url
from cases.tracking.normalize import normalize_number
from cases.workbench.timeline import READABLE


class TrackingEventInline(admin.TabularInline):
    model = TrackingEvent
    form = FactForm
    extra = 0
    fields = order_facts.TRACKING_EVENT_FIELDS

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(READABLE)


class TrackingNumberForm(forms.ModelForm):
    url = forms.URLField(max_length=500, required=False, assume_scheme="https")

    def clean_number(self):
        number = self.cleaned_data.get("number") or ""
        normalized = normalize_number(number)
        if not normalized:
            raise forms.ValidationError("The number is empty once spaces and dashes are removed.")
        clash = TrackingNumber.objects.filter(normalized=normalized).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"Tracking number {normalized} is already stored.")
        return number


VERDICTS = {
    "valid": ("#2e7d32", "check digit valid"),
    "none": ("#555", "format only (no check digit)"),
    "invalid": ("#c62828", "check digit INVALID"),
}


@admin.register(TrackingNumber)
class TrackingNumberAdmin(FactEditsMixin, TrackingImportAdminMixin, admin.ModelAdmin):
    change_list_template = "admin/cases/trackingnumber/change_list.html"  # the two import links
    list_display = ("number", "carrier_name", "check_digit", "tracking_link", "created_at")
    list_filter = ("carrier",)
    search_fields = ("normalized", "number", "orders__order_id")
    form = TrackingNumberForm
    fields = (
        "number",
        "normalized",
        "carrier",
        "url",
        "carrier_name",
        "check_digit",
        "tracking_link",
        "unreadable_events",
    )
    readonly_fields = ("normalized", "carrier_name", "check_digit", "tracking_link", "unreadable_events")
    inlines = [TrackingEventInline]

    @admin.display(description="events that cannot be read")
    def unreadable_events(self, obj):
        """Events whose stored time Python cannot hold (a BC date, year 10000): left out of the list
        below; counted in SQL, never read."""
        if obj is None or obj.pk is None:
            return "-"
        count = obj.events.exclude(READABLE).count()
        if not count:
            return "none"
        return format_html(
            '<strong style="color:#c62828">{}</strong>',
            f"{count} event(s) with a stored time that cannot be read; they are not listed below, and the "
            "cases of the orders carrying this number cannot be assessed until they are corrected.",
        )

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
        order_facts.save_tracking_number(number=obj, actor=request.user)

    def delete_record(self, record, *, actor) -> None:
        order_facts.delete_tracking_number(number=record, actor=actor)


def best_match(number: TrackingNumber):
    """The detector's verdict for the stored carrier, or its best guess when none is stored."""
    matches = detect(number.normalized)
    preferred = [m for m in matches if m.carrier == number.carrier]
    return (preferred or matches or [None])[0]
