"""Helpdesk messages that came in (cases.intake.ticket_messages): the unmatched ones first, each with why it
matched no order; staff attach one by choosing its order (the save attaches it through the service: a
customer message of that order, audited) or dismiss it. A message already on its order is history."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from cases.choices import TicketMessageState
from cases.intake import ticket_messages
from cases.intake.csvfiles import CsvError
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

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="cases_ticketmessage_import"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        can_import = request.user.has_perm(IMPORT)
        return super().changelist_view(request, {**(extra_context or {}), "can_import_tickets": can_import})

    def import_view(self, request):
        """A helpdesk's CSV export: every message taken, or none with every problem by line and column."""
        if not request.user.has_perm(IMPORT):
            raise PermissionDenied
        errors: list[str] = []
        if request.method == "POST":
            upload = request.FILES.get("file")
            source = " ".join(request.POST.get("source", "").split())[:16] or "csv"
            if upload is None:
                errors = ["Choose a CSV file."]
            elif upload.size > MAX_TICKETS_BYTES:
                errors = [f"{upload.name}: {upload.size:,} bytes, more than {MAX_TICKETS_BYTES:,}"]
            else:
                try:
                    count, taken = ticket_messages.import_ticket_file(
                        raw=upload.read(),
                        source=source,
                        via=f"admin:import_tickets:{source}",
                        actor=request.user,
                    )
                except CsvError as error:
                    errors = [str(issue) for issue in error.issues[:50]]
                else:
                    messages.success(
                        request,
                        f"{count} messages: {taken.attached} put on their orders, {taken.unmatched} "
                        f"waiting for you, {taken.duplicates} already kept.",
                    )
                    return HttpResponseRedirect(reverse("admin:cases_ticketmessage_changelist"))
        context = {**self.admin_site.each_context(request), "title": "Import a helpdesk's messages"}
        return TemplateResponse(
            request, "admin/cases/ticketmessage/import.html", {**context, "errors": errors}
        )


IMPORT = "cases.add_customermessage"
MAX_TICKETS_BYTES = 50 * 1024 * 1024  # a year of a small store's messages, read in memory
