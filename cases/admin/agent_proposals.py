"""What agents proposed (cases.services.agent_proposals), for staff: a read-only list, those waiting first.

A proposal is answered on its case's page, where its text can be edited before it is accepted: each
waiting row links there. Nothing is written from this list; a crafted POST to its add, change or delete
URLs gets 403. Agents' texts are shown escaped, like every text of the admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from cases.choices import AgentProposalState
from cases.models import AgentProposal
from cases.workbench.selectors import waiting_first
from staletrack.admin import ReadOnlyAdmin


def answer_url(proposal: AgentProposal) -> str:
    """The proposal's place on its case's page."""
    return f"{reverse('admin:cases_case_change', args=[proposal.case_id])}#proposal-{proposal.pk}"


@admin.register(AgentProposal)
class AgentProposalAdmin(ReadOnlyAdmin):
    list_display = (
        "proposed_at",
        "state",
        "kind",
        "agent",
        "case_order",
        "channel_or_ending",
        "text_start",
        "answer",
        "decided_by",
        "decided_at",
    )
    list_display_links = ("proposed_at",)
    list_filter = ("state", "kind", "agent")
    list_select_related = ("case__order", "decided_by")
    search_fields = ("case__order__order_id",)  # the real search is get_search_results: exact
    search_help_text = "Order id (exact, with or without #)."
    # Waiting first (what a person has to answer), then the newest.
    ordering = (waiting_first().asc(), "-proposed_at", "-id")
    fields = (
        "case",
        "agent",
        "token",
        "kind",
        "channel",
        "ending",
        "text",
        "proposed_at",
        "state",
        "decided_by",
        "decided_at",
        "decision_note",
    )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        ids = {term, term if term.startswith("#") else f"#{term}"}
        return queryset.filter(case__order__order_id__in=ids), False

    @admin.display(description="case", ordering="case__order__order_id")
    def case_order(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:cases_case_change", args=[obj.case_id]),
            obj.case.order.order_id,
        )

    @admin.display(description="channel or ending")
    def channel_or_ending(self, obj):
        return obj.get_channel_display() or obj.get_ending_display() or "-"

    @admin.display(description="text")
    def text_start(self, obj):
        return Truncator(obj.text).chars(120)

    @admin.display(description="answer")
    def answer(self, obj):
        if obj.state != AgentProposalState.PENDING:
            return "-"
        return format_html(
            '<a href="{}" class="answer-proposal">Answer on the case page</a>', answer_url(obj)
        )
