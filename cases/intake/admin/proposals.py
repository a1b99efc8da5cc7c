"""Proposals read from supplier emails, decided by a person (cases.intake.messages.proposals): the list of
those waiting, each with the kind, the sentences behind it, the numbers found and the order it would attach
to; the kind and the order can be corrected while it waits; confirm and dismiss are actions, each refused on
the server without the permission, each audited."""

from __future__ import annotations

from email.message import EmailMessage

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from cases.choices import ProposalState
from cases.intake.messages import proposals
from cases.intake.messages.supplier_emails import (
    MAX_MBOX_BYTES,
    EmailError,
    read_eml,
    read_mbox_each,
    split_mbox,
)
from cases.models import EvidenceProposal, Order


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

    def get_urls(self):
        read = path("read/", self.admin_site.admin_view(self.read_view), name="cases_evidenceproposal_read")
        return [read, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        can_read = request.user.has_perm(proposals.DECIDE)
        return super().changelist_view(request, {**(extra_context or {}), "can_read_emails": can_read})

    def read_view(self, request):
        """An .eml or .mbox upload, or an email's text pasted, read into proposals: all of them, or none
        when any email cannot be read (each error named)."""
        if not request.user.has_perm(proposals.DECIDE):
            raise PermissionDenied
        errors: list[str] = []
        if request.method == "POST":
            try:
                emails = _posted_emails(request)
            except EmailError as error:
                errors = [str(error)]
            else:
                errors = [str(result) for _, result in emails if isinstance(result, EmailError)]
                if not emails:
                    errors = ["Choose a file or paste an email's text."]
            order = _posted_order(request)
            if not errors:
                kept = proposals.propose_emails(emails=emails, order=order)
                created = sum(new for _, new in kept)
                messages.success(
                    request,
                    f"{created} proposal(s) kept for you to confirm ({len(emails) - created} already kept).",
                )
                return HttpResponseRedirect(reverse("admin:cases_evidenceproposal_changelist"))
        context = {**self.admin_site.each_context(request), "title": "Read supplier emails", "errors": errors}
        return TemplateResponse(request, "admin/cases/evidenceproposal/read.html", context)


def _posted_order(request) -> Order | None:
    value = request.POST.get("order", "")
    return Order.objects.filter(pk=int(value)).first() if value.isdigit() and len(value) < 19 else None


def _posted_emails(request) -> list[tuple[bytes, object]]:
    """(bytes, proposal or EmailError) of each email posted: the uploaded file's (an mbox's each), or the
    pasted text's as one email. EmailError for a file that cannot be read at all."""
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > MAX_MBOX_BYTES:
            raise EmailError(
                f"{upload.name}: {upload.size:,} bytes, more than the {MAX_MBOX_BYTES:,} allowed"
            )
        data = upload.read()
        if upload.name.lower().endswith(".mbox") or data.lstrip(b"\r\n").startswith(b"From "):
            return list(zip(split_mbox(data), read_mbox_each(data), strict=True))
        try:
            return [(data, read_eml(data))]
        except EmailError as error:
            return [(data, EmailError(f"{upload.name}: {error}"))]
    text = request.POST.get("text", "")
    if not text.strip():
        return []
    email = EmailMessage()
    # Pasted: no Date (the evidence is dated when it is confirmed, unless the text says otherwise) and no
    # Message-ID, so the same text pasted twice is the same email.
    # One line each: a header cannot hold a line break (and one typed would start a header of its own).
    email["From"] = " ".join((request.POST.get("sender") or "pasted text").split())[:300]
    email["Subject"] = " ".join((request.POST.get("subject") or "").split())[:500]
    email.set_content(text)
    data = email.as_bytes()
    try:
        return [(data, read_eml(data))]
    except EmailError as error:
        return [(data, error)]
