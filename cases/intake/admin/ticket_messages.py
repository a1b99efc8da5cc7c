"""Helpdesk messages that came in (cases.intake.ticket_messages): the unmatched ones first, each with why it
matched no order; staff attach one by choosing its order (the save attaches it through the service: a
customer message of that order, audited) or dismiss it. A message already on its order is history."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from cases.choices import TicketMessageState
from cases.intake import ticket_messages
from cases.models import TicketMessage


@admin.action(description="Dismiss the selected unmatched messages (not about an order)")
def dismiss_messages(modeladmin, request, queryset):
    if not request.user.has_perm(ticket_messages.ATTACH):
        raise PermissionDenied
    done = 0
    for row in queryset.filter(state=TicketMessageState.UNMATCHED):
        ticket_messages.dismiss(ticket_message=row, actor=request.user)
        done += 1
    messages.success(request, f"{done} message{'' if done == 1 else 's'} dismissed.")


class UnmatchedFirst(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("all", "All"), *TicketMessageState.choices]

    def choices(self, changelist):
        # "All" is a choice of its own: without a choice, the list shows what waits for staff.
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or TicketMessageState.UNMATCHED) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or TicketMessageState.UNMATCHED
        return queryset if value == "all" else queryset.filter(state=value)


@admin.register(TicketMessage)
class TicketMessageAdmin(admin.ModelAdmin):
    actions = [dismiss_messages]
    list_display = ("at", "state", "source", "ticket_id", "from_email", "subject", "match", "order")
    list_filter = (UnmatchedFirst, "source", "direction")
    search_fields = ("ticket_id", "from_email", "subject", "text", "order__order_id")
    raw_id_fields = ("order",)
    fields = (
        "state",
        "order",
        "match",
        "source",
        "ticket_id",
        "at",
        "direction",
        "from_email",
        "subject",
        "text",
        "tags",
        "customer_message",
        "decided_by",
        "received_at",
    )

    def get_readonly_fields(self, request, obj=None):
        editable = ("order",) if obj is not None and obj.state == TicketMessageState.UNMATCHED else ()
        return [name for name in self.fields if name not in editable]

    def has_add_permission(self, request):
        return False  # messages come from the helpdesks (webhooks, `import_tickets`)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if "order" not in form.changed_data or obj.order is None:
            return
        try:
            ticket_messages.attach(ticket_message=obj, order=obj.order, actor=request.user)
        except ticket_messages.TicketMessageError as error:
            messages.error(request, str(error))
