"""Proposals read from supplier emails, decided by a person (cases.intake.messages.proposals): the list of
those waiting, each with the kind, the sentences behind it, the numbers found and the order it would attach
to; the kind and the order can be corrected while it waits; confirm and dismiss are actions, each refused on
the server without the permission, each audited."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from cases.choices import ProposalState
from cases.intake.messages import proposals
from cases.models import EvidenceProposal


def _decide(request, queryset, decide) -> None:
    if not request.user.has_perm(proposals.DECIDE):
        raise PermissionDenied
    done, refused = 0, []
    for proposal in queryset.filter(state=ProposalState.PENDING):
        try:
            decide(proposal)
            done += 1
        except (proposals.ProposalError, PermissionDenied) as error:
            refused.append(f"{proposal}: {error}")
    if done:
        messages.success(request, f"{done} proposal{'' if done == 1 else 's'} decided.")
    for line in refused:
        messages.error(request, line)


@admin.action(description="Confirm the selected proposals (each becomes supplier evidence on its order)")
def confirm_proposals(modeladmin, request, queryset):
    _decide(request, queryset, lambda proposal: proposals.confirm(proposal=proposal, actor=request.user))


@admin.action(description="Dismiss the selected proposals (nothing is written)")
def dismiss_proposals(modeladmin, request, queryset):
    _decide(request, queryset, lambda proposal: proposals.dismiss(proposal=proposal, actor=request.user))


@admin.register(EvidenceProposal)
class EvidenceProposalAdmin(admin.ModelAdmin):
    actions = [confirm_proposals, dismiss_proposals]
    list_display = ("received_at", "state", "kind", "order", "match", "sender", "subject")
    list_filter = ("state", "kind", "source")
    search_fields = ("sender", "subject", "message_id", "order__order_id", "text")
    raw_id_fields = ("order",)
    fields = (
        "state",
        "kind",
        "order",
        "match",
        "text",
        "tracking_numbers",
        "sender",
        "subject",
        "sent_at",
        "received_at",
        "attachment",
        "reading",
        "decided_by",
        "decided_at",
        "evidence",
    )

    def get_readonly_fields(self, request, obj=None):
        # While it waits, a person may correct what it would become; afterwards it is history.
        editable = ("kind", "order") if obj is not None and obj.state == ProposalState.PENDING else ()
        return [name for name in self.fields if name not in editable]

    def has_add_permission(self, request):
        return False  # proposals come from reading emails (`read_emails --propose`, the intake page)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if obj.state != ProposalState.PENDING:
            raise PermissionDenied
        super().save_model(request, obj, form, change)
